/* SPDX-License-Identifier: MIT */
/*
 * selftest_skip.c - a test program that skips one of its two cases, as a
 * port that failed to start would: it exits 0, and the summary must still
 * name the skipped case (test/selftest/selftest.sh checks it does).
 */
#include "bump_test.h"

static void selftest_runs(void)
{
	CHECK_EQ(1 + 1, 2);
}

static void selftest_skips(void)
{
	TEST_SKIP("skipped on purpose by the summary's self-test");
}

/* With an argument, a check after the cases fails, as a leak check would. */
int main(int argc, char **argv)
{
	(void)argv;
	TEST_RUN(selftest_runs);
	TEST_RUN(selftest_skips);
	CHECK_EQ(argc, 1);
	return test_exit();
}
