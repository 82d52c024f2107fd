#!/bin/bash
# SPDX-License-Identifier: MIT
# afxdp_port.sh - the driver through the port API (test_afxdp_port) on a veth
# pair of its own namespace; then two ports on queues 0 and 1 of one
# interface (two sockets under one libxdp program).  The generator on
# bmpptr sends 600 frames from one CPU and 400 from another; XPS maps each
# CPU to one TX queue, and a veth delivers a frame on its peer's RX queue of
# the same number: port 0 must receive exactly 600 and port 1 exactly 400.
# Each port forwards to the other, out of bmpptq: two sinks on bmpptr, one
# per generator run, must each get every frame once and intact, and nothing
# may stay in flight.
set -u
. "$(dirname "$0")/afxdp_lib.sh"
[ -x "${AFXDP_TEST_PORT:-}" ] || test_skip "AFXDP_TEST_PORT is not set: run through meson test"
afxdp_require
netns_add bmppt-n
ip link add bmppta netns bmppt-n type veth peer name bmpptb netns bmppt-n || test_fail "veth"
ip -n bmppt-n link set bmppta up && ip -n bmppt-n link set bmpptb up || test_fail "link up"
ip netns exec bmppt-n "$AFXDP_TEST_PORT" bmppta bmpptb || test_fail "test_afxdp_port"

# Two CPUs this script may run on, one per queue.
set -- $(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
if [ $# -lt 2 ]; then
	test_skip_case two-queue "one CPU only, and XPS needs one per queue to split the frames"
	echo "PASS"
	exit 0
fi
cpu0=$1 cpu1=$2
ip link add bmpptq netns bmppt-n numrxqueues 2 numtxqueues 2 type veth \
	peer name bmpptr netns bmppt-n numrxqueues 2 numtxqueues 2 || test_fail "veth, 2 queues"
ip -n bmppt-n link set bmpptq up && ip -n bmppt-n link set bmpptr up || test_fail "link up"
xps=/sys/class/net/bmpptr/queues
ip netns exec bmppt-n sh -c "echo $(printf %x $((1 << cpu0))) > $xps/tx-0/xps_cpus &&
	echo $(printf %x $((1 << cpu1))) > $xps/tx-1/xps_cpus" || test_fail "cannot set XPS on bmpptr"
for mode in native skb; do
	echo "=== queue=0 and queue=1 of bmpptq, mode=$mode"
	run0=$((RANDOM * 32768 + RANDOM + 1)) run1=$((RANDOM * 32768 + RANDOM + 1))
	afxdp_start sink0 bmppt-n "$AFXDP_SINK" -i bmpptr -n 600 --run "$run0" --idle-ms 3000
	afxdp_start sink1 bmppt-n "$AFXDP_SINK" -i bmpptr -n 400 --run "$run1" --idle-ms 3000
	afxdp_wait_ready "$AFXDP_TMP/sink0" "$PID_sink0" && afxdp_wait_ready "$AFXDP_TMP/sink1" "$PID_sink1" ||
		test_fail "a sink did not start: $(cat "$AFXDP_TMP"/sink?)"
	afxdp_start fwd bmppt-n "$AFXDP_FWD" --port "afxdp:bmpptq,queue=0,mode=$mode" \
		--port "afxdp:bmpptq,queue=1,mode=$mode"
	afxdp_wait_ready "$AFXDP_TMP/fwd" "$PID_fwd" || test_fail "afxdp_fwd: $(cat "$AFXDP_TMP/fwd")"
	ip netns exec bmppt-n taskset -c "$cpu0" "$AFXDP_GEN" -i bmpptr -n 600 -r 10000 --run "$run0" &&
	ip netns exec bmppt-n taskset -c "$cpu1" "$AFXDP_GEN" -i bmpptr -n 400 -r 10000 --run "$run1" ||
		test_fail "generator"
	# The sinks end when every frame came (or after 3 s without one).
	wait "$PID_sink0"; rc0=$?
	wait "$PID_sink1"; rc1=$?
	kill -INT "$PID_fwd"
	wait "$PID_fwd" || test_fail "afxdp_fwd exited $?: $(cat "$AFXDP_TMP/fwd")"
	cat "$AFXDP_TMP/fwd" "$AFXDP_TMP/sink0" "$AFXDP_TMP/sink1"
	rx0=$(afxdp_field "$AFXDP_TMP/fwd" port0: rx) rx1=$(afxdp_field "$AFXDP_TMP/fwd" port1: rx)
	if [ $mode = native ]; then
		[ "$rx0" = 600 ] && [ "$rx1" = 400 ] || test_fail "queue 0 must receive the 600" \
			"frames sent from CPU $cpu0, queue 1 the 400 from CPU $cpu1"
	else
		# Generic XDP on a veth sees every frame on queue 0: veth records
		# no RX queue on that path.  Delivery is checked all the same.
		[ "$rx0" = 600 ] && [ "$rx1" = 400 ] ||
			test_skip_case two-queue-split-skb "queue 0 got $rx0, queue 1 $rx1" \
				"(generic XDP on a veth: the kernel's RX queue is always 0)"
		[ $((rx0 + rx1)) = 1000 ] || test_fail "the ports received $rx0 + $rx1 frames of 1000"
	fi
	[ "$(afxdp_field "$AFXDP_TMP/fwd" fwd: forwarded)" = 1000 ] || test_fail "not all forwarded"
	[ $rc0 = 0 ] && [ $rc1 = 0 ] || test_fail "the forwarded frames did not all reach bmpptr intact"
	[ "$(afxdp_field "$AFXDP_TMP/fwd" inflight= inflight)" = 0 ] || test_fail "buffers in flight"
done
echo "PASS"
