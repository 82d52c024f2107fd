# shellcheck shell=sh
# Sourced by scripts/test.sh and test/selftest/selftest.sh: build and test one
# meson build, and write what was meant to run, and what did not, to a plan
# file that scripts/test-summary.py turns into the "N passed, N failed" line.
#
#   TEST_PLAN=FILE               the plan (test_plan_start empties it)
#   test_run_build NAME DIR "SETUP OPTIONS" "SUITES" "MESON TEST ARGS"
#
# SUITES are the suites this build must run: one that ran no test counts as
# a failure (a dependency that is missing registers a skip instead,
# test/lib/missing_dep.sh).  A build whose setup or ninja fails is a failure
# on the line, and never reports the test log of an earlier run.

test_plan_start() {
	: >"$TEST_PLAN" || exit 1
}

# A line of the plan: KIND NAME TEXT (tab-separated).
test_plan() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$TEST_PLAN"
}

test_run_build() {
	_name=$1 _dir=$2 _setup=$3 _suites=$4 _args=$5
	echo "=== $_name: meson setup $_setup"
	test_plan build "$_name" "$_dir	$_suites"
	# The log of an earlier run must not stand in for this one.
	rm -f "$_dir/meson-logs/testlog.json"
	if [ ! -f "$_dir/build.ninja" ]; then
		# A setup that failed half-way leaves a folder without build.ninja: start over.
		rm -rf "$_dir"
		# shellcheck disable=SC2086
		if ! meson setup "$_dir" $_setup -Dwerror=true >"$_dir.setup.log" 2>&1; then
			cat "$_dir.setup.log"
			test_plan fail "$_name" "meson setup failed (log: $_dir.setup.log)"
			return 1
		fi
	fi
	if ! nice -n 10 ninja -C "$_dir"; then
		test_plan fail "$_name" "ninja failed: nothing was tested"
		return 1
	fi
	# shellcheck disable=SC2086
	meson test -C "$_dir" --print-errorlogs --num-processes 2 $_args
}
