#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_afxdp.sh nohuge|huge: two dpdk:net_af_xdp ports on the ends of a veth
# pair in a namespace of its own ("bmpd<pid>", removed on exit), driven by
# test_dpdk_port's afxdp cases: net_af_xdp's UMEM is bump's arena, frames go
# both ways with no copy (with a pool per port and with one for both), and
# every buffer is back after close; and where
# the arena cannot be its UMEM, frames are copied (with a warning and a stat).
set -u
. "$(dirname "$0")/dpdk_lib.sh"

mem=$1
[ -x "${TEST_DPDK_PORT:-}" ] ||
	test_skip "TEST_DPDK_PORT is not set: run through 'meson test --suite dpdk'"
netns_require_xdp "network namespaces, veth pairs"
ns=bmpd$$
netns_add "$ns"
a=bmpd$$a b=bmpd$$b
netns_veth "$ns" "$a" "$b"
# Under ASan: DPDK's net_af_xdp leaks libxdp's umem (lsan.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp"
# The UMEM case, both ports on one pool, then the copy fallback (a headroom the
# UMEM cannot give), each in a process of its own.
ip netns exec "$ns" "$TEST_DPDK_PORT" "$mem" afxdp "$a" "$b" || exit $?
ip netns exec "$ns" "$TEST_DPDK_PORT" "$mem" afxdp-shared "$a" "$b" || exit $?
ip netns exec "$ns" "$TEST_DPDK_PORT" "$mem" afxdp-copy "$a" "$b"
