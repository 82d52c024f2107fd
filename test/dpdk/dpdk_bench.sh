#!/bin/sh
# SPDX-License-Identifier: MIT
# dpdk_bench.sh: forwarding over DPDK's net_null and net_ring on one lcore,
# three ways, in one run (doc/bench/dpdk.md has the results):
#
#   (a) a plain DPDK program (dpdk_plain bench) on DPDK's ring_mp_mc mempool
#   (b) the same program, unmodified, on bump's mempool ops (-d plugin)
#   (c) bump's own port path: bump-fwd --fwd io on dpdk: ports
#   (d) (c) with one pool for both ports' RX queues (--rx-pools lcore), as
#       (a)'s ports share one mbuf pool
#
#   null      rx from net_null0/1 (the PMD allocates), tx to the other (it frees)
#   ring      512 frames circulating net_ring0 -> net_ring1 -> net_ring0: no
#             allocation at all in steady state for (a) and (b)
#   ring-gen  (a) and (b) only: allocate 32, send on net_ring0, receive, free
#
# (a) and (b) run with a per-lcore mempool cache of 256 and without (0:
# every get and put goes to the ops).  Each configuration runs REPEAT times
# (default 3), interleaved; the table shows the median Mpps and the range.
# Environment: DPDK_PLAIN, BUMP_FWD, BUMP_MEMPOOL_PLUGIN (set by meson),
# DPDK_BENCH_SECONDS (default 2), DPDK_BENCH_REPEAT (default 3),
# DPDK_BENCH_PNG (a path: the medians as a bar chart there, with gnuplot).
set -u
. "$(dirname "$0")/dpdk_lib.sh"

secs=${DPDK_BENCH_SECONDS:-2}
repeat=${DPDK_BENCH_REPEAT:-3}
for v in DPDK_PLAIN BUMP_FWD; do
	eval "p=\${$v:-}"
	[ -x "$p" ] || test_skip "$v is not set: run through 'meson test --benchmark dpdk_bench'"
done
[ -f "${BUMP_MEMPOOL_PLUGIN:-}" ] || test_skip "the bump mempool plugin was not built"
cpu=$(python3 -c 'import os; print(sorted(os.sched_getaffinity(0))[-1])')
if [ "$(dpdk_free_hugepages)" -ge 128 ]; then
	mem="--in-memory"
	fwd_mem=""
	memdesc="2 MiB hugepages (EAL --in-memory, bump regions on hugetlbfs)"
else
	mem="--no-huge -m 512 --no-shconf --file-prefix=bmpdb$$"
	fwd_mem="--no-huge"
	memdesc="4 KiB pages (EAL --no-huge, bump regions --no-huge): fewer than 128 hugepages free"
fi
eal="$mem -l $cpu --no-pci --no-telemetry --log-level=lib.eal:warning"
vdevs="--vdev=net_null0 --vdev=net_null1 --vdev=net_ring0 --vdev=net_ring1"
out=$(mktemp -d) || test_fail "mktemp"
trap 'rm -rf "$out" "$(dpdk_rundir)/bmpdb$$"' EXIT

# plain OPS MODE CACHE: one Mpps figure, or "-" when the run failed.
plain() {
	d=""
	[ "$1" = bump ] && d="-d $BUMP_MEMPOOL_PLUGIN"
	# shellcheck disable=SC2086
	"$DPDK_PLAIN" $eal $d $vdevs --mbuf-pool-ops-name="$1" -- bench "$2" --cache "$3" \
		--seconds "$secs" 2>&1 | sed -n 's/.*: \([0-9.]*\) Mpps on one lcore/\1/p' | grep . || echo -
}

# native MODE [OPTION...]: bump-fwd's Mpps, or "-".
native() {
	case $1 in
	null) ports="--port dpdk:net_null0 --port dpdk:net_null1" ;;
	ring) ports="--port dpdk:net_ring0 --port dpdk:net_ring1 --tx-first=8" ;;
	esac
	shift
	# shellcheck disable=SC2086
	# Buffers of DPDK's default mbuf object size (2368 bytes, 37 cache lines), as
	# ring_mp_mc's objects in (a): at a 4 KiB stride every mbuf header would sit
	# in the same two L1 sets (bump-fwd's default buffers, 2x the cycles here).
	BUMP_EAL_ARGS="$mem" "$BUMP_FWD" --lcores "$cpu" $fwd_mem --duration "$secs" --buf-size 2368 \
		--stats-period 0 $ports "$@" 2>&1 |
		sed -n 's/^bump-fwd: .* forwarded in .*s: \([0-9.]*\) Mpps.*/\1/p' | grep . || echo -
}

