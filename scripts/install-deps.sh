#!/bin/sh
# Install every Debian 12 package bump builds, tests and benchmarks with.
# Quick when they are all there already: apt runs only for missing ones.
set -eu

# dpdk-dev: dpdk-testpmd, the DPDK reference of the AF_XDP benchmark (doc/bench/afxdp.md).
# clang, libclang-rt-14-dev: the libFuzzer build of test/fuzz (doc/fuzzing.md).
PACKAGES="build-essential meson ninja-build pkg-config python3 clang libclang-rt-14-dev
libnuma-dev numactl
libdpdk-dev dpdk dpdk-dev
liburing-dev libxdp-dev libbpf-dev xdp-tools iproute2 ethtool
libbenchmark-dev gnuplot-nox valgrind
qemu-system-x86 linux-image-amd64 busybox-static cpio kmod"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
