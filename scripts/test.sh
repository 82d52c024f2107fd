#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. a release build, every suite, with hugepages reserved;
#   2. an ASan+UBSan build, every suite but the guest and benchmark ones,
#      with no hugepages (the 4 KiB fallback path);
#   3. a TSan build of the concurrent tests (meson suite 'concurrent').
# Ends with one line: "N passed, N failed" (skipped tests are listed and counted before it).
# Usage: scripts/test.sh [--quick]   (--quick: the release build only)
set -u
cd "$(dirname "$0")/.."
if ! scripts/install-deps.sh; then
	echo "installing the dependencies failed: nothing was built or run"
	echo "0 passed, 1 failed"
	exit 1
fi

status=0
run_build() {  # name, meson options, meson test arguments
	dir=build-ci-$1
	echo "=== $1: meson setup $2"
	if [ ! -d "$dir" ]; then
		# shellcheck disable=SC2086
		meson setup "$dir" $2 -Dwerror=true >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; echo "setup of $1 failed"; status=1; return; }
	fi
	ninja -C "$dir" || { echo "build $1 failed"; status=1; return; }
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs --num-processes 2 $3 || status=1
}

scripts/hugepages.sh 256
run_build release "--buildtype=release" ""
if [ "${1:-}" != "--quick" ]; then
	scripts/hugepages.sh 0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_build asan "--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false" \
			"--no-suite vfio --no-suite bench"
	scripts/hugepages.sh 256
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		run_build tsan "--buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false" \
			"--suite concurrent"
fi

python3 scripts/test-summary.py build-ci-*/meson-logs/testlog.json || status=1
exit $status
