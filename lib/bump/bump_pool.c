/* SPDX-License-Identifier: MIT */
/*
 * bump_pool.c - pool lifecycle and slow paths: the ID registry, refill from
 * the recycle ring and the arena, recycling into the ring, release to the
 * arena, stats, and deferred destroy.
 *
 * Lifetime: pool->refs counts the buffers the pool holds from the arena
 * (cached, in the ring, or in users' hands) plus one for the pool itself
 * until bump_pool_destroy().  Whoever releases the last one frees the pool,
 * as page_pool frees itself when its hold and release counts meet.
 */
#include "bump_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct bump_pool *_Atomic pool_table[BUMP_POOL_ID_MAX + 1];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned registry_next_id = 1;
static unsigned registry_count;

struct bump_pool *bump_pool_by_id(uint16_t id)
{
	return atomic_load_explicit(&pool_table[id], memory_order_acquire);
}

/* IDs are handed out cyclically, so a stale ID is not soon reused. */
static int registry_add(struct bump_pool *pool)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&registry_lock);
	for (unsigned tries = 0; tries < BUMP_POOL_ID_MAX; tries++) {
		unsigned id = registry_next_id;

		registry_next_id = id == BUMP_POOL_ID_MAX ? 1 : id + 1;
		if (!atomic_load_explicit(&pool_table[id], memory_order_relaxed)) {
			pool->id = (uint16_t)id;
			atomic_store_explicit(&pool_table[id], pool, memory_order_release);
			registry_count++;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

static void registry_del(struct bump_pool *pool)
{
	pthread_mutex_lock(&registry_lock);
	atomic_store_explicit(&pool_table[pool->id], NULL, memory_order_release);
	registry_count--;
	pthread_mutex_unlock(&registry_lock);
}

static void pool_free(struct bump_pool *pool)
{
	struct bump_pool_priv *p = pool->priv;

	if (p->detach_time_ns)
		bump_log(BUMP_LOG_INFO, "pool '%s' (id %u): last buffer returned %.3f s after destroy; "
			 "released", p->name, pool->id,
			 (double)(bump_time_ns() - p->detach_time_ns) / 1e9);
	registry_del(pool);
	bump_arena_pool_attach(p->arena, -1);
	bump_ring_free(pool->ring);
	free(p);
	free(pool);
}

int bump_pool_create(const struct bump_pool_params *params, struct bump_pool **out)
{
	const struct bump_pool_params *pp = params;
	struct bump_pool_priv *p;
	struct bump_pool *pool;
	struct bump_arena *a;
	int ret;

	if (!pp || !pp->arena || !out)
		return bump_error(EINVAL, "bump_pool_create: params, arena and out are required");
	a = pp->arena;
	if (pp->order > BUMP_MAX_ORDER || (1u << pp->order) > a->npages)
		return bump_error(EINVAL, "pool '%s': order %u: buffers of 2^order pages must fit "
				  "the arena (%u pages) and order be at most %d",
				  pp->name ? pp->name : "", pp->order, a->npages, BUMP_MAX_ORDER);
	if ((pp->flags & BUMP_POOL_F_DMA_MAP) && !pp->dma_dev)
		return bump_error(EINVAL, "pool '%s': BUMP_POOL_F_DMA_MAP needs params.dma_dev",
				  pp->name ? pp->name : "");
	if ((pp->flags & BUMP_POOL_F_DMA_SYNC_DEV) && !(pp->flags & BUMP_POOL_F_DMA_MAP))
		return bump_error(EINVAL, "pool '%s': BUMP_POOL_F_DMA_SYNC_DEV needs "
				  "BUMP_POOL_F_DMA_MAP", pp->name ? pp->name : "");
	if (pp->offset + (uint64_t)pp->max_len > ((uint64_t)1 << (a->page_shift + pp->order)))
		return bump_error(EINVAL, "pool '%s': offset %u + max_len %u exceed the %llu-byte "
				  "buffer", pp->name ? pp->name : "", pp->offset, pp->max_len,
				  1ull << (a->page_shift + pp->order));

	pool = aligned_alloc(BUMP_CACHE_LINE, BUMP_ALIGN_UP(sizeof(*pool), BUMP_CACHE_LINE));
	p = calloc(1, sizeof(*p));
	if (!pool || !p) {
		free(pool);
		free(p);
		return bump_error(ENOMEM, "pool: out of memory");
	}
	memset(pool, 0, sizeof(*pool));
	pool->priv = p;
	snprintf(p->name, sizeof(p->name), "%s", pp->name ? pp->name : "pool");
	p->arena = a;
	p->nid = pp->nid == BUMP_NUMA_ANY ? bump_region_numa_node(a->priv->region) : pp->nid;
	p->max_buffers = pp->max_buffers;
	p->dma_dir = pp->dma_dir;
	pool->base = a->base;
	pool->span = a->len;
	pool->descs = a->descs;
	pool->page_shift = a->page_shift;
	pool->order = (uint8_t)pp->order;
	pool->buf_shift = (uint8_t)(a->page_shift + pp->order);
	pool->arena_id = a->id;
	pool->cache_limit = BUMP_POOL_CACHE_SIZE;
	atomic_init(&pool->owner, bump_thread_token());
	atomic_init(&pool->refs, 1);
	atomic_init(&pool->detached, false);

	ret = bump_ring_create(pp->ring_size ? pp->ring_size : 1024, &pool->ring);
	if (ret)
		goto err;
	if (pp->flags & BUMP_POOL_F_DMA_MAP) {
		ret = bump_arena_dma_get(a, pp->dma_dev, &p->dma_map);
		if (ret)
			goto err;
		if (bump_pool_buf_size(pool) > p->dma_map->contig) {
			ret = bump_error(EINVAL, "pool '%s': %zu-byte buffers, but DMA device '%s' "
					 "only sees %zu contiguous bytes in arena '%s': use "
					 "hugepages or a smaller order",
					 p->name, bump_pool_buf_size(pool), pp->dma_dev->name,
					 p->dma_map->contig, a->priv->name);
			goto err;
		}
		if (pp->flags & BUMP_POOL_F_DMA_SYNC_DEV) {
			pool->sync_dev = true;
			p->sync_offset = pp->offset;
			p->sync_len = pp->max_len ? pp->max_len
						  : (uint32_t)bump_pool_buf_size(pool) - pp->offset;
		}
	}
	if (registry_add(pool)) {
		ret = bump_error(ENOSPC, "pool '%s': all %d pool IDs are in use (detached pools "
				 "keep theirs until their buffers are put)", p->name,
				 BUMP_POOL_ID_MAX);
		goto err;
	}
	pool->buf_tag = bump_desc_make_tag(pool->id, pp->order ? BUMP_DESC_HEAD : BUMP_DESC_PAGE,
					   (uint8_t)pp->order);
	bump_arena_pool_attach(a, 1);
	*out = pool;
	return 0;
err:
	if (p->dma_map)
		bump_arena_dma_put(a, p->dma_map);
	bump_ring_free(pool->ring);
	free(p);
	free(pool);
	return ret;
}

/*
 * Give buffers back to the arena and drop the pool's hold on them; frees
 * the pool when they were the last (only possible once it is destroyed).
 */
void bump_pool_release(struct bump_pool *pool, struct bump_desc *const *descs, unsigned n)
{
	struct bump_arena *a = pool->priv->arena;

	if (!n)
		return;
	bump_arena_lock(a);
	for (unsigned i = 0; i < n; i++)
		bump_arena_free_locked(a, bump_desc_index(a, descs[i]), pool->order);
	bump_arena_unlock(a);
	if (atomic_fetch_sub_explicit(&pool->refs, n, memory_order_acq_rel) == (int64_t)n)
		pool_free(pool);
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
		int64_t held = atomic_load_explicit(&pool->refs, memory_order_relaxed) - 1;

		want = held >= p->max_buffers ? 0 : BUMP_MIN(want, p->max_buffers - (unsigned)held);
	}
	if (!want)
		return 0;
	bump_arena_lock(a);
	got = bump_arena_alloc_locked(a, pool->order, idx, want);
	for (unsigned i = 0; i < got; i++) {
		struct bump_desc *d = &a->descs[idx[i]];
		void *buf = (void *)(a->base + ((uintptr_t)idx[i] << a->page_shift));

		d->tag = pool->buf_tag;
		atomic_store_explicit(&d->refcount, 0, memory_order_relaxed);
		for (uint32_t t = 1; t < (1u << pool->order); t++) {
			d[t].tag = bump_desc_make_tag(pool->id, BUMP_DESC_TAIL, pool->order);
			d[t].next = idx[i];
		}
		if (p->dma_map && bump_dma_iova(p->dma_map, buf, bump_pool_buf_size(pool),
						&d->dma_addr)) {
			bad[nbad++] = d;
			continue;
		}
		pool->cache[pool->cache_count++] = buf;
		good++;
	}
	bump_arena_unlock(a);
	atomic_fetch_add_explicit(&pool->refs, got, memory_order_relaxed);
	if (pool->order)
		BUMP_STAT_ADD(pool->alloc.slow_high_order, good);
	else
		BUMP_STAT_ADD(pool->alloc.slow, good);
	/* Unreachable with the contiguity check at create; kept so a bad page is never lost. */
	bump_pool_release(pool, bad, nbad);
	return good;
}

/*
 * Refill the alloc cache (owner): first from the recycle ring, releasing
 * pages that sit on the wrong NUMA node (waive), then from the arena.
 * Returns how many buffers were added.
 */
unsigned bump_pool_refill(struct bump_pool *pool)
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
		d = bump_pool_page_desc(pool, got[i]);
		if (bump_unlikely(p->nid >= 0 && d->nid != BUMP_NID_UNKNOWN && d->nid != p->nid)) {
			waive[nwaive++] = d;
			continue;
		}
		if (pool->sync_dev)
			bump_pool_sync_for_device(pool, d);
		pool->cache[pool->cache_count++] = got[i];
		added++;
	}
	if (nwaive) {
		BUMP_STAT_ADD(pool->alloc.waive, nwaive);
		bump_pool_release(pool, waive, nwaive);
	}
	if (added) {
		BUMP_STAT_ADD(pool->alloc.refill, added);
		return added;
	}
	BUMP_STAT_ADD(pool->alloc.empty, 1);
	added = pool_refill_from_arena(pool);
	if (!added) {
		BUMP_STAT_ADD(pool->alloc.fail, 1);
		bump_error(ENOMEM, "pool '%s' (id %u): arena '%s' is exhausted (%u of %u pages "
			   "free%s): put buffers back, or give the pool a larger region",
			   p->name, pool->id, p->arena->priv->name,
			   bump_arena_free_pages(p->arena), p->arena->npages,
			   p->max_buffers ? ", or the pool reached max_buffers" : "");
	}
	return added;
}

