#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bump-fwd with a bad command line (issue 10 item 10): every case exits 2,
as --help promises, with a message that says what is wrong; none leaves a
pool with buffers in flight (a setup failure still tears down cleanly).
And --log-level does what it says.

Usage: fwd_app_badargs.py BUMP_FWD
"""
import subprocess
import sys

CASES = [
    # (arguments, what stderr must say, what it must not)
    (['--lcores', '-1'], "--lcores '-1'", '18446744073709551615'),
    (['--lcores', '0--1'], "--lcores '0--1'", '18446744073709551615'),
    (['--rxd', '3'], "pool 'port0-rxq0'", None),
    (['--txd', '3'], 'TX queue 0 (--txd 3)', None),
    (['--port', 'sim:mode=gen,mode=sink'], "'mode' is given twice", None),
    (['--port', 'sim:queues=1,queues=1'], "'queues' is given twice", None),
    (['--port', 'sim:bogus=1'], "unknown devargs key 'bogus'", None),
    (['--port', 'nosuchdriver:x'], "no driver named 'nosuchdriver'", None),
    (['--rxq', '2', '--port', 'sim:mode=loopback'], 'lower --rxq', None),
    (['--total-num-mbufs', '4096'], 'not both', None),  # the run gives --nb-mbufs too
    (['--lcores', '0', '--nb-cores', '2'], 'lower --nb-cores', None),
    (['--log-level', 'loud'], "--log-level 'loud'", None),
    (['--buf-size', '3000'], 'multiple of 64', None),
    (['--rx-pools', 'port'], "--rx-pools 'port': use queue or lcore", None),
]


def log_level_works(fwd):
    """--log-level debug shows bump's debug lines; the default level hides them."""
    base = [fwd, '--duration', '0.1', '--nb-mbufs', '1024', '--stats-period', '0']
    quiet = subprocess.run(base, capture_output=True, text=True, timeout=60)
    loud = subprocess.run(base + ['--log-level', 'debug'], capture_output=True, text=True,
                          timeout=60)
    ok = (quiet.returncode == 0 and loud.returncode == 0 and
          'bump: debug:' not in quiet.stderr and 'bump: debug:' in loud.stderr)
    print(f"{'ok' if ok else 'FAIL'} --log-level debug shows debug lines, the default does not")
    if not ok:
        print(quiet.stderr, loud.stderr)
    return ok


def main():
    fwd = sys.argv[1]
    failed = 0
    for args, says, not_says in CASES:
        cmd = [fwd, '--duration', '0.1', '--nb-mbufs', '1024'] + args
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        problems = []
        if p.returncode != 2:
            problems.append(f'exit status {p.returncode}, not 2')
        if says not in p.stderr:
            problems.append(f'stderr lacks "{says}"')
        if not_says and not_says in p.stderr:
            problems.append(f'stderr says "{not_says}"')
        if 'buffers in flight' in p.stderr and 'did not get all buffers back' in p.stderr:
            problems.append('a pool kept buffers')
        if problems:
            failed += 1
            print(f"FAIL {' '.join(args)}: {'; '.join(problems)}\n{p.stderr}")
        else:
            print(f"ok {' '.join(args)}: exit 2")
    print(f'{len(CASES) - failed} of {len(CASES)} bad command lines exit 2')
    return 1 if failed or not log_level_works(fwd) else 0


if __name__ == '__main__':
    sys.exit(main())
