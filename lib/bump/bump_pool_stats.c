/* SPDX-License-Identifier: MIT */
/*
 * bump_pool_stats.c - a pool's counters as one snapshot.
 */
#include "bump_priv.h"

#include <string.h>

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void bump_pool_get_stats(const struct bump_pool *pool, struct bump_pool_stats *s)
{
	/* The owner knows which carved buffers are back: the figures are exact for it. */
	if (atomic_load_explicit(&pool->owner, memory_order_relaxed) == bump_thread_token() &&
	    pool->frag.npend)
		bump_frag_reap((struct bump_pool *)pool);

	bool detached = atomic_load(&pool->detached);
	int64_t held = atomic_load(&pool->refs) - (detached ? 0 : 1) -
		       atomic_load(&pool->priv->holds);
	uint64_t cached = __atomic_load_n(&pool->cache_count, __ATOMIC_RELAXED);
	uint64_t ring = bump_ring_count(pool->ring);
	uint64_t stashed = bump_stash_count(pool);

	memset(s, 0, sizeof(*s));
	s->alloc.slow = LOAD(pool->alloc.slow);
	s->alloc.slow_high_order = LOAD(pool->alloc.slow_high_order);
	s->alloc.empty = LOAD(pool->alloc.empty);
	s->alloc.refill = LOAD(pool->alloc.refill);
	s->alloc.waive = LOAD(pool->alloc.waive);
	s->alloc.fail = LOAD(pool->alloc.fail);
	s->alloc.stale = LOAD(pool->alloc.stale);
	s->recycle.cached = LOAD(pool->recycle.cached);
	s->recycle.cache_full = LOAD(pool->recycle.cache_full);
	s->recycle.ring = bump_ring_enqueued(pool->ring);
	s->recycle.ring_full = LOAD(pool->recycle_any.ring_full);
	s->recycle.released_refcnt = LOAD(pool->recycle.released_refcnt) +
				     LOAD(pool->recycle_any.released_refcnt);
	s->recycle.double_put = LOAD(pool->recycle_any.double_put);
	s->recycle.wrong_pool = LOAD(pool->recycle.wrong_pool);
	s->held = held > 0 ? (uint64_t)held : 0;
	s->cached_now = cached;
	s->ring_now = ring;
	s->stashed_now = stashed;
	s->inflight = s->held > cached + ring + stashed ? s->held - cached - ring - stashed : 0;
	/* Every buffer handed out entered the cache first, by one of four ways. */
	s->alloc.fast = s->recycle.cached + s->alloc.refill + s->alloc.slow +
			s->alloc.slow_high_order - cached - pool->priv->cache_dropped - s->alloc.stale;
	s->inflight_bytes = s->inflight * pool->buf_size;
	s->dma_scrubbed = pool->priv->dma_scrubbed;
}
