# SPDX-License-Identifier: MIT
# dpdk_lib.sh - sourced by the dpdk test scripts: skip rules, EAL arguments
# for --no-huge and hugepage runs, and network namespaces ("bmpd*") that
# are always removed.

DPDK_NETNS=""

dpdk_skip() {
	echo "SKIP: $*"
	exit 77
}

dpdk_fail() {
	echo "FAIL: $*"
	exit 1
}

# The first two CPUs this process may run on, as EAL's -l wants them ("0,1").
dpdk_two_cpus() {
	python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(",".join(map(str, c[:2])) if len(c) > 1 else "")'
}

dpdk_free_hugepages() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

# dpdk_eal_mem nohuge|huge: EAL's memory arguments, or skip when hugepages
# were asked for but too few are free (scripts/hugepages.sh reserves them).
# --no-huge means legacy memory, which --in-memory refuses: a private file
# prefix keeps parallel runs apart instead.
dpdk_eal_mem() {
	case $1 in
	nohuge) echo "--no-huge -m 512 --no-shconf --file-prefix=bmpd$$" ;;
	huge)
		free=$(dpdk_free_hugepages)
		[ "$free" -ge 128 ] || dpdk_skip "needs 128 free 2 MiB hugepages, $free are free: run " \
			"'sudo scripts/hugepages.sh' (the nohuge variant of this test runs without)"
		echo "--in-memory"
		;;
	*) dpdk_fail "memory mode $1: use nohuge or huge" ;;
	esac
}

dpdk_require_root_net() {
	[ "$(id -u)" = 0 ] || dpdk_skip "needs root (network namespaces, veth pairs, tap devices)"
	command -v ip >/dev/null || dpdk_skip "needs iproute2's ip"
	ip netns add bmpdprobe$$ 2>/dev/null || dpdk_skip "cannot create network namespaces here"
	ip netns del bmpdprobe$$
	trap dpdk_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Always runs: our namespaces go, and their veth and tap devices with them.
dpdk_cleanup() {
	for ns in $DPDK_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
}

# dpdk_ns NAME: a namespace without IPv6 chatter on its links.
dpdk_ns() {
	ip netns add "$1" || dpdk_fail "ip netns add $1"
	DPDK_NETNS="$DPDK_NETNS $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$1" link set lo up
}
