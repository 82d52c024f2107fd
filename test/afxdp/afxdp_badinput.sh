#!/bin/bash
# SPDX-License-Identifier: MIT
# afxdp_badinput.sh - what the afxdp driver does with bad input:
#   - frames longer than a buffer (MTU 9000 on every veth, 5000-byte frames
#     among normal ones): dropped and counted, the normal ones all arrive,
#     the forwarder survives with nothing in flight;
#   - native XDP refused by a 9000-byte MTU, an interface that does not exist,
#     a queue that does not exist, zc=on where there is no zero-copy, a typo
#     in the devargs: each a failed open/start with a message saying what to do.
set -u
. "$(dirname "$0")/afxdp_lib.sh"
afxdp_require
afxdp_topo_up bi 9000

FAILS=0
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# oversize TOOL: 5000-byte frames among 1500-byte ones, mode=skb (native XDP refuses MTU 9000).
oversize() {
	local tool=$1 count=20000 run=$((RANDOM * 32768 + RANDOM + 1)) ready=^ready
	echo "=== oversize with $tool: 5000-byte frames into 4096-byte buffers (mode=skb, MTU 9000)"
	afxdp_start sink "$NS_B" "$AFXDP_SINK" -i "$IF_B0" -n "$count" --run "$run" --idle-ms 3000
	afxdp_wait_ready "$AFXDP_TMP/sink" "$PID_sink" || test_fail "sink did not start"
	if [ "$tool" = bump-fwd ]; then
		afxdp_start fwd "$NS_F" "$AFXDP_BUMP_FWD" --port "afxdp:$IF_A1,mode=skb" \
			--port "afxdp:$IF_B1,mode=skb" --stats-period 0 --rxd 4096 --txd 4096 \
			--nb-mbufs 16384
		# Its lcore posts the RX buffers on its first poll, after "running until".
		ready="every RX queue polled"
	else
		afxdp_start fwd "$NS_F" "$AFXDP_FWD" --port "afxdp:$IF_A1,mode=skb" \
			--port "afxdp:$IF_B1,mode=skb" --ring 4096 --bufs 16384
	fi
	afxdp_wait_ready "$AFXDP_TMP/fwd" "$PID_fwd" "$ready" ||
		test_fail "$tool did not start: $(cat "$AFXDP_TMP/fwd")"
	ip netns exec "$NS_A" "$AFXDP_GEN" -i "$IF_A0" -n "$count" -r 10000 -s 1500 --run "$run" \
		--oversize-every 50 --oversize-len 5000 >"$AFXDP_TMP/gen" || test_fail "generator failed"
	wait "$PID_sink"
	local sink_rc=$?
	kill -INT "$PID_fwd"
	wait "$PID_fwd"
	local fwd_rc=$? big ierrors
	cat "$AFXDP_TMP/gen" "$AFXDP_TMP/sink" "$AFXDP_TMP/fwd"
	big=$(afxdp_field "$AFXDP_TMP/gen" gen: oversize)
	if [ "$tool" = bump-fwd ]; then
		ierrors=$(grep "^port 0 " "$AFXDP_TMP/fwd" | sed -n 's/.* ierrors \([0-9]*\).*/\1/p')
	else
		ierrors=$(afxdp_field "$AFXDP_TMP/fwd" port0: ierrors)
		local dropped=$(afxdp_field "$AFXDP_TMP/fwd" port0: xdp_rx_dropped)
		[ "$dropped" = "$big" ] || fail "oversize: $big sent, xdp_rx_dropped=$dropped"
	fi
	[ "$sink_rc" = 0 ] || fail "oversize/$tool: normal frames lost, or an oversized one got through"
	[ "$fwd_rc" = 0 ] || fail "oversize/$tool: the forwarder exited $fwd_rc (buffers in flight?)"
	[ "${big:-0}" -gt 0 ] || fail "oversize/$tool: the generator sent no oversized frame"
	[ "$ierrors" = "$big" ] || fail "oversize/$tool: $big sent, ierrors=$ierrors"
}

if [ -x "${AFXDP_BUMP_FWD:-}" ]; then
	oversize bump-fwd
else
	test_skip_case oversize-bump-fwd "AFXDP_BUMP_FWD is not set: run through meson test"
fi
oversize afxdp_fwd

# expect_error NAME NEEDLE DEVARGS: opening the port must fail (afxdp_fwd exits 2,
# bump-fwd 1) with a message saying NEEDLE.
expect_error() {
	local name=$1 needle=$2 devargs=$3 tool rc
	for tool in "$AFXDP_FWD" ${AFXDP_BUMP_FWD:-}; do
		echo "=== $name with ${tool##*/}: $devargs"
		ip netns exec "$NS_F" timeout 30 "$tool" --port "$devargs" --duration 1 \
			>"$AFXDP_TMP/err" 2>&1
		rc=$?
		cat "$AFXDP_TMP/err"
		case $rc in
		1 | 2) ;;
		*) fail "$name: ${tool##*/} exited $rc, expected a setup failure"; continue ;;
		esac
		grep -qF -- "$needle" "$AFXDP_TMP/err" || fail "$name: the message lacks '$needle'"
	done
}

expect_error no-such-interface "no network interface 'bmpnope0'" "afxdp:bmpnope0"
expect_error no-such-queue "$IF_A1 has no queue 7" "afxdp:$IF_A1,queue=7"
expect_error native-mtu-too-big "MTU" "afxdp:$IF_A1,mode=native"
expect_error zero-copy-unsupported "no zero-copy" "afxdp:$IF_A1,mode=skb,zc=on"
expect_error unknown-key "unknown devargs key 'qeue'" "afxdp:$IF_A1,qeue=1"
expect_error bad-queue-number "queue=x: expected a number" "afxdp:$IF_A1,queue=x"
expect_error no-interface-given "no interface given" "afxdp:queue=0"
# The failed opens and starts above must leave no XDP program behind.
ip -n "$NS_F" link show "$IF_A1" | grep -q ' xdp' && fail "an XDP program was left on $IF_A1"

[ $FAILS = 0 ] || test_fail "$FAILS check(s) failed"
echo "PASS"
