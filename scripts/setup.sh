#!/bin/sh
# One command on a fresh Debian 12 machine: install what the build needs
# (install-deps.sh --build: no QEMU, no kernel image), reserve hugepages,
# build, and run the main job on its embedded default.
#   scripts/setup.sh            everything
#   scripts/setup.sh --no-run   stop after the build
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh --build
scripts/hugepages.sh 256
[ -d build ] || meson setup build --buildtype=release
ninja -C build
[ "${1:-}" = "--no-run" ] && exit 0
exec build/apps/bump-fwd/bump-fwd
