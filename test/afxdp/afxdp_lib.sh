# SPDX-License-Identifier: MIT
# afxdp_lib.sh - sourced by the afxdp test scripts: what they need, and the
# gen -> veth -> forwarder -> veth -> sink topology (test/lib/netns.sh
# removes it on exit).
#
# Topology for tag T (namespaces and interfaces all start with "bmp"):
#   bmpT-a: bmpTa0 (generator) ==veth== bmpTa1 (forwarder port 0) :bmpT-f
#   bmpT-f: bmpTb1 (forwarder port 1) ==veth== bmpTb0 (sink)      :bmpT-b
# No addresses are configured: the frames are raw Ethernet.

. "$(dirname "$0")/../lib/netns.sh"

afxdp_require() {
	netns_require_xdp "network namespaces, veth pairs, AF_XDP"
	for v in AFXDP_GEN AFXDP_SINK AFXDP_FWD; do
		eval "p=\${$v:-}"
		[ -x "$p" ] || test_skip "$v is not set: run through 'meson test --suite afxdp'"
	done
	NETNS_TMP=$(mktemp -d /tmp/bmp-afxdp.XXXXXX) || test_fail "mktemp"
	AFXDP_TMP=$NETNS_TMP
}

# afxdp_topo_up TAG [MTU]: build the topology above.
afxdp_topo_up() {
	t=$1
	mtu=${2:-1500}
	NS_A=bmp$t-a NS_F=bmp$t-f NS_B=bmp$t-b
	IF_A0=bmp${t}a0 IF_A1=bmp${t}a1 IF_B1=bmp${t}b1 IF_B0=bmp${t}b0
	netns_add "$NS_A"
	netns_add "$NS_F"
	netns_add "$NS_B"
	ip link add "$IF_A0" netns "$NS_A" type veth peer name "$IF_A1" netns "$NS_F" ||
		test_fail "veth $IF_A0/$IF_A1"
	ip link add "$IF_B1" netns "$NS_F" type veth peer name "$IF_B0" netns "$NS_B" ||
		test_fail "veth $IF_B1/$IF_B0"
	for pair in "$NS_A $IF_A0" "$NS_F $IF_A1" "$NS_F $IF_B1" "$NS_B $IF_B0"; do
		set -- $pair
		ip -n "$1" link set "$2" mtu "$mtu" up || test_fail "ip link set $2 mtu $mtu up"
	done
}

# afxdp_wait_ready FILE PID [REGEX]: wait up to 15 s for a line matching REGEX
# (default: "ready") in FILE while PID lives.
afxdp_wait_ready() {
	for _ in $(seq 150); do
		grep -q "${3:-^ready}" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# afxdp_start NAME NS CMD...: run CMD in NS in the background, output in $AFXDP_TMP/NAME.
afxdp_start() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$AFXDP_TMP/$name" 2>&1 &
	eval "PID_$name=$!"
	NETNS_PIDS="$NETNS_PIDS $!"
}

# afxdp_field FILE PREFIX KEY: the value of KEY=... on the line of FILE starting with PREFIX.
afxdp_field() {
	grep "^$2" "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
