/* SPDX-License-Identifier: MIT */
/*
 * bump_recycle.c - the pool's slow paths between the fast ones: refill from
 * the recycle ring and the arena, recycling into the cache and the ring,
 * release to the arena, and DMA syncs.  The put path (bump_put.c) ends
 * here; nothing here calls back into it.
 */
#include "bump_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Give buffers back to the arena and drop the pool's hold on them; frees
 * the pool when they were the last (only possible once it is destroyed).
 */
void bump_pool_release(struct bump_pool *pool, struct bump_desc *const *descs, unsigned n)
{
	struct bump_arena *a = pool->priv->arena;
	unsigned freed = 0;

	if (!n)
		return;
	/* Before the pages can go to anyone else: the owner's next bulk alloc looks. */
	atomic_fetch_add_explicit(&pool->released, 1, memory_order_seq_cst);
	bump_arena_lock(a);
	for (unsigned i = 0; i < n; i++)
		freed += bump_arena_free_locked(a, bump_desc_index(a, descs[i]), pool->order);
	bump_arena_unlock(a);
	/* A second copy of a buffer (a double put unchecked mode let in) is freed once. */
	for (unsigned i = freed; i < n; i++)
		bump_report_double_put(pool, bump_desc_page(a, descs[i]));
	if (freed && atomic_fetch_sub_explicit(&pool->refs, freed, memory_order_acq_rel) ==
			     (int64_t)freed)
		bump_pool_free(pool);
}

static void pool_ring_put_bulk(struct bump_pool *pool, void *const *bufs, unsigned n);
static void pool_drop_copy(struct bump_pool *pool, const void *buf);

/* bump_pool_release() of buffers named by their first bytes. */
static void pool_release_bufs(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	struct bump_desc *descs[BUMP_POOL_CACHE_REFILL];

	for (unsigned i = 0; i < n;) {
		unsigned k = BUMP_MIN(n - i, (unsigned)BUMP_ARRAY_SIZE(descs));

		for (unsigned j = 0; j < k; j++)
			descs[j] = __bump_pool_page_desc(pool, bufs[i + j]);
		i += k;
		/* The last release may free the pool: nothing of it is read after. */
		bump_pool_release(pool, descs, k);
	}
}

/* Buffers the live pool holds from the arena (its refs less its own and the holders'). */
static int64_t pool_held(const struct bump_pool *pool)
{
	return atomic_load_explicit(&pool->refs, memory_order_relaxed) - 1 -
	       atomic_load_explicit(&pool->priv->holds, memory_order_relaxed);
}

/* Take up to BUMP_POOL_CACHE_REFILL fresh buffers from the arena into the cache. */
static unsigned pool_refill_from_arena(struct bump_pool *pool)
{
	struct bump_pool_priv *p = pool->priv;
	struct bump_arena *a = p->arena;
	uint32_t idx[BUMP_POOL_CACHE_REFILL];
	/* Multi-page bumps come in smaller batches, as page_pool takes them one by one. */
	unsigned batch = BUMP_MAX((unsigned)BUMP_POOL_CACHE_REFILL >> pool->order, 1u);
	unsigned want = BUMP_MIN(batch, pool->cache_limit - pool->cache_count);
	unsigned got, good = 0;
	struct bump_desc *bad[BUMP_POOL_CACHE_REFILL];
	unsigned nbad = 0;

	if (p->max_buffers) {
		int64_t held = pool_held(pool);

		want = held >= p->max_buffers ? 0 : BUMP_MIN(want, p->max_buffers - (unsigned)held);
	}
	if (!want)
		return 0;
	bump_arena_lock(a);
	got = bump_arena_alloc_locked(a, pool->order, idx, want);
	for (unsigned i = 0; i < got; i++) {
		struct bump_desc *d = &a->descs[idx[i]];
		void *buf = __bump_arena_page(a, idx[i]);

		atomic_store_explicit(&d->state, __bump_pool_cached_state(pool), memory_order_relaxed);
		for (uint32_t t = 1; t < (1u << pool->order); t++) {
			d[t].tag = __bump_desc_make_tag(pool->id, BUMP_DESC_TAIL, pool->order);
			d[t].next = idx[i];
		}
		if (p->dma_map && bump_dma_iova(p->dma_map, buf, bump_pool_buf_size(pool),
						&d->dma_addr)) {
			bad[nbad++] = d;
			continue;
		}
		pool->cache[pool->cache_count] = buf;
		__bump_pool_set_cache_count(pool, pool->cache_count + 1);
		good++;
	}
	bump_arena_unlock(a);
	atomic_fetch_add_explicit(&pool->refs, got, memory_order_relaxed);
	if (pool->order)
		__BUMP_STAT_ADD(pool->alloc.slow_high_order, good);
	else
		__BUMP_STAT_ADD(pool->alloc.slow, good);
	/* Unreachable with the contiguity check at create; kept so a bad page is never lost. */
	bump_pool_release(pool, bad, nbad);
	return good;
}

