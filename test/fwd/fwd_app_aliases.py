#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bump-fwd takes testpmd's option names (issue 12): a run given testpmd's
names must set up exactly what the same run with bump-fwd's own names does
(the banner lists mode, queues, burst, buffers per port, buffer size and the
lcores' CPUs), and both must forward and end clean.

Usage: fwd_app_aliases.py BUMP_FWD
"""
import subprocess
import sys

PORTS = ['--port', 'sim:mode=gen,queues=2', '--port', 'sim:mode=sink,queues=2']
COMMON = ['--duration', '0.3', '--burst', '16', '--rxq', '2', '--txq', '2'] + PORTS
TESTPMD = ['--forward-mode=mac', '--nb-cores=1', '--total-num-mbufs=8192', '--mbuf-size=2176',
           '--stats-period', '0', '--auto-start']
BUMP = ['--fwd', 'mac', '--nb-mbufs', '4096', '--buf-size', '4096', '--stats-period', '0']
CLEAN = 'bump-fwd: all pools destroyed with 0 buffers in flight'


def banner(fwd, args):
    cmd = [fwd] + COMMON + args
    print('running:', ' '.join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    print(p.stdout + p.stderr)
    if p.returncode != 0 or CLEAN not in p.stdout + p.stderr:
        print(f'FAIL: exit status {p.returncode}, or a pool kept buffers')
        sys.exit(1)
    lines = p.stdout.splitlines()
    return lines[:next(i for i, l in enumerate(lines) if l.startswith('  running'))]


def main():
    fwd = sys.argv[1]
    ours, theirs = banner(fwd, BUMP), banner(fwd, TESTPMD)
    if ours != theirs:
        print('FAIL: testpmd names set up another run:\n' + '\n'.join(theirs) +
              '\n--- bump-fwd names ---\n' + '\n'.join(ours))
        sys.exit(1)
    if 'mac forwarding' not in ours[0] or '4096 x 4096 B' not in ours[1]:
        print('FAIL: the banner does not show the settings this test checks')
        sys.exit(1)
    print('ok: testpmd names set up the same run')


if __name__ == '__main__':
    main()
