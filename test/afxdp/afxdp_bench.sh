#!/bin/sh
# SPDX-License-Identifier: MIT
# afxdp_bench.sh - Mpps through a forwarder on a veth pair, bump against a
# plain AF_XDP loop (afxdp_ixy: ixy-style UMEM, a stack of frame indices)
# and against DPDK's net_af_xdp PMD, all in the same run.
#
# Topology: one veth pair bmpbex <-> bmpbey in namespace bmpbe-n, both ends
# ports of the forwarder under test.  INJECT frames (64 bytes) are sent
# once into bmpbex; from then on they circle: bmpbey RX -> forwarder ->
# bmpbex TX -> bmpbey RX ...  So nothing outside the forwarder's CPU limits
# the rate: the forwarder's loop, the kernel's copy-mode AF_XDP TX (an skb
# per frame), the veth and the XDP redirect into the socket all run on the
# forwarder's CPU, for bump and for the peers alike.
#
# Forwarders, run in turn in every round (ROUNDS rounds, SECONDS each):
#   bump-fwd            the app, io mode, afxdp: ports (bump's AF_XDP driver)
#   afxdp_fwd           the port API with one arena for both ports: zero-copy forwarding
#   afxdp_ixy           the AF_XDP peer: libxdp only, shared UMEM, zero-copy forwarding
#   bump-fwd/net_af_xdp the same app, io mode, dpdk: ports on DPDK's net_af_xdp PMD
#   bump-fwd/net_af_xdp-1pool  the same with one pool for both ports (--rx-pools
#                       lcore): one UMEM mempool, as testpmd's one mbuf pool
#   bump-fwd/net_af_xdp-copy  the same with rx=copy: a copy each way (the path before
#                       net_af_xdp's UMEM was the pool's arena)
#                       (when bump was built with DPDK)
#   testpmd/net_af_xdp  the DPDK peer: dpdk-testpmd, io mode, one forwarding lcore,
#                       on the same two net_af_xdp vdevs (when dpdk-testpmd is installed:
#                       Debian's dpdk-dev package)
# Each prints its forwarded rate every second; the first second is dropped
# (start-up, injection) and the median of the rest over all rounds is reported.
#
# XDP modes: the AF_XDP forwarders attach their program in the mode asked
# for.  net_af_xdp has no mode argument: it attaches libxdp's xsk_def_prog
# in native mode on veth; for skb mode the script loads that same program in
# generic mode first (xdp-loader) and the PMD uses it.  Every run checks the
# mode the veth ends are in.  net_af_xdp runs with force_copy=1 (veth has no
# zero-copy AF_XDP: all forwarders are in copy mode) and busy_budget=0 (no
# preferred busy polling, which the AF_XDP forwarders do not use either).
#
# Usage: meson test -C BUILD --benchmark afxdp_bench -v
#        (env: BENCH_ROUNDS=5 BENCH_SECONDS=4 BENCH_INJECT=128 BENCH_MODES="native skb"
#         BENCH_TOOLS="bump-fwd afxdp_fwd ..." to run some only,
#         BENCH_CPU=1: also the forwarder's user and kernel CPU time per packet,
#         BENCH_TESTPMD=path of dpdk-testpmd, "" for none,
#         AFXDP_BENCH_PNG=path: the table as a bar chart there, scripts/bench_plot.py)
set -u
. "$(dirname "$0")/afxdp_lib.sh"
[ -x "${AFXDP_IXY:-}" ] || test_skip "AFXDP_IXY is not set: run through meson test"
afxdp_require

ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
INJECT=${BENCH_INJECT:-128}
MODES=${BENCH_MODES:-native skb}
TESTPMD=${BENCH_TESTPMD-$(command -v dpdk-testpmd || true)}
# BENCH_CPU=1: CPU time per packet from /proc/PID/stat (utime, stime), since a
# VM may have no counters for perf stat's instructions.
CPUSTAT=""
[ "${BENCH_CPU:-0}" = 1 ] && CPUSTAT=1
HZ=$(getconf CLK_TCK)

# cpu_ticks PID: "utime stime" of PID in clock ticks (all its threads).
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}
# The last CPU we may run on is the forwarder's; the generator, the shell and
# testpmd's main lcore (which only prints stats) keep the first.
CPUS=$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
	awk -F- '{ e = NF > 1 ? $2 : $1; for (c = $1; c <= e; c++) print c }')
CPU=$(echo "$CPUS" | tail -n 1)
MAIN_CPU=$(echo "$CPUS" | head -n 1)

NS=bmpbe-n
netns_add $NS
netns_veth $NS bmpbex bmpbey

# DPDK memory, the same for bump-fwd's EAL and testpmd's.
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -ge 128 ]; then
	EAL_MEM="--in-memory"
	EAL_MEMDESC="2 MiB hugepages (EAL --in-memory)"
