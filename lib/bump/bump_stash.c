/* SPDX-License-Identifier: MIT */
/*
 * bump_stash.c - each thread's put stash: the last references other
 * threads drop are collected per destination pool and handed to its
 * recycle ring BUMP_STASH_SIZE at a time, as DPDK collects frees in the
 * freeing lcore's cache.  A put from another thread costs a descriptor read
 * and a store into thread-local memory; the ring's claim and the slots'
 * cache lines are paid once per batch.
 *
 * A stash slot holds buffers of one pool, which count in the pool's refs as
 * held, so a pool cannot be freed under a slot that has some; an empty slot
 * may still name a pool that is gone, so nothing reads a pool through one.  Stashed buffers count as returned in the pool's stats
 * (bump_stash_count walks every thread's stash, as rte_mempool_avail_count
 * walks the lcore caches).  They reach the ring when the slot fills, when
 * the thread calls bump_put_flush(), when it exits, and, for a pool
 * destroyed meanwhile, at the thread's next batch.
 */
#include "bump_priv.h"

#include <stdlib.h>

#define STASH_SLOTS 4

struct stash_slot {
	struct bump_pool *_Atomic pool;  /* NULL: free */
	_Atomic uint32_t count;
	void *bufs[BUMP_STASH_SIZE];      /* first bytes, as the recycle ring holds them */
};

struct bump_stash {
	struct stash_slot slot[STASH_SLOTS];
	unsigned evict;                   /* the slot a new pool takes when all are busy */
	struct bump_stash *prev, *next;   /* every thread's stash, under stash_lock */
};

static pthread_mutex_t stash_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bump_stash *stash_list;
static pthread_key_t stash_key;
static pthread_once_t stash_once = PTHREAD_ONCE_INIT;
/*
 * The default TLS model: libbump may be dlopen()ed (DPDK's -d loads the
 * mempool plugin, which pulls it in), where initial-exec could fail.
 * lib/meson.build asks for TLS descriptors, which make the lookup cheap.
 */
static __thread struct bump_stash *tls_stash;

static void slot_flush(struct stash_slot *s)
{
	struct bump_pool *pool = atomic_load_explicit(&s->pool, memory_order_relaxed);
	uint32_t n = atomic_load_explicit(&s->count, memory_order_relaxed);

	if (!pool)
		return;
	atomic_store_explicit(&s->count, 0, memory_order_relaxed);
	atomic_store_explicit(&s->pool, NULL, memory_order_relaxed);
	if (n)  /* an empty slot holds no reference: its pool may be gone */
		bump_pool_recycle_remote(pool, s->bufs, n);  /* may free a detached pool: last */
}

static void stash_flush_all(struct bump_stash *st)
{
	for (int i = 0; i < STASH_SLOTS; i++)
		slot_flush(&st->slot[i]);
}

/* Thread exit (the key's destructor): hand everything over and forget the stash. */
static void stash_exit(void *arg)
{
	struct bump_stash *st = arg;

	stash_flush_all(st);
	pthread_mutex_lock(&stash_lock);
	if (st->prev)
		st->prev->next = st->next;
	else
		stash_list = st->next;
	if (st->next)
		st->next->prev = st->prev;
	pthread_mutex_unlock(&stash_lock);
	tls_stash = NULL;
	free(st);
}

static void stash_key_init(void)
{
	if (pthread_key_create(&stash_key, stash_exit))
		abort();  /* only with PTHREAD_KEYS_MAX keys taken: nothing to fall back to */
}

static struct bump_stash *stash_new(void)
{
	struct bump_stash *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	pthread_once(&stash_once, stash_key_init);
	if (pthread_setspecific(stash_key, st)) {
		free(st);
		return NULL;
	}
	pthread_mutex_lock(&stash_lock);
	st->next = stash_list;
	if (stash_list)
		stash_list->prev = st;
	stash_list = st;
	pthread_mutex_unlock(&stash_lock);
	tls_stash = st;
	return st;
}

