#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_mempool.sh OPS nohuge|huge [CACHE]: the plain DPDK program
# (dpdk_plain.c) with its mbuf pool on OPS: DPDK's ring_mp_mc (the control:
# the checks hold for DPDK's own mempool) or bump, loaded as a plugin with
# -d.  CACHE is the pool's per-lcore cache (default 256; 0 sends every get
# and put of both lcores to the ops).
set -u
. "$(dirname "$0")/dpdk_lib.sh"

ops=$1
mem=$2
cache=${3:-256}
[ -x "${DPDK_PLAIN:-}" ] || test_skip "DPDK_PLAIN is not set: run through 'meson test --suite dpdk'"
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs (one lcore allocates, the other frees)"
eal_mem=$(dpdk_eal_mem "$mem") || exit $?
log=$(mktemp) || test_fail "mktemp"
trap 'rm -rf "$(dpdk_rundir)/bmpd$$" "$log"' EXIT
plugin=""
if [ "$ops" = bump ]; then
	dpdk_plugin_check
	plugin="-d $BUMP_MEMPOOL_PLUGIN"
fi
# shellcheck disable=SC2086
"$DPDK_PLAIN" $eal_mem $plugin -l "$cpus" --no-pci --no-telemetry \
	--log-level=lib.eal:warning --vdev=net_ring0 --mbuf-pool-ops-name="$ops" \
	-- test --ops "$ops" --mbufs 8191 --cache "$cache" --packets 1000000 2>"$log"
rc=$?
cat "$log" >&2
# The program frees its pool at exit: every object must come back once.
if grep -q "double put" "$log"; then
	test_fail "a double put in the mempool (above): an object came back twice"
fi
[ $rc = 0 ] || exit $rc
# The plugin's debugging mode: a program's double put refused at the put.
if [ "$ops" = bump ]; then
	# shellcheck disable=SC2086
	BUMP_MEMPOOL_CHECKED=1 "$DPDK_PLAIN" $eal_mem $plugin -l "$cpus" --no-pci --no-telemetry \
		--log-level=lib.eal:warning --mbuf-pool-ops-name="$ops" \
		-- double --ops "$ops" --mbufs 1023 --cache "$cache" >"$log" 2>&1
	rc=$?
	cat "$log"
	[ $rc = 0 ] || test_fail "BUMP_MEMPOOL_CHECKED=1: the double-put case failed (above)"
	grep -q "double put" "$log" || test_fail "BUMP_MEMPOOL_CHECKED=1: the double put was not reported"
fi
exit 0
