#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this on a clean
# machine): first the build and test packages (install-deps.sh --test), then
#   1. a release build, every suite, with hugepages reserved;
#   2. an ASan+UBSan build, every suite but the benchmark one (the QEMU guest
#      tests are not built under sanitizers), with no hugepages (the 4 KiB
#      fallback path);
#   3. a TSan build of the concurrent tests (meson suite 'concurrent');
#   4. a clang libFuzzer build (ASan+UBSan, -Dfuzz=true) running each harness
#      for a bounded time from the seed corpus (meson suite 'fuzz', five harnesses, ~100 s).
# Ends with one line: "N passed, N failed" (scripts/test-summary.py): a build
# that did not build, or a suite that ran no test, counts as failed; skipped
# tests and skipped cases are listed by name and never counted as passed.
# Usage: scripts/test.sh [--quick]   (--quick: the release build only)
# BUMP_TEST_REQUIRE_ALL=1 (CI): a test that is not built for a missing
# dependency fails instead of skipping.
set -u
cd "$(dirname "$0")/.."
TEST_PLAN=build-ci.plan
. scripts/test-build.sh
test_plan_start
if ! scripts/install-deps.sh --test; then
	echo "installing the dependencies failed: nothing was built or run"
	echo "0 passed, 1 failed"
	exit 1
fi

# Every suite of test/meson.build; a build names those it leaves out.
all_suites="core stress concurrent fwd afxdp uring vfio dpdk bench selftest"
hugepages() {  # count, build that needs them
	scripts/hugepages.sh "$1"
	got=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	[ "$got" -ge "$1" ] ||
		test_plan skip "$2" "hugepages: asked for $1, have $got: hugepage cases fall back or skip"
}

status=0
hugepages 256 release
test_run_build release build-ci-release "--buildtype=release" "$all_suites" "" || status=1
if [ "${1:-}" != "--quick" ]; then
	scripts/hugepages.sh 0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		test_run_build asan build-ci-asan \
			"--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false" \
			"$(echo "$all_suites" | sed 's/ bench//')" "--no-suite bench" || status=1
	scripts/hugepages.sh 256
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		test_run_build tsan build-ci-tsan \
			"--buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false" \
			concurrent "--suite concurrent" || status=1
	CC=clang CXX=clang++ ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		test_run_build fuzz build-ci-fuzz \
			"--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true -Dtests=false" \
			fuzz "--suite fuzz" || status=1
fi

python3 scripts/test-summary.py "$TEST_PLAN" || status=1
exit $status
