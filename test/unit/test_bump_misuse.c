/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 3: misuse from outside.  Each case is a
 * defect found by hostile-input testing (issue 10): out-of-range parameters,
 * double puts that used to lose a buffer or be misreported, a destroy
 * repeated on a detached pool, and the races TSan found between the query
 * functions and destroy, and between fragment carving and the arena.
 */
#include "bump_fixture.h"

#include <sched.h>

#include <stdatomic.h>

static void test_arena_page_shift_range(void)
{
	struct fixture f;
	struct bump_arena_params ap = { .name = "shift" };
	struct bump_arena *a = NULL;
	const unsigned bad[] = { 1, 5, 31, 63, 64, 65, 200, 254, 255, ~0u };

	fixture_up(&f, TEST_PAGES);
	ap.region = f.region;
	for (size_t i = 0; i < BUMP_ARRAY_SIZE(bad); i++) {
		ap.page_shift = bad[i];
		CHECK_EQ(bump_arena_create(&ap, &a), -EINVAL);
		CHECK_ERROR_SAYS("page_shift");
	}
	/* 64-byte pages, the smallest, once the region has no other arena. */
	CHECK_EQ(bump_arena_destroy(f.arena), 0);
	ap.page_shift = 6;
	CHECK_EQ(bump_arena_create(&ap, &f.arena), 0);
	CHECK_EQ(f.arena->npages, TEST_PAGES * 64);
	fixture_down(&f);
}

