#!/bin/bash
# SPDX-License-Identifier: MIT
# afxdp_bench.sh - Mpps through a forwarder on a veth pair, bump against a
# plain AF_XDP loop (afxdp_ixy: ixy-style UMEM, a stack of frame indices) in
# the same run.
#
# Topology: one veth pair bmpbex <-> bmpbey in namespace bmpbe-n, both ends
# ports of the forwarder under test.  INJECT frames (64 bytes) are sent
# once into bmpbex; from then on they circle: bmpbey RX -> forwarder ->
# bmpbex TX -> bmpbey RX ...  So nothing outside the forwarder's CPU limits
# the rate: the forwarder's loop, the kernel's copy-mode AF_XDP TX (an skb
# per frame), the veth and the XDP redirect into the socket all run on the
# forwarder's CPU, for bump and for the peer alike.
#
# Forwarders, run in turn in every round (ROUNDS rounds, SECONDS each):
#   bump-fwd    the app, io mode: one arena per port, so the driver copies on TX
#   afxdp_fwd   the port API with one arena for both ports: zero-copy forwarding
#   afxdp_ixy   the peer: libxdp only, shared UMEM, zero-copy forwarding
# Each prints its forwarded rate every second; the first second is dropped
# (start-up, injection) and the median of the rest over all rounds is reported.
#
# Usage: meson test -C BUILD --benchmark afxdp_bench -v
#        (env: BENCH_ROUNDS=5 BENCH_SECONDS=4 BENCH_INJECT=128 BENCH_MODES="native skb")
set -u
. "$(dirname "$0")/afxdp_lib.sh"
[ -x "${AFXDP_IXY:-}" ] || afxdp_skip "AFXDP_IXY is not set: run through meson test"
afxdp_require

ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
INJECT=${BENCH_INJECT:-128}
MODES=${BENCH_MODES:-native skb}
# The last CPU we may run on: the generator and the shell keep the others.
CPU=$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' | tail -n 1 | sed 's/.*-//')

NS=bmpbe-n
afxdp_ns $NS
ip link add bmpbex netns $NS type veth peer name bmpbey netns $NS || afxdp_fail "veth"
ip -n $NS link set bmpbex up && ip -n $NS link set bmpbey up || afxdp_fail "link up"

# run_one TOOL MODE: one run; appends its per-second rates (Mpps) to rates.TOOL.MODE.
run_one() {
	local tool=$1 mode=$2 out=$AFXDP_TMP/run ready=^ready cmd
	case $tool in
	bump-fwd)
		cmd=("$AFXDP_BUMP_FWD" --port "afxdp:bmpbex,mode=$mode" --port "afxdp:bmpbey,mode=$mode"
		     --fwd io --lcores "$CPU" --duration "$SECONDS_PER_RUN" --stats-period 1)
		ready="running for" ;;
	afxdp_fwd)
		cmd=("$AFXDP_FWD" --port "afxdp:bmpbex,mode=$mode" --port "afxdp:bmpbey,mode=$mode"
		     --fwd io --arena shared --cpu "$CPU" --duration "$SECONDS_PER_RUN" --stats) ;;
	afxdp_ixy)
		cmd=("$AFXDP_IXY" --if bmpbex --if bmpbey --mode "$mode" --fwd io --cpu "$CPU"
		     --duration "$SECONDS_PER_RUN") ;;
	esac
	ip netns exec $NS "${cmd[@]}" >"$out" 2>&1 &
	local pid=$!
	AFXDP_PIDS="$AFXDP_PIDS $pid"
	afxdp_wait_ready "$out" $pid "$ready" || afxdp_fail "$tool did not start: $(cat "$out")"
	ip netns exec $NS "$AFXDP_GEN" -i bmpbex -n "$INJECT" >/dev/null || afxdp_fail "inject"
	wait $pid || afxdp_fail "$tool failed: $(cat "$out")"
	case $tool in
	bump-fwd)
		# "[   2.00 s] port P rx X Mpps tx Y Mpps ...": sum tx over the ports of each line time.
		awk '/^\[ *[0-9.]+ s\] port / { for (i = 1; i < NF; i++) if ($i == "tx") t[$2] += $(i + 1) }
		     END { for (k in t) print k, t[k] }' "$out" | sort -n | awk 'NR > 1 { print $2 }' ;;
	afxdp_fwd)
		sed -n 's/^fwd: \([0-9.]*\) Mpps$/\1/p' "$out" | tail -n +2 ;;
	afxdp_ixy)
		sed -n 's/^ixy: \([0-9.]*\) Mpps$/\1/p' "$out" | tail -n +2 ;;
	esac >>"$AFXDP_TMP/rates.$tool.$mode"
}

# stats FILE: "median min max samples"
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR }'
}

TOOLS="afxdp_fwd afxdp_ixy"
[ -x "${AFXDP_BUMP_FWD:-}" ] && TOOLS="bump-fwd $TOOLS"
echo "afxdp benchmark: $ROUNDS rounds x $SECONDS_PER_RUN s, $INJECT frames of 64 B circling," \
	"forwarder on CPU $CPU, $(nproc) CPUs, kernel $(uname -r)"
for mode in $MODES; do
	for r in $(seq "$ROUNDS"); do
		for tool in $TOOLS; do
			run_one "$tool" "$mode"
		done
		echo "round $r/$ROUNDS mode=$mode done"
	done
done

echo
echo "| XDP mode | forwarder | median Mpps | min | max | samples | vs afxdp_ixy |"
echo "|---|---|---|---|---|---|---|"
for mode in $MODES; do
	read -r peer _ < <(stats "$AFXDP_TMP/rates.afxdp_ixy.$mode")
	for tool in $TOOLS; do
		read -r med lo hi n < <(stats "$AFXDP_TMP/rates.$tool.$mode")
		ratio=$(awk -v a="$med" -v b="$peer" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		echo "| $mode | $tool | $med | $lo | $hi | $n | $ratio |"
	done
done
