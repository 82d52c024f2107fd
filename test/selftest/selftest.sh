#!/bin/sh
# SPDX-License-Identifier: MIT
# The summary's self-test: run a scratch project (project/) through the same
# scripts/test-build.sh and scripts/test-summary.py as scripts/test.sh, with
# each way a run can go wrong made to happen on purpose, and check that the
# summary counts or names every one.
#   selftest.sh SOURCE_ROOT SELFTEST_SKIP MISSING_DEP
set -u
root=$1 partial=$2 missing=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/bump-selftest.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cp -r "$root/test/selftest/project" "$work/src" || exit 1
cd "$work/src" || exit 1
. "$root/scripts/test-build.sh"
# The missing dependency skips here whatever the caller's setting; it fails below.
export BUMP_TEST_REQUIRE_ALL=0
opts="-Dpartial_skip=$partial -Dmissing_dep=$missing"
fails=0
expect() {  # what, grep pattern: the summary must have a line matching it
	if grep -q -- "$2" "$work/out"; then
		echo "ok $1"
	else
		echo "not ok $1: no line matches '$2'"
		fails=$((fails + 1))
	fi
}
run() {  # the builds of the plan, then the summary into $work/out
	TEST_PLAN=$work/plan
	test_plan_start
	"$@" >"$work/build.log" 2>&1
	python3 "$root/scripts/test-summary.py" "$TEST_PLAN" >"$work/out" 2>&1
	echo $? >>"$work/out"
	sed 's/^/  | /' "$work/out"
}

# A build with a test log from a run before it breaks.
TEST_PLAN=$work/plan0
test_plan_start
test_run_build stale "$work/b-stale" "$opts" demo "" >/dev/null 2>&1 ||
	{ echo "FAIL: the scratch project does not build"; cat "$work/b-stale.setup.log"; exit 1; }

builds() {
	# Suite 'empty' is meant to run but has no test; one test skips a case.
	test_run_build good "$work/b-good" "$opts" "demo empty" ""
	# --suite with no test in it: meson exits 0 and writes no log.
	test_run_build nosuite "$work/b-nosuite" "$opts" empty "--suite empty"
	# A setup that fails after creating its folder.
	test_run_build badsetup "$work/b-bad" "$opts -Dno_such_option=1" demo ""
	# The stale build now fails to compile: its old log must not count.
	echo '#error broken on purpose by selftest.sh' >>ok.c
	test_run_build stale "$work/b-stale" "$opts" demo ""
}
run builds
expect "the failures are counted" '^2 passed, 4 failed$'
expect "the summary exits 1" '^1$'
expect "a suite with no test fails" '^good: FAIL suite empty ran no test'
expect "a --suite that matches nothing fails" '^nosuite: FAIL no test log'
expect "a failed setup fails" '^badsetup: FAIL meson setup failed'
expect "a failed build fails, not its old log" '^stale: FAIL ninja failed'
expect "a skipped case is named" "^good: partial: skipped case selftest_skips: skipped on purpose"
expect "a missing dependency is a named skip" '^good: SKIP libfoo-not-built: SKIP: not built: libfoo not found'
expect "skips are counted apart" '^1 skipped, 1 cases skipped'

# Where every dependency must be there (CI), the missing one fails.
sed -i '$d' ok.c
rm -rf "$work/b-good"
(export BUMP_TEST_REQUIRE_ALL=1; run test_run_build good "$work/b-good" "$opts" demo "")
expect "CI fails a missing dependency" '^2 passed, 1 failed$'
expect "CI names it" '^good: FAIL libfoo-not-built'

# A check that fails after the cases fails the program.
"$partial" fail-after-cases >"$work/out" 2>&1
echo $? >>"$work/out"
sed 's/^/  | /' "$work/out"
expect "a check after the cases fails the program" '^1$'

[ $fails = 0 ] || { echo "$fails checks of the summary failed"; exit 1; }
echo "the summary reports every failure made on purpose"