static void test_pool_params_range(void)
{
	struct fixture f;
	struct bump_pool_params pp = { .name = "range", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool = NULL;

	fixture_up(&f, TEST_PAGES);
	pp.arena = f.arena;
	pp.nid = 99;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("NUMA node 99");
	pp.nid = -7;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("NUMA node -7");
	pp.nid = BUMP_NUMA_ANY;
	pp.flags = 1u << 7;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("unknown flags");
	pp.flags = 0;
	pp.dma_dir = (enum bump_dma_dir)42;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("dma_dir");
	pp.dma_dir = BUMP_DMA_BIDIRECTIONAL;
	pp.ring_size = 3;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("'range'");  /* the ring-size error names the pool */
	pp.ring_size = 0;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_set_nid(pool, 99), -EINVAL);
	CHECK_EQ(bump_pool_set_nid(pool, BUMP_NUMA_ANY), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/*
 * Another thread puts one fragment twice while the owner still carves its
 * buffer: the extra put is caught when carving ends (only then are the two
 * counts known), counted as a double put, and the buffer is recycled.
 */
static void test_remote_frag_double_put(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct bump_error_stats e0, e1;
	unsigned size = 256;
	void *frag, *twice[2], *whole;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new_checked(&f, "frag-double", 0);
	bump_get_error_stats(&e0);
	frag = bump_pool_alloc_frag(pool, &size);
	CHECK(frag != NULL);
	twice[0] = twice[1] = frag;
	memset(&tlog, 0, sizeof(tlog));
	bump_log_set_handler(test_log_handler, &tlog);
	{
		struct remote_put r = { twice, 2, 0 };
		pthread_t t;

		CHECK_EQ(pthread_create(&t, NULL, remote_put_thread, &r), 0);
		pthread_join(t, NULL);
	}
	/* A fragment as large as the buffer ends the carving of the first one. */
	size = 4096;
	whole = bump_pool_alloc_frag(pool, &size);
	CHECK(whole != NULL);
	bump_log_set_handler(NULL, NULL);
	CHECK(strstr(tlog.last[BUMP_LOG_ERR], "double put") != NULL);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.double_put, 1);
	CHECK_EQ(s.inflight, 1);  /* only the whole-buffer fragment */
	bump_get_error_stats(&e1);
	CHECK_EQ(e1.double_put - e0.double_put, 1);
	CHECK_EQ(bump_pool_put(pool, whole), 0);  /* (likely the same buffer, recycled) */
	CHECK_EQ(bump_put(frag), -EALREADY);      /* a third put is caught at once */
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

/* The same while the owner holds fragments too: nothing leaks when it puts them. */
static void test_remote_frag_double_put_with_owner_frags(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	unsigned size = 512;
	void *mine, *theirs, *twice[2];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "frag-double-2", 0);
	mine = bump_pool_alloc_frag(pool, &size);
	theirs = bump_pool_alloc_frag(pool, &size);
	twice[0] = twice[1] = theirs;
	bump_log_set_handler(test_log_handler, &tlog);
	{
		struct remote_put r = { twice, 2, 0 };
		pthread_t t;

		CHECK_EQ(pthread_create(&t, NULL, remote_put_thread, &r), 0);
		pthread_join(t, NULL);
	}
	CHECK_EQ(bump_pool_put(pool, mine), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);  /* ends carving: nothing in flight */
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	(void)s;
	fixture_down(&f);
}

/* A destroy repeated on a detached pool is refused and frees nothing. */
static void test_second_destroy_of_detached_pool(void)
{
	struct fixture f;
	struct bump_pool *pool;
	void *held[3];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "twice", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, held, 3), 3);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_destroy(pool), 3);
	CHECK_EQ(bump_pool_destroy(pool), -EALREADY);
	CHECK_ERROR_SAYS("already destroyed");
	CHECK_EQ(bump_pool_set_nid(pool, 0), -ESHUTDOWN);
	CHECK(bump_pool_alloc(pool) == NULL);
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(bump_pool_list(NULL, 0), 1);  /* still there, waiting for its buffers */
	CHECK_EQ(bump_put_bulk(held, 3), 0);
	CHECK_EQ(bump_pool_list(NULL, 0), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

/*
 * An owner put that found the cache and the ring full went to the arena; a
 * second put of that buffer is a double put, not "never allocated".
 */
static void test_double_put_after_release_to_arena(void)
{
	struct fixture f;
	struct bump_pool_params pp = { .name = "spill", .ring_size = 2, .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	struct bump_error_stats e0, e1;
	struct bump_pool_stats s;
	enum { N = BUMP_POOL_CACHE_SIZE + 2 + 1 };
	void *bufs[N], *gone = NULL;

	fixture_up(&f, 2 * N);
	pp.arena = f.arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, N), N);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, N), 0);
	bump_pool_get_stats(pool, &s);
	CHECK(s.recycle.ring_full >= 1);  /* the cache, then the ring filled: some went to the arena */
	for (int i = 0; i < N && !gone; i++)
		if (bump_desc_of(bufs[i])->type == BUMP_DESC_FREE)
			gone = bufs[i];
	CHECK(gone != NULL);
	bump_get_error_stats(&e0);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_put(gone), -EALREADY);
	CHECK_ERROR_SAYS("already returned");
	CHECK_EQ(bump_pool_put(pool, gone), -EALREADY);
	bump_log_set_handler(NULL, NULL);
	bump_get_error_stats(&e1);
	CHECK_EQ(e1.double_put - e0.double_put, 2);
	CHECK_EQ(e1.not_allocated - e0.not_allocated, 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.double_put, 2);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), 2 * N);
	fixture_down(&f);
}

/*
 * Unchecked mode lets a double put of a buffer still in the pool in: the
 * documented cost is that buffer handed out twice while both copies are in
 * the pool.  Nothing else: the arena frees the page once (the second copy
 * is counted as a double put), the free lists stay whole.
 */
