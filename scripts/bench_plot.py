#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draw a bar chart (PNG, with gnuplot) from a Markdown table of a benchmark
page, so the figure and the table it sits beside cannot disagree.

    bench_plot.py PAGE.md --x COL --y COL [--y COL ...] [--series COL]
                  [--lo COL --hi COL | --ranges] [--name SERIES ...] [--log]
                  [--title T] [--ylabel L] --png OUT.png

The table is the first one in PAGE.md (or any text: the benchmark scripts
pass their own output) whose header has every column named.  Each --y
column is a series of bars; --series COL instead makes one series per
value of COL (a table with one row per series and x, as afxdp_bench.sh
prints).  A cell's value is its first number ("**2.96** (2.68 - 3.78)":
2.96); --lo/--hi name the columns of error bars, --ranges takes them from
a "(low - high)" in the value's cell.  "-" and "n/a" cells are left out.
--name renames the series in the key, in order.  --data prints what would
be plotted (label, then each series' value [low high]) instead of plotting.
Python's standard library and gnuplot only.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

NUMBER = re.compile(r'-?\d+(?:\.\d+)?')
RANGE = re.compile(r'\((-?\d+(?:\.\d+)?) - (-?\d+(?:\.\d+)?)\)')


def cells(line):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def find_table(text, wanted):
    """The first table whose header holds every wanted column: (header, rows)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if not line.lstrip().startswith('|') or not re.match(r'^\s*\|[-:| ]+\|\s*$', lines[i + 1]):
            continue
        header = cells(line)
        if not all(w in header for w in wanted):
            continue
        rows = []
        for row in lines[i + 2:]:
            if not row.lstrip().startswith('|'):
                break
            rows.append(dict(zip(header, cells(row))))
        return header, rows
    return None, None


def value(cell):
    m = NUMBER.search(cell.replace('**', '')) if cell not in ('-', 'n/a', '') else None
    return float(m.group(0)) if m else None


def series_of(args, rows):
    """[(title, {x: (y, lo, hi)})] in the table's order, and the x labels in order."""
    xs, out = [], {}

    def add(title, x, y, lo, hi):
        if x not in xs:
            xs.append(x)
        out.setdefault(title, {})[x] = (y, lo, hi)

    for r in rows:
        x = r[args.x].replace('**', '').strip()
        for col in args.y:
            y = value(r[col])
            if y is None:
                continue
            lo = hi = None
            if args.lo:
                lo, hi = value(r[args.lo]), value(r[args.hi])
            elif args.ranges:
                m = RANGE.search(r[col])
                lo, hi = (float(m.group(1)), float(m.group(2))) if m else (y, y)
            title = r[args.series] if args.series else col
            add(title, x, y, lo, hi)
    return list(out.items()), xs


def data(series, xs, errors):
    """gnuplot's data: one line per label, each series' value (and low, high)."""
    out = []
    for x in xs:
        row = ['"%s"' % x.replace('"', "'")]
        for _, pts in series:
            y, lo, hi = pts.get(x, (None, None, None))
            row += ['NaN' if y is None else str(y)]
            if errors:
                row += ['NaN' if lo is None else str(lo), 'NaN' if hi is None else str(hi)]
        out.append(' '.join(row) + '\n')
    return ''.join(out)


def plot(args, series, xs):
    gnuplot = shutil.which('gnuplot')
    if not gnuplot:
        print('bench_plot: gnuplot not found (apt-get install gnuplot-nox); no plot',
              file=sys.stderr)
        return False
    errors = bool(args.lo or args.ranges)
    with tempfile.NamedTemporaryFile('w', suffix='.dat', delete=False) as dat:
        dat.write(data(series, xs, errors))
    width = max(900, 110 * len(xs) * max(1, len(series)) // 2)
    lines = [
        'set terminal pngcairo size %d,600 noenhanced font ",10"' % width,
        'set output "%s"' % os.path.abspath(args.png),
        'set title "%s"' % args.title.replace('"', "'"),
        'set style data histogram',
        'set style histogram %s gap 1' % ('errorbars lw 1' if errors else 'clustered'),
        'set style fill solid 0.9 border -1',
        'set boxwidth 0.9',
        'set ylabel "%s"' % args.ylabel.replace('"', "'"),
        'set grid ytics',
        'set key top right',
        'set xtics rotate by -20 left' if max(len(x) for x in xs) > 12 else 'set xtics',
        'set logscale y' if args.log else 'set yrange [0:*]',
    ]
    step = 3 if errors else 1
    parts = []
    for i, (title, _) in enumerate(series):
        title = args.name[i] if i < len(args.name) else title
        col = 2 + i * step
        using = '%d:%d:%d' % (col, col + 1, col + 2) if errors else '%d' % col
        parts.append('%s using %s%s title "%s"' % ('"%s"' % dat.name if i == 0 else '""', using,
                                                  ':xtic(1)' if i == 0 else '', title))
    lines.append('plot ' + ', '.join(parts))
    res = subprocess.run([gnuplot], input='\n'.join(lines) + '\n', text=True,
                         capture_output=True)
    os.unlink(dat.name)
    if res.returncode:
        print('bench_plot: gnuplot failed:\n' + res.stderr, file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('page', help='Markdown (or any text) holding the table; - for stdin')
    ap.add_argument('--x', required=True, help='column of the bar labels')
    ap.add_argument('--y', required=True, action='append', help='column of values (repeat)')
    ap.add_argument('--series', help='column whose values name the series (one --y)')
    ap.add_argument('--lo', help='column of the error bars\' low ends (with --hi)')
    ap.add_argument('--hi', help='column of the error bars\' high ends')
    ap.add_argument('--ranges', action='store_true', help='error bars from "(low - high)"')
    ap.add_argument('--name', action='append', default=[], help='a series\' name in the key (repeat)')
    ap.add_argument('--log', action='store_true', help='log scale')
    ap.add_argument('--title', default='')
    ap.add_argument('--ylabel', default='')
    ap.add_argument('--png', help='the chart to write')
    ap.add_argument('--data', action='store_true', help='print the data, plot nothing')
    args = ap.parse_args()
    if bool(args.lo) != bool(args.hi) or (args.series and len(args.y) != 1):
        ap.error('--lo goes with --hi; --series takes one --y')
    if not args.png and not args.data:
        ap.error('give --png OUT.png (or --data)')
    text = sys.stdin.read() if args.page == '-' else open(args.page, encoding='utf-8').read()
    wanted = [args.x] + args.y + [c for c in (args.series, args.lo, args.hi) if c]
    header, rows = find_table(text, wanted)
    if header is None:
        print('bench_plot: %s has no table with the columns %s' % (args.page, wanted),
              file=sys.stderr)
        return 1
    series, xs = series_of(args, rows)
    if not xs:
        print('bench_plot: the table has no values to plot', file=sys.stderr)
        return 1
    if args.data:
        print('# ' + ' | '.join(args.name[i] if i < len(args.name) else t
                                for i, (t, _) in enumerate(series)))
        sys.stdout.write(data(series, xs, bool(args.lo or args.ranges)))
        return 0
    if not plot(args, series, xs):
        return 1
    print('bench_plot: %d series x %d bars in %s' % (len(series), len(xs), args.png))
    return 0


if __name__ == '__main__':
    sys.exit(main())
