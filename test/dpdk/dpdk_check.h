/* SPDX-License-Identifier: MIT */
/*
 * dpdk_check.h - CHECK for the test programs that link DPDK and not libbump
 * (dpdk_plain.c, dpdk_populate.c; bump_test.h is libbump's): a failed check
 * is counted in failures and printed with @DPDK_CHECK_NAME, the program's.
 */
#ifndef DPDK_CHECK_H
#define DPDK_CHECK_H

#include <stdio.h>

static unsigned failures;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			failures++; \
			fprintf(stderr, "%s: FAIL %s:%d: ", DPDK_CHECK_NAME, __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

#endif /* DPDK_CHECK_H */
