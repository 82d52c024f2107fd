#!/bin/sh
# Install the Debian 12 packages bump needs, by what they are needed for:
#   scripts/install-deps.sh [--build]  build everything: the library, the
#                                      drivers (DPDK, AF_XDP, io_uring) and apps
#   scripts/install-deps.sh --test     the build set and what the test suite
#                                      runs (scripts/test.sh): clang for the
#                                      fuzz build, testpmd, ip and xdp-tools
#                                      for veth pairs, QEMU and a kernel image
#                                      for the vfio guest
#   scripts/install-deps.sh --bench    the build set and what the benchmark
#                                      pages' commands run (doc/bench/)
#   scripts/install-deps.sh --all      all of them
# --list prints the set's packages, one a line, and installs nothing.
# Quick when they are all there already: apt runs only for missing ones.
set -eu

BUILD="build-essential meson ninja-build pkg-config python3
libnuma-dev libdpdk-dev liburing-dev libxdp-dev libbpf-dev libbenchmark-dev"
# clang, libclang-rt-14-dev: the libFuzzer build (doc/fuzzing.md).
# dpdk-dev: dpdk-testpmd and dpdk-test, under which the mempool plugin is tested.
# qemu-system-x86 ... kmod: the vfio guest (test/vfio/vfio_qemu.sh).
# g++: install-cxx's C++ program (test/dpdk/dpdk_install.sh; build-essential has it too).
TEST="clang libclang-rt-14-dev dpdk dpdk-dev numactl iproute2 ethtool xdp-tools
qemu-system-x86 linux-image-amd64 busybox-static cpio kmod g++"
# gnuplot-nox: the pages' plots; valgrind: fwd_callgrind.py (doc/bench/fwd.md);
# dpdk-dev: dpdk-testpmd, the pure-DPDK reference of doc/bench/afxdp.md.
BENCH="gnuplot-nox valgrind dpdk-dev iproute2 ethtool xdp-tools"

PACKAGES=$BUILD list=0
for arg in "$@"; do
	case "$arg" in
	--build) PACKAGES=$BUILD ;;
	--test) PACKAGES="$BUILD $TEST" ;;
	--bench) PACKAGES="$BUILD $BENCH" ;;
	--all) PACKAGES="$BUILD $TEST $BENCH" ;;
	--list) list=1 ;;
	*) echo "usage: install-deps.sh [--build|--test|--bench|--all] [--list]" >&2; exit 2 ;;
	esac
done
if [ $list = 1 ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $PACKAGES | sort -u
	exit 0
fi

missing=""
for p in $(printf '%s\n' $PACKAGES | sort -u); do
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
