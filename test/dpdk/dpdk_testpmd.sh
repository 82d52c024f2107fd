#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_testpmd.sh pool|secondary: unmodified DPDK programs with bump's
# mempool plugin (-d), on 2 MiB hugepages.
#
#   pool       dpdk-testpmd with its default mbuf pool (155456 mbufs of 2368
#              bytes on two lcores) on DPDK's ring_mp_mc, then on bump: bump
#              must start and forward, on no more than 1.05x the hugepages
#              ring_mp_mc took (its objects packed at 2368 bytes, not 4 KiB)
#   secondary  a primary holding 100 mbufs of a bump mempool, and secondary
#              processes looking at it: dpdk_plain show (the same program,
#              so the same ops table) must see the ops and the exact counts
#              and be refused a get; dpdk-proc-info --show-mempool, dpdk-dumpcap
#              and dpdk-pdump (with and without -d) against a dpdk-testpmd
#              primary must not crash
set -u
. "$(dirname "$0")/dpdk_lib.sh"

mode=${1:-}
command -v dpdk-testpmd >/dev/null || test_skip "needs dpdk-testpmd (apt-get install dpdk)"
[ -f "${BUMP_MEMPOOL_PLUGIN:-}" ] || test_skip "the bump mempool plugin was not built"
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs"
plugin="-d $BUMP_MEMPOOL_PLUGIN"
# A sanitizer build's plugin needs its runtime loaded first: DPDK's own programs abort.
asan=""
ldd "$BUMP_MEMPOOL_PLUGIN" | grep -q libasan && asan="the plugin is built with ASan, which an uninstrumented DPDK program cannot load"
out=$(mktemp -d) || test_fail "mktemp"
# The secondary case's file prefixes ($prefix, ${prefix}t): EAL leaves their runtime directories.
prefix=bmpsec$$
trap 'rm -rf "$out" "$(dpdk_rundir)/$prefix" "$(dpdk_rundir)/${prefix}t" "$(dpdk_rundir)/${prefix}c"' EXIT

# testpmd OPS PREFIX EXTRA: run it interactively for a few seconds, forwarding; the
# most hugepages it held go to $out/used-OPS, its output to $out/OPS.log.
testpmd() {
	d=""
	[ "$1" = bump ] && d=$plugin
	free0=$(dpdk_free_hugepages)
	# shellcheck disable=SC2086
	(sleep 4; echo start; sleep 2; echo stop; sleep 1; echo quit) |
		timeout 60 dpdk-testpmd $2 -l "$cpus" --no-pci --no-telemetry $d \
			--mbuf-pool-ops-name="$1" --vdev=net_null0 --vdev=net_null1 -- -i $3 \
			>"$out/$1.log" 2>&1 &
	pid=$!
	# The most it held while running (EAL --in-memory takes hugepages as it goes).
	most=0
	for _ in $(seq 12); do
		sleep 0.5
		used=$((free0 - $(dpdk_free_hugepages)))
		[ $used -gt $most ] && most=$used
	done
	echo $most >"$out/used-$1"
	wait $pid
}

case $mode in
pool)
	[ -z "$asan" ] || test_skip "$asan"
	[ "$(dpdk_free_hugepages)" -ge 200 ] ||
		test_skip "needs 200 free 2 MiB hugepages for testpmd's default pool, $(dpdk_free_hugepages) are free"
	testpmd ring_mp_mc --in-memory ""
	grep -q "RX-packets: *[1-9]" "$out/ring_mp_mc.log" ||
		test_skip "dpdk-testpmd does not run here on ring_mp_mc: $(tail -3 "$out/ring_mp_mc.log")"
	testpmd bump --in-memory ""
	ring=$(cat "$out/used-ring_mp_mc") bump=$(cat "$out/used-bump")
	echo "hugepages taken: ring_mp_mc $ring, bump $bump"
	grep -q "RX-packets: *[1-9]" "$out/bump.log" ||
		test_fail "dpdk-testpmd did not forward on bump's ops: $(grep -iE 'error|cause|bump' "$out/bump.log" | head -5)"
	[ $((bump * 100)) -le $((ring * 105)) ] ||
		test_fail "bump took $bump hugepages, more than 1.05 x ring_mp_mc's $ring"
	echo "PASS: testpmd's default pool on bump, $bump hugepages (ring_mp_mc: $ring)"
	;;
