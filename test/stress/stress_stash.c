/* SPDX-License-Identifier: MIT */
/*
 * Stress of other threads' returns through their put stashes, across both
 * CPUs, run under TSan in CI.
 *
 *  stash_returns: the owner hands every buffer it allocates to one of two
 *    returner threads, which return them with bump_put or bump_put_bulk,
 *    flush at random moments, and are replaced by fresh threads every
 *    RESTART buffers (a thread's exit hands its stash over).  Meanwhile the
 *    owner reads the pool's stats.  At the end every buffer is accounted
 *    for exactly: what the owner put, what came through the ring, nothing in
 *    flight, the arena whole.
 *  destroy_with_stashes: the pool is destroyed while returners still hold
 *    stashed buffers, over and over; they flush or exit afterwards, and the
 *    pool must be freed with nothing lost.
 *
 * Usage: stress_stash [buffers]   (default 10 million)
 */
#include "bump.h"
#include "bump_ring.h"
#include "bump_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define BURST 32
#define ARENA_PAGES 4096
#define RESTART 500000          /* buffers between returner restarts */

static uint64_t total_buffers = 10 * 1000 * 1000;

struct returner {
	struct bump_ring *ring;   /* owner -> this returner */
	pthread_t t;
	unsigned id;
	_Atomic bool done;
	uint64_t returned, flushes, rejected;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % 2, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  /* best effort */
}

static void *returner_main(void *arg)
{
	struct returner *r = arg;
	uint64_t rnd = 0x9e3779b97f4a7c15ull * (r->id + 1);
	void *bufs[BURST];

	pin(r->id);
	for (;;) {
		unsigned n = bump_ring_dequeue_burst(r->ring, bufs, BURST);

		if (!n) {
			if (atomic_load(&r->done) && !bump_ring_count(r->ring))
				break;
			sched_yield();
			continue;
		}
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		if (rnd & 1) {
			r->rejected += bump_put_bulk(bufs, n);
		} else {
			for (unsigned i = 0; i < n; i++)
				r->rejected += bump_put(bufs[i]) != 0;
		}
		if ((rnd >> 8) % 17 == 0) {
			bump_put_flush();
			r->flushes++;
		}
		r->returned += n;
	}
	return NULL;  /* exit: the stash goes to the pool */
}

static void returner_start(struct returner *r, unsigned id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	CHECK_EQ(bump_ring_create(1024, &r->ring), 0);
	CHECK_EQ(pthread_create(&r->t, NULL, returner_main, r), 0);
}

static void returner_stop(struct returner *r, uint64_t *returned, uint64_t *flushes)
{
	atomic_store(&r->done, true);
	pthread_join(r->t, NULL);
	CHECK_EQ(r->rejected, 0);
	*returned += r->returned;
	*flushes += r->flushes;
	bump_ring_free(r->ring);
}

static void hand_over(struct returner *r, void **bufs, unsigned n)
{
	unsigned sent = 0;

	while (sent < n) {
		sent += bump_ring_enqueue_burst(r->ring, bufs + sent, n - sent);
		if (sent < n)
			sched_yield();
	}
}

static void make_arena(struct bump_region **reg, struct bump_arena **a)
{
	struct bump_region_params rp = { .name = "stash", .size = ARENA_PAGES * 4096ul,
					 .numa_node = BUMP_NUMA_ANY };
	struct bump_arena_params ap = { .name = "stash" };

	bump_log_set_level(BUMP_LOG_ERR);  /* the 4 KiB fallback warning is expected here */
	CHECK_EQ(bump_region_create(&rp, reg), 0);
	ap.region = *reg;
	CHECK_EQ(bump_arena_create(&ap, a), 0);
	bump_log_set_level(BUMP_LOG_INFO);
}

