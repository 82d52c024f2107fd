/* SPDX-License-Identifier: MIT */
/*
 * Two-thread stress of the recycle paths, run under TSan in CI.
 *
 *  cross_thread: the owner allocates (stamping each buffer), a second thread
 *    checks the stamp and returns the buffer with bump_put() through the
 *    recycle ring; some buffers are cloned and put by both threads.  At the
 *    end every buffer is accounted for: inflight 0 and the counts match.
 *  frag_cross_thread: the same with fragments of 64 to 1536 bytes, whose
 *    buffers are counted by the owner while it carves them and through the
 *    refcount by the other thread: every buffer comes back exactly once.
 *  destroy_race: the pool is destroyed while the other thread is still
 *    returning its buffers, over and over: nothing may be lost or freed twice.
 *
 * Usage: stress_recycle [buffers]   (default 10 million)
 */
#include "bump.h"
#include "bump_ring.h"
#include "bump_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define BURST 32
#define ARENA_PAGES 4096

static uint64_t total_buffers = 10 * 1000 * 1000;

struct handoff {
	struct bump_ring *ring;  /* owner -> returner */
	_Atomic bool done;
	uint64_t returned;
	uint64_t bad_stamps;
	uint64_t rejected;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % 2, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  /* best effort */
}

static void *returner(void *arg)
{
	struct handoff *h = arg;
	void *bufs[BURST];

	pin(1);
	for (;;) {
		unsigned n = bump_ring_dequeue_burst(h->ring, bufs, BURST);

		if (!n) {
			if (atomic_load(&h->done) && !bump_ring_count(h->ring))
				break;
			sched_yield();
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t *stamp = bufs[i];

			/* A buffer handed out twice would carry another stamp by now. */
			if (stamp[0] != (uint64_t)(uintptr_t)bufs[i] || stamp[1] != ~stamp[0])
				h->bad_stamps++;
			stamp[0] = stamp[1] = 0;
		}
		h->rejected += bump_put_bulk(bufs, n);
		h->returned += n;
	}
	return NULL;
}

static void make_arena(struct bump_region **r, struct bump_arena **a)
{
	struct bump_region_params rp = { .name = "stress", .size = ARENA_PAGES * 4096ul,
					 .numa_node = BUMP_NUMA_ANY };
	struct bump_arena_params ap = { .name = "stress" };

	bump_log_set_level(BUMP_LOG_ERR);  /* the 4 KiB fallback warning is expected here */
	CHECK_EQ(bump_region_create(&rp, r), 0);
	ap.region = *r;
	CHECK_EQ(bump_arena_create(&ap, a), 0);
	bump_log_set_level(BUMP_LOG_INFO);
}

/* Mark a buffer as handed out to @buf: the returner checks it. */
static void stamp(void *buf)
{
	uint64_t *w = buf;

	w[0] = (uint64_t)(uintptr_t)buf;
	w[1] = ~w[0];
}

/*
 * Return one stamped burst: every @owner_every-th burst the owner puts it
 * back itself, the others go to the returner thread.  Every 7th burst has a
 * clone of its first buffer, which both threads put (the owner's put here).
 * Adds the owner's puts to *@owner_puts; true when the burst had a clone.
 */
static bool return_burst(struct bump_pool *pool, struct handoff *h, void **bufs, unsigned n,
			 uint64_t allocated, unsigned owner_every, uint64_t *owner_puts)
{
	bool clone = n && allocated % (7 * BURST) < BURST;
	unsigned sent = 0;

	if (clone)
		CHECK_EQ(bump_get(bufs[0]), 0);
	if (allocated % (owner_every * BURST) < BURST) {
		for (unsigned i = 0; i < n; i++)
			((uint64_t *)bufs[i])[0] = 0;
		CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);
		*owner_puts += n;
	} else {
		while (sent < n) {
			sent += bump_ring_enqueue_burst(h->ring, bufs + sent, n - sent);
			if (sent < n)
				sched_yield();
		}
	}
	if (clone)
		CHECK_EQ(bump_pool_put(pool, bufs[0]), 0);  /* the clone's second reference */
	return clone;
}

static void returner_start(struct handoff *h, pthread_t *t)
{
	CHECK_EQ(bump_ring_create(1024, &h->ring), 0);
	CHECK_EQ(pthread_create(t, NULL, returner, h), 0);
	pin(0);
}

static void returner_stop(struct handoff *h, pthread_t t)
{
	atomic_store(&h->done, true);
	pthread_join(t, NULL);
	CHECK_EQ(h->bad_stamps, 0);
	CHECK_EQ(h->rejected, 0);
}

