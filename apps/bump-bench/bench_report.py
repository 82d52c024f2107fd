#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn bump-bench's Google Benchmark JSON into a Markdown table and a plot.

    bench_report.py RESULTS.json [--md OUT.md] [--png OUT.png] [--check]

Reads the medians of repetitions (run with --benchmark_repetitions=N; without
repetitions the single runs are used), prints ns per buffer per workload and
implementation, the ratio bump/peer per workload, and bump's targets (met or
missed), and draws a grouped bar chart with gnuplot.  Python stdlib only.

--check only validates the file (used by the meson test, test/bench): every
workload has a bump result and no benchmark reported an error.  It exits 77
(skipped) when the only errors are the DPDK peers' EAL failing to start.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Order of the columns: bump first, then its peers from closest to farthest.
IMPLS = ["bump", "bump_checked", "mempool_ring", "mempool_stack", "pktmbuf", "pktmbuf_extbuf",
         "malloc"]
# bump's two modes: unchecked (the default) and checked (BUMP_POOL_F_CHECKED).
MODES = ["bump", "bump_checked"]
WORKLOADS = ["owner", "outstanding", "frag", "xthread", "rx", "order2"]
# Which peers apply to which workload (bench_dpdk_*.c, bench_malloc.c).
APPLIES = {
    "owner": IMPLS,
    "outstanding": IMPLS,
    "frag": ["bump", "bump_checked", "mempool_ring", "mempool_stack", "malloc"],
    "xthread": IMPLS,
    "rx": IMPLS,
    "order2": IMPLS,
}
DESCRIPTION = {
    "owner": "owner alloc+put, bulk n (put straight back)",
    "outstanding": "alloc+put with n buffers held in a FIFO (free the oldest)",
    "frag": "fragment alloc+put (DPDK: a mempool of fragment-sized objects)",
    "xthread": "A allocates on CPU 0, B returns on CPU 1, per buffer",
    "rx": "RX refill: ring kept full, burst 32, touch first line, put",
    "order2": "16 KiB (order-2) buffers, alloc+put",
}
EAL_ERROR = "DPDK's EAL did not start"
# A run whose CPU time is below this share of its real time lost the CPU to
# something else (the machine is shared): its cell is marked, not hidden.
DISTURBED = 0.9
DISTURBED_CELLS = set()


