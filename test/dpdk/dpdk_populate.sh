#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_populate.sh OPS: dpdk_populate.c (a plain DPDK program) filling
# mempools of OPS through rte_mempool_populate_iova() in two chunks,
# populate_virt() in 4 KiB pages, populate_anon() and
# rte_pktmbuf_pool_create_extbuf(), without hugepages: ring_mp_mc (DPDK's
# own, the control) or bump, loaded as a plugin with -d.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

ops=$1
[ -x "${DPDK_POPULATE:-}" ] || test_skip "DPDK_POPULATE is not set: run through 'meson test --suite dpdk'"
plugin=""
if [ "$ops" = bump ]; then
	dpdk_plugin_check
	plugin="-d $BUMP_MEMPOOL_PLUGIN"
fi
eal_mem=$(dpdk_eal_mem nohuge) || exit $?
log=$(mktemp) || test_fail "mktemp"
trap 'rm -rf "$(dpdk_rundir)/bmpd$$" "$log"' EXIT
# shellcheck disable=SC2086
"$DPDK_POPULATE" $eal_mem $plugin -l "$(dpdk_two_cpus | cut -d, -f1)" --no-pci --no-telemetry \
	--log-level=lib.eal:warning --mbuf-pool-ops-name="$ops" -- "$ops" 2>&1 | tee "$log"
rc=$(grep -c "^$ops: PASS" "$log")
# Each pool is freed: every page must come back (nothing kept, no double put).
grep -E "mempool bump: .*(kept|double put|error|could not)" "$log" &&
	test_fail "the plugin lost or refused pages at free (above)"
[ "$rc" = 1 ] || test_fail "dpdk_populate failed (above)"
