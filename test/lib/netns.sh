# SPDX-License-Identifier: MIT
# netns.sh - sourced by the shell test libraries (test/afxdp/afxdp_lib.sh,
# which test/uring/uring_lib.sh builds on, and test/dpdk/dpdk_lib.sh): skip
# and fail, the checks for root and network namespaces, and namespaces
# (names start with "bmp") that are removed on exit, whatever happens, with
# the processes started for them.  POSIX sh.

NETNS_LIST=""
NETNS_PIDS=""   # background processes to stop first (by pid)
NETNS_TMP=""    # a scratch folder to remove, if the script made one
NETNS_RM=""     # more paths to remove (EAL runtime directories of prefixes a script chose)

# On stderr: a skip from inside $(...) (dpdk_eal_mem) must still say why.
test_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# test_skip_case NAME WHY...: one case of a test that goes on: the summary
# (scripts/test-summary.py) lists it by name, as bump_test.h's skipped cases.
test_skip_case() {
	_case=$1
	shift
	echo "skip $_case: $*"
}

test_fail() {
	echo "FAIL: $*"
	exit 1
}

# netns_require WHAT: root and working network namespaces, or skip saying
# WHAT needs them; installs the cleanup.
netns_require() {
	[ "$(id -u)" = 0 ] || test_skip "needs root ($1)"
	command -v ip >/dev/null || test_skip "needs iproute2's ip"
	ip netns add bmpprobe$$ 2>/dev/null || test_skip "cannot create network namespaces here"
	ip netns del bmpprobe$$
	trap netns_cleanup EXIT
	trap 'exit 130' INT TERM
}

# netns_require_xdp WHAT: netns_require, and a kernel with AF_XDP sockets.
netns_require_xdp() {
	netns_require "$1"
	grep -q '^XDP ' /proc/net/protocols 2>/dev/null ||
		test_skip "the kernel has no AF_XDP (CONFIG_XDP_SOCKETS)"
}

# Stop what we started, remove our namespaces (their veth and tap devices go with them).
netns_cleanup() {
	for pid in $NETNS_PIDS; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ns in $NETNS_LIST; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$NETNS_TMP" ] && rm -rf "$NETNS_TMP"
	for p in $NETNS_RM; do
		rm -rf "$p"
	done
}

# netns_add NAME: a namespace without IPv6 chatter on its links, lo up.
netns_add() {
	ip netns add "$1" || test_fail "ip netns add $1"
	NETNS_LIST="$NETNS_LIST $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$1" link set lo up
}

# netns_veth NS A B: a veth pair A-B inside namespace NS, both ends up.
netns_veth() {
	ip -n "$1" link add "$2" type veth peer name "$3" || test_fail "ip link add veth $2/$3"
	ip -n "$1" link set "$2" up && ip -n "$1" link set "$3" up || test_fail "ip link set $2/$3 up"
}