def parse_name(run_name):
    """'outstanding/bump/bulk:32/n:65536/real_time' -> (workload, impl, params)."""
    parts = [p for p in run_name.split("/")
             if p not in ("real_time", "process_time") and
             not re.match(r"(repeats|min_time|iterations):", p)]
    if len(parts) < 2:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def load(path):
    """{(workload, params): {impl: ns_per_buf or error string}}, context, errors."""
    with open(path) as f:
        data = json.load(f)
    medians, singles, errors, disturbed = {}, {}, {}, set()
    for b in data.get("benchmarks", []):
        key = parse_name(b.get("run_name", b["name"]))
        if key is None:
            continue
        if b.get("error_occurred"):
            errors[key] = b.get("error_message", "error")
            continue
        # xthread runs measure the process's CPU time: both threads spin.
        threads = 2 if key[0] == "xthread" else 1
        judged = b.get("run_type") != "aggregate" or b.get("aggregate_name") == "median"
        if judged and b.get("real_time", 0) > 0 and \
                b.get("cpu_time", 0) < DISTURBED * threads * b["real_time"]:
            disturbed.add(key)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median" and "ns_per_buf" in b:
                medians[key] = b["ns_per_buf"]
        elif "ns_per_buf" in b:
            singles.setdefault(key, []).append(b["ns_per_buf"])
    values = dict(medians)
    for key, runs in singles.items():
        if key not in values:
            runs.sort()
            values[key] = runs[len(runs) // 2]
    rows = {}
    for (w, impl, params), v in values.items():
        rows.setdefault((w, params), {})[impl] = v
        if (w, impl, params) in disturbed:
            DISTURBED_CELLS.add((w, params, impl))
    for (w, impl, params), msg in errors.items():
        rows.setdefault((w, params), {}).setdefault(impl, "error: " + msg)
    return rows, data.get("context", {}), errors, bool(medians)


def row_order(key):
    w, params = key
    nums = [int(n) for n in re.findall(r"\d+", params)]
    return (WORKLOADS.index(w) if w in WORKLOADS else len(WORKLOADS), w, nums)


def row_order_params(params):
    return [int(n) for n in re.findall(r"\d+", params)]


def fmt(v):
    if isinstance(v, str):
        return "err"
    return "%.2f" % v if v < 100 else "%.0f" % v


def ratio(rows, w, params, peer, mode="bump"):
    r = rows.get((w, params), {})
    b, p = r.get(mode), r.get(peer)
    if isinstance(b, float) and isinstance(p, float) and p > 0:
        return b / p
    return None


def targets(rows, mode):
    """bump's targets (issue 16) for one mode, each as (text, measured, met)."""
    out = []

    def val(w, params):
        v = rows.get((w, params), {}).get(mode)
        return v if isinstance(v, float) else None

    def add(text, measured, limit, unit=""):
        if measured is None:
            out.append((text, "not measured", None))
        else:
            out.append((text, "%.2f%s" % (measured, unit), measured <= limit))

    def params_of(w, pred=lambda p: True):
        return sorted({k[1] for k in rows if k[0] == w and pred(k[1])}, key=row_order_params)

    bulk32 = [("owner", "bulk:32"), ("order2", "bulk:32")]
    bulk32 += [("outstanding", p) for p in params_of("outstanding", lambda p: "bulk:32/" in p)]
    bulk32 += [("rx", p) for p in params_of("rx")]
    for w, params in bulk32:
        add("%s %s: / mempool_ring <= 1.5" % (w, params),
            ratio(rows, w, params, "mempool_ring", mode), 1.5)
    single = [("owner", "bulk:1")]
    single += [("outstanding", p) for p in params_of("outstanding", lambda p: "bulk:1/" in p)]
    for w, params in single:
        add("%s %s: / mempool_ring <= 1.0" % (w, params),
            ratio(rows, w, params, "mempool_ring", mode), 1.0)
    for bulk in ("1", "32"):
        add("xthread bulk:%s: / mempool_ring <= 1.0" % bulk,
            ratio(rows, "xthread", "bulk:" + bulk, "mempool_ring", mode), 1.0)
    for size in ("256", "1500"):
        for bulk in ("1", "32"):
            params = "size:%s/bulk:%s" % (size, bulk)
            add("frag %s: <= 3 ns" % params, val("frag", params), 3.0, " ns")
            add("frag %s: / malloc <= 0.1" % params, ratio(rows, "frag", params, "malloc", mode),
                0.1)
    for k in sorted(rows, key=row_order):
        q = ratio(rows, k[0], k[1], "pktmbuf", mode)
        if q is not None:
            add("%s %s: / pktmbuf <= 0.25" % k, q, 0.25)
    return out


def markdown(rows, ctx, have_medians, source):
    keys = sorted(rows, key=row_order)
    impls = [i for i in IMPLS if any(i in rows[k] for k in keys)]
    modes = [m for m in MODES if m in impls]
    peers = [i for i in impls if i not in MODES]
    lines = []
    lines.append("# bump-bench results")
    lines.append("")
    lines.append("Generated by `apps/bump-bench/bench_report.py` from `%s`; see README.md "
                 "for the commands." % os.path.basename(source))
    lines.append("")
    lines.append("- %s of repetitions; ns per buffer (one alloc and one put, or free), lower "
                 "is better." % ("Medians" if have_medians else "Single runs, no medians"))
    lines.append("- Machine: %s CPUs at %s MHz, load %s; run %s." % (
        ctx.get("num_cpus", "?"), ctx.get("mhz_per_cpu", "?"),
        " ".join("%.2f" % x for x in ctx.get("load_avg", [])), ctx.get("date", "?")))
    lines.append("- bump memory: %s." % ctx.get("bump_memory", "?"))
    lines.append("- DPDK 22.11 memory: %s; mempool caches of 256." % ctx.get("dpdk_memory", "?"))
    if ctx.get("library_build_type") == "debug":
        lines.append("- Google Benchmark's library reports a debug build (the Debian package); "
                     "it only drives the loop, the workloads are built with -O3.")
    lines.append("")
    lines.append("## ns per buffer")
    lines.append("")
    lines.append("| workload | args | " + " | ".join(impls) + " |")
    lines.append("|---|---|" + "---:|" * len(impls))
    for k in keys:
        r = rows[k]
        cells = [(fmt(r[i]) + (" †" if (k[0], k[1], i) in DISTURBED_CELLS else ""))
                 if i in r else "-" for i in impls]
        lines.append("| %s | %s | %s |" % (k[0], k[1], " | ".join(cells)))
    if DISTURBED_CELLS:
        lines.append("")
        lines.append("† CPU time below %d%% of real time (of twice the real time for "
                     "xthread, whose two threads spin): a thread lost its CPU to another "
                     "process, or slept (glibc's arena lock), during that benchmark; take "
                     "the figure with care." %
                     round(DISTURBED * 100))
    lines.append("")
    lines.append("## Ratio bump / peer (below 1: bump is faster)")
    lines.append("")
    cols = [(m, p) for m in modes for p in peers]
    lines.append("| workload | args | " + " | ".join("%s/%s" % c for c in cols) + " |")
    lines.append("|---|---|" + "---:|" * len(cols))
    for k in keys:
        cells = []
        for m, p in cols:
            q = ratio(rows, k[0], k[1], p, m)
            cells.append("%.2f" % q if q is not None else "-")
        lines.append("| %s | %s | %s |" % (k[0], k[1], " | ".join(cells)))
    for m in modes:
        tl = targets(rows, m)
        lines.append("")
        lines.append("## bump's targets, %s mode (%d of %d met)" % (
            "checked" if m == "bump_checked" else "unchecked (default)",
            sum(1 for t in tl if t[2]), len(tl)))
        lines.append("")
        lines.append("| target | measured | met |")
        lines.append("|---|---:|:---:|")
        for text, measured, met in tl:
            lines.append("| %s | %s | %s |" % (
                text, measured, "-" if met is None else ("yes" if met else "**no**")))
    lines.append("")
    lines.append("## Workloads")
    lines.append("")
    for w in WORKLOADS:
        lines.append("- `%s`: %s." % (w, DESCRIPTION[w]))
    errs = [(k, i, v) for k in keys for i, v in rows[k].items() if isinstance(v, str)]
    if errs:
        lines.append("")
        lines.append("## Errors")
        lines.append("")
        for (w, params), impl, msg in errs:
            lines.append("- %s/%s/%s: %s" % (w, impl, params, msg))
    return "\n".join(lines) + "\n"


def plot(rows, png):
    """Grouped bars, one group per workload and arguments, log scale."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("bench_report: gnuplot not found; no plot", file=sys.stderr)
        return False
    keys = sorted(rows, key=row_order)
    impls = [i for i in IMPLS if any(i in rows[k] for k in keys)]
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "bench.dat")
        with open(dat, "w") as f:
            f.write("label " + " ".join(impls) + "\n")
            for k in keys:
                label = ("%s %s" % k).replace(" ", "\\n").replace("/", "\\n")
                vals = [rows[k].get(i) for i in impls]
                f.write('"%s" ' % label + " ".join(
                    "%.4g" % v if isinstance(v, float) else "NaN" for v in vals) + "\n")
        script = "\n".join([
            'set terminal pngcairo size 2400,900 noenhanced font ",10"' if
            subprocess.run([gnuplot, "-e", "set terminal pngcairo"], capture_output=True)
            .returncode == 0 else 'set terminal png size 2400,900 noenhanced',
            'set output "%s"' % png,
            'set title "bump-bench: ns per buffer (median), lower is better; log scale"',
            "set style data histogram",
            "set style histogram clustered gap 1",
            "set style fill solid 0.9 border -1",
            "set boxwidth 0.9",
            "set logscale y",
            "set yrange [0.1:*]",
            'set ylabel "ns per buffer"',
            "set grid ytics",
            "set key top left",
            "set xtics font \",8\"",
            "set bmargin 7",
            'plot "%s" using 2:xtic(1) title columnheader(2)' % dat +
            "".join(', "" using %d title columnheader(%d)' % (c, c)
                    for c in range(3, len(impls) + 2)),
        ])
        res = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
        if res.returncode != 0:
            print("bench_report: gnuplot failed:\n" + res.stderr, file=sys.stderr)
            return False
    return True


def check(rows, errors):
    """The meson test: every workload ran for bump, and nothing failed."""
    problems = []
    for w in WORKLOADS:
        if not any(k[0] == w and isinstance(r.get("bump"), float) for k, r in rows.items()):
            problems.append("no bump result for workload '%s'" % w)
        for impl in APPLIES[w]:
            if not any(k[0] == w and impl in r for k, r in rows.items()):
                problems.append("no %s result for workload '%s'" % (impl, w))
    eal_only = bool(errors) and all(EAL_ERROR in m for m in errors.values())
    for (w, impl, params), msg in sorted(errors.items()):
        print("bench_report: %s/%s/%s: %s" % (w, impl, params, msg), file=sys.stderr)
    if problems:
        for p in problems:
            print("bench_report: " + p, file=sys.stderr)
        return 1
    if eal_only:
        print("bench_report: DPDK's EAL could not start here; peers not measured (skip)",
              file=sys.stderr)
        return 77
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", help="bump-bench --benchmark_out file (JSON)")
    ap.add_argument("--md", help="write the Markdown table here (default: stdout)")
    ap.add_argument("--png", help="write the gnuplot bar chart here")
    ap.add_argument("--check", action="store_true", help="only validate (meson test)")
    args = ap.parse_args()

    rows, ctx, errors, have_medians = load(args.json)
    if args.check:
        return check(rows, errors)
    text = markdown(rows, ctx, have_medians, args.json)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.png and not plot(rows, os.path.abspath(args.png)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
