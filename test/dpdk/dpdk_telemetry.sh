#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_telemetry.sh: dpdk-testpmd with bump's mempool plugin (-d,
# --mbuf-pool-ops-name=bump) shows bump's pools through DPDK's own
# telemetry socket (dpdk-telemetry.py: the plugin registered bump's
# commands) and through bump's socket (bump-stat --json), with counters
# that grow while it forwards (issue 12).  --mbcache=0: with DPDK's lcore
# cache io forwarding never reaches the ops, whose counters would stand still.
set -u
. "$(dirname "$0")/dpdk_lib.sh"

command -v dpdk-testpmd >/dev/null || test_skip "needs dpdk-testpmd (apt-get install dpdk)"
command -v dpdk-telemetry.py >/dev/null || test_skip "needs dpdk-telemetry.py (apt-get install dpdk)"
[ -f "${BUMP_MEMPOOL_PLUGIN:-}" ] || test_skip "the bump mempool plugin was not built"
[ -x "${BUMP_STAT:-}" ] || test_skip "BUMP_STAT is not set: run through 'meson test'"
dpdk_plugin_uninstrumented dpdk-testpmd
cpus=$(dpdk_two_cpus)
[ -n "$cpus" ] || test_skip "needs two CPUs"
out=$(mktemp -d) || test_fail "mktemp"
export BUMP_RUNTIME_DIR="$out/run"
prefix=bmptel$$
trap 'kill $tpid 2>/dev/null; wait; rm -rf "$out" "$(dpdk_rundir)/$prefix"' EXIT

# Interactive testpmd: forwarding from the start (start is sent once it is up), quit at the end.
mkfifo "$out/in" || test_fail "mkfifo"
timeout 90 dpdk-testpmd -l "$cpus" --no-pci --no-huge -m 1024 --file-prefix=$prefix \
	-d "$BUMP_MEMPOOL_PLUGIN" --mbuf-pool-ops-name=bump --vdev=net_null0 --vdev=net_null1 \
	-- -i --total-num-mbufs=8192 --mbcache=0 <"$out/in" >"$out/testpmd.log" 2>&1 &
tpid=$!
exec 3>"$out/in"
for _ in $(seq 300); do
	grep -q "Port 1: " "$out/testpmd.log" && break
	kill -0 $tpid 2>/dev/null || test_fail "dpdk-testpmd exited: $(tail -5 "$out/testpmd.log")"
	sleep 0.1
done
grep -q "Port 1: " "$out/testpmd.log" || test_fail "dpdk-testpmd did not start: $(tail -5 "$out/testpmd.log")"
echo start >&3
sleep 1

# DPDK's socket: the plugin's commands, next to DPDK's own.
tel() {
	printf '%s\n' "$@" | dpdk-telemetry.py -f $prefix 2>&1
}
tel / /bump/page_pool/list /bump/page_pool/stats_get /mempool/list >"$out/tel1"
sleep 1
tel /bump/page_pool/stats_get >"$out/tel2"
cat "$out/tel1" "$out/tel2"
python3 - "$out/tel1" "$out/tel2" <<'PY' || test_fail "dpdk-telemetry.py does not show bump's pools (above)"
import json, sys
r1 = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
r2 = [json.loads(l) for l in open(sys.argv[2]) if l.startswith('{')]
cmds, ids, st1, mp = r1[0]['/'], r1[1]['/bump/page_pool/list'], r1[2]['/bump/page_pool/stats_get'], r1[3]['/mempool/list']
st2 = r2[0]['/bump/page_pool/stats_get']
assert '/bump/page_pool/stats_get' in cmds and '/mempool/list' in cmds, cmds
assert mp and ids, (mp, ids)
fed = lambda st: sum(p['alloc_fast'] for p in st.values())
assert fed(st2) > fed(st1) > 0, (st1, st2)
PY

# bump's own socket in the same process: bump-stat sees the pools, counters growing.
# ($tpid is timeout's: testpmd's pid names its socket directory.)
pid=$(ls "$BUMP_RUNTIME_DIR/dpdk")
[ -n "$pid" ] || test_fail "no bump socket directory in $BUMP_RUNTIME_DIR/dpdk"
"$BUMP_STAT" --json --pid $pid >"$out/s1" || test_fail "bump-stat --json --pid $pid failed"
sleep 1
"$BUMP_STAT" --json --pid $pid >"$out/s2" || test_fail "bump-stat --json --pid $pid failed"
"$BUMP_STAT" --pid $pid
python3 - "$out/s1" "$out/s2" <<'PY' || test_fail "bump-stat does not show testpmd's bump pools"
import json, sys
a, b = (json.load(open(f))['processes'][0] for f in sys.argv[1:])
assert a['info']['comm'].startswith('dpdk-testpmd'), a['info']
assert a['pools'] and all(p['region']['page_size'] > 0 for p in a['pools'].values()), a['pools']
fed = lambda p: sum(s['alloc_fast'] for s in p['pool_stats'].values())
assert fed(b) > fed(a) > 0, (a['pool_stats'], b['pool_stats'])
PY

echo stop >&3
echo quit >&3
exec 3>&-
wait $tpid || test_fail "dpdk-testpmd failed: $(tail -5 "$out/testpmd.log")"
[ ! -e "$BUMP_RUNTIME_DIR/dpdk/$pid" ] || test_fail "bump's socket directory is left after testpmd quit"
echo "PASS: dpdk-telemetry.py and bump-stat see bump's pools in dpdk-testpmd"