secondary)
	[ -x "${DPDK_PLAIN:-}" ] || test_skip "DPDK_PLAIN is not set: run through 'meson test'"
	# shellcheck disable=SC2086
	timeout 30 "$DPDK_PLAIN" --no-huge -m 512 --no-shconf -l "${cpus%,*}" --no-pci --no-telemetry \
		$plugin --mbuf-pool-ops-name=bump -- foreign --ops bump >"$out/foreign.log" 2>&1 ||
		test_fail "a ring_mp_mc pool through bump's ops: exit $?: $(tail -3 "$out/foreign.log")"
	grep "ring_mp_mc pool through" "$out/foreign.log"
	grep -q "get refused, count 0" "$out/foreign.log" || test_fail "the get was not refused"
	grep -q "is not a bump mempool, yet this process called bump's ops" "$out/foreign.log" ||
		test_fail "the refusal did not say why"
	[ "$(dpdk_free_hugepages)" -ge 64 ] ||
		test_skip "secondary processes need shared hugepage memory: 64 free 2 MiB hugepages, $(dpdk_free_hugepages) are free"
	cpu0=${cpus%,*} cpu1=${cpus#*,}
	# shellcheck disable=SC2086
	"$DPDK_PLAIN" --file-prefix=$prefix -l "$cpu0" --no-pci --no-telemetry $plugin \
		--mbuf-pool-ops-name=bump -- serve --mbufs 8191 --cache 0 --packets 100 --seconds 8 \
		>"$out/serve.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q "mbufs out" "$out/serve.log" && break
		sleep 0.1
	done
	grep -q "mbufs out" "$out/serve.log" || test_fail "the primary did not start: $(tail -3 "$out/serve.log")"
	# shellcheck disable=SC2086
	timeout 30 "$DPDK_PLAIN" --file-prefix=$prefix --proc-type=secondary -l "$cpu1" --no-pci \
		--no-telemetry $plugin -- show >"$out/show.log" 2>&1
	rc=$?
	wait $pid || test_fail "the primary failed: $(tail -3 "$out/serve.log")"
	cat "$out/show.log"
	[ $rc = 0 ] || test_fail "the secondary exited with $rc"
	grep -q "ops bump size 8191 avail 8091 in_use 100" "$out/show.log" ||
		test_fail "the secondary did not see bump's ops and 100 mbufs in use"
	grep -q "get in the secondary: refused" "$out/show.log" ||
		test_fail "a get in the secondary was not refused"
	grep -q "a secondary process cannot get objects of a bump mempool" "$out/show.log" ||
		test_fail "the refusal did not say why"

	# dpdk-proc-info against dpdk-testpmd: different programs, which link different
	# drivers, in a different order; EAL loads the rest from its directory, so both
	# hold the same drivers, and the plugin registers last in each: the same index
	# for bump (see doc/drivers/dpdk.md).
	command -v dpdk-proc-info >/dev/null || test_skip "needs dpdk-proc-info (apt-get install dpdk)"
	if [ -n "$asan" ]; then
		echo "PASS: the dpdk_plain secondary; dpdk-proc-info not run: $asan"
		exit 0
	fi
	testpmd bump "--file-prefix=${prefix}t" "--total-num-mbufs=8192" &
	tpid=$!
	sleep 3
	# shellcheck disable=SC2086
	timeout 30 dpdk-proc-info --file-prefix=${prefix}t --no-telemetry $plugin -- \
		--show-mempool >"$out/proc-info.log" 2>&1
	rc=$?
	wait $tpid
	grep -E "mempool <|ops_name|common_pool_count|bump" "$out/proc-info.log"
	[ $rc -lt 124 ] || test_fail "dpdk-proc-info --show-mempool exited with $rc (a crash or a hang)"
	grep -q "ops_name: <bump>" "$out/proc-info.log" ||
		test_fail "dpdk-proc-info -d plugin does not see bump's ops at the index testpmd gave them"
	grep -q "common_pool_count=" "$out/proc-info.log" || test_fail "no count shown"

	# Packet capture: a primary forwarding on bump, dumpcap then pdump as secondaries.
	for t in dpdk-dumpcap dpdk-pdump; do
		command -v $t >/dev/null || test_skip "needs $t (apt-get install dpdk)"
	done
	# shellcheck disable=SC2086
	(sleep 30; echo) | timeout 60 dpdk-testpmd --file-prefix=${prefix}c -l "$cpus" --no-pci \
		--no-telemetry $plugin --mbuf-pool-ops-name=bump --vdev=net_null0 --vdev=net_null1 -- \
		--total-num-mbufs=8192 --auto-start >"$out/cap.log" 2>&1 &
	tpid=$!
	sleep 4
	# dumpcap takes no EAL options but its prefix (it cannot load the plugin); pdump
	# without -d last.  The plugin takes the last ops index, so their ring_mp_mc
	# pools get the driver they get in a testpmd without bump: not ring_mp_mc
	# (testpmd links dpaa, which moves the others up), so they may capture nothing,
	# as DPDK does without bump; a crash fails.
	for run in dumpcap "pdump $plugin" pdump; do
		t=${run%% *} d=${run#"$t"}
		rm -f "$out/cap.pcap"
		# shellcheck disable=SC2086
		if [ $t = dumpcap ]; then
			timeout 6 dpdk-dumpcap --file-prefix=${prefix}c $d -i net_null0 -c 100 \
				-w "$out/cap.pcap" >"$out/$t.log" 2>&1
		else
			timeout 6 dpdk-pdump --file-prefix=${prefix}c $d -- \
				--pdump "port=0,queue=*,rx-dev=$out/cap.pcap" >"$out/$t.log" 2>&1
		fi
		rc=$?
		what="$t${d:+ -d plugin}"
		echo "$what: exit $rc, $(grep -ahE "captured|dequeued|dropped" "$out/$t.log" | tr '\n\t' '  ')"
		kill -0 $tpid 2>/dev/null || test_fail "the primary died during $what: $(tail -3 "$out/cap.log")"
		[ $rc = 0 ] || [ $rc = 124 ] || test_fail "$what exited with $rc: $(tail -3 "$out/$t.log")"
		if [ "$t" = pdump ] && [ -z "$d" ]; then
			echo "NOTE: $what did not crash; it captures what it does against a testpmd without" \
				"bump (DPDK's own outcome: testpmd's table has dpaa2 at pdump's ring_mp_mc index:" \
				"$(grep -ahm1 "portal" "$out/$t.log" "$out/cap.log" | head -1))"
		fi
		[ -s "$out/cap.pcap" ] || test_fail "$what wrote no capture file"
	done
	wait $tpid || test_fail "the primary failed after the captures: $(tail -3 "$out/cap.log")"
	grep -q "RX-packets: *[1-9]" "$out/cap.log" || test_fail "the primary did not forward"
	grep -qi "segmentation\|mempool bump:.*error" "$out/cap.log" &&
		test_fail "the primary logged: $(grep -i "segmentation\|mempool bump" "$out/cap.log" | head -3)"
	echo "PASS: secondary processes see the bump mempool and cannot break it"
	;;
*) test_fail "mode $mode: use pool or secondary" ;;
esac