else
	EAL_MEM="--no-huge -m 512 --no-shconf --file-prefix=bmpbe$$"
	# EAL never removes its runtime directory (/var/run/dpdk as root).
	NETNS_RM="/var/run/dpdk/bmpbe$$"
	EAL_MEMDESC="4 KiB pages (EAL --no-huge: fewer than 128 free hugepages)"
fi
NAF="force_copy=1,busy_budget=0"

# libxdp's default AF_XDP program, loaded in generic mode for net_af_xdp's skb runs.
XSK_PROG=""
for d in "${LIBXDP_OBJECT_PATH:-}" "$(pkg-config --variable=libdir libxdp 2>/dev/null)/bpf" \
	/usr/lib/x86_64-linux-gnu/bpf /usr/lib/aarch64-linux-gnu/bpf /usr/lib64/bpf /usr/lib/bpf \
	/usr/local/lib/bpf; do
	[ -n "$d" ] && [ -f "$d/xsk_def_xdp_prog.o" ] && XSK_PROG=$d/xsk_def_xdp_prog.o && break
done
command -v xdp-loader >/dev/null || XSK_PROG=""

# xdp_mode IF: the XDP mode of the program on IF: native, skb, or none.
xdp_mode() {
	case $(ip -n $NS -o link show dev "$1") in
	*" xdpgeneric "*) echo skb ;;
	*" xdp "*) echo native ;;
	*" xdp"*) echo other ;;
	*) echo none ;;
	esac
}

# xdp_clear: no XDP program left on either end.
xdp_clear() {
	for i in bmpbex bmpbey; do
		ip -n $NS link set dev "$i" xdpgeneric off 2>/dev/null
		ip -n $NS link set dev "$i" xdpdrv off 2>/dev/null
	done
}

