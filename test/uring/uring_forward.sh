#!/bin/bash
# SPDX-License-Identifier: MIT
# uring_forward.sh - frames go generator -> veth -> bump-fwd on two uring:
# ports (AF_PACKET, buffers from provided-buffer rings) -> veth -> sink;
# every frame must arrive once, intact (sequence number and checksum), and
# bump-fwd must end with no buffer in flight.  A second run gives the RX
# pool fewer buffers than the ring, so the ring runs dry under load: the
# receive ends with ENOBUFS, is re-armed and counted, and nothing is lost.
set -u
. "$(dirname "$0")/uring_lib.sh"
uring_require URING_GEN URING_SINK URING_BUMP_FWD
afxdp_topo_up ur

FAILS=0

# uring_run NAME COUNT RATE SIZE FWD NB_MBUFS RXD [EXPECT_ENOBUFS]
uring_run() {
	local name=$1 count=$2 rate=$3 size=$4 fwd=$5 mbufs=$6 rxd=$7 want_enobufs=${8:-0}
	local ok=1 run=$((RANDOM * 32768 + RANDOM + 1))
	echo "=== $name: $count frames of $size bytes at $rate/s, $mbufs buffers per port, buffer ring $rxd"
	afxdp_start sink "$NS_B" "$URING_SINK" -i "$IF_B0" -n "$count" --run "$run" --idle-ms 3000
	afxdp_wait_ready "$AFXDP_TMP/sink" "$PID_sink" ||
		test_fail "sink did not start: $(cat "$AFXDP_TMP/sink")"
	afxdp_start fwd "$NS_F" "$URING_BUMP_FWD" --port "uring:$IF_A1" --port "uring:$IF_B1" \
		--fwd "$fwd" --stats-period 0 --rxd "$rxd" --txd 1024 --nb-mbufs "$mbufs"
	# Its lcore posts the RX buffers on its first poll, after "running until".
	afxdp_wait_ready "$AFXDP_TMP/fwd" "$PID_fwd" "every RX queue polled" ||
		test_fail "bump-fwd did not start: $(cat "$AFXDP_TMP/fwd")"
	ip netns exec "$NS_A" "$URING_GEN" -i "$IF_A0" -n "$count" -r "$rate" -s "$size" \
		--run "$run" || test_fail "generator failed"
	wait "$PID_sink"
	local sink_rc=$?
	kill -INT "$PID_fwd"
	wait "$PID_fwd"
	local fwd_rc=$?
	cat "$AFXDP_TMP/sink" "$AFXDP_TMP/fwd"
	[ "$sink_rc" = 0 ] || { echo "FAIL: the sink saw losses or bad frames"; ok=0; }
	[ "$fwd_rc" = 0 ] || { echo "FAIL: bump-fwd exited $fwd_rc"; ok=0; }
	grep -q "0 buffers in flight" "$AFXDP_TMP/fwd" ||
		{ echo "FAIL: buffers in flight at exit"; ok=0; }
	local enobufs
	enobufs=$(afxdp_field "$AFXDP_TMP/fwd" "uring port 0:" rx_enobufs)
	if [ "$want_enobufs" = 1 ]; then
		[ "${enobufs:-0}" -gt 0 ] ||
			{ echo "FAIL: the ring never ran dry (rx_enobufs=${enobufs:-?})"; ok=0; }
		[ "$(afxdp_field "$AFXDP_TMP/fwd" "uring port 0:" rx_rearms)" -ge "$enobufs" ] ||
			{ echo "FAIL: fewer re-arms than ENOBUFS"; ok=0; }
	fi
	if [ $ok = 1 ]; then echo "ok $name"; else echo "FAIL $name"; FAILS=$((FAILS + 1)); fi
}

uring_run io-64 30000 10000 64 io 8192 1024
uring_run macswap-1500 20000 10000 1500 macswap 8192 1024
# A buffer ring of 4 and frames arriving 64 at a time (the generator's
# batch): the receive takes all 4 buffers before the forwarder polls, finds
# the ring empty and ends with ENOBUFS; the frames wait in the socket and
# the forwarder re-arms after its refill.
uring_run dry-ring 30000 20000 64 io 8192 4 1

[ $FAILS = 0 ] || test_fail "$FAILS case(s) failed"
echo "PASS"
