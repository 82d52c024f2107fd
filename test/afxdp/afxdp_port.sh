#!/bin/bash
# SPDX-License-Identifier: MIT
# afxdp_port.sh - the driver through the port API (test_afxdp_port) on a veth
# pair of its own namespace; then two ports on queues 0 and 1 of one
# interface (two sockets under one libxdp program): frames sent to either
# queue are forwarded, and nothing stays in flight.
set -u
. "$(dirname "$0")/afxdp_lib.sh"
[ -x "${AFXDP_TEST_PORT:-}" ] || afxdp_skip "AFXDP_TEST_PORT is not set: run through meson test"
afxdp_require
afxdp_ns bmppt-n
ip link add bmppta netns bmppt-n type veth peer name bmpptb netns bmppt-n || afxdp_fail "veth"
ip -n bmppt-n link set bmppta up && ip -n bmppt-n link set bmpptb up || afxdp_fail "link up"
ip netns exec bmppt-n "$AFXDP_TEST_PORT" bmppta bmpptb || afxdp_fail "test_afxdp_port"

ip link add bmpptq netns bmppt-n numrxqueues 2 numtxqueues 2 type veth \
	peer name bmpptr netns bmppt-n numrxqueues 2 numtxqueues 2 || afxdp_fail "veth, 2 queues"
ip -n bmppt-n link set bmpptq up && ip -n bmppt-n link set bmpptr up || afxdp_fail "link up"
for mode in native skb; do
	echo "=== queue=0 and queue=1 of bmpptq, mode=$mode"
	afxdp_start fwd bmppt-n "$AFXDP_FWD" --port "afxdp:bmpptq,queue=0,mode=$mode" \
		--port "afxdp:bmpptq,queue=1,mode=$mode"
	afxdp_wait_ready "$AFXDP_TMP/fwd" "$PID_fwd" || afxdp_fail "afxdp_fwd: $(cat "$AFXDP_TMP/fwd")"
	ip netns exec bmppt-n "$AFXDP_GEN" -i bmpptr -n 1000 -r 10000 || afxdp_fail "generator"
	sleep 0.5
	kill -INT "$PID_fwd"
	wait "$PID_fwd" || afxdp_fail "afxdp_fwd exited $?: $(cat "$AFXDP_TMP/fwd")"
	cat "$AFXDP_TMP/fwd"
	[ "$(afxdp_field "$AFXDP_TMP/fwd" fwd: forwarded)" = 1000 ] || afxdp_fail "not all forwarded"
	[ "$(afxdp_field "$AFXDP_TMP/fwd" inflight= inflight)" = 0 ] || afxdp_fail "buffers in flight"
done
echo "PASS"
