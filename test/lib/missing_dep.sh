#!/bin/sh
# Stands in for the tests of an area that meson did not build because a
# dependency is missing, so that they show in the summary as a named skip
# (exit 77) instead of vanishing.  Where every dependency is meant to be
# installed (CI sets BUMP_TEST_REQUIRE_ALL=1), the absence is a failure.
#   missing_dep.sh "WHAT IS MISSING AND HOW TO INSTALL IT"
if [ "${BUMP_TEST_REQUIRE_ALL:-0}" = 1 ]; then
	echo "FAIL: not built: $1 (BUMP_TEST_REQUIRE_ALL=1: every dependency must be installed)"
	exit 1
fi
echo "SKIP: not built: $1"
exit 77