static void test_unchecked_double_put_contained(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_error_stats e0, e1;
	void *a, *x, *y, *all[TEST_PAGES];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new_flags(&f, "unchecked", 0, BUMP_POOL_F_UNCHECKED);
	bump_get_error_stats(&e0);
	a = bump_pool_alloc(pool);
	CHECK_EQ(bump_pool_put(pool, a), 0);
	CHECK_EQ(bump_pool_put(pool, a), 0);  /* not seen: the cost of the fast path */
	x = bump_pool_alloc(pool);
	y = bump_pool_alloc(pool);
	CHECK(x == a && y == a);
	CHECK_EQ(bump_pool_put(pool, x), 0);
	CHECK_EQ(bump_pool_put(pool, y), 0);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	bump_log_set_handler(NULL, NULL);
	bump_get_error_stats(&e1);
	CHECK_EQ(e1.double_put - e0.double_put, 1);  /* the second copy, at release */
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	/* The free lists are whole: every page comes out once. */
	pool = pool_new(&f, "after", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, all, TEST_PAGES), TEST_PAGES);
	for (int i = 0; i < TEST_PAGES; i++)
		for (int j = 0; j < i; j++)
			CHECK(all[i] != all[j]);
	CHECK_EQ(bump_pool_put_bulk(pool, all, TEST_PAGES), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

enum { STALE_N = 3 * BUMP_POOL_CACHE_REFILL, STALE_PAGES = 4 * BUMP_POOL_CACHE_REFILL };

/* An unchecked pool with a 2-slot ring, and all of its first STALE_N buffers out in @b. */
static struct bump_pool *stale_pool_up(struct fixture *f, const char *name, void **b)
{
	struct bump_pool_params pp = { .name = name, .ring_size = 2, .nid = BUMP_NUMA_ANY,
				       .flags = BUMP_POOL_F_UNCHECKED };
	struct bump_pool *pool = NULL;

	fixture_up(f, STALE_PAGES);
	pp.arena = f->arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, b, STALE_N), STALE_N);  /* the cache is empty now */
	return pool;
}

/*
 * b0 went back to the arena while a copy of it stayed in the pool: take
 * everything, and the copy is dropped (a double put, counted), never
 * handed out (b0's page may come back fresh from the arena, but once).
 * Then the @nrest buffers of @rest go back too and the pool ends empty.
 */
static void stale_take_all(struct fixture *f, struct bump_pool *pool, void *const *b,
			   void *const *rest, unsigned nrest)
{
	static void *again[STALE_N];
	struct bump_pool_stats s;
	unsigned got;

	CHECK_EQ(bump_desc_of(b[0])->type, BUMP_DESC_FREE);
	got = bump_pool_alloc_bulk(pool, again, STALE_N);
	bump_log_set_handler(NULL, NULL);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.stale, 1);
	CHECK_EQ(s.recycle.double_put, 1);
	for (unsigned i = 0; i < got; i++)
		for (unsigned j = 0; j < i; j++)
			CHECK(again[i] != again[j]);
	CHECK_EQ(bump_pool_put_bulk(pool, again, got), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, rest, nrest), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f->arena), STALE_PAGES);
	fixture_down(f);
}

/*
 * Unchecked mode: b0 put twice while in the pool, then the copies part: one
 * goes to the arena (ring full), the other waits in the ring.
 */
static void test_unchecked_stale_copy_dropped(void)
{
	struct fixture f;
	static void *b[STALE_N];
	struct bump_pool *pool = stale_pool_up(&f, "stale", b);
	struct bump_pool_stats s;

	/* cache[0] = b0, cache[1] = b1, cache[2] = b0 again, then up to full. */
	CHECK_EQ(bump_pool_put(pool, b[0]), 0);
	CHECK_EQ(bump_pool_put(pool, b[1]), 0);
	CHECK_EQ(bump_pool_put(pool, b[0]), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, b + 2, BUMP_POOL_CACHE_SIZE - 3), 0);
	/* Full: the oldest 64 move out, b0 and b1 into the ring, the rest (b0's copy too) to the arena. */
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put_bulk(pool, b + BUMP_POOL_CACHE_SIZE - 1,
				    STALE_N - BUMP_POOL_CACHE_SIZE + 1), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.ring_now, 2);
	stale_take_all(&f, pool, b, NULL, 0);
}

