#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_runtime_dir.sh: bump-fwd on dpdk: ports leaves nothing in EAL's
# runtime directory (/var/run/dpdk as root): bump starts EAL with the file
# prefix bump-<pid> and removes that directory at exit, whichever way the
# program ends.  Each case runs bump-fwd (sim generator -> net_ring0) and
# checks that bump-<pid> is gone and no other entry appeared:
#   default     bump's own EAL arguments: --in-memory with free hugepages,
#               --no-huge --no-shconf without (the ASan build runs with none)
#   nohuge      BUMP_EAL_ARGS="--no-huge -m 256": EAL's shared config files
#               and mp_socket are written there, then removed
#   huge        BUMP_EAL_ARGS="--in-memory" (skipped without free hugepages)
#   sigint      no --duration, stopped by SIGINT; while it runs, EAL's
#               directory is bump-<pid> (a shared one, "rte", could not be
#               removed safely)
#   port-fails  EAL starts, then the port does not open (exit 1)
#   stale       what a killed bump-fwd left (bump-<pid> of a process that is
#               gone, with a file in it) is removed by the next start; a
#               live process's bump-<pid>, a dead one whose EAL config file
#               is locked (a primary in another pid namespace) and another
#               program's bump-bench-<pid> stay
set -u
. "$(dirname "$0")/dpdk_lib.sh"

[ -x "${BUMP_FWD:-}" ] || test_skip "BUMP_FWD is not set: run through 'meson test --suite dpdk'"
rundir=$(dpdk_rundir)
log=$(mktemp) || test_fail "mktemp"
trap 'rm -f "$log" "$log.before" "$log.after" "$log.lock"' EXIT
failed=0

# check NAME EXPECTED_STATUS SIGNAL_AFTER_S BUMP_EAL_ARGS PORT [bump-fwd options...]
check() {
	name=$1 want=$2 sig=$3 eal=$4 port=$5
	shift 5
	ls -A "$rundir" 2>/dev/null | sort > "$log.before"
	BUMP_EAL_ARGS=$eal "$BUMP_FWD" --port sim:mode=gen,size=64 --port "$port" \
		--stats-period 0 "$@" > "$log" 2>&1 &
	pid=$!
	if [ "$sig" != 0 ]; then
		for _ in $(seq 1 100); do
			grep -q "running until" "$log" && break
			sleep 0.1
		done
		if [ ! -d "$rundir/bump-$pid" ]; then
			echo "FAIL $name: while bump-fwd runs, EAL's directory is not $rundir/bump-$pid"
			failed=1
		fi
		sleep "$sig"
		kill -INT $pid
	fi
	wait $pid
	status=$?
	ls -A "$rundir" 2>/dev/null | sort > "$log.after"
	new=$(comm -13 "$log.before" "$log.after" | tr '\n' ' ')
	if [ $status != "$want" ]; then
		cat "$log"
		echo "FAIL $name: bump-fwd exited $status, not $want"
		failed=1
	elif [ -e "$rundir/bump-$pid" ] || [ -n "$new" ]; then
		ls -la "$rundir/bump-$pid" 2>/dev/null
		echo "FAIL $name: left behind in $rundir: ${new:-bump-$pid}"
		failed=1
	else
		echo "ok $name: exit $status, nothing left in $rundir"
	fi
}

check default 0 0 "" dpdk:net_ring0 --duration 0.3
check nohuge 0 0 "--no-huge -m 256" dpdk:net_ring0 --duration 0.3 --no-huge
if [ "$(dpdk_free_hugepages)" -ge 128 ]; then
	check huge 0 0 "--in-memory" dpdk:net_ring0 --duration 0.3
else
	test_skip_case huge "needs 128 free 2 MiB hugepages, $(dpdk_free_hugepages) are free"
fi
check sigint 0 0.5 "--no-huge -m 256 --no-shconf" dpdk:net_ring0 --no-huge
check port-fails 1 0 "--no-huge -m 256" dpdk:net_bogus0 --duration 0.3 --no-huge
# stale: pids of processes that are gone, one that lives while bump-fwd runs.
dead=$(sh -c 'echo $$')
dead2=$(sh -c 'echo $$')
sleep 30 &
live=$!
mkdir -p "$rundir/bump-$dead" "$rundir/bump-$live" "$rundir/bump-$dead2" \
	"$rundir/bump-bench-$dead"
echo junk > "$rundir/bump-$dead/config"
: > "$rundir/bump-$dead2/config"
# flock(1) locks with flock(2), not the fcntl lock EAL takes: a python one-liner holds one.
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(30)' \
	"$rundir/bump-$dead2/config" > "$log.lock" &
locker=$!
for _ in $(seq 1 50); do grep -q locked "$log.lock" 2>/dev/null && break; sleep 0.1; done
check stale 0 0 "--no-huge -m 256" dpdk:net_ring0 --duration 0.3 --no-huge
if [ -e "$rundir/bump-$dead" ]; then
	echo "FAIL stale: $rundir/bump-$dead (pid $dead is gone) is still there"
	failed=1
elif [ ! -d "$rundir/bump-$live" ] || [ ! -d "$rundir/bump-$dead2" ] ||
	[ ! -d "$rundir/bump-bench-$dead" ]; then
	echo "FAIL stale: removed a directory that is not bump-fwd's to remove (live pid, locked config or bump-bench)"
	failed=1
elif ! grep -q "removed the runtime directories bump-<pid> of 1 processes" "$log"; then
	cat "$log"
	echo "FAIL stale: bump-fwd did not say what it removed"
	failed=1
else
	echo "ok stale: bump-$dead removed; bump-$live, bump-$dead2 (locked) and bump-bench-$dead kept"
fi
kill $live $locker 2>/dev/null
wait $live $locker 2>/dev/null
rm -rf "$rundir/bump-$dead" "$rundir/bump-$live" "$rundir/bump-$dead2" "$rundir/bump-bench-$dead" "$log.lock"
[ $failed = 0 ] || exit 1
echo "ok: bump-fwd left nothing in $rundir"
