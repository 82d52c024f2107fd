/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every libFuzzer harness here needs: an assertion that aborts (the
 * fuzzer's crash signal) naming the failed condition, a log handler that
 * keeps the expected error messages of bad input off the fuzzer's output,
 * and an arena on ordinary 4 KiB pages (no hugepages needed to fuzz).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "bump.h"

#define FUZZ_ASSERT(cond)                                                         \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                  \
		}                                                                 \
	} while (0)

static inline void fuzz_log_quiet(enum bump_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

/* Silence the log and create an arena of @pages 4 KiB pages named @name. */
static inline struct bump_arena *fuzz_arena_create(const char *name, size_t pages)
{
	struct bump_region_params rp = { .name = name, .size = pages * 4096,
					  .numa_node = BUMP_NUMA_ANY, .flags = BUMP_REGION_F_NO_HUGE };
	struct bump_arena_params ap = { .name = name };
	struct bump_arena *arena;

	bump_log_set_handler(fuzz_log_quiet, NULL);
	if (bump_region_create(&rp, &ap.region) || bump_arena_create(&ap, &arena))
		abort();
	return arena;
}

/* The end of a run: nothing of @pool is out, and it goes without complaint. */
static inline void fuzz_pool_end(struct bump_pool *pool)
{
	struct bump_pool_stats s;

	bump_pool_get_stats(pool, &s);
	FUZZ_ASSERT(s.inflight == 0);
	FUZZ_ASSERT(bump_pool_destroy(pool) == 0);
}

#endif /* FUZZ_COMMON_H */
