#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every bump binary answers --version with its name and the project version
(issue 12), exit status 0 and nothing on stderr.

Usage: test_version.py VERSION BINARY...
"""
import os
import subprocess
import sys


def main():
    version, exes = sys.argv[1], sys.argv[2:]
    failed = 0
    for exe in exes:
        want = f'{os.path.basename(exe)} {version}\n'
        p = subprocess.run([exe, '--version'], capture_output=True, text=True, timeout=30)
        if p.returncode != 0 or p.stdout != want or p.stderr:
            print(f'FAIL: {exe} --version: exit {p.returncode}, stdout {p.stdout!r} (want '
                  f'{want!r}), stderr {p.stderr!r}')
            failed = 1
        else:
            print(f'ok: {want.strip()}')
    sys.exit(failed)


if __name__ == '__main__':
    main()
