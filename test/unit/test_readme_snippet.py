#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run README.md's snippet (built by readme_snippet.py): exit 0, no error
from bump (a double put is one, with BUMP_CHECKED=1), and its destroy
reports 0 buffers in flight.

Usage: test_readme_snippet.py README_SNIPPET
"""
import subprocess
import sys

p = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=30)
print(p.stdout + p.stderr)
if p.returncode != 0 or 'bump: error' in p.stderr or 'in flight at destroy: 0\n' not in p.stdout:
    print(f'FAIL: exit status {p.returncode}; the README snippet must run clean')
    sys.exit(1)
print('ok: the README snippet builds and runs clean')
