#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The benchmark pages' figures can be drawn again from their tables: every
scripts/bench_plot.py command in a page's sh blocks runs against the page as
it is now, finds its table and gets a value for every bar of the first
series; with gnuplot installed (the bench set) each also writes a PNG.
Catches a table edited out of the shape its figure needs.

Usage: test_bench_plot.py SOURCE_ROOT
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

BLOCK = re.compile(r'```sh\n(.*?)```', re.S)


def commands(page):
    with open(page, encoding='utf-8') as f:
        text = f.read()
    for block in BLOCK.findall(text):
        for cmd in block.replace('\\\n', ' ').splitlines():
            if 'scripts/bench_plot.py' in cmd:
                yield shlex.split(cmd)


def main():
    root = sys.argv[1]
    failed, ran = [], 0
    gnuplot = shutil.which('gnuplot')
    tmp = tempfile.mkdtemp()
    for page in sorted(glob.glob(os.path.join(root, 'doc', 'bench', '*.md'))):
        for argv in commands(page):
            ran += 1
            name = '%s: %s' % (os.path.basename(page), ' '.join(argv[2:5]))
            png = argv.index('--png')
            data = argv[:png] + ['--data'] + argv[png + 2:]
            res = subprocess.run(data, cwd=root, capture_output=True, text=True)
            # '"label" value [low high] ...': the first series has a value for every bar.
            rows = [line.rsplit('"', 1)[1].split() for line in res.stdout.splitlines()
                    if line.startswith('"')]
            if res.returncode or len(rows) < 2:
                failed.append('%s: exit %d, %d bars: %s' % (name, res.returncode, len(rows),
                                                           res.stderr.strip()))
                continue
            if any(not r or r[0] == 'NaN' for r in rows):
                failed.append('%s: a bar of the first series has no value' % name)
            if gnuplot:
                out = argv[:png + 1] + [os.path.join(tmp, 'f.png')] + argv[png + 2:]
                res = subprocess.run(out, cwd=root, capture_output=True, text=True)
                with open(os.path.join(tmp, 'f.png'), 'rb') as f:
                    if res.returncode or f.read(8) != b'\x89PNG\r\n\x1a\n':
                        failed.append('%s: no PNG: %s' % (name, res.stderr.strip()))
            print('ok %s: %d bars' % (name, len(rows)))
    shutil.rmtree(tmp)
    if not gnuplot:
        print('skip png: gnuplot is not installed (scripts/install-deps.sh --bench): the data '
              'was checked, no chart drawn')
    if ran < 3:
        failed.append('found %d bench_plot.py commands in doc/bench/*.md; afxdp.md and fwd.md '
                      'have 3' % ran)
    for f in failed:
        print('FAIL:', f)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