# run_one TOOL MODE: one run; appends its per-second rates (Mpps) to rates.TOOL.MODE.
run_one() {
	tool=$1 mode=$2 out=$AFXDP_TMP/run ready=^ready
	case $tool in
	bump-fwd)
		set -- "$AFXDP_BUMP_FWD" --port "afxdp:bmpbex,mode=$mode" --port "afxdp:bmpbey,mode=$mode" \
			--fwd io --lcores "$CPU" --duration "$SECONDS_PER_RUN" --stats-period 1
		ready="running for" ;;
	afxdp_fwd)
		set -- "$AFXDP_FWD" --port "afxdp:bmpbex,mode=$mode" --port "afxdp:bmpbey,mode=$mode" \
			--fwd io --arena shared --cpu "$CPU" --duration "$SECONDS_PER_RUN" --stats ;;
	afxdp_ixy)
		set -- "$AFXDP_IXY" --if bmpbex --if bmpbey --mode "$mode" --fwd io --cpu "$CPU" \
			--duration "$SECONDS_PER_RUN" ;;
	bump-fwd/net_af_xdp | bump-fwd/net_af_xdp-1pool | bump-fwd/net_af_xdp-copy)
		# Rings of 2048 as the afxdp driver's (the dpdk driver's default is 1024).
		# Buffers of testpmd's mbuf object size (2368 bytes: its default 2176-byte
		# data room, the 128-byte mbuf, the mempool's 64-byte header), so that
		# net_af_xdp's UMEM chunks lie at testpmd's stride, as dpdk_bench.sh does;
		# bump-fwd's default 4096 puts every frame and mbuf header at the same
		# offset in its 4 KiB page, where they compete for the same cache sets.
		# -copy: the dpdk driver's rx=copy (a copy each way, the path before its
		# RX mempools became net_af_xdp's UMEM).  -1pool: both ports' RX queues on
		# one pool, so one mempool is both UMEMs' pool, as testpmd's one mbuf pool.
		opt="" pools=queue
		[ "$tool" = bump-fwd/net_af_xdp-copy ] && opt=";rx=copy"
		[ "$tool" = bump-fwd/net_af_xdp-1pool ] && pools=lcore
		set -- env BUMP_EAL_ARGS="$EAL_MEM" "$AFXDP_BUMP_FWD" \
			--port "dpdk:net_af_xdp0,iface=bmpbex,$NAF$opt" \
			--port "dpdk:net_af_xdp1,iface=bmpbey,$NAF$opt" \
			--rxd 2048 --txd 2048 --buf-size 2368 --rx-pools "$pools" --fwd io \
			--lcores "$CPU" --duration "$SECONDS_PER_RUN" --stats-period 1
		ready="running for" ;;
	testpmd/net_af_xdp)
		# Stopped with SIGINT SECONDS_PER_RUN after the ready line (stats blocks at
		# 0, 1, 2, ... s); stdout line-buffered for the ready line.
		# shellcheck disable=SC2086
		set -- stdbuf -oL "$TESTPMD" $EAL_MEM --lcores "0@$MAIN_CPU,1@$CPU" --no-pci \
			--no-telemetry --log-level=lib.eal:warning \
			--vdev "net_af_xdp0,iface=bmpbex,$NAF" --vdev "net_af_xdp1,iface=bmpbey,$NAF" -- \
			--forward-mode=io --nb-cores=1 --burst=32 --rxd=2048 --txd=2048 \
			--total-num-mbufs=8192 --stats-period 1
		ready="start packet forwarding" ;;
	esac
	preloaded=""
	case $tool/$mode in
	*/net_af_xdp*/skb)
		for i in bmpbex bmpbey; do
			ip netns exec $NS xdp-loader load -m skb "$i" "$XSK_PROG" >"$out" 2>&1 ||
				test_fail "xdp-loader load -m skb $i $XSK_PROG: $(cat "$out")"
		done
		preloaded=" (xsk_def_prog loaded in skb mode first)" ;;
	esac
	# Emptied here, not by the child's redirection: the ready check must not
	# find the previous run's "ready" before the child has started.
	: >"$out"
	ip netns exec $NS "$@" >>"$out" 2>&1 </dev/null &
	pid=$!
	NETNS_PIDS="$NETNS_PIDS $pid"
	afxdp_wait_ready "$out" $pid "$ready" || test_fail "$tool did not start: $(cat "$out")"
	for i in bmpbex bmpbey; do
		m=$(xdp_mode $i)
		[ "$m" = "$mode" ] ||
			test_fail "$tool in $mode mode: $i has XDP in mode '$m'$preloaded: $(cat "$out")"
	done
	ip netns exec $NS "$AFXDP_GEN" -i bmpbex -n "$INJECT" >/dev/null || test_fail "inject"
	if [ -n "$CPUSTAT" ]; then
		# CPU time over seconds 1-3 after the injection, about the seconds kept below.
		(sleep 1; t0=$(cpu_ticks $pid); sleep 2; echo "$t0 $(cpu_ticks $pid)") \
			>"$AFXDP_TMP/cpu" 2>/dev/null &
		cpu_pid=$!
	fi
	if [ "$tool" = testpmd/net_af_xdp ]; then
		sleep "$SECONDS_PER_RUN"
		kill -INT $pid
		# testpmd re-raises SIGINT after its clean exit: 130 is its normal status.
		wait $pid
		st=$?
		[ $st = 0 ] || [ $st = 130 ] || test_fail "$tool failed ($st): $(cat "$out")"
		grep -q '^Bye' "$out" || test_fail "$tool did not close its ports: $(cat "$out")"
	else
		wait $pid || test_fail "$tool failed: $(cat "$out")"
	fi
	[ -n "$CPUSTAT" ] && wait "$cpu_pid"
	[ -n "$preloaded" ] && xdp_clear
	for i in bmpbex bmpbey; do
		m=$(xdp_mode $i)
		[ "$m" = none ] || { echo "note: $tool left an XDP program ($m) on $i; removed"; xdp_clear; }
	done
	rates=$(rates_of "$tool" "$out")
	echo "$rates" >>"$AFXDP_TMP/rates.$(echo "$tool" | tr / _).$mode"
	[ -n "$CPUSTAT" ] || return 0
	# Nanoseconds of user and kernel CPU per packet forwarded in the first two kept seconds.
	echo "$rates" | head -n 2 | awk -v f="$AFXDP_TMP/cpu" -v hz="$HZ" '{ p += $1 * 1e6 }
		END { if ((getline l < f) > 0 && split(l, t, " ") == 4 && p > 0)
			printf "%.0f %.0f\n", (t[3] - t[1]) / hz / p * 1e9, (t[4] - t[2]) / hz / p * 1e9 }' \
		>>"$AFXDP_TMP/cpu.$(echo "$tool" | tr / _).$mode"
}

# rates_of TOOL OUT: the per-second rates (Mpps) in TOOL's output OUT, the first second dropped.
rates_of() {
	case $1 in
	bump-fwd*)
		# "[   2.00 s] port P rx X Mpps tx Y Mpps ...": sum tx over the ports of each line time.
		awk '/^\[ *[0-9.]+ s\] port / { for (i = 1; i < NF; i++) if ($i == "tx") t[$2] += $(i + 1) }
		     END { for (k in t) print k, t[k] }' "$2" | sort -n | awk 'NR > 1 { print $2 }' ;;
	afxdp_fwd)
		sed -n 's/^fwd: \([0-9.]*\) Mpps$/\1/p' "$2" | tail -n +2 ;;
	afxdp_ixy)
		sed -n 's/^ixy: \([0-9.]*\) Mpps$/\1/p' "$2" | tail -n +2 ;;
	testpmd*)
		# A "Port statistics" block every second, "Tx-pps: N" per port in it (packets
		# per second since the last block): sum tx over the ports of each block.  The
		# first block comes as forwarding starts (no previous one: 0 pps), the second
		# covers the first second (start-up, injection): both are dropped, and as many
		# seconds are kept as the others give (SECONDS - 2).
		awk '/Port statistics/ { n++ } /Tx-pps:/ { t[n] += $2 }
		     END { for (i = 3; i <= n; i++) printf "%.3f\n", t[i] / 1e6 }' "$2" |
			head -n $((SECONDS_PER_RUN - 2)) ;;
	esac
}

