#!/bin/sh
# SPDX-License-Identifier: MIT
# uring_disabled.sh - with kernel.io_uring_disabled=2, io_uring users get an
# error that names the sysctl.  Changes a machine-wide setting for a moment
# (restored on exit): run it under flock /tmp/bump-test.lock like the suite.
set -u
f=/proc/sys/kernel/io_uring_disabled
[ -e $f ] || { echo "SKIP: this kernel has no kernel.io_uring_disabled sysctl (6.6+)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to set kernel.io_uring_disabled"; exit 77; }
old=$(cat $f)
trap 'echo "$old" > $f' EXIT
echo 2 > $f || { echo "SKIP: cannot write $f"; exit 77; }
"$@" --disabled