void *bump_pool_alloc_slow(struct bump_pool *pool)
{
	if (!bump_pool_refill(pool))
		return NULL;
	return bump_pool_alloc(pool);
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
static void pool_ring_put_bulk(struct bump_pool *pool, struct bump_desc *const *descs,
			       unsigned n)
{
	struct bump_arena *a = pool->priv->arena;
	void *bufs[BUMP_PUT_BATCH];
	uint64_t pos = 0;
	unsigned k = bump_ring_claim(pool->ring, n, &pos);

	if (k && atomic_load_explicit(&pool->detached, memory_order_seq_cst)) {
		for (unsigned i = 0; i < k; i++)
			bufs[i] = NULL;
		bump_ring_publish(pool->ring, pos, bufs, k);
		bump_pool_release(pool, descs, n);
		return;
	}
	for (unsigned i = 0; i < k; i++)
		bufs[i] = bump_desc_page(a, descs[i]);
	if (k < n) {  /* rare: a relaxed RMW is fine */
		atomic_fetch_add_explicit(&pool->recycle.ring_full, n - k, memory_order_relaxed);
		bump_pool_release(pool, descs + k, n - k);
	}
	bump_ring_publish(pool->ring, pos, bufs, k);
}

/*
 * Recycle buffers whose refcounts just reached zero, from a thread that is
 * not the pool's owner: through the ring, or to the arena once destroyed.
 */
void bump_pool_recycle_remote(struct bump_pool *pool, struct bump_desc *const *descs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (descs[i]->type == BUMP_DESC_FRAG)
			descs[i]->tag = pool->buf_tag;
	if (atomic_load_explicit(&pool->detached, memory_order_seq_cst))
		bump_pool_release(pool, descs, n);
	else
		pool_ring_put_bulk(pool, descs, n);
}

/*
 * Recycle a buffer whose refcount just reached zero.  @owner: the caller is
 * the pool's owner thread and may use the cache.
 */
void bump_pool_recycle(struct bump_pool *pool, struct bump_desc *d, bool owner)
{
	if (!owner) {
		bump_pool_recycle_remote(pool, &d, 1);
		return;
	}
	if (d->type == BUMP_DESC_FRAG)
		d->tag = pool->buf_tag;
	if (atomic_load_explicit(&pool->detached, memory_order_seq_cst)) {
		bump_pool_release(pool, &d, 1);
		return;
	}
	/* Only the owner syncs (ring buffers are synced at refill): destroy, on
	 * the owner thread, can then unmap without racing a sync. */
	if (pool->cache_count < pool->cache_limit) {
		if (pool->sync_dev)
			bump_pool_sync_for_device(pool, d);
		pool->cache[pool->cache_count++] = bump_desc_page(pool->priv->arena, d);
		BUMP_STAT_ADD(pool->recycle.cached, 1);
		return;
	}
	BUMP_STAT_ADD(pool->recycle.cache_full, 1);
	pool_ring_put_bulk(pool, &d, 1);
}

int bump_pool_put_slow(struct bump_pool *pool, void *buf)
{
	uintptr_t off = (uintptr_t)buf - pool->base;
	struct bump_desc *d;
	int ret;

	if (off >= pool->span)
		return bump_report_foreign(buf, "bump_pool_put");
	d = &pool->descs[(off >> pool->buf_shift) << pool->order];
	if (d->pool_id != pool->id) {
		struct bump_pool *other = d->pool_id ? bump_pool_by_id(d->pool_id) : NULL;

		if (!other)
			return bump_report_foreign(buf, "bump_pool_put");
		return bump_report_wrong_pool(pool, other, buf);
	}
	ret = bump_desc_unref(pool, d, buf);
	if (ret > 0) {
		bump_pool_recycle(pool, d, true);
		ret = 0;
	}
	return ret;
}

void bump_pool_sync_for_device(struct bump_pool *pool, struct bump_desc *d)
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

/* Clear the DMA address of every page this pool still owns; returns how many. */
static uint64_t pool_scrub_dma(struct bump_pool *pool)
{
	struct bump_arena *a = pool->priv->arena;
	uint64_t scrubbed = 0;

	bump_arena_lock(a);
	for (uint32_t i = 0; i < a->npages; i++) {
		struct bump_desc *d = &a->descs[i];

		if (d->pool_id == pool->id && d->dma_addr) {
			d->dma_addr = 0;
			scrubbed++;
		}
	}
	bump_arena_unlock(a);
	return scrubbed;
}

long bump_pool_destroy(struct bump_pool *pool)
{
	struct bump_pool_priv *p;
	struct bump_desc *batch[BUMP_POOL_CACHE_SIZE];
	void *objs[64];
	unsigned n;
	long inflight;

	if (!pool)
		return 0;
	p = pool->priv;
	bump_pool_frag_finish(pool);
	atomic_store_explicit(&pool->owner, 0, memory_order_relaxed);
	pool->cache_limit = 0;
	atomic_store_explicit(&pool->detached, true, memory_order_seq_cst);

	for (n = 0; n < pool->cache_count; n++)
		batch[n] = bump_pool_page_desc(pool, pool->cache[n]);
	p->cache_dropped += n;
	pool->cache_count = 0;
	bump_pool_release(pool, batch, n);
	/* Drain the ring, including slots claimed before the detach but not yet published. */
	while (bump_ring_count(pool->ring)) {
		unsigned k = bump_ring_dequeue_burst(pool->ring, objs, BUMP_ARRAY_SIZE(objs));

		n = 0;
		for (unsigned i = 0; i < k; i++)
			if (objs[i])
				batch[n++] = bump_pool_page_desc(pool, objs[i]);
		bump_pool_release(pool, batch, n);
		if (!k)
			bump_cpu_relax();
	}
	/*
	 * Undo DMA now, not when the last buffer comes back: the device may go
	 * away right after this call (the page_pool unbind crash).  The walk of
	 * the descriptor table finds every page still out, with no list kept.
	 */
	if (p->dma_map) {
		p->dma_scrubbed = pool_scrub_dma(pool);
		bump_arena_dma_put(p->arena, p->dma_map);
		p->dma_map = NULL;
		pool->sync_dev = false;
	}
	inflight = (long)atomic_load(&pool->refs) - 1;
	if (inflight > 0) {
		p->detach_time_ns = bump_time_ns();
		bump_log(BUMP_LOG_WARN, "pool '%s' (id %u) destroyed with %ld buffers (%ld KiB) in "
			 "flight: detached, DMA unmapped; they return to arena '%s' when put "
			 "(bump_pool_list() shows it)", p->name, pool->id, inflight,
			 (long)((inflight * (long)bump_pool_buf_size(pool)) >> 10),
			 p->arena->priv->name);
	}
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) == 1)
		pool_free(pool);
	return inflight;
}

