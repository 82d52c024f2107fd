#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripts/install-deps.sh installs by need (issue 12): the build set that
scripts/setup.sh installs has no QEMU and no kernel image; the test and bench
sets hold the build set; every package that an error message or a skip in
the tree names in its apt-get advice is in the set of that area (lib/,
drivers/ and apps/ in the build set, test/ in the test set); a bad option
fails with the usage.

Usage: test_install_deps.py SOURCE_ROOT
"""
import os
import re
import subprocess
import sys

ADVICE = re.compile(r'apt-get install(?: -y)?((?: [a-z0-9][a-z0-9.+-]+)+)')


def package_set(root, which):
    out = subprocess.run([os.path.join(root, 'scripts', 'install-deps.sh'), which, '--list'],
                         check=True, capture_output=True, text=True).stdout
    return set(out.split())


def advised(root, folders):
    names = {}
    for folder in folders:
        for base, _, files in os.walk(os.path.join(root, folder)):
            for name in files:
                path = os.path.join(base, name)
                try:
                    with open(path, encoding='utf-8') as f:
                        text = f.read()
                except (UnicodeDecodeError, OSError):
                    continue
                for m in ADVICE.finditer(text):
                    for pkg in m.group(1).split():
                        names.setdefault(pkg, os.path.relpath(path, root))
    return names


def main():
    root = sys.argv[1]
    failed = []
    sets = {w: package_set(root, '--' + w) for w in ('build', 'test', 'bench', 'all')}
    for heavy in ('qemu-system-x86', 'linux-image-amd64', 'busybox-static', 'clang'):
        if heavy in sets['build']:
            failed.append(f'the build set (setup.sh) installs {heavy}, which only tests need')
    for w in ('test', 'bench'):
        if not sets['build'] <= sets[w]:
            failed.append(f'the {w} set lacks build packages: {sorted(sets["build"] - sets[w])}')
    if sets['all'] != sets['build'] | sets['test'] | sets['bench']:
        failed.append('--all is not the union of the three sets')
    for folders, w in ((('lib', 'drivers', 'apps'), 'build'), (('test',), 'test')):
        for pkg, path in advised(root, folders).items():
            if pkg not in sets[w]:
                failed.append(f'{path} says "apt-get install {pkg}", which the {w} set lacks')
    bad = subprocess.run([os.path.join(root, 'scripts', 'install-deps.sh'), '--bogus'],
                         capture_output=True, text=True)
    if bad.returncode != 2 or 'usage' not in bad.stderr:
        failed.append(f'--bogus: exit {bad.returncode}, "{bad.stderr.strip()}"; want 2 and the usage')
    for f in failed:
        print('FAIL:', f)
    print(f'build {len(sets["build"])}, test {len(sets["test"])}, bench {len(sets["bench"])} packages')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
