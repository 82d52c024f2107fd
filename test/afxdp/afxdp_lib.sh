# SPDX-License-Identifier: MIT
# afxdp_lib.sh - sourced by the afxdp test scripts: skip checks, the
# gen -> veth -> forwarder -> veth -> sink topology, and its cleanup.
#
# Topology for tag T (namespaces and interfaces all start with "bmp"):
#   bmpT-a: bmpTa0 (generator) ==veth== bmpTa1 (forwarder port 0) :bmpT-f
#   bmpT-f: bmpTb1 (forwarder port 1) ==veth== bmpTb0 (sink)      :bmpT-b
# No addresses are configured: the frames are raw Ethernet.

AFXDP_PIDS=""
AFXDP_NETNS=""
AFXDP_TMP=""

afxdp_skip() {
	echo "SKIP: $*"
	exit 77
}

afxdp_fail() {
	echo "FAIL: $*"
	exit 1
}

afxdp_require() {
	[ "$(id -u)" = 0 ] || afxdp_skip "needs root (network namespaces, veth pairs, AF_XDP)"
	command -v ip >/dev/null || afxdp_skip "needs iproute2's ip"
	grep -q '^XDP ' /proc/net/protocols 2>/dev/null ||
		afxdp_skip "the kernel has no AF_XDP (CONFIG_XDP_SOCKETS)"
	for v in AFXDP_GEN AFXDP_SINK AFXDP_FWD; do
		eval "p=\${$v:-}"
		[ -x "$p" ] || afxdp_skip "$v is not set: run through 'meson test --suite afxdp'"
	done
	ip netns add bmpprobe$$ 2>/dev/null || afxdp_skip "cannot create network namespaces here"
	ip netns del bmpprobe$$
	AFXDP_TMP=$(mktemp -d /tmp/bmp-afxdp.XXXXXX) || afxdp_fail "mktemp"
	trap afxdp_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Always runs: stop what we started (by pid), remove our namespaces (their veths go with them).
afxdp_cleanup() {
	for pid in $AFXDP_PIDS; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ns in $AFXDP_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$AFXDP_TMP" ] && rm -rf "$AFXDP_TMP"
}

afxdp_ns() {
	ip netns add "$1" || afxdp_fail "ip netns add $1"
	AFXDP_NETNS="$AFXDP_NETNS $1"
	# No IPv6 autoconfiguration chatter on the test links.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$1" link set lo up
}

# afxdp_topo_up TAG [MTU]: build the topology above.
afxdp_topo_up() {
	t=$1
	mtu=${2:-1500}
	NS_A=bmp$t-a NS_F=bmp$t-f NS_B=bmp$t-b
	IF_A0=bmp${t}a0 IF_A1=bmp${t}a1 IF_B1=bmp${t}b1 IF_B0=bmp${t}b0
	afxdp_ns "$NS_A"
	afxdp_ns "$NS_F"
	afxdp_ns "$NS_B"
	ip link add "$IF_A0" netns "$NS_A" type veth peer name "$IF_A1" netns "$NS_F" ||
		afxdp_fail "veth $IF_A0/$IF_A1"
	ip link add "$IF_B1" netns "$NS_F" type veth peer name "$IF_B0" netns "$NS_B" ||
		afxdp_fail "veth $IF_B1/$IF_B0"
	for pair in "$NS_A $IF_A0" "$NS_F $IF_A1" "$NS_F $IF_B1" "$NS_B $IF_B0"; do
		set -- $pair
		ip -n "$1" link set "$2" mtu "$mtu" up || afxdp_fail "ip link set $2 mtu $mtu up"
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
	AFXDP_PIDS="$AFXDP_PIDS $!"
}

# afxdp_field FILE PREFIX KEY: the value of KEY=... on the line of FILE starting with PREFIX.
afxdp_field() {
	grep "^$2" "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
