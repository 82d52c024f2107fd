#!/bin/bash
# SPDX-License-Identifier: MIT
# uring_udp.sh - bump-udp under load, in a network namespace of its own
# (loopback, so no port of the machine is taken):
#   sink: 2 I/O threads, each handing datagrams to a consumer thread that
#         checks and frees them (buffers return from another thread); every
#         datagram arrives intact, and 0 buffers are in flight at exit;
#   echo: every reply comes back intact to the client; again with --zc
#         (SEND_ZC from the registered pool memory), every reply counted as
#         zero-copy, copied by the kernel, or sent copying, with the client
#         stalled 300 ms halfway: its paced send then catches up in a burst,
#         and every reply still fits its receive buffers (a zero-copy reply
#         may take 2 MiB of them: uring_udp_client.c's window);
#   dry:  a pool of 8 buffers behind a ring of 8, so the ring runs dry under
#         load: ENOBUFS is counted, the receive re-armed, nothing lost.
set -u
. "$(dirname "$0")/uring_lib.sh"
uring_require URING_UDP URING_UDP_CLIENT
NS=bmpudp$$
netns_add "$NS"
ADDR=127.0.0.1:9000
FAILS=0

# udp_case NAME CLIENT_ARGS -- SERVER_ARGS
udp_case() {
	local name=$1 cargs=() sargs=() ok=1 sent got
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do cargs+=("$1"); shift; done
	shift
	sargs=("$@")
	echo "=== $name: bump-udp ${sargs[*]}; client ${cargs[*]}"
	afxdp_start srv "$NS" "$URING_UDP" --listen "$ADDR" --stats-period 1 "${sargs[@]}"
	afxdp_wait_ready "$AFXDP_TMP/srv" "$PID_srv" || test_fail "bump-udp did not start: $(cat "$AFXDP_TMP/srv")"
	ip netns exec "$NS" "$URING_UDP_CLIENT" --to "$ADDR" "${cargs[@]}" >"$AFXDP_TMP/cli" 2>&1 ||
		{ echo "FAIL: the client saw missing or bad replies"; ok=0; }
	# What the socket queued while the ring was dry drains after the client ends.
	sent=$(afxdp_field "$AFXDP_TMP/cli" client: sent)
	for _ in $(seq 150); do
		[ "$(sed -n 's/.* total \([0-9]*\) |.*/\1/p' "$AFXDP_TMP/srv" | tail -n 1)" = "$sent" ] && break
		sleep 0.1
	done
	sleep 1
	kill -INT "$PID_srv"
	wait "$PID_srv" || { echo "FAIL: bump-udp exited $?"; ok=0; }
	cat "$AFXDP_TMP/cli" "$AFXDP_TMP/srv"
	got=$(sed -n 's/^bump-udp: received \([0-9]*\) datagrams.*/\1/p' "$AFXDP_TMP/srv")
	[ -n "$sent" ] && [ "$sent" = "$got" ] || { echo "FAIL: sent $sent, received $got"; ok=0; }
	grep -q "0 buffers in flight" "$AFXDP_TMP/srv" || { echo "FAIL: buffers in flight"; ok=0; }
	if [ "$name" = dry ]; then
		local enobufs
		enobufs=$(sed -n 's/.* enobufs \([0-9]*\) rearms.*/\1/p' "$AFXDP_TMP/srv" | tail -n 1)
		[ "${enobufs:-0}" -gt 0 ] || { echo "FAIL: the ring never ran dry"; ok=0; }
	fi
	if [ "$name" = echo-zc ]; then
		# Every reply is accounted for: zero-copy, copied by the kernel, or sent copying.
		local zc
		zc=$(sed -n 's/^bump-udp: replies zero-copy \([0-9]*\), copied by the kernel \([0-9]*\).*zc-fallback \([0-9]*\)/\1 \2 \3/p' "$AFXDP_TMP/srv")
		[ -n "$zc" ] && [ $(( $(echo "$zc" | tr ' ' '+') )) = "$got" ] ||
			{ echo "FAIL: zero-copy counts '$zc' do not add up to $got replies"; ok=0; }
	fi
	if [ "$name" = sink ]; then
		local freed
		freed=$(sed -n 's/.*freed on consumer threads \([0-9]*\) .*/\1/p' "$AFXDP_TMP/srv")
		[ "$freed" = "$got" ] || { echo "FAIL: $freed of $got freed on consumer threads"; ok=0; }
	fi
	if [ $ok = 1 ]; then echo "ok $name"; else echo "FAIL $name"; FAILS=$((FAILS + 1)); fi
}

udp_case sink -n 200000 -r 50000 --sockets 8 -- --threads 2
udp_case echo -n 50000 -r 20000 --sockets 8 --echo -- --threads 2 --mode echo
udp_case echo-zc -n 20000 -r 10000 --sockets 8 --echo --stall-ms 300 -- --threads 2 --mode echo --zc
udp_case dry -n 20000 -r 10000 --sockets 4 -- --threads 1 --ring 8 --bufs 8

[ $FAILS = 0 ] || test_fail "$FAILS case(s) failed"
echo "PASS"