/* Count a failed refill; true for the pool's first. */
static bool refill_fail_first(struct bump_pool *pool)
{
	uint64_t fails = atomic_load_explicit(&pool->alloc.fail, memory_order_relaxed);

	__BUMP_STAT_ADD(pool->alloc.fail, 1);
	return fails == 0;
}

/*
 * Refill the alloc cache (owner): first from the recycle ring, releasing
 * pages that sit on the wrong NUMA node (waive), then from the arena.
 * Returns how many buffers were added.
 */
unsigned __bump_pool_refill(struct bump_pool *pool)
{
	struct bump_pool_priv *p = pool->priv;
	void *got[BUMP_POOL_CACHE_REFILL];
	struct bump_desc *waive[BUMP_POOL_CACHE_REFILL];
	unsigned n, added = 0, nwaive = 0;

	if (bump_unlikely(atomic_load_explicit(&pool->detached, memory_order_relaxed))) {
		bump_error(ESHUTDOWN, "pool '%s' (id %u) is destroyed: no more allocations",
			   p->name, pool->id);
		return 0;
	}
	n = bump_ring_dequeue_burst(pool->ring, got,
				    BUMP_MIN(BUMP_POOL_CACHE_REFILL,
					     pool->cache_limit - pool->cache_count));
	for (unsigned i = 0; i < n; i++) {
		struct bump_desc *d;

		if (!got[i])
			continue;
		d = __bump_pool_page_desc(pool, got[i]);
		if (bump_unlikely(atomic_load_explicit(&d->state, memory_order_relaxed) !=
				  __bump_pool_cached_state(pool))) {
			pool_drop_copy(pool, got[i]);  /* its buffer left the pool meanwhile */
			continue;
		}
		if (bump_unlikely(p->check_nid && d->nid != BUMP_NID_UNKNOWN && d->nid != p->nid)) {
			waive[nwaive++] = d;
			continue;
		}
		if (pool->sync_dev)
			__bump_pool_sync_for_device(pool, d);
		pool->cache[pool->cache_count] = got[i];
		__bump_pool_set_cache_count(pool, pool->cache_count + 1);
		added++;
	}
	if (nwaive) {
		__BUMP_STAT_ADD(pool->alloc.waive, nwaive);
		bump_pool_release(pool, waive, nwaive);
	}
	if (added) {
		__BUMP_STAT_ADD(pool->alloc.refill, added);
		return added;
	}
	__BUMP_STAT_ADD(pool->alloc.empty, 1);
	added = pool_refill_from_arena(pool);
	if (!added) {
		int64_t held = pool_held(pool);

		/* A starved RX queue retries every poll: warn once, then only count. */
		enum bump_log_level lvl = refill_fail_first(pool) ? BUMP_LOG_WARN : BUMP_LOG_DEBUG;

		if (p->max_buffers && held >= p->max_buffers)
			bump_error_at(lvl, ENOMEM, "pool '%s' (id %u) holds its max_buffers (%u), all "
				      "in use: put buffers back, or create the pool with a larger "
				      "max_buffers (further failures are counted in alloc.fail)",
				      p->name, pool->id, p->max_buffers);
		else
			bump_error_at(lvl, ENOMEM, "pool '%s' (id %u): arena '%s' is exhausted (%u of "
				      "%u pages free): put buffers back, or give the pool a larger "
				      "region (further failures are counted in alloc.fail)",
				      p->name, pool->id, p->arena->priv->name,
				      bump_arena_free_pages(p->arena), p->arena->npages);
	}
	return added;
}

/*
 * A copy of a buffer that is not in the state a cached buffer of this pool
 * has: the buffer left the pool while this copy stayed, the trace of a
 * double put that unchecked mode let in.  The copy is dropped, never handed
 * out.
 */
static void pool_drop_copy(struct bump_pool *pool, const void *buf)
{
	__BUMP_STAT_ADD(pool->alloc.stale, 1);
	bump_report_double_put(pool, buf);
}

void bump_pool_drop_stale(struct bump_pool *pool)
{
	uint32_t count = pool->cache_count;

	__bump_pool_set_cache_count(pool, count - 1);
	pool_drop_copy(pool, pool->cache[count - 1]);
}

void bump_pool_cache_check(struct bump_pool *pool, uint32_t released)
{
	const uint64_t cached = __bump_pool_cached_state(pool);
	uint32_t n = 0;

	pool->cache_seen = released;
	for (uint32_t i = 0; i < pool->cache_count; i++) {
		void *buf = pool->cache[i];

		if (bump_likely(atomic_load_explicit(&__bump_pool_page_desc(pool, buf)->state,
						     memory_order_relaxed) == cached))
			pool->cache[n++] = buf;
		else
			pool_drop_copy(pool, buf);
	}
	__bump_pool_set_cache_count(pool, n);
}