/* Slots whose pool was destroyed meanwhile go now: the pool is waiting for them. */
static void stash_reap(struct bump_stash *st)
{
	for (int i = 0; i < STASH_SLOTS; i++) {
		struct bump_pool *p = atomic_load_explicit(&st->slot[i].pool, memory_order_relaxed);

		if (p && atomic_load_explicit(&st->slot[i].count, memory_order_relaxed) &&
		    atomic_load_explicit(&p->detached, memory_order_relaxed))
			slot_flush(&st->slot[i]);
	}
}

/*
 * This thread's slot for @pool, taken (or freed by flushing the next one
 * round) if there is none; NULL when the thread has no stash or the pool is
 * destroyed (the caller then hands its buffers over directly).
 */
static struct stash_slot *stash_slot(struct bump_pool *pool, struct bump_stash **stp)
{
	struct bump_stash *st = tls_stash;
	struct stash_slot *s = NULL;

	if (bump_unlikely(!st) && !(st = stash_new()))
		return NULL;
	*stp = st;
	for (int i = 0; i < STASH_SLOTS; i++)
		if (atomic_load_explicit(&st->slot[i].pool, memory_order_relaxed) == pool)
			return &st->slot[i];
	if (atomic_load_explicit(&pool->detached, memory_order_relaxed))
		return NULL;
	for (int i = 0; i < STASH_SLOTS && !s; i++)
		if (!atomic_load_explicit(&st->slot[i].pool, memory_order_relaxed))
			s = &st->slot[i];
	if (!s) {
		s = &st->slot[st->evict++ % STASH_SLOTS];
		slot_flush(s);
	}
	atomic_store_explicit(&s->pool, pool, memory_order_relaxed);
	return s;
}

/* Count @added more in @s; a full slot goes to its pool's ring. */
static void slot_added(struct bump_stash *st, struct stash_slot *s, uint32_t count)
{
	atomic_store_explicit(&s->count, count, memory_order_relaxed);
	if (bump_unlikely(count == BUMP_STASH_SIZE)) {
		slot_flush(s);
		stash_reap(st);
	}
}

void bump_stash_put(struct bump_pool *pool, struct bump_desc *d)
{
	struct bump_stash *st = NULL;
	struct stash_slot *s;
	void *buf;
	uint32_t n;

	if (d->type == BUMP_DESC_FRAG)
		bump_desc_recycled(pool, d);
	buf = bump_desc_page(pool->priv->arena, d);
	s = stash_slot(pool, &st);
	if (bump_unlikely(!s)) {
		bump_pool_recycle_remote(pool, &buf, 1);
		return;
	}
	n = atomic_load_explicit(&s->count, memory_order_relaxed);
	s->bufs[n] = buf;
	slot_added(st, s, n + 1);
}

unsigned bump_stash_put_run(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	struct bump_stash *st = NULL;
	struct stash_slot *s = stash_slot(pool, &st);
	unsigned done = 0;

	while (s && done < n) {
		uint32_t count = atomic_load_explicit(&s->count, memory_order_relaxed);
		unsigned k = BUMP_MIN(n - done, BUMP_STASH_SIZE - count);
		unsigned t = bump_bulk_give_remote(pool, bufs + done, s->bufs + count, k);

		done += t;
		slot_added(st, s, count + t);
		if (t < k)
			break;
		if (count + t == BUMP_STASH_SIZE && done < n)  /* flushed: it may have another pool now */
			s = stash_slot(pool, &st);
	}
	return done;
}

void bump_put_flush(void)
{
	if (tls_stash)
		stash_flush_all(tls_stash);
}

uint64_t bump_stash_count(const struct bump_pool *pool)
{
	uint64_t n = 0;

	pthread_mutex_lock(&stash_lock);
	for (struct bump_stash *st = stash_list; st; st = st->next)
		for (int i = 0; i < STASH_SLOTS; i++)
			if (atomic_load_explicit(&st->slot[i].pool, memory_order_relaxed) == pool)
				n += atomic_load_explicit(&st->slot[i].count, memory_order_relaxed);
	pthread_mutex_unlock(&stash_lock);
	return n;
}
