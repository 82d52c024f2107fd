#!/bin/sh
# SPDX-License-Identifier: MIT
# run_fuzz.sh HARNESS SEED_CORPUS WORK_DIR SECONDS
# One bounded libFuzzer run from the committed seeds: new inputs and any
# crash artifact go to WORK_DIR (the build folder), the seeds stay as they
# are.  Prints the executions; a finding (crash, leak, timeout, failed
# check) fails the test with the reproducer's path.
set -u
harness=$1 seeds=$2 work=$3 secs=$4
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
log="$work/fuzz.log"
"$harness" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+.*DONE|Done [0-9]+ runs|stat::number_of_executed_units)' "$log"
if [ $rc -ne 0 ]; then
	tail -n 60 "$log"
	echo "FINDING: $(basename "$harness") exited $rc; reproduce with: $harness $work/artifacts/*"
	exit 1
fi
echo "$(basename "$harness"): no finding in ${secs} s"
