#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_testpmd_alloc.sh: unmodified dpdk-testpmd with bump's mempool plugin
# in each of its mempool allocation modes (--mp-alloc native, anon, xmem,
# xmemhuge, xbuf) on two net_null ports, 8192 mbufs on hugepages: each must
# create its pool on bump (anon excepted: testpmd sets no ops in that mode,
# so its pool is ring_mp_mc whatever EAL was told), forward, find every mbuf back in the pool after
# stop (dump_mempool: the pool's count plus the lcore caches = its size)
# and exit 0 with no error from the plugin.  A mode that fails on bump runs
# again on ring_mp_mc (the control): failing there too, it is skipped.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

command -v dpdk-testpmd >/dev/null || test_skip "needs dpdk-testpmd (apt-get install dpdk)"
dpdk_plugin_check
dpdk_plugin_uninstrumented dpdk-testpmd
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs"
[ "$(dpdk_free_hugepages)" -ge 64 ] ||
	test_skip "needs 64 free 2 MiB hugepages, $(dpdk_free_hugepages) are free"
out=$(mktemp -d) || test_fail "mktemp"
trap 'rm -rf "$out"' EXIT

# run OPS MODE [ARG]: testpmd in mode MODE on OPS, output in $out/OPS-MODEARG.log; its exit status.
run() {
	d=""
	[ "$1" = bump ] && d="-d $BUMP_MEMPOOL_PLUGIN"
	# Interactive: testpmd reads the commands once it is up.
	# shellcheck disable=SC2086
	(echo start; sleep 1; echo stop; echo dump_mempool; echo quit) |
		timeout 30 dpdk-testpmd --in-memory -l "$cpus" --no-pci --no-telemetry $d \
			--mbuf-pool-ops-name="$1" --vdev=net_null0 --vdev=net_null1 -- -i \
			--total-num-mbufs=8192 --mp-alloc="$2" ${3:-} >"$out/$1-$2${3:-}.log" 2>&1
}

# lost LOG: "POOL: FREE/SIZE" for each mbuf pool of dump_mempool whose free objects are not its size.
lost() {
	awk '/^mempool </ { name = $2 }
		/^  populated_size=/ { split($0, a, "="); size = a[2] }
		/total_cache_count=/ { split($0, a, "="); cached = a[2] }
		/common_pool_count=/ { split($0, a, "="); free = a[2] + cached; cached = 0
			if (name ~ /mb_pool/ && free != size) print name ": " free "/" size }' "$1"
}

failed=0
# Each mode, then 2048 objects over 32 KiB (--mbuf-size=40000, not a power
# of two: with physical IOVAs some cross a 2 MiB page and are kept out).
for case in native anon xmem xmemhuge xbuf native,--mbuf-size=40000,--total-num-mbufs=2048; do
	mode=${case%%,*} extra=""
	[ "$mode" = "$case" ] || extra=$(echo "${case#*,}" | tr , ' ')
	run bump "$mode" "$extra"
	rc=$? log=$out/bump-$mode$extra.log
	want=bump
	[ "$mode" = anon ] && want=ring_mp_mc
	why=""
	if [ $rc != 0 ]; then
		why="exit $rc: $(grep -iE "cause|error|segmentation|mempool bump" "$log" | head -3)"
	elif ! grep -q "ops_name: <$want>" "$log"; then
		why="its pool's ops are not $want: $(grep ops_name "$log")"
	elif ! grep -q "RX-packets: *[1-9]" "$log"; then
		why="nothing forwarded"
	elif [ -n "$(lost "$log")" ]; then
		why="mbufs missing from the pool after stop: $(lost "$log")"
	elif grep -iE "mempool bump: .*(error|double put|kept)" "$log" >/dev/null; then
		why="the plugin logged: $(grep -iE "mempool bump: .*(error|double put|kept)" "$log" | head -2)"
	fi
	if [ -z "$why" ]; then
		echo "PASS --mp-alloc=$mode${extra:+ $extra}, pool on $want: $(grep -m1 -oE "RX-packets: *[0-9]+" "$log"), every mbuf back"
		grep "mempool bump:" "$log"
		continue
	fi
	if ! run ring_mp_mc "$mode" "$extra"; then
		test_skip_case "mp-alloc-$mode$extra" \
			"fails on ring_mp_mc too: $(grep -i cause "$out/ring_mp_mc-$mode$extra.log")"
		continue
	fi
	echo "FAIL --mp-alloc=$mode${extra:+ $extra} on bump ($why); on ring_mp_mc it runs"
	failed=1
done
[ $failed = 0 ] || test_fail "dpdk-testpmd failed on bump where it runs on ring_mp_mc (above)"
exit 0