configs="a:null:256 a:null:0 a:ring:256 a:ring-gen:256 a:ring-gen:0 \
b:null:256 b:null:0 b:ring:256 b:ring-gen:256 b:ring-gen:0 c:null: c:ring: d:null: d:ring:"
echo "dpdk_bench: $repeat x ${secs} s per configuration on CPU $cpu, $memdesc; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$repeat"); do
	for c in $configs; do
		IFS=: read -r way mode cache <<EOF
$c
EOF
		case $way in
		a) v=$(plain ring_mp_mc "$mode" "$cache") ;;
		b) v=$(plain bump "$mode" "$cache") ;;
		c) v=$(native "$mode") ;;
		d) v=$(native "$mode" --rx-pools lcore) ;;
		esac
		echo "$v" >>"$out/$way-$mode-$cache"
		echo "  run $r: $way $mode cache=${cache:--}: $v Mpps"
	done
done

# median (and min-max) of a configuration's runs
stat() {
	[ -f "$out/$1" ] || { echo "-"; return; }
	sort -n "$out/$1" | awk '{v[NR]=$1} END {
		if (v[1] == "-" || NR == 0) { print "-"; exit }
		m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
		printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}
med() { stat "$1" | cut -d' ' -f1; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (x == "-" || y == "-" || y == 0) print "-"; else printf "%.2f", x / y }'; }

echo
echo "| workload | mempool cache | (a) DPDK ring_mp_mc | (b) bump mempool ops | (c) bump ports (bump-fwd) | (d) (c), one pool | b/a | c/a | d/a |"
echo "|---|---|---|---|---|---|---|---|---|"
for row in null:256 null:0 ring:256 ring-gen:256 ring-gen:0; do
	IFS=: read -r mode cache <<EOF
$row
EOF
	a=$(med "a-$mode-$cache") b=$(med "b-$mode-$cache")
	c="n/a" cr="n/a" d="n/a" dr="n/a"
	if [ "$cache" = 256 ] && [ "$mode" != ring-gen ]; then
		c=$(stat "c-$mode-")
		cr=$(ratio "$(med "c-$mode-")" "$a")
		d=$(stat "d-$mode-")
		dr=$(ratio "$(med "d-$mode-")" "$a")
	fi
	echo "| $mode | $cache | $(stat "a-$mode-$cache") | $(stat "b-$mode-$cache") | $c | $d | $(ratio "$b" "$a") | $cr | $dr |"
done

[ -n "${DPDK_BENCH_PNG:-}" ] || exit 0
command -v gnuplot >/dev/null || { echo "dpdk_bench: gnuplot not found: no plot"; exit 0; }
for row in null:256 null:0 ring:256 ring-gen:256 ring-gen:0; do
	IFS=: read -r mode cache <<EOF
$row
EOF
	c=NaN d=NaN
	if [ "$cache" = 256 ] && [ "$mode" != ring-gen ]; then
		c=$(med "c-$mode-")
		d=$(med "d-$mode-")
	fi
	echo "\"$mode, cache $cache\" $(med "a-$mode-$cache") $(med "b-$mode-$cache") $c $d"
done | sed 's/ -/ NaN/g' >"$out/plot.dat"
gnuplot <<EOF
set terminal pngcairo size 1200,600 noenhanced font ",10"
set output "$DPDK_BENCH_PNG"
set title "Forwarding over DPDK's net_null and net_ring, one lcore: Mpps (median), higher is better; log scale"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [1:*]
set ylabel "Mpps"
set grid ytics
set key top left
plot "$out/plot.dat" using 2:xtic(1) title "(a) DPDK ring_mp_mc", \
     "" using 3 title "(b) bump mempool ops", \
     "" using 4 title "(c) bump ports (bump-fwd)", \
     "" using 5 title "(d) (c) with one pool for both ports"
EOF
echo "dpdk_bench: plot in $DPDK_BENCH_PNG"
