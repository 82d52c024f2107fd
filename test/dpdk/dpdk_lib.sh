# SPDX-License-Identifier: MIT
# dpdk_lib.sh - sourced by the dpdk test scripts: EAL arguments for
# --no-huge and hugepage runs; test/lib/netns.sh has the skip rules and the
# network namespaces ("bmpd*") that are always removed.

. "$(dirname "$0")/../lib/netns.sh"

# The first two CPUs this process may run on, as EAL's -l wants them ("0,1").
dpdk_two_cpus() {
	python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(",".join(map(str, c[:2])) if len(c) > 1 else "")'
}

# Skip unless EAL can load the bump mempool plugin ($BUMP_MEMPOOL_PLUGIN, -d).
dpdk_plugin_check() {
	[ -f "${BUMP_MEMPOOL_PLUGIN:-}" ] ||
		test_skip "the bump mempool plugin was not built (drivers/mempool/dpdk)"
	# EAL refuses plugins below a world-writable directory (/tmp, say).
	_d=$(dirname "$BUMP_MEMPOOL_PLUGIN")
	while [ "$_d" != / ]; do
		[ -n "$(find "$_d" -maxdepth 0 -perm -0002)" ] &&
			test_skip "EAL loads no plugin below the world-writable $_d: build outside it"
		_d=$(dirname "$_d")
	done
}

# Skip unless DPDK's own programs (not built with the sanitizers) can load
# the plugin: an ASan plugin needs the ASan runtime they lack.  $1: the program.
dpdk_plugin_uninstrumented() {
	if ldd "$BUMP_MEMPOOL_PLUGIN" | grep -q libasan; then
		test_skip "the plugin is built with ASan, which an uninstrumented DPDK program${1:+ ($1)} cannot load"
	fi
}

dpdk_free_hugepages() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

# Where EAL makes its runtime directories (/var/run/dpdk/<file-prefix> as
# root).  DPDK programs never remove theirs: a script removes those of the
# file prefixes it chose at exit.
dpdk_rundir() {
	if [ "$(id -u)" = 0 ]; then
		echo /var/run/dpdk
	else
		echo "${XDG_RUNTIME_DIR:-/tmp}/dpdk"
	fi
}

# dpdk_eal_mem nohuge|huge: EAL's memory arguments, or skip when hugepages
# were asked for but too few are free (scripts/hugepages.sh reserves them).
# --no-huge means legacy memory, which --in-memory refuses: a private file
# prefix (bmpd<pid>: remove "$(dpdk_rundir)/bmpd$$" at exit) keeps parallel
# runs apart instead.
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
