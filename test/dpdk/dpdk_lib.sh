# SPDX-License-Identifier: MIT
# dpdk_lib.sh - sourced by the dpdk test scripts: EAL arguments for
# --no-huge and hugepage runs; test/lib/netns.sh has the skip rules and the
# network namespaces ("bmpd*") that are always removed.

. "$(dirname "$0")/../lib/netns.sh"

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
		[ "$free" -ge 128 ] || test_skip "needs 128 free 2 MiB hugepages, $free are free: run " \
			"'scripts/hugepages.sh' as root (the nohuge variant of this test runs without)"
		echo "--in-memory"
		;;
	*) test_fail "memory mode $1: use nohuge or huge" ;;
	esac
}
