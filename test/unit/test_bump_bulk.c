/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 4: the owner's bulk alloc and put, whose
 * per-buffer loops exist twice (portable C and AVX-512).  meson runs this
 * program twice: as the CPU allows, and with BUMP_NO_AVX512=1; each burst
 * places the buffers the fast loop must refuse at positions inside and
 * across its groups of eight.
 */
#include "bump_fixture.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void test_bulk_impl_reported(void)
{
	const char *no = getenv("BUMP_NO_AVX512");
	const char *impl = bump_bulk_impl();

	printf("  bulk loops: %s\n", impl);
	if (no && *no && strcmp(no, "0"))
		CHECK(!strcmp(impl, "scalar"));
	else
		CHECK(!strcmp(impl, "scalar") || !strcmp(impl, "avx512"));
}

/* Every burst size 0..70: unique buffers out, all back, nothing in flight. */
static void test_bulk_every_size(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[70];

	fixture_up(&f, 256);
	pool = pool_new(&f, "sizes", 0);
	for (unsigned n = 0; n <= 70; n++) {
		CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, n), n);
		for (unsigned i = 0; i < n; i++) {
			CHECK_EQ(bump_refcount(bufs[i]), 1);
			for (unsigned j = 0; j < i; j++)
				CHECK(bufs[i] != bufs[j]);
		}
		CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);
	}
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.recycle.cached, 70 * 71 / 2);
	CHECK_EQ(s.alloc.fast, 70 * 71 / 2);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/*
 * One burst of 40 with, among the pool's own buffers: another pool's buffer
 * (rejected), a heap pointer (rejected), a buffer with a clone out (only a
 * reference dropped), pointers into the middle of buffers (their heads are
 * cached), each in a different group of eight.
 */
static void test_bulk_mixed_burst(void)
{
	struct fixture f;
	struct bump_pool *pool, *other;
	struct bump_pool_stats s;
	void *mine[40], *burst[40], *theirs, *heap = malloc(64), *clone;
	unsigned before;

	fixture_up(&f, 256);
	pool = pool_new(&f, "mixed", 0);
	other = pool_new(&f, "other", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, mine, 40), 40);
	theirs = bump_pool_alloc(other);
	clone = mine[20];
	CHECK_EQ(bump_get(clone), 0);
	memcpy(burst, mine, sizeof(burst));
	burst[3] = theirs;
	burst[11] = heap;
	burst[33] = (char *)mine[33] + 100;
	burst[39] = (char *)mine[39] + 4095;
	bump_pool_get_stats(pool, &s);
	before = (unsigned)s.cached_now;
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put_bulk(pool, burst, 40), 2);
	bump_log_set_handler(NULL, NULL);
	bump_pool_get_stats(pool, &s);
	/* 40 - 2 rejected - the clone: 37 in the cache, heads only. */
	CHECK_EQ(s.cached_now, before + 37);
	CHECK_EQ(s.recycle.released_refcnt, 1);
	CHECK_EQ(s.recycle.wrong_pool, 1);
	CHECK_EQ(s.inflight, 3);  /* mine[3], mine[11] and the clone */
	for (uint32_t i = 0; i < pool->cache_count; i++)
		CHECK_EQ((uintptr_t)pool->cache[i] % 4096, 0);
	CHECK_EQ(bump_refcount(clone), 1);
	CHECK_EQ(bump_put(theirs), 0);
	CHECK_EQ(bump_pool_put(pool, mine[3]), 0);
	CHECK_EQ(bump_pool_put(pool, mine[11]), 0);
	CHECK_EQ(bump_pool_put(pool, clone), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_pool_destroy(other), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	free(heap);
	fixture_down(&f);
}