void bump_pool_set_owner(struct bump_pool *pool)
{
	atomic_store_explicit(&pool->owner, bump_thread_token(), memory_order_relaxed);
}

void bump_pool_set_nid(struct bump_pool *pool, int nid)
{
	pool->priv->nid = nid;
}

uint16_t bump_pool_id(const struct bump_pool *pool)
{
	return pool->id;
}

const char *bump_pool_name(const struct bump_pool *pool)
{
	return pool->priv->name;
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void bump_pool_get_stats(const struct bump_pool *pool, struct bump_pool_stats *s)
{
	bool detached = atomic_load(&pool->detached);
	int64_t held = atomic_load(&pool->refs) - (detached ? 0 : 1);
	uint64_t cached = __atomic_load_n(&pool->cache_count, __ATOMIC_RELAXED);
	uint64_t ring = bump_ring_count(pool->ring);

	memset(s, 0, sizeof(*s));
	s->alloc.slow = LOAD(pool->alloc.slow);
	s->alloc.slow_high_order = LOAD(pool->alloc.slow_high_order);
	s->alloc.empty = LOAD(pool->alloc.empty);
	s->alloc.refill = LOAD(pool->alloc.refill);
	s->alloc.waive = LOAD(pool->alloc.waive);
	s->alloc.fail = LOAD(pool->alloc.fail);
	s->recycle.cached = LOAD(pool->recycle.cached);
	s->recycle.cache_full = LOAD(pool->recycle.cache_full);
	s->recycle.ring = bump_ring_enqueued(pool->ring);
	s->recycle.ring_full = LOAD(pool->recycle.ring_full);
	s->recycle.released_refcnt = LOAD(pool->recycle.released_refcnt);
	s->recycle.double_put = LOAD(pool->recycle.double_put);
	s->recycle.wrong_pool = LOAD(pool->recycle.wrong_pool);
	s->held = held > 0 ? (uint64_t)held : 0;
	s->cached_now = cached;
	s->ring_now = ring;
	s->inflight = s->held > cached + ring ? s->held - cached - ring : 0;
	/* Every buffer handed out entered the cache first, by one of four ways. */
	s->alloc.fast = s->recycle.cached + s->alloc.refill + s->alloc.slow +
			s->alloc.slow_high_order - cached - pool->priv->cache_dropped;
	s->inflight_bytes = s->inflight << pool->buf_shift;
	s->dma_scrubbed = pool->priv->dma_scrubbed;
}

unsigned bump_pool_list(struct bump_pool_info *infos, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&registry_lock);
	for (unsigned id = 1; id <= BUMP_POOL_ID_MAX && n < registry_count; id++) {
		struct bump_pool *pool = atomic_load_explicit(&pool_table[id], memory_order_relaxed);
		struct bump_pool_stats s;

		if (!pool)
			continue;
		if (n < max) {
			struct bump_pool_info *info = &infos[n];

			bump_pool_get_stats(pool, &s);
			memset(info, 0, sizeof(*info));
			info->id = pool->id;
			snprintf(info->name, sizeof(info->name), "%s", pool->priv->name);
			snprintf(info->arena, sizeof(info->arena), "%s", pool->priv->arena->priv->name);
			info->nid = pool->priv->nid;
			info->inflight = s.inflight;
			info->inflight_bytes = s.inflight_bytes;
			info->detach_time_ns = pool->priv->detach_time_ns;
			info->dma_mapped = pool->priv->dma_map != NULL;
		}
		n++;
	}
	pthread_mutex_unlock(&registry_lock);
	return n;
}
