#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_fwd.sh TOPOLOGY nohuge|huge: bump-fwd moving sim frames through DPDK
# ports, checked by test/fwd/fwd_app_check.py: a sim generator's frames
# reach a sim sink (sequence and checksum of each one checked), bump-fwd
# exits 0, and every pool is destroyed with 0 buffers in flight.
#
#   ring           gen(0) <-> net_ring0(1): what port 1 sends comes back to it
#                  and is forwarded to port 0, whose checker sees every frame
#   veth-xdp       gen(0) <-> net_af_xdp(1) =veth= net_af_packet(2) <-> sink(3)
#   veth-packet    the same with the PMDs swapped
#   tap            gen(0) <-> net_tap(1) =kernel= net_af_packet(2) on the tap <-> sink(3)
#
# The veth and tap runs happen in a network namespace of their own
# ("bmpd<pid>"), removed on exit whatever happens.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

topo=$1
mem=$2
[ -x "${BUMP_FWD:-}" ] && [ -f "${FWD_CHECK:-}" ] ||
	test_skip "BUMP_FWD or FWD_CHECK is not set: run through 'meson test --suite dpdk'"
case $mem in
nohuge)
	# No --file-prefix: bump's own (bump-<pid>) is private and removed at exit.
	export BUMP_EAL_ARGS="--no-huge -m 256 --no-shconf"
	fwd_mem="--no-huge"
	;;
huge)
	dpdk_eal_mem huge >/dev/null || exit $?
	export BUMP_EAL_ARGS="--in-memory"
	fwd_mem=""
	;;
*) test_fail "memory mode $mem: use nohuge or huge" ;;
esac
run="--duration 1.5 --stats-period 0 --nb-mbufs 8192 $fwd_mem"
# A rate the slowest path here (AF_XDP in generic mode on a veth, a shared
# CPU) carries without loss most of the time; losses show as sequence gaps,
# which the checker allows: what it refuses are damaged or reordered frames.
gen="sim:mode=gen,size=128,rate=20000"
netns=""
lossless=""

case $topo in
ring)
	ports="--port $gen --port dpdk:net_ring0"
	sink=0
	# net_ring is memory to memory: nothing may be lost, exactly.
	lossless=--lossless
	;;
veth-xdp | veth-packet)
	netns_require_xdp "network namespaces, veth pairs, tap devices"
	netns=bmpd$$
	netns_add "$netns"
	a=bmpd$$a b=bmpd$$b
	netns_veth "$netns" "$a" "$b"
	xdp="dpdk:net_af_xdp0,iface=$a" pkt="dpdk:net_af_packet0,iface=$b"
	[ "$topo" = veth-packet ] && xdp="dpdk:net_af_xdp0,iface=$b" pkt="dpdk:net_af_packet0,iface=$a"
	if [ "$topo" = veth-xdp ]; then
		ports="--port $gen --port $xdp --port $pkt --port sim:mode=sink"
	else
		ports="--port $gen --port $pkt --port $xdp --port sim:mode=sink"
	fi
	sink=3
	;;
tap)
	netns_require "network namespaces, veth pairs, tap devices"
	[ -c /dev/net/tun ] || test_skip "no /dev/net/tun for net_tap"
	netns=bmpd$$
	netns_add "$netns"
	t=bmpd$$t
	# net_tap makes the interface at open; net_af_packet, opened next, binds to it.
	ports="--port $gen --port dpdk:net_tap0,iface=$t --port dpdk:net_af_packet0,iface=$t --port sim:mode=sink"
	sink=3
	;;
*) test_fail "topology $topo: use ring, veth-xdp, veth-packet or tap" ;;
esac

# Under ASan: DPDK's net_af_xdp leaks libxdp's umem (lsan.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp"
in_ns=""
[ -n "$netns" ] && in_ns="ip netns exec $netns"
log=$(mktemp) || test_fail "mktemp"
# shellcheck disable=SC2086
$in_ns python3 "$FWD_CHECK" "$BUMP_FWD" --sink-port "$sink" $lossless --min-packets 1000 --timeout 120 \
	-- $run $ports >"$log" 2>&1
status=$?
cat "$log"
# Through the kernel the checker allows frames lost on the way; at this rate
# a path that loses more than one in ten has a bug (a PMD given buffers it
# cannot use).
line=$(grep "sim port $sink: sink frames" "$log")
rm -f "$log"
[ $status = 0 ] || exit $status
frames=$(echo "$line" | sed -n 's/.*sink frames \([0-9]*\).*/\1/p')
gaps=$(echo "$line" | sed -n 's/.*seq_gaps \([0-9]*\).*/\1/p')
[ -n "$frames" ] && [ $((gaps * 10)) -le "$frames" ] ||
	test_fail "sim port $sink checked ${frames:-no} frames and missed ${gaps:-?}: more than 1 in 10 lost"
echo "ok: sim port $sink: $frames frames intact, $gaps missing"
