#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""libbump exports exactly what its installed headers declare BUMP_API.

Usage: test_symbols.py LIBBUMP_SO HEADER...
Fails naming every exported symbol no installed header declares (an
internal that leaked), every declaration the library does not export (an
application would fail to link), and every function declared in an
installed header without BUMP_API.
"""
import re
import subprocess
import sys

# bump_* (API) and __bump_* (bump_internal.h: exported for the inline fast paths, not API).
API = re.compile(r'^(?:extern\s+)?BUMP_API\b[^;{]*?(?<!\w)((?:__)?bump_\w+)\s*[(\[;]', re.M)
# A declaration at file scope that forgot BUMP_API (not static, not a typedef or macro).
UNMARKED = re.compile(r'^(?!BUMP_API|extern BUMP_API|static|typedef|#|\s|\}|/)[^;{}()]*?(?<!\w)((?:__)?bump_\w+)\s*\(', re.M)


def declared(headers):
    names, unmarked = set(), []
    for path in headers:
        with open(path) as f:
            text = re.sub(r'/\*.*?\*/', '', f.read(), flags=re.S)
        names.update(API.findall(text))
        unmarked += [f'{path}: {name}' for name in UNMARKED.findall(text)]
    return names, unmarked


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    # Names a sanitizer adds (__odr_asan.*, ...) are the compiler's, not ours.
    return {line.split()[2] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in 'TDBRVW'
            and (not line.split()[2].startswith('__') or line.split()[2].startswith('__bump_'))}


def main():
    lib, headers = sys.argv[1], sys.argv[2:]
    (want, unmarked), have = declared(headers), exported(lib)
    leaked, missing = sorted(have - want), sorted(want - have)
    for where in unmarked:
        print(f'declared without BUMP_API: {where}')
    for name in leaked:
        print(f'exported but not BUMP_API in an installed header: {name}')
    for name in missing:
        print(f'declared BUMP_API but not exported: {name}')
    print(f'{len(have)} symbols exported, {len(want)} declared')
    return 1 if leaked or missing or unmarked or not want else 0


if __name__ == '__main__':
    sys.exit(main())
