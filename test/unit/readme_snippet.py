#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make a program of README.md's library snippet (issue 12), so a change to
the API that leaves the README behind fails the build, and the test runs it.

Usage: readme_snippet.py README.md OUT.c

The first ```c block under "## Using the library" becomes main()'s body (its
#include lines stay at file scope).  main() then returns 1 when any pool is
still listed: one not destroyed, or destroyed with buffers in flight.
"""
import re
import sys


def main():
    readme, out = sys.argv[1], sys.argv[2]
    text = open(readme, encoding='utf-8').read()
    m = re.search(r'^## Using the library\n.*?^```c\n(.*?)^```', text, re.M | re.S)
    if not m:
        sys.exit(f'{readme}: no ```c block under "## Using the library"')
    lines = m.group(1).splitlines()
    includes = [l for l in lines if l.startswith('#include')]
    body = [l for l in lines if not l.startswith('#include')]
    with open(out, 'w', encoding='utf-8') as f:
        f.write(f'/* Generated from {readme} by readme_snippet.py: do not edit. */\n')
        f.write('\n'.join(includes) + '\n\nint main(void)\n{\n')
        f.write('\n'.join('\t' + l if l else '' for l in body) + '\n')
        f.write('\treturn bump_pool_list(NULL, 0) ? 1 : 0;\n}\n')


if __name__ == '__main__':
    main()
