#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_autotest.sh: DPDK's own test program (dpdk-test, Debian's dpdk
# package) runs its autotests that create mbuf pools (rte_pktmbuf_pool_create,
# rte_mbuf_best_mempool_ops) first on DPDK's ring_mp_mc (the control), then
# with bump's plugin as the default ops (-d, --mbuf-pool-ops-name=bump).  An
# autotest that passes on the control must pass on bump, and must have made
# a bump mempool there.  One that fails on the control is DPDK's or this
# machine's: listed, not counted.  EAL without hugepages (--no-huge).
set -u
. "$(dirname "$0")/dpdk_lib.sh"

command -v dpdk-test >/dev/null || test_skip "needs DPDK's dpdk-test (apt-get install dpdk-dev)"
dpdk_plugin_check
dpdk_plugin_uninstrumented dpdk-test
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs (distributor_autotest and others need two lcores)"
out=$(mktemp -d) || test_fail "mktemp"
prefix=bmpat$$
trap 'rm -rf "$out" "$(dpdk_rundir)/$prefix"' EXIT

# TEST[:EAL argument]: each runs in ~1 s here (link_bonding_mode4_autotest,
# 27 s, passes on both and is left out for time).  pcapng_autotest (needs an
# ethdev, --vdev=net_null0) makes its pools by ops name, never bump: not run.
autotests="mempool_autotest mbuf_autotest reorder_autotest ring_pmd_autotest
	bitratestats_autotest latencystats_autotest pdump_autotest ipfrag_autotest
	cksum_autotest distributor_autotest dmadev_autotest sched_autotest
	event_eth_tx_adapter_autotest event_crypto_adapter_autotest
	link_bonding_autotest link_bonding_rssconf_autotest
	cryptodev_null_autotest:--vdev=crypto_null"

# run OPS TEST EXTRA: dpdk-test's exit status (DPDK_TEST: 0 passed, 77 skipped); log in $out.
run() {
	d=""
	[ "$1" = bump ] && d="-d $BUMP_MEMPOOL_PLUGIN --log-level=mempool.bump:debug"
	# shellcheck disable=SC2086
	DPDK_TEST=$2 timeout 60 dpdk-test --no-huge -m 1024 --no-pci --no-shconf \
		--file-prefix=$prefix -l "$cpus" --no-telemetry $d --mbuf-pool-ops-name="$1" $3 \
		</dev/null >"$out/$2.$1.log" 2>&1
	rc=$?
	rm -rf "$(dpdk_rundir)/${prefix:?}"
	return $rc
}

# Why TEST failed on OPS, in a line.
why() {
	grep -E "Test assert|test failed at|failed|Failed|cause" "$out/$1.$2.log" | grep -v "Tests Failed" |
		head -2 | tr '\n' ' '
}

failed="" passed=0 control=0
for t in $autotests; do
	name=${t%%:*} extra=""
	[ "$name" = "$t" ] || extra=${t#*:}
	run ring_mp_mc "$name" "$extra"
	rc=$?
	if [ $rc != 0 ]; then
		note=skipped
		[ $rc = 77 ] || note=$(why "$name" ring_mp_mc)
		echo "$name: not counted: on ring_mp_mc it exits $rc ($note)"
		continue
	fi
	control=$((control + 1))
	run bump "$name" "$extra"
	rc=$?
	if [ $rc != 0 ]; then
		echo "$name: FAILS with bump (exit $rc), passes on ring_mp_mc: $(why "$name" bump)"
		failed="$failed $name"
	elif ! grep -q "mempool bump: mempool '.*objects of" "$out/$name.bump.log"; then
		echo "$name: passed without making a bump mempool: the plugin did not serve it"
		failed="$failed $name"
	else
		echo "$name: passes on ring_mp_mc and bump"
		passed=$((passed + 1))
	fi
done
[ $control -gt 0 ] || test_skip "no autotest passes here even on ring_mp_mc (see the lines above)"
[ -z "$failed" ] || test_fail "with bump as the default mempool ops:$failed (each line above says why)"
echo "PASS: $passed autotests pass with bump as they do on ring_mp_mc"
