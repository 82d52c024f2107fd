#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bump-demo on one CPU (issue 12): its sender and returner threads share the
CPU, so each must yield when it cannot go on; spinning, it never finished.
Also its --help.  Same as `taskset -c N bump-demo` with a timeout.

Usage: test_demo_one_cpu.py BUMP_DEMO
"""
import os
import subprocess
import sys


def main():
    demo = sys.argv[1]
    p = subprocess.run([demo, '--help'], capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or not p.stdout.startswith('Usage: bump-demo'):
        print(f'FAIL: bump-demo --help: exit {p.returncode}\n{p.stdout}{p.stderr}')
        sys.exit(1)
    cpu = min(os.sched_getaffinity(0))
    print(f'running: taskset -c {cpu} {demo}', flush=True)
    try:
        p = subprocess.run([demo], capture_output=True, text=True, timeout=60,
                           preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    except subprocess.TimeoutExpired as e:
        print(f'FAIL: bump-demo on CPU {cpu} alone did not finish in 60 s (its threads spin)\n'
              f'{e.stdout or ""}{e.stderr or ""}')
        sys.exit(1)
    print(p.stdout + p.stderr)
    if p.returncode != 0 or 'returned by another thread' not in p.stdout:
        print(f'FAIL: exit status {p.returncode}')
        sys.exit(1)
    print('ok: bump-demo finished on one CPU')


if __name__ == '__main__':
    main()