static void test_cross_thread_recycle(void)
{
	struct bump_region *r;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "stress", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct handoff h = { 0 };
	pthread_t t;
	uint64_t allocated = 0, clones = 0, owner_puts = 0;
	void *bufs[BURST];

	make_arena(&r, &a);
	pp.arena = a;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	returner_start(&h, &t);
	while (allocated < total_buffers) {
		unsigned n = bump_pool_alloc_bulk(pool, bufs, BURST);

		for (unsigned i = 0; i < n; i++)
			stamp(bufs[i]);
		allocated += n;
		clones += return_burst(pool, &h, bufs, n, allocated, 5, &owner_puts);
	}
	returner_stop(&h, t);

	bump_pool_get_stats(pool, &s);
	printf("  %llu buffers: fast %llu slow %llu refill %llu empty %llu | cached %llu "
	       "cache_full %llu ring %llu ring_full %llu released_refcnt %llu\n",
	       (unsigned long long)allocated, (unsigned long long)s.alloc.fast,
	       (unsigned long long)s.alloc.slow, (unsigned long long)s.alloc.refill,
	       (unsigned long long)s.alloc.empty, (unsigned long long)s.recycle.cached,
	       (unsigned long long)s.recycle.cache_full, (unsigned long long)s.recycle.ring,
	       (unsigned long long)s.recycle.ring_full,
	       (unsigned long long)s.recycle.released_refcnt);
	CHECK_EQ(h.returned + owner_puts, allocated);
	CHECK_EQ(s.alloc.fast, allocated);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.recycle.released_refcnt, clones);
	CHECK_EQ(s.recycle.double_put + s.recycle.wrong_pool, 0);
	/* Every allocation came back exactly once, by one of the three ways. */
	CHECK_EQ(s.recycle.cached + s.recycle.ring + s.recycle.ring_full, allocated);
	CHECK_EQ(s.held, s.cached_now + s.ring_now);
	CHECK(s.recycle.ring > allocated / 2);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(a), ARENA_PAGES);
	bump_ring_free(h.ring);
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(r);
}

static void test_frag_cross_thread(void)
{
	static const unsigned sizes[] = { 64, 256, 200, 1500, 512, 1024 };
	struct bump_region *r;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "frag-stress", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct handoff h = { 0 };
	pthread_t t;
	uint64_t allocated = 0, owner_puts = 0, frags = total_buffers / 4;
	void *bufs[BURST];

	make_arena(&r, &a);
	pp.arena = a;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	returner_start(&h, &t);
	while (allocated < frags) {
		unsigned n;

		for (n = 0; n < BURST; n++) {
			unsigned size = sizes[(allocated + n) % BUMP_ARRAY_SIZE(sizes)];

			bufs[n] = bump_pool_alloc_frag(pool, &size);
			CHECK(bufs[n] != NULL);
			stamp(bufs[n]);
		}
		allocated += n;
		return_burst(pool, &h, bufs, n, allocated, 3, &owner_puts);
	}
	returner_stop(&h, t);

	bump_pool_get_stats(pool, &s);
	printf("  %llu fragments, %llu put by the owner\n", (unsigned long long)allocated,
	       (unsigned long long)owner_puts);
	CHECK_EQ(h.returned + owner_puts, allocated);
	CHECK_EQ(s.recycle.double_put + s.recycle.wrong_pool, 0);
	CHECK(s.inflight <= 1);  /* at most the buffer being carved */
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(a), ARENA_PAGES);
	bump_ring_free(h.ring);
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(r);
}

static void test_destroy_races_remote_puts(void)
{
	struct bump_region *r;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "detach", .nid = BUMP_NUMA_ANY, .ring_size = 64 };
	unsigned rounds = total_buffers >= 1000000 ? 2000 : 200;
	uint64_t detached = 0;

	make_arena(&r, &a);
	pp.arena = a;
	bump_log_set_level(BUMP_LOG_ERR);  /* a detach warning per round is expected */
	for (unsigned round = 0; round < rounds; round++) {
		struct handoff h = { 0 };
		struct bump_pool *pool;
		void *bufs[256];
		unsigned n;
		pthread_t t;

		CHECK_EQ(bump_pool_create(&pp, &pool), 0);
		CHECK_EQ(bump_ring_create(256, &h.ring), 0);
		n = bump_pool_alloc_bulk(pool, bufs, 256);
		for (unsigned i = 0; i < n; i++)
			stamp(bufs[i]);
		CHECK_EQ(bump_ring_enqueue_burst(h.ring, bufs, n), n);
		atomic_store(&h.done, true);
		CHECK_EQ(pthread_create(&t, NULL, returner, &h), 0);
		/* Destroy while the other thread is putting into the ring. */
		if (round % 2)
			sched_yield();
		detached += bump_pool_destroy(pool) > 0;
		pthread_join(t, NULL);
		CHECK_EQ(h.rejected, 0);
		CHECK_EQ(h.bad_stamps, 0);
		CHECK_EQ(bump_pool_list(NULL, 0), 0);  /* freed with its last buffer */
		CHECK_EQ(bump_arena_free_pages(a), ARENA_PAGES);
		bump_ring_free(h.ring);
	}
	bump_log_set_level(BUMP_LOG_INFO);
	printf("  %u rounds, %llu destroyed with buffers in flight\n", rounds,
	       (unsigned long long)detached);
	/* The race must have happened: a destroy that never overlapped tests nothing. */
	CHECK(detached > 0);
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(r);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		total_buffers = strtoull(argv[1], NULL, 0);
	TEST_RUN(test_cross_thread_recycle);
	TEST_RUN(test_frag_cross_thread);
	TEST_RUN(test_destroy_races_remote_puts);
	return test_exit();
}