/* Checked and DMA-synced pools take the loop with stores; the counts match. */
static void test_bulk_checked(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[48], *last;

	fixture_up(&f, 256);
	pool = pool_new_checked(&f, "checked", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 48), 48);
	for (int i = 0; i < 48; i++)
		CHECK_EQ(bump_desc_of(bufs[i])->refcount, 1);
	last = bufs[47];
	bufs[47] = bufs[5];  /* a double put in the burst */
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 47), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs + 47, 1), 1);
	bump_log_set_handler(NULL, NULL);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.double_put, 1);
	CHECK_EQ(s.inflight, 1);  /* last, still out */
	CHECK_EQ(bump_desc_of(bufs[5])->refcount, 0);
	CHECK_EQ(bump_pool_put(pool, last), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/*
 * Fragments of buffers no longer carved, put by the owner in bursts: the
 * owner counts them itself, then folds when a burst exceeds what it counts.
 * Checked: a fragment put twice in the burst is refused and counted (in
 * unchecked mode the put after the buffer's recycling is let in, as any
 * double put of a buffer sitting in the cache).
 */
static void test_bulk_frag_fold(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *frags[33];

	fixture_up(&f, 256);
	pool = pool_new_checked(&f, "fold", 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 32; i++) {
			unsigned size = 256;

			frags[i] = bump_pool_alloc_frag(pool, &size);
			CHECK(frags[i] != NULL);
		}
		CHECK(pool->frag.desc == NULL);  /* 16 per buffer: both buffers cut to their end */
		if (round == 0) {
			CHECK_EQ(bump_pool_put_bulk(pool, frags, 32), 0);
		} else {
			frags[32] = frags[0];  /* the first buffer gets 17 puts for 16 fragments */
			bump_log_set_handler(test_log_handler, &tlog);
			CHECK_EQ(bump_put_bulk(frags, 33), 1);
			bump_log_set_handler(NULL, NULL);
		}
		bump_pool_get_stats(pool, &s);
		CHECK_EQ(s.inflight, 0);
	}
	CHECK_EQ(s.recycle.double_put, 1);
	CHECK_EQ(s.recycle.released_refcnt, 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/*
 * More carved buffers out than the owner counts itself (BUMP_FRAG_PENDING):
 * the oldest are folded into their refcounts, and the burst that puts their
 * fragments drops each one's count once; a fragment put twice there is
 * refused in either mode.
 */
static void test_bulk_frag_folded(void)
{
	enum { N = 2 * (BUMP_FRAG_PENDING + 4) };  /* two 1536-byte fragments per buffer */
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *frags[N + 1];

	fixture_up(&f, 256);
	pool = pool_new(&f, "folded", 0);
	for (int i = 0; i < N; i++) {
		unsigned size = 1500;

		frags[i] = bump_pool_alloc_frag(pool, &size);
		CHECK(frags[i] != NULL);
	}
	CHECK_EQ(pool->frag.npend, BUMP_FRAG_PENDING);
	CHECK_EQ(bump_refcount(frags[0]), 2);  /* folded: counted in the refcount */
	frags[N] = frags[1];  /* the first buffer gets three puts for two fragments */
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put_bulk(pool, frags, N + 1), 1);
	bump_log_set_handler(NULL, NULL);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.recycle.double_put, 1);
	CHECK_EQ(pool->frag.npend, 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/*
 * A bulk put into a full cache moves the cache's older half to the ring; a
 * refill brings those buffers back without their ever being handed out:
 * alloc.fast counts each handed-out buffer once (issue 10, found by
 * stress_model: it counted the moved ones twice).
 */
static void test_bulk_flush_counts(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[2 * BUMP_POOL_CACHE_SIZE];
	unsigned n = BUMP_ARRAY_SIZE(bufs), got;

	fixture_up(&f, 1024);
	pool = pool_new(&f, "flush", 0);
	got = bump_pool_alloc_bulk(pool, bufs, n);
	CHECK_EQ(got, n);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);  /* fills the cache: a flush */
	bump_pool_get_stats(pool, &s);
	CHECK(s.recycle.cache_full > 0);
	CHECK_EQ(s.alloc.fast, n);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, n), n);  /* cache, then the ring */
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.fast, 2 * n);
	CHECK_EQ(s.inflight, n);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void bulk_put_looped(int sig)
{
	static const char msg[] = "  FAIL: bump_pool_put_bulk on a destroyed pool did not return "
				  "in 10 s (it loops)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/*
 * Buffers in flight at destroy come back by bump_pool_put_bulk() as by
 * bump_pool_put() (and by the other bulk puts): to the arena, the detached
 * pool freed with the last one (page_pool's put after page_pool_destroy),
 * and in the same burst a put after that last one and another pool's
 * buffer are refused and counted.
 * Before, the burst looped for ever: destroy leaves the pool no cache, and
 * the owner's fast loop was retried on each whole buffer.
 */
static void test_bulk_put_after_destroy(void)
{
	struct fixture f;
	struct bump_pool *pool, *other;
	struct bump_pool_info info[2];
	struct bump_error_stats e0, e1;
	void *held[64], *cached[BUMP_POOL_CACHE_SIZE], *burst[34], *theirs;
	bump_ref_t refs[8];

	fixture_up(&f, 1024);
	pool = pool_new(&f, "zombie", 0);
	other = pool_new(&f, "other", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, held, 64), 64);
	/* The cache full at destroy: it goes to the arena, the 64 stay out. */
	CHECK_EQ(bump_pool_alloc_bulk(pool, cached, BUMP_POOL_CACHE_SIZE), BUMP_POOL_CACHE_SIZE);
	CHECK_EQ(bump_pool_put_bulk(pool, cached, BUMP_POOL_CACHE_SIZE), 0);
	CHECK_EQ(pool->cache_count, BUMP_POOL_CACHE_SIZE);
	theirs = bump_pool_alloc(other);
	for (unsigned i = 0; i < 8; i++)
		refs[i] = bump_pool_ref(pool, held[24 + i]);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_destroy(pool), 64);
	signal(SIGALRM, bulk_put_looped);
	alarm(10);
	CHECK_EQ(bump_pool_put(pool, held[0]), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, held + 1, 15), 0);
	CHECK_EQ(bump_put_bulk(held + 16, 8), 0);
	CHECK_EQ(bump_ref_put_bulk(refs, 8, sizeof(refs[0])), 0);
	CHECK_EQ(bump_pool_list(info, 2), 2);
	CHECK_EQ(info[0].inflight, 32);  /* the zombie, still listed */
	memcpy(burst, held + 32, 32 * sizeof(burst[0]));
	burst[32] = held[63];  /* again, after the pool's last buffer */
	burst[33] = theirs;
	bump_get_error_stats(&e0);
	CHECK_EQ(bump_pool_put_bulk(pool, burst, 34), 2);
	alarm(0);
	bump_get_error_stats(&e1);
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(e1.double_put - e0.double_put, 1);
	CHECK_EQ(e1.wrong_pool - e0.wrong_pool, 1);
	CHECK_EQ(bump_pool_list(NULL, 0), 1);  /* freed with its last buffer */
	CHECK_EQ(bump_pool_put(other, theirs), 0);
	CHECK_EQ(bump_pool_destroy(other), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), 1024);
	fixture_down(&f);
}

int main(void)
{
	TEST_RUN(test_bulk_impl_reported);
	TEST_RUN(test_bulk_every_size);
	TEST_RUN(test_bulk_mixed_burst);
	TEST_RUN(test_bulk_checked);
	TEST_RUN(test_bulk_frag_fold);
	TEST_RUN(test_bulk_frag_folded);
	TEST_RUN(test_bulk_flush_counts);
	TEST_RUN(test_bulk_put_after_destroy);
	return test_exit();
}
