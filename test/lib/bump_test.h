/* SPDX-License-Identifier: MIT */
/*
 * bump_test.h - the minimal harness every bump test uses.
 *
 * A test program runs its cases with TEST_RUN(); a failed CHECK prints the
 * expression, file and line, and marks the case failed.  A case that cannot
 * run here (no hugepages, not root) calls TEST_SKIP("why"): the program then
 * exits 77, which meson counts as skipped, never as passed; each skipped
 * case prints "skip CASE: why", which scripts/test-summary.py lists by name.
 * A CHECK outside any case (a leak check after them) fails the program too.
 */
#ifndef BUMP_TEST_H
#define BUMP_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bump_log.h"

static int test_failed_checks;
static int test_cases_failed;
static int test_cases_skipped;
static int test_cases_run;
static const char *test_skip_reason;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define CHECK_EQ(a, b)                                                                \
	do {                                                                          \
		long long _a = (long long)(a), _b = (long long)(b);                   \
		if (_a != _b) {                                                       \
			fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n",    \
				__FILE__, __LINE__, #a, #b, _a, _b);                  \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

/* The last error message mentions @needle. */
#define CHECK_ERROR_SAYS(needle)                                                      \
	do {                                                                          \
		if (!strstr(bump_last_error(), (needle))) {                           \
			fprintf(stderr, "  FAIL %s:%d: last error \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, bump_last_error(), (needle));     \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

/* Stop the current case (it must return right after) and count it skipped. */
#define TEST_SKIP(why)                        \
	do {                                  \
		test_skip_reason = (why);     \
		return;                       \
	} while (0)

#define TEST_RUN(fn)                                                                  \
	do {                                                                          \
		int _before = test_failed_checks;                                     \
		test_skip_reason = NULL;                                              \
		bump_clear_error();                                                   \
		fn();                                                                 \
		test_cases_run++;                                                     \
		if (test_failed_checks != _before) {                                  \
			test_cases_failed++;                                          \
			fprintf(stderr, "not ok %s\n", #fn);                          \
		} else if (test_skip_reason) {                                        \
			test_cases_skipped++;                                         \
			printf("skip %s: %s\n", #fn, test_skip_reason);               \
		} else {                                                              \
			printf("ok %s\n", #fn);                                       \
		}                                                                     \
	} while (0)

/* Exit status for meson: 1 if any check failed, 77 if every case skipped. */
static inline int test_exit(void)
{
	printf("%d cases: %d failed, %d skipped\n", test_cases_run, test_cases_failed,
	       test_cases_skipped);
	if (test_cases_failed || test_failed_checks) {
		if (!test_cases_failed)
			fprintf(stderr, "not ok: %d checks outside the cases failed\n",
				test_failed_checks);
		return 1;
	}
	if (test_cases_skipped && test_cases_skipped == test_cases_run)
		return 77;
	return 0;
}

/* Collects log lines so tests can assert on warnings (install with bump_log_set_handler). */
struct test_log {
	int lines[4];    /* per level */
	char last[4][512];
};

static inline void test_log_handler(enum bump_log_level level, const char *msg, void *arg)
{
	struct test_log *log = (struct test_log *)arg;

	log->lines[level]++;
	snprintf(log->last[level], sizeof(log->last[level]), "%s", msg);
}

#endif /* BUMP_TEST_H */
