#!/bin/bash
# SPDX-License-Identifier: MIT
# uring_badinput.sh - what the uring driver does with bad input:
#   - frames longer than a buffer (MTU 9000, 5000-byte frames among 1500-byte
#     ones, 4096-byte buffers): dropped and counted (ierrors), the normal
#     ones all arrive, nothing in flight at exit;
#   - an interface that does not exist, a malformed address, a UDP port with
#     a TX queue and no peer, a ring size that is not a power of two, a typo,
#     and io_uring switched off by kernel.io_uring_disabled: each a failed
#     open/start with a message saying what to do.
set -u
. "$(dirname "$0")/uring_lib.sh"
uring_require URING_GEN URING_SINK URING_BUMP_FWD
afxdp_topo_up ub 9000

FAILS=0
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

echo "=== oversize: 5000-byte frames into 4096-byte buffers (MTU 9000)"
count=20000 run=$((RANDOM * 32768 + RANDOM + 1))
afxdp_start sink "$NS_B" "$URING_SINK" -i "$IF_B0" -n "$count" --run "$run" --idle-ms 3000
afxdp_wait_ready "$AFXDP_TMP/sink" "$PID_sink" || test_fail "sink did not start"
afxdp_start fwd "$NS_F" "$URING_BUMP_FWD" --port "uring:$IF_A1" --port "uring:$IF_B1" \
	--stats-period 0 --rxd 1024 --txd 1024
# Its lcore posts the RX buffers on its first poll, after "running until".
afxdp_wait_ready "$AFXDP_TMP/fwd" "$PID_fwd" "every RX queue polled" ||
	test_fail "bump-fwd did not start: $(cat "$AFXDP_TMP/fwd")"
ip netns exec "$NS_A" "$URING_GEN" -i "$IF_A0" -n "$count" -r 10000 -s 1500 --run "$run" \
	--oversize-every 50 --oversize-len 5000 >"$AFXDP_TMP/gen" || test_fail "generator failed"
wait "$PID_sink"
sink_rc=$?
kill -INT "$PID_fwd"
wait "$PID_fwd"
fwd_rc=$?
cat "$AFXDP_TMP/gen" "$AFXDP_TMP/sink" "$AFXDP_TMP/fwd"
big=$(afxdp_field "$AFXDP_TMP/gen" gen: oversize)
ierrors=$(grep "^port 0 " "$AFXDP_TMP/fwd" | sed -n 's/.* ierrors \([0-9]*\).*/\1/p')
[ "$sink_rc" = 0 ] || fail "oversize: normal frames lost, or an oversized one got through"
[ "$fwd_rc" = 0 ] || fail "oversize: bump-fwd exited $fwd_rc (buffers in flight?)"
[ "${big:-0}" -gt 0 ] || fail "oversize: the generator sent no oversized frame"
[ "$ierrors" = "$big" ] || fail "oversize: $big sent, ierrors=$ierrors"

# expect_error NAME NEEDLE DEVARGS: bump-fwd must fail to set the port up, saying NEEDLE.
expect_error() {
	local name=$1 needle=$2 devargs=$3 rc
	echo "=== $name: $devargs"
	ip netns exec "$NS_F" timeout 30 "$URING_BUMP_FWD" --port "$devargs" --duration 1 \
		>"$AFXDP_TMP/err" 2>&1
	rc=$?
	cat "$AFXDP_TMP/err"
	[ $rc = 1 ] || [ $rc = 2 ] || { fail "$name: bump-fwd exited $rc, expected a setup failure"; return; }
	grep -qF -- "$needle" "$AFXDP_TMP/err" || fail "$name: the message lacks '$needle'"
}

expect_error no-such-interface "no network interface 'bmpnope0'" "uring:bmpnope0"
expect_error bad-address "not an IPv4 address and port" "uring:udp=127.0.0.1:x"
expect_error udp-tx-without-peer "add peer=<addr:port>" "uring:udp=127.0.0.1:9100"
expect_error ring-not-power-of-two "power of two" "uring:$IF_A1,ring=100"
expect_error unknown-key "unknown devargs key 'rign'" "uring:$IF_A1,rign=64"

# io_uring switched off machine-wide for a moment (the suite runs under the test lock).
f=/proc/sys/kernel/io_uring_disabled
if [ -w $f ]; then
	old=$(cat $f)
	trap 'echo "$old" > $f; netns_cleanup' EXIT
	echo 2 > $f
	expect_error io-uring-disabled "kernel.io_uring_disabled=2" "uring:$IF_A1"
	echo "$old" > $f
	trap netns_cleanup EXIT
else
	test_skip_case io-uring-disabled "no writable $f"
fi

[ $FAILS = 0 ] || test_fail "$FAILS check(s) failed"
echo "PASS"
