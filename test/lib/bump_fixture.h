/* SPDX-License-Identifier: MIT */
/*
 * bump_fixture.h - a small region + arena for the allocator's unit tests,
 * and a way to return buffers from another thread.
 */
#ifndef BUMP_FIXTURE_H
#define BUMP_FIXTURE_H

#include "bump.h"
#include "bump_test.h"

#include <pthread.h>
#include <stdlib.h>

#define TEST_PAGES 64

struct fixture {
	struct bump_region *region;
	struct bump_arena *arena;
};

static struct test_log tlog __attribute__((unused));

static inline void fixture_up(struct fixture *f, size_t pages)
{
	struct bump_region_params rp = {
		.name = "test", .size = pages * 4096, .numa_node = BUMP_NUMA_ANY,
		.flags = BUMP_REGION_F_NO_HUGE,
	};
	struct bump_arena_params ap = { .name = "test-arena" };

	memset(f, 0, sizeof(*f));
	CHECK_EQ(bump_region_create(&rp, &f->region), 0);
	ap.region = f->region;
	CHECK_EQ(bump_arena_create(&ap, &f->arena), 0);
}

static inline void fixture_down(struct fixture *f)
{
	CHECK_EQ(bump_arena_destroy(f->arena), 0);
	bump_region_destroy(f->region);
}

static inline struct bump_pool *pool_new_flags(struct fixture *f, const char *name,
					       unsigned order, unsigned flags)
{
	struct bump_pool_params pp = { .name = name, .arena = f->arena, .order = order,
				       .nid = BUMP_NUMA_ANY, .flags = flags };
	struct bump_pool *pool = NULL;

	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	return pool;
}

/* A pool in the process's default mode (BUMP_CHECKED decides). */
static inline struct bump_pool *pool_new(struct fixture *f, const char *name, unsigned order)
{
	return pool_new_flags(f, name, order, 0);
}

/* A pool that detects every double put (what the case asserts needs it). */
static inline struct bump_pool *pool_new_checked(struct fixture *f, const char *name,
						 unsigned order)
{
	return pool_new_flags(f, name, order, BUMP_POOL_F_CHECKED);
}

/* Take every buffer out of the cache, so the next allocation must refill. */
static inline unsigned drain_cache(struct bump_pool *pool, void **keep)
{
	unsigned n = pool->cache_count;

	CHECK_EQ(bump_pool_alloc_bulk(pool, keep, n), n);
	return n;
}

struct remote_put {
	void **bufs;
	unsigned n;
	unsigned rejected;
};

static inline void *remote_put_thread(void *arg)
{
	struct remote_put *r = arg;

	r->rejected = bump_put_bulk(r->bufs, r->n);
	return NULL;
}

static inline void put_from_other_thread(void **bufs, unsigned n)
{
	struct remote_put r = { bufs, n, 0 };
	pthread_t t;

	CHECK_EQ(pthread_create(&t, NULL, remote_put_thread, &r), 0);
	pthread_join(t, NULL);
	CHECK_EQ(r.rejected, 0);
}


#endif /* BUMP_FIXTURE_H */