# stats FILE: "median min max samples"
stats() {
	[ -f "$1" ] || { echo "- - - 0"; return; }
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR }'
}

# ratio A B: A / B to two places, "-" when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'
}

TOOLS="afxdp_fwd afxdp_ixy"
[ -x "${AFXDP_BUMP_FWD:-}" ] && TOOLS="bump-fwd $TOOLS"
if [ "${AFXDP_DPDK:-0}" = 1 ] && [ -x "${AFXDP_BUMP_FWD:-}" ]; then
	TOOLS="$TOOLS bump-fwd/net_af_xdp bump-fwd/net_af_xdp-1pool bump-fwd/net_af_xdp-copy"
	if [ -n "$TESTPMD" ] && [ -x "$TESTPMD" ]; then
		TOOLS="$TOOLS testpmd/net_af_xdp"
	else
		echo "note: no dpdk-testpmd (Debian: apt-get install dpdk-dev): no testpmd rows"
	fi
else
	echo "note: bump was built without DPDK: no net_af_xdp rows"
fi
TOOLS=${BENCH_TOOLS:-$TOOLS}
echo "afxdp benchmark: $ROUNDS rounds x $SECONDS_PER_RUN s, $INJECT frames of 64 B circling," \
	"forwarder on CPU $CPU, $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
case $TOOLS in
*net_af_xdp*) echo "DPDK: $EAL_MEMDESC, net_af_xdp devargs $NAF" ;;
esac
for mode in $MODES; do
	for r in $(seq "$ROUNDS"); do
		for tool in $TOOLS; do
			case $tool/$mode in
			*/net_af_xdp*/skb)
				[ -n "$XSK_PROG" ] || {
					[ "$r" = 1 ] && echo "note: $tool skips skb mode: needs xdp-loader and libxdp's xsk_def_xdp_prog.o"
					continue
				} ;;
			esac
			run_one "$tool" "$mode"
		done
		echo "round $r/$ROUNDS mode=$mode done, load $(cut -d' ' -f1-3 /proc/loadavg)"
	done
done

# median FILE COLUMN: the median of a column of numbers, "-" when there are none.
median() {
	[ -f "$1" ] || { echo -; return; }
	awk -v c="$2" '{ print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

table() {
	if [ -n "$CPUSTAT" ]; then
		echo "| XDP mode | forwarder | median Mpps | min | max | samples | vs afxdp_ixy | vs testpmd | user ns/pkt | kernel ns/pkt |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
	else
		echo "| XDP mode | forwarder | median Mpps | min | max | samples | vs afxdp_ixy | vs testpmd |"
		echo "|---|---|---|---|---|---|---|---|"
	fi
	for mode in $MODES; do
		read -r ixy _ <<EOF
$(stats "$AFXDP_TMP/rates.afxdp_ixy.$mode")
EOF
		read -r tpmd _ <<EOF
$(stats "$AFXDP_TMP/rates.testpmd_net_af_xdp.$mode")
EOF
		for tool in $TOOLS; do
			read -r med lo hi n <<EOF
$(stats "$AFXDP_TMP/rates.$(echo "$tool" | tr / _).$mode")
EOF
			row="| $mode | $tool | $med | $lo | $hi | $n | $(ratio "$med" "$ixy") | $(ratio "$med" "$tpmd") |"
			f=$AFXDP_TMP/cpu.$(echo "$tool" | tr / _).$mode
			[ -n "$CPUSTAT" ] && row="$row $(median "$f" 1) | $(median "$f" 2) |"
			echo "$row"
		done
	done
}
echo
table | tee "$AFXDP_TMP/table.md"
[ -n "${AFXDP_BENCH_PNG:-}" ] || exit 0
# The figure of doc/bench/afxdp.md, drawn from the table just printed.
python3 "$(dirname "$0")/../../scripts/bench_plot.py" "$AFXDP_TMP/table.md" --x forwarder \
	--series "XDP mode" --y "median Mpps" --lo min --hi max --ylabel Mpps \
	--title "AF_XDP forwarding on a veth pair, one core: Mpps, median and range" \
	--png "$AFXDP_BENCH_PNG" || test_fail "the plot failed"