static void test_stash_returns(void)
{
	struct bump_region *reg;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "stash", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct returner r[2];
	uint64_t allocated = 0, owner_puts = 0, returned = 0, flushes = 0, restarts = 0;
	uint64_t next_restart = RESTART;
	void *bufs[BURST];

	make_arena(&reg, &a);
	pp.arena = a;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	pin(0);
	returner_start(&r[0], 0);
	returner_start(&r[1], 1);
	while (allocated < total_buffers) {
		unsigned n = bump_pool_alloc_bulk(pool, bufs, BURST);

		if (!n) {  /* everything is with the returners for a moment */
			sched_yield();
			continue;
		}
		allocated += n;
		if (allocated % (9 * BURST) < BURST) {
			CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);
			owner_puts += n;
		} else {
			hand_over(&r[(allocated / BURST) % 2], bufs, n);
		}
		if (allocated % (1024 * BURST) < BURST) {
			bump_pool_get_stats(pool, &s);  /* racing the returners: a sanity bound */
			CHECK(s.inflight <= allocated);
		}
		if (allocated >= next_restart) {
			unsigned which = (unsigned)(restarts++ % 2);

			returner_stop(&r[which], &returned, &flushes);
			returner_start(&r[which], which);
			next_restart += RESTART;
		}
	}
	returner_stop(&r[0], &returned, &flushes);
	returner_stop(&r[1], &returned, &flushes);

	bump_pool_get_stats(pool, &s);
	printf("  %llu buffers, %llu by the owner, %llu by returners (%llu flushes, %llu "
	       "restarts): ring %llu ring_full %llu cached %llu\n", (unsigned long long)allocated,
	       (unsigned long long)owner_puts, (unsigned long long)returned,
	       (unsigned long long)flushes, (unsigned long long)restarts,
	       (unsigned long long)s.recycle.ring, (unsigned long long)s.recycle.ring_full,
	       (unsigned long long)s.recycle.cached);
	CHECK_EQ(returned + owner_puts, allocated);
	CHECK_EQ(s.alloc.fast, allocated);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.stashed_now, 0);
	CHECK_EQ(s.recycle.double_put + s.recycle.wrong_pool, 0);
	/* The returners' buffers all came through the ring (or past it, when full). */
	CHECK_EQ(s.recycle.ring + s.recycle.ring_full - s.recycle.cache_full, returned);
	CHECK_EQ(s.held, s.cached_now + s.ring_now);
	CHECK(restarts > 0 || total_buffers < RESTART);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(a), ARENA_PAGES);
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(reg);
}

static void test_destroy_with_stashes(void)
{
	struct bump_region *reg;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "stash-detach", .nid = BUMP_NUMA_ANY };
	unsigned rounds = total_buffers >= 1000000 ? 1000 : 100;
	uint64_t pending = 0;

	make_arena(&reg, &a);
	pp.arena = a;
	bump_log_set_level(BUMP_LOG_ERR);  /* a detach warning per round is expected */
	for (unsigned round = 0; round < rounds; round++) {
		struct bump_pool *pool;
		struct returner r;
		uint64_t returned = 0, flushes = 0;
		void *bufs[100];
		unsigned n;

		CHECK_EQ(bump_pool_create(&pp, &pool), 0);
		n = bump_pool_alloc_bulk(pool, bufs, 20 + round % 80);
		returner_start(&r, 1);
		hand_over(&r, bufs, n);
		while (bump_ring_count(r.ring))
			sched_yield();
		/* The returner may be putting the last burst: a stash is likely pending. */
		pending += bump_pool_destroy(pool) == 0 && bump_pool_list(NULL, 0) == 1;
		returner_stop(&r, &returned, &flushes);  /* exit: its stash goes */
		CHECK_EQ(returned, n);
		CHECK_EQ(bump_pool_list(NULL, 0), 0);  /* freed with the last one */
		CHECK_EQ(bump_arena_free_pages(a), ARENA_PAGES);
	}
	bump_log_set_level(BUMP_LOG_INFO);
	printf("  %u rounds, %llu destroyed with buffers in a stash\n", rounds,
	       (unsigned long long)pending);
	CHECK(pending > 0);  /* the case under test did happen */
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(reg);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		total_buffers = strtoull(argv[1], NULL, 0);
	TEST_RUN(test_stash_returns);
	TEST_RUN(test_destroy_with_stashes);
	return test_exit();
}
