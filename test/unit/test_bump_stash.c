/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 5: other threads' returns through their put
 * stashes (bump_stash.c): what stats show while buffers sit there, the ways
 * they reach the pool (a full stash, bump_put_flush(), thread exit, a
 * port-like control thread), a thread returning to more pools than it has
 * slots, and destroy while a thread still holds some.
 */
#include "bump_fixture.h"

/* A thread that returns buffers when told, then flushes or exits when told. */
struct returner {
	pthread_t t;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void **bufs;
	unsigned n;      /* to put (guarded by lock); 0: nothing pending */
	bool flush;      /* call bump_put_flush() */
	bool quit;
	unsigned rejected;
	unsigned done;   /* requests served */
};

static void *returner_main(void *arg)
{
	struct returner *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->n && !r->flush && !r->quit)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->n) {
			r->rejected += bump_put_bulk(r->bufs, r->n);
			r->n = 0;
		}
		if (r->flush) {
			bump_put_flush();
			r->flush = false;
		}
		r->done++;
		pthread_cond_broadcast(&r->cond);
		if (r->quit)
			break;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;  /* the stash goes to the pools with the thread */
}

static void returner_start(struct returner *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	CHECK_EQ(pthread_create(&r->t, NULL, returner_main, r), 0);
}

/* Ask the returner to put @n buffers (and flush), and wait until it did. */
static void returner_do(struct returner *r, void **bufs, unsigned n, bool flush)
{
	pthread_mutex_lock(&r->lock);
	unsigned done = r->done;

	r->bufs = bufs;
	r->n = n;
	r->flush = flush;
	pthread_cond_broadcast(&r->cond);
	while (r->done == done)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

static void returner_quit(struct returner *r)
{
	pthread_mutex_lock(&r->lock);
	r->quit = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->t, NULL);
	CHECK_EQ(r->rejected, 0);
}

static void test_stashed_count_as_returned(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct returner r;
	void *bufs[BUMP_STASH_SIZE + 5];
	const unsigned n = BUMP_STASH_SIZE + 5;

	fixture_up(&f, 256);
	pool = pool_new(&f, "stash", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, n), n);
	returner_start(&r);
	returner_do(&r, bufs, n, false);
	bump_pool_get_stats(pool, &s);
	/* One full stash went to the ring; five wait in the stash, counted as returned. */
	CHECK_EQ(s.ring_now, BUMP_STASH_SIZE);
	CHECK_EQ(s.stashed_now, 5);
	CHECK_EQ(s.inflight, 0);
	returner_do(&r, NULL, 0, true);  /* bump_put_flush() */
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.ring_now, n);
	CHECK_EQ(s.stashed_now, 0);
	returner_quit(&r);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void test_thread_exit_flushes(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct returner r;
	void *bufs[7];

	fixture_up(&f, 256);
	pool = pool_new(&f, "exit", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 7), 7);
	returner_start(&r);
	returner_do(&r, bufs, 7, false);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.stashed_now, 7);
	returner_quit(&r);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.stashed_now, 0);
	CHECK_EQ(s.ring_now, 7);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/* Six pools, four slots: returning to a fifth pool empties a slot into its ring. */
static void test_more_pools_than_slots(void)
{
	struct fixture f;
	struct bump_pool *pools[6];
	void *bufs[6][3], *all[18];
	struct returner r;
	uint64_t stashed = 0, ring = 0;

	fixture_up(&f, 1024);
	for (int p = 0; p < 6; p++) {
		char name[16];

		snprintf(name, sizeof(name), "slot%d", p);
		pools[p] = pool_new(&f, name, 0);
		CHECK_EQ(bump_pool_alloc_bulk(pools[p], bufs[p], 3), 3);
		for (int i = 0; i < 3; i++)
			all[p * 3 + i] = bufs[p][i];
	}
	returner_start(&r);
	returner_do(&r, all, 18, false);
	for (int p = 0; p < 6; p++) {
		struct bump_pool_stats s;

		bump_pool_get_stats(pools[p], &s);
		CHECK_EQ(s.inflight, 0);
		CHECK_EQ(s.stashed_now + s.ring_now, 3);
		stashed += s.stashed_now;
		ring += s.ring_now;
	}
	CHECK_EQ(stashed, 4 * 3);  /* the last four pools' */
	CHECK_EQ(ring, 2 * 3);
	returner_quit(&r);
	for (int p = 0; p < 6; p++)
		CHECK_EQ(bump_pool_destroy(pools[p]), 0);
	fixture_down(&f);
}

/*
 * Destroy while another thread holds returned buffers in its stash: the pool
 * detaches and waits for them (nothing lost), the arena says it is busy, and
 * the thread's flush frees the pool.
 */
static void test_destroy_with_stash_pending(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct returner r;
	struct bump_pool_info info;
	void *bufs[10];

	fixture_up(&f, 256);
	pool = pool_new(&f, "pending", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 10), 10);
	returner_start(&r);
	returner_do(&r, bufs, 10, false);
	memset(&tlog, 0, sizeof(tlog));
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_destroy(pool), 0);  /* none in users' hands */
	bump_log_set_handler(NULL, NULL);
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "put stashes") != NULL);
	CHECK_EQ(bump_pool_list(&info, 1), 1);
	CHECK_EQ(info.inflight, 0);
	CHECK(info.detach_time_ns != 0);
	CHECK_EQ(bump_arena_destroy(f.arena), -EBUSY);
	returner_do(&r, NULL, 0, true);
	CHECK_EQ(bump_pool_list(NULL, 0), 0);
	returner_quit(&r);
	fixture_down(&f);
}

/* The same, with a thread that puts more (to another pool) instead of flushing. */
static void test_destroyed_pool_reaped_at_next_batch(void)
{
	struct fixture f;
	struct bump_pool *pool, *other;
	struct returner r;
	void *bufs[4], *more[BUMP_STASH_SIZE];

	fixture_up(&f, 256);
	pool = pool_new(&f, "reaped", 0);
	other = pool_new(&f, "other", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 4), 4);
	CHECK_EQ(bump_pool_alloc_bulk(other, more, BUMP_STASH_SIZE), BUMP_STASH_SIZE);
	returner_start(&r);
	returner_do(&r, bufs, 4, false);
	bump_log_set_level(BUMP_LOG_ERR);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	bump_log_set_level(BUMP_LOG_INFO);
	CHECK_EQ(bump_pool_list(NULL, 0), 2);
	returner_do(&r, more, BUMP_STASH_SIZE, false);  /* a full stash for 'other' */
	CHECK_EQ(bump_pool_list(NULL, 0), 1);           /* 'reaped' went with it */
	returner_quit(&r);
	CHECK_EQ(bump_pool_destroy(other), 0);
	fixture_down(&f);
}

int main(void)
{
	TEST_RUN(test_stashed_count_as_returned);
	TEST_RUN(test_thread_exit_flushes);
	TEST_RUN(test_more_pools_than_slots);
	TEST_RUN(test_destroy_with_stash_pending);
	TEST_RUN(test_destroyed_pool_reaped_at_next_batch);
	return test_exit();
}
