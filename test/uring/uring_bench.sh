#!/bin/bash
# SPDX-License-Identifier: MIT
# uring_bench.sh - the io_uring benchmark (doc/bench/uring.md), in one run:
#
# UDP receive (namespace bmpub-n, loopback): bump-udp in sink mode, the I/O
# threads freeing what they receive (--self-return), fed flat out by
# uring_udp_client (sendmmsg, 8 sockets), with three receive paths:
#   bump      io_uring multishot recv, buffer ring fed by a bump pool
#   malloc    the same loop, liburing's buffer ring fed by malloc/free
#   recvmmsg  no io_uring: recvmmsg of 64 into malloc'd buffers
# on 1 and 2 threads.  Per run: the server's per-second receive rates (the
# first second dropped) and its CPU time per datagram.
#
# Forwarding (namespace bmpub-f, one veth pair bmpubx/bmpuby): bump-fwd on
# uring:bmpubx + uring:bmpuby against bump-fwd on afxdp:...,mode=skb on the
# same pair, 128 frames of 64 bytes circling, as test/afxdp/afxdp_bench.sh.
#
# Medians over BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS (default 4).
set -u
. "$(dirname "$0")/uring_lib.sh"
uring_require URING_UDP URING_UDP_CLIENT URING_BUMP_FWD URING_GEN

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-4}
NSU=bmpub-n
NSF=bmpub-f
netns_add $NSU
netns_add $NSF
ip link add bmpubx netns $NSF type veth peer name bmpuby netns $NSF || test_fail "veth"
{ ip -n $NSF link set bmpubx up && ip -n $NSF link set bmpuby up; } || test_fail "link up"

# udp_one BACKEND THREADS: one run; rates to rates.udp.B.T, ns/datagram to cpu.udp.B.T.
udp_one() {
	local b=$1 t=$2 out=$AFXDP_TMP/srv
	: >"$out"
	ip netns exec $NSU "$URING_UDP" --listen 127.0.0.1:9000 --backend "$b" --threads "$t" \
		--self-return --duration $((SECS + 1)) --stats-period 1 >"$out" 2>&1 &
	local pid=$!
	NETNS_PIDS="$NETNS_PIDS $pid"
	afxdp_wait_ready "$out" $pid || test_fail "bump-udp did not start: $(cat "$out")"
	ip netns exec $NSU "$URING_UDP_CLIENT" --to 127.0.0.1:9000 -d $((SECS + 1)) --sockets 8 \
		--size-max 64 >"$AFXDP_TMP/cli" 2>&1 || test_fail "client: $(cat "$AFXDP_TMP/cli")"
	wait $pid || test_fail "bump-udp --backend $b failed: $(cat "$out")"
	sed -n 's/^bump-udp: rx \([0-9.]*\) Mpps.*/\1/p' "$out" | tail -n +2 >>"$AFXDP_TMP/rates.udp.$b.$t"
	sed -n 's/^bump-udp: cpu .*, \([0-9]*\) ns per datagram.*/\1/p' "$out" >>"$AFXDP_TMP/cpu.udp.$b.$t"
	grep -q "datagrams were corrupt" "$out" && test_fail "corrupt datagrams: $(cat "$out")"
}

# fwd_one DRIVER: bump-fwd on two DRIVER ports on the veth pair; per-second tx Mpps.
fwd_one() {
	local d=$1 out=$AFXDP_TMP/fwd p0 p1
	case $d in
	uring) p0=uring:bmpubx p1=uring:bmpuby ;;
	afxdp-skb) p0=afxdp:bmpubx,mode=skb p1=afxdp:bmpuby,mode=skb ;;
	esac
	: >"$out"
	ip netns exec $NSF "$URING_BUMP_FWD" --port "$p0" --port "$p1" --fwd io \
		--duration "$SECS" --stats-period 1 >"$out" 2>&1 </dev/null &
	local pid=$!
	NETNS_PIDS="$NETNS_PIDS $pid"
	afxdp_wait_ready "$out" $pid "every RX queue polled" || test_fail "bump-fwd on $d: $(cat "$out")"
	ip netns exec $NSF "$URING_GEN" -i bmpubx -n 128 >/dev/null || test_fail "inject"
	wait $pid || test_fail "bump-fwd on $d failed: $(cat "$out")"
	awk '/^\[ *[0-9.]+ s\] port / { for (i = 1; i < NF; i++) if ($i == "tx") t[$2] += $(i + 1) }
	     END { for (k in t) print k, t[k] }' "$out" | sort -n | awk 'NR > 1 { print $2 }' \
		>>"$AFXDP_TMP/rates.fwd.$d"
}

stats() {
	[ -s "$1" ] || { echo "- - - 0"; return; }
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'
}

FWD="uring"
[ -d /sys/class/net ] && grep -q '^XDP ' /proc/net/protocols 2>/dev/null && FWD="uring afxdp-skb"
echo "uring benchmark: $ROUNDS rounds x $SECS s, $(nproc) CPUs, kernel $(uname -r)," \
	"liburing $(pkg-config --modversion liburing 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for t in 1 2; do
		for b in bump malloc recvmmsg; do
			udp_one $b $t
		done
	done
	for d in $FWD; do
		fwd_one $d
	done
	echo "round $r/$ROUNDS done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "| UDP receive | threads | median Mpps | min | max | samples | CPU ns/datagram (median) | vs malloc | vs recvmmsg |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in 1 2; do
	read -r mal _ <<<"$(stats "$AFXDP_TMP/rates.udp.malloc.$t")"
	read -r mm _ <<<"$(stats "$AFXDP_TMP/rates.udp.recvmmsg.$t")"
	for b in bump malloc recvmmsg; do
		read -r med lo hi n <<<"$(stats "$AFXDP_TMP/rates.udp.$b.$t")"
		read -r cpu _ <<<"$(stats "$AFXDP_TMP/cpu.udp.$b.$t")"
		echo "| $b | $t | $med | $lo | $hi | $n | ${cpu%.*} | $(ratio "$med" "$mal") | $(ratio "$med" "$mm") |"
	done
done
echo
echo "| bump-fwd ports | median Mpps | min | max | samples | vs afxdp skb |"
echo "|---|---|---|---|---|---|"
read -r ax _ <<<"$(stats "$AFXDP_TMP/rates.fwd.afxdp-skb")"
for d in $FWD; do
	read -r med lo hi n <<<"$(stats "$AFXDP_TMP/rates.fwd.$d")"
	echo "| $d | $med | $lo | $hi | $n | $(ratio "$med" "$ax") |"
done
