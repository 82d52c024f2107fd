#!/usr/bin/env python3
"""Count meson test results over several builds; end with the line 'N passed, N failed'.

A skipped test (exit 77) counts as skipped, never as passed.  Exit 1 if any failed.
"""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    build = path.split('/')[0]
    try:
        lines = open(path).read().splitlines()
    except OSError:
        print(f'{build}: no test log (the build failed?)')
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        result = t['result']
        if result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif result == 'SKIP':
            skipped += 1
            print(f'{build}: skipped {t["name"]}')
        else:
            failed += 1
            print(f'{build}: {result} {t["name"]}')
print(f'{skipped} skipped (listed above; never counted as passed)')
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