/*
 * The same with the copy left in the cache: the plain bulk alloc checks no
 * descriptor, so the release to the arena makes it look over the cache.
 */
static void test_unchecked_stale_copy_in_cache_dropped(void)
{
	struct fixture f;
	static void *b[STALE_N];
	struct bump_pool *pool = stale_pool_up(&f, "stale-cache", b);

	/* cache[0..1] = b1, b2 (to the ring later), cache[2] = b0 (to the arena), ... */
	CHECK_EQ(bump_pool_put(pool, b[1]), 0);
	CHECK_EQ(bump_pool_put(pool, b[2]), 0);
	CHECK_EQ(bump_pool_put(pool, b[0]), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, b + 3, BUMP_POOL_CACHE_REFILL - 3), 0);
	/* ... cache[64] = b0 again: it stays when the oldest 64 move out. */
	CHECK_EQ(bump_pool_put(pool, b[0]), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, b + BUMP_POOL_CACHE_REFILL,
				    BUMP_POOL_CACHE_SIZE - BUMP_POOL_CACHE_REFILL), 0);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put(pool, b[BUMP_POOL_CACHE_SIZE]), 0);  /* full: the oldest 64 go */
	stale_take_all(&f, pool, b, b + BUMP_POOL_CACHE_SIZE + 1,
		       STALE_N - BUMP_POOL_CACHE_SIZE - 1);
}

/*
 * TSan: another thread lists pools and reads their stats while this one
 * destroys pools with buffers out, and carves fragments while pages of a
 * neighbouring pool go back to the arena (the buddy merge reads the
 * descriptors of neighbouring pages).
 */
struct lister {
	atomic_bool stop;
	atomic_ulong rounds;
};

static void *lister_thread(void *arg)
{
	struct lister *l = arg;
	struct bump_pool_info info[8];

	while (!atomic_load(&l->stop)) {
		bump_pool_list(info, 8);
		atomic_fetch_add(&l->rounds, 1);
	}
	return NULL;
}

static void *release_thread(void *arg)
{
	struct remote_put *r = arg;

	for (unsigned i = 0; i < r->n; i++)
		r->rejected += bump_put(r->bufs[i]) != 0;
	return NULL;
}

static void test_queries_and_arena_race_destroy_and_carving(void)
{
	struct fixture f;
	struct lister l = { .rounds = 0 };
	pthread_t t, r;

	atomic_init(&l.stop, false);
	fixture_up(&f, 1024);
	CHECK_EQ(pthread_create(&t, NULL, lister_thread, &l), 0);
	for (int round = 0; round < 200; round++) {
		struct bump_pool *a = pool_new(&f, "carver", 0);
		struct bump_pool *b = pool_new(&f, "neighbour", 0);
		void *held[16], *all[BUMP_POOL_CACHE_REFILL];
		struct remote_put rp = { held, 16, 0 };

		/*
		 * a holds the arena's first 64 pages, b the next 64: when b's go
		 * back, the buddy merge reads the descriptor of a's first page.
		 * Make that the page a carves (the top of its cache).
		 */
		CHECK_EQ(bump_pool_alloc_bulk(a, all, BUMP_POOL_CACHE_REFILL), BUMP_POOL_CACHE_REFILL);
		for (int i = 0; i < BUMP_POOL_CACHE_REFILL; i++)
			if (all[i] == bump_region_base(f.region)) {  /* put it last */
				all[i] = all[BUMP_POOL_CACHE_REFILL - 1];
				all[BUMP_POOL_CACHE_REFILL - 1] = bump_region_base(f.region);
			}
		CHECK_EQ(bump_pool_put_bulk(a, all, BUMP_POOL_CACHE_REFILL), 0);
		CHECK(a->cache[a->cache_count - 1] == bump_region_base(f.region));
		CHECK_EQ(bump_pool_alloc_bulk(b, held, 16), 16);
		CHECK(bump_pool_destroy(b) == 16);  /* detached: the other thread frees */
		CHECK_EQ(pthread_create(&r, NULL, release_thread, &rp), 0);
		for (int i = 0; i < 64; i++) {
			unsigned size = 64 + (unsigned)(i % 7) * 448;
			void *frag = bump_pool_alloc_frag(a, &size);

			CHECK(frag != NULL);
			CHECK_EQ(bump_pool_put(a, frag), 0);
		}
		pthread_join(r, NULL);
		CHECK_EQ(rp.rejected, 0);
		CHECK_EQ(bump_pool_destroy(a), 0);
	}
	while (!atomic_load(&l.rounds))  /* on a busy machine the lister may start late */
		sched_yield();
	atomic_store(&l.stop, true);
	pthread_join(t, NULL);
	CHECK_EQ(bump_arena_free_pages(f.arena), 1024);
	fixture_down(&f);
}

