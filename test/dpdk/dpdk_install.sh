#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_install.sh BUILD: meson install into a scratch root, then a C++ DPDK
# program (dpdk_cxx.cpp) built with nothing but `pkg-config libdpdk` runs
# on bump's ops from the installed plugin (EAL -d), without hugepages.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

build=$1
command -v c++ >/dev/null || test_skip "needs a C++ compiler (apt-get install g++)"
pkg-config --exists libdpdk || test_skip "needs libdpdk's pkg-config file (apt-get install libdpdk-dev)"
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs"
# Inside the build directory: EAL loads no plugin below a world-writable one (/tmp).
root=$(mktemp -d -p "$build" install-dpdk.XXXXXX) || test_fail "mktemp"
chmod 755 "$root"
trap 'rm -rf "$root" "$(dpdk_rundir)/bmpd$$"' EXIT

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >"$root/install.log" 2>&1 ||
	test_fail "meson install: $(tail -3 "$root/install.log")"
plugin=$(find "$root" -name librte_mempool_bump.so | head -n 1)
[ -n "$plugin" ] || test_fail "librte_mempool_bump.so was not installed"
case $plugin in
*/dpdk/pmds-*/librte_mempool_bump.so) ;;
*) test_fail "the plugin was installed at ${plugin#"$root"}, not in a DPDK plugin directory (dpdk/pmds-*)" ;;
esac
BUMP_MEMPOOL_PLUGIN=$plugin dpdk_plugin_check
echo "installed plugin: ${plugin#"$root"}"

flags=$(pkg-config --cflags --libs libdpdk)
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Wextra -Werror -o "$root/dpdk_cxx" "$(dirname "$0")/dpdk_cxx.cpp" $flags ||
	test_fail "the C++ program does not build against the installed packages"
ldd "$root/dpdk_cxx" | grep -q libbump && test_fail "the C++ program links libbump: it must know only DPDK"
eal_mem=$(dpdk_eal_mem nohuge) || exit $?
# shellcheck disable=SC2086
"$root/dpdk_cxx" $eal_mem -l "${cpus%,*}" --no-pci --no-telemetry \
	--log-level=lib.eal:warning -d "$plugin" -- 4095