void *__bump_pool_alloc_slow(struct bump_pool *pool)
{
	for (;;) {
		if (pool->cache_count) {
			bump_pool_drop_stale(pool);  /* the inline path refused the top one */
			if (pool->cache_count)
				return bump_pool_alloc(pool);
		}
		if (!__bump_pool_refill(pool))
			return NULL;
		return bump_pool_alloc(pool);
	}
}

/*
 * The owner's burst found the cache full: move its oldest half to the
 * recycle ring with one claim (to the arena where the ring is full), as
 * DPDK flushes an lcore cache.  False when nothing could move (destroyed).
 */
bool bump_pool_cache_flush(struct bump_pool *pool)
{
	void *bufs[BUMP_POOL_CACHE_REFILL];
	uint32_t count = pool->cache_count;
	unsigned n = BUMP_MIN(count, (uint32_t)BUMP_POOL_CACHE_REFILL);

	if (!n || atomic_load_explicit(&pool->detached, memory_order_relaxed))
		return false;
	memcpy(bufs, pool->cache, n * sizeof(bufs[0]));
	memmove(pool->cache, pool->cache + n, (count - n) * sizeof(pool->cache[0]));
	__bump_pool_set_cache_count(pool, count - n);
	__BUMP_STAT_ADD(pool->recycle.cache_full, n);
	/* They leave the cache unused: alloc.fast must not count them (a refill brings them back). */
	__BUMP_STAT_ADD(pool->priv->cache_dropped, n);
	pool_ring_put_bulk(pool, bufs, n);
	return true;
}

/*
 * Put @n buffers whose last references were just dropped into the recycle
 * ring, where the owner will find them: one claim for the whole burst.  The
 * detached check sits between claiming the slots and publishing them: a
 * destroy that began before the claim is seen and the buffers go to the
 * arena (their slots published empty), and a destroy that begins after it
 * waits for the publish and drains them.  Either way nothing touches the
 * pool after the publish.
 */
static void pool_ring_put_bulk(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	static void *const none[BUMP_POOL_CACHE_REFILL];
	uint64_t pos = 0;
	unsigned k = bump_ring_claim(pool->ring, n, &pos);

	static_assert(BUMP_STASH_SIZE <= BUMP_POOL_CACHE_REFILL, "a stash fits one claim");
	if (k && atomic_load_explicit(&pool->detached, memory_order_seq_cst)) {
		bump_ring_publish(pool->ring, pos, none, k);
		pool_release_bufs(pool, bufs, n);
		return;
	}
	bump_ring_publish(pool->ring, pos, bufs, k);
	if (k < n) {
		/* Rare: a relaxed RMW is fine.  Release last: it may free the pool. */
		atomic_fetch_add_explicit(&pool->recycle_any.ring_full, n - k, memory_order_relaxed);
		pool_release_bufs(pool, bufs + k, n - k);
	}
}

/*
 * Recycle buffers whose refcounts just reached zero, from a thread that is
 * not the pool's owner: through the ring, or to the arena once destroyed.
 */
void bump_pool_recycle_remote(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	if (atomic_load_explicit(&pool->detached, memory_order_seq_cst))
		pool_release_bufs(pool, bufs, n);
	else
		pool_ring_put_bulk(pool, bufs, n);
}

/*
 * The owner's recycle of a buffer whose last reference was just dropped:
 * into the cache, to the ring when the cache is full, to the arena once
 * the pool is destroyed.  The end of the owner's put path (bump_put.c).
 */
void bump_pool_recycle(struct bump_pool *pool, struct bump_desc *d)
{
	void *buf;

	if (d->type == BUMP_DESC_FRAG)
		bump_desc_recycled(pool, d);
	buf = bump_desc_page(pool->priv->arena, d);
	if (atomic_load_explicit(&pool->detached, memory_order_seq_cst)) {
		bump_pool_release(pool, &d, 1);
		return;
	}
	/* Only the owner syncs (ring buffers are synced at refill): destroy, on
	 * the owner thread, can then unmap without racing a sync. */
	if (pool->cache_count < pool->cache_limit) {
		if (pool->sync_dev)
			__bump_pool_sync_for_device(pool, d);
		pool->cache[pool->cache_count] = buf;
		__bump_pool_set_cache_count(pool, pool->cache_count + 1);
		__BUMP_STAT_ADD(pool->recycle.cached, 1);
		return;
	}
	__BUMP_STAT_ADD(pool->recycle.cache_full, 1);
	pool_ring_put_bulk(pool, &buf, 1);
}

void __bump_pool_sync_for_device(struct bump_pool *pool, struct bump_desc *d)
{
	struct bump_pool_priv *p = pool->priv;

	bump_dma_sync_for_device(p->dma_map, d->dma_addr + p->sync_offset, p->sync_len,
				 p->dma_dir);
}

void bump_pool_sync_for_cpu(struct bump_pool *pool, const void *buf, size_t len)
{
	uint64_t iova = bump_pool_dma_addr(pool, buf);

	if (pool->priv->dma_map && iova)
		bump_dma_sync_for_cpu(pool->priv->dma_map, iova, len, pool->priv->dma_dir);
}
