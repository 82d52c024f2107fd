#!/usr/bin/env python3
"""Count what a scripts/test.sh run meant to run; end with 'N passed, N failed'.

The plan (scripts/test-build.sh writes it) names every build with the suites
it must run.  Counted as failed, each with a line saying why: a test that
failed, a build that did not set up or build, a build without a test log, and
a suite that ran no test.  A skipped test (exit 77) is listed with its reason
and never counted as passed; so is each skipped case of a test that passed
(the 'skip CASE: why' lines of test/lib/bump_test.h), and each skip the plan
records (no hugepages for a build).  Exit 1 if anything failed.

Usage: test-summary.py PLAN
"""
import json
import re
import sys

SKIP_CASE = re.compile(r'^skip (\S+): (.*)$')


def suites_of(name, folder):
    """'bump:core+vfio / host' -> {'core', 'vfio'}.  Meson leaves the suites out
    of the name where the project has only one: then it is that one."""
    if ' / ' in name:
        head = name.split(' / ', 1)[0]
        return set(head.split(':', 1)[-1].split('+'))
    intro = json.load(open(folder + '/meson-info/intro-tests.json'))
    return {s.split(':', 1)[-1] for t in intro for s in t['suite']}


def why_skipped(t):
    """The reason a skipped test gave: its last line that says SKIP, or its last line."""
    out = (t.get('stdout') or '') + (t.get('stderr') or '')
    lines = [ln for ln in out.splitlines() if ln.strip()]
    said = [ln for ln in lines if 'SKIP' in ln or ln.startswith('skip ')]
    return (said or lines or ['(no reason given)'])[-1].strip()


def summarize(plan_path):
    passed = failed = skipped = cases_skipped = 0
    builds = []      # (name, build folder, suites)
    broken = {}      # build name -> why
    for line in open(plan_path).read().splitlines():
        kind, name, text = line.split('\t', 2)
        if kind == 'build':
            folder, suites = text.split('\t', 1)
            builds.append((name, folder, suites.split()))
        elif kind == 'fail':
            broken[name] = text
        elif kind == 'skip':
            print(f'{name}: SKIP {text}')
            skipped += 1
    for name, folder, suites in builds:
        log = folder + '/meson-logs/testlog.json'
        if name in broken:
            print(f'{name}: FAIL {broken[name]}')
            failed += 1
            continue
        try:
            tests = [json.loads(ln) for ln in open(log).read().splitlines()]
        except OSError:
            print(f'{name}: FAIL no test log {log} (meson test ran nothing?)')
            failed += 1
            continue
        ran = set()
        for t in tests:
            ran |= suites_of(t['name'], folder)
            result = t['result']
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
                for ln in (t.get('stdout') or '').splitlines():
                    m = SKIP_CASE.match(ln)
                    if m:
                        print(f'{name}: {t["name"]}: skipped case {m[1]}: {m[2]}')
                        cases_skipped += 1
            elif result == 'SKIP':
                skipped += 1
                print(f'{name}: SKIP {t["name"]}: {why_skipped(t)}')
            else:
                failed += 1
                print(f'{name}: {result} {t["name"]}')
        for suite in suites:
            if suite not in ran:
                print(f'{name}: FAIL suite {suite} ran no test')
                failed += 1
    print(f'{skipped} skipped, {cases_skipped} cases skipped in tests that passed'
          ' (listed above; never counted as passed)')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: test-summary.py PLAN (written by scripts/test-build.sh)')
    sys.exit(summarize(sys.argv[1]))