/*
 * A buffer of a pool of another order put to the wrong pool: the owner is
 * found from the buffer's own page, not from the wrong pool's alignment,
 * whose head page here is free.
 */
static void test_wrong_pool_other_order(void)
{
	struct fixture f;
	struct bump_pool *small, *big;
	void *bufs[64], *mine;
	unsigned wrong = 0;

	fixture_up(&f, 4 * TEST_PAGES);
	small = pool_new(&f, "order0", 0);
	big = pool_new(&f, "order2", 2);
	CHECK_EQ(bump_pool_alloc_bulk(small, bufs, 64), 64);
	mine = bump_pool_alloc(big);
	CHECK(mine != NULL);
	/* Pages at 4-aligned indices go back to the arena: free heads for 'order2'. */
	bump_log_set_level(BUMP_LOG_ERR);
	CHECK_EQ(bump_pool_destroy(small), 64);
	bump_log_set_level(BUMP_LOG_INFO);
	for (int i = 0; i < 64; i++)
		if (bump_ref_index(bump_pool_ref(small, bufs[i])) % 4 == 0) {
			CHECK_EQ(bump_put(bufs[i]), 0);
			bufs[i] = NULL;
		}
	bump_log_set_handler(test_log_handler, &tlog);
	for (int i = 0; i < 64; i++)
		if (bufs[i]) {
			CHECK_EQ(bump_pool_put(big, bufs[i]), -EXDEV);
			CHECK_ERROR_SAYS("order0");
			wrong++;
		}
	bump_log_set_handler(NULL, NULL);
	CHECK(wrong >= 32);
	{
		struct bump_pool_stats s;

		bump_pool_get_stats(big, &s);
		CHECK_EQ(s.recycle.wrong_pool, wrong);
	}
	for (int i = 0; i < 64; i++)
		if (bufs[i])
			CHECK_EQ(bump_put(bufs[i]), 0);
	CHECK_EQ(bump_pool_put(big, mine), 0);
	CHECK_EQ(bump_pool_destroy(big), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), 4 * TEST_PAGES);
	fixture_down(&f);
}

int main(void)
{
	TEST_RUN(test_arena_page_shift_range);
	TEST_RUN(test_pool_params_range);
	TEST_RUN(test_remote_frag_double_put);
	TEST_RUN(test_remote_frag_double_put_with_owner_frags);
	TEST_RUN(test_second_destroy_of_detached_pool);
	TEST_RUN(test_double_put_after_release_to_arena);
	TEST_RUN(test_wrong_pool_other_order);
	TEST_RUN(test_unchecked_double_put_contained);
	TEST_RUN(test_unchecked_stale_copy_dropped);
	TEST_RUN(test_unchecked_stale_copy_in_cache_dropped);
	TEST_RUN(test_queries_and_arena_race_destroy_and_carving);
	return test_exit();
}
