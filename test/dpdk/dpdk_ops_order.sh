#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_ops_order.sh: bump's plugin takes the last index of a process's
# rte_mempool ops table and leaves every other driver at the index it has
# without the plugin.  DPDK finds a mempool's ops by that index in each
# process's own table, so a secondary without the plugin (dpdk-pdump,
# dpdk-dumpcap) must see the primary's drivers where it has them.
#
# The tables are printed at exit by the test plugin dpdk_ops_table.c ($OPS_TABLE,
# -d): dpdk-testpmd without bump's plugin, with it (its pool on bump), and
# dpdk-pdump as DPDK ships it.  Then dpdk_plain with the plugin preloaded, as
# a program that links it (its constructors run before rte_eal_init), must
# still get bump's ops, and so must one that dlopen()s it after rte_eal_init.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

command -v dpdk-testpmd >/dev/null || test_skip "needs dpdk-testpmd (apt-get install dpdk)"
dpdk_plugin_check
[ -f "${OPS_TABLE:-}" ] || test_skip "OPS_TABLE is not set: run through 'meson test --suite dpdk'"
dpdk_plugin_uninstrumented dpdk-testpmd
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs"
eal_mem=$(dpdk_eal_mem huge) || exit $?
out=$(mktemp -d) || test_fail "mktemp"
prefix=bmpops$$
trap 'rm -rf "$out" "$(dpdk_rundir)/$prefix"' EXIT

# table NAME CMD...: run CMD, keep the ops table it printed at exit in $out/NAME.
table() {
	name=$1
	shift
	"$@" >"$out/$name.log" 2>&1
	rc=$?
	sed -n 's/^ops table: *//p' "$out/$name.log" >"$out/$name"
	echo "$name (exit $rc): $(cat "$out/$name")"
	[ -s "$out/$name" ] || test_fail "$name printed no ops table (exit $rc): $(tail -3 "$out/$name.log")"
}

# testpmd OPS [-d PLUGIN]: testpmd making its pool on OPS, quitting at once.
testpmd() {
	ops=$1
	shift
	# shellcheck disable=SC2086
	echo quit | timeout 60 dpdk-testpmd $eal_mem -l "$cpus" --no-pci --no-telemetry "$@" \
		-d "$OPS_TABLE" --mbuf-pool-ops-name="$ops" --vdev=net_null0 -- -i \
		--total-num-mbufs=2048
}

# testpmd exits 0 only when it made its pool and started its port.
table plain testpmd ring_mp_mc
[ $rc = 0 ] || test_fail "testpmd failed (exit $rc): $(tail -3 "$out/plain.log")"
table bump testpmd bump -d "$BUMP_MEMPOOL_PLUGIN"
if [ $rc != 0 ] || ! grep -q "preferred mempool ops selected: bump" "$out/bump.log"; then
	test_fail "testpmd's pool on bump failed (exit $rc): $(tail -3 "$out/bump.log")"
fi

# dpdk-pdump as DPDK ships it (no -d but the table printer), a secondary of
# testpmd without bump (EAL panics without a primary, printing nothing); it
# exits at SIGINT.  The index its ring_mp_mc pool gets, read in testpmd's
# tables: the driver the primary calls for that pool's mbufs.
if command -v dpdk-pdump >/dev/null; then
	(sleep 8; echo quit) | timeout 60 dpdk-testpmd --file-prefix=$prefix -l "$cpus" --no-pci \
		--no-telemetry --vdev=net_null0 -- -i --total-num-mbufs=2048 >"$out/primary.log" 2>&1 &
	tpid=$!
	sleep 3
	table pdump timeout -s INT 3 dpdk-pdump --file-prefix=$prefix -d "$OPS_TABLE" -- \
		--pdump "port=0,queue=*,rx-dev=$out/cap.pcap"
	wait $tpid || test_fail "the testpmd primary failed: $(tail -3 "$out/primary.log")"
	i=$(tr ' ' '\n' <"$out/pdump" | grep -nx ring_mp_mc | cut -d: -f1)
	[ -n "$i" ] || test_fail "dpdk-pdump has no ring_mp_mc"
	echo "dpdk-pdump's ring_mp_mc (index $((i - 1))) is $(cut -d' ' -f"$i" "$out/bump") in" \
		"testpmd with bump's plugin, $(cut -d' ' -f"$i" "$out/plain") without it"
else
	echo "dpdk-pdump not installed: its table not compared"
fi

[ "$(cat "$out/bump")" = "$(cat "$out/plain") bump" ] ||
	test_fail "with bump's plugin testpmd's table is not its table without the plugin plus bump last"

# A program whose constructors include the plugin's before rte_eal_init.
if [ -x "${DPDK_PLAIN:-}" ]; then
	# shellcheck disable=SC2086
	LD_PRELOAD=$BUMP_MEMPOOL_PLUGIN timeout 60 "$DPDK_PLAIN" $eal_mem -l "$cpus" --no-pci \
		--no-telemetry --log-level=lib.eal:warning --vdev=net_ring0 \
		--mbuf-pool-ops-name=bump -- test --ops bump --mbufs 2047 --packets 1000 \
		>"$out/linked.log" 2>&1 ||
		test_fail "dpdk_plain with the plugin preloaded: $(tail -3 "$out/linked.log")"
	echo "dpdk_plain with the plugin preloaded (not -d): its pool on bump passes"
fi
# bump-fwd's dpdk: ports register their own ops ("bump_port") with their first
# mempool, after rte_eal_init: the same table as a plain DPDK program's, then theirs.
if [ -x "${BUMP_FWD:-}" ] && [ -x "${DPDK_PLAIN:-}" ]; then
	# shellcheck disable=SC2086
	table dpdk_plain timeout 60 "$DPDK_PLAIN" $eal_mem -l "$cpus" --no-pci --no-telemetry \
		-d "$OPS_TABLE" --vdev=net_null0 --vdev=net_null1 -- bench null --cache 256 --seconds 1
	table bump_fwd env BUMP_EAL_ARGS="$eal_mem --no-telemetry -d $OPS_TABLE" timeout 60 \
		"$BUMP_FWD" --lcores "${cpus#*,}" --port dpdk:net_null0 --port dpdk:net_null1 \
		--duration 1 --stats-period 0
	[ "$(cat "$out/bump_fwd")" = "$(cat "$out/dpdk_plain") bump_port" ] ||
		test_fail "bump-fwd's table is not a plain DPDK program's plus bump_port last"
fi

# A program that dlopen()s the plugin after rte_eal_init: no scan is left to register from.
if [ -x "${DPDK_LATE_LOAD:-}" ]; then
	# shellcheck disable=SC2086
	timeout 60 "$DPDK_LATE_LOAD" "$BUMP_MEMPOOL_PLUGIN" $eal_mem -l "$cpus" --no-pci \
		--no-telemetry --log-level=lib.eal:warning >"$out/late.log" 2>&1 ||
		test_fail "the plugin dlopen()ed after rte_eal_init: $(tail -3 "$out/late.log")"
	cat "$out/late.log"
fi
echo "PASS: bump's plugin leaves the other drivers' ops indices as they are and takes the last"
