/* SPDX-License-Identifier: MIT */
/*
 * bump_pool.c - pool lifecycle: create, destroy (detaching with buffers in
 * flight, undoing DMA at once) and the final free.
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

void bump_pool_free(struct bump_pool *pool)
{
	struct bump_pool_priv *p = pool->priv;

	if (p->detach_time_ns)
		bump_log(BUMP_LOG_INFO, "pool '%s' (id %u): last buffer returned %.3f s after destroy; "
			 "released", p->name, pool->id,
			 (double)(bump_time_ns() - p->detach_time_ns) / 1e9);
	bump_registry_del(pool);
	bump_arena_pool_attach(p->arena, -1);
	bump_ring_free(pool->ring);
	free(p);
	free(pool);
}

#ifndef BUMP_CHECKED_DEFAULT
#define BUMP_CHECKED_DEFAULT 0  /* sanitizer builds: 1 (lib/meson.build) */
#endif

bool bump_checked_default(void)
{
	const char *env = getenv("BUMP_CHECKED");

	if (!env || !*env)
		return BUMP_CHECKED_DEFAULT;
	return strcmp(env, "0") != 0;
}

/* A NUMA node that exists, or -EINVAL naming the pool and the valid nodes. */
static int pool_resolve_node(const char *name, int nid, int *out)
{
	char why[256];

	if (!bump_mem_resolve_node(nid, out))
		return 0;
	snprintf(why, sizeof(why), "%s", bump_last_error());
	return bump_error(EINVAL, "pool '%s': %s", name, why);
}

/* Every parameter against its real range; *@nid gets the node resolved. */
static int pool_check_params(const struct bump_pool_params *pp, int *nid)
{
	const unsigned known = BUMP_POOL_F_DMA_MAP | BUMP_POOL_F_DMA_SYNC_DEV | BUMP_POOL_F_CHECKED |
			       BUMP_POOL_F_UNCHECKED;
	const char *name = pp->name ? pp->name : "";
	const struct bump_arena *a = pp->arena;
	unsigned ring_size = pp->ring_size ? pp->ring_size : 1024;

	if (pp->order > BUMP_MAX_ORDER || (1u << pp->order) > a->npages ||
	    ((uint64_t)a->page_size << pp->order) > (1ull << BUMP_BUF_SHIFT_MAX))
		return bump_error(EINVAL, "pool '%s': order %u: buffers of 2^order pages must fit "
				  "the arena (%u pages), order be at most %d and a buffer at most "
				  "2 GiB", name, pp->order, a->npages, BUMP_MAX_ORDER);
	if (pp->flags & ~known)
		return bump_error(EINVAL, "pool '%s': unknown flags %#x (known: %#x, see enum "
				  "bump_pool_flags)", name, pp->flags & ~known, known);
	if ((unsigned)pp->dma_dir > BUMP_DMA_FROM_DEVICE)
		return bump_error(EINVAL, "pool '%s': dma_dir %d is not an enum bump_dma_dir", name,
				  (int)pp->dma_dir);
	if ((pp->flags & BUMP_POOL_F_CHECKED) && (pp->flags & BUMP_POOL_F_UNCHECKED))
		return bump_error(EINVAL, "pool '%s': BUMP_POOL_F_CHECKED and BUMP_POOL_F_UNCHECKED "
				  "contradict each other: give one, or neither for the default",
				  name);
	if ((pp->flags & BUMP_POOL_F_DMA_MAP) && !pp->dma_dev)
		return bump_error(EINVAL, "pool '%s': BUMP_POOL_F_DMA_MAP needs params.dma_dev",
				  name);
	if ((pp->flags & BUMP_POOL_F_DMA_SYNC_DEV) && !(pp->flags & BUMP_POOL_F_DMA_MAP))
		return bump_error(EINVAL, "pool '%s': BUMP_POOL_F_DMA_SYNC_DEV needs "
				  "BUMP_POOL_F_DMA_MAP", name);
	if (pp->offset + (uint64_t)pp->max_len > ((uint64_t)a->page_size << pp->order))
		return bump_error(EINVAL, "pool '%s': offset %u + max_len %u exceed the %llu-byte "
				  "buffer", name, pp->offset, pp->max_len,
				  (unsigned long long)a->page_size << pp->order);
	if (ring_size < 2 || ring_size > (1u << 30) || (ring_size & (ring_size - 1)))
		return bump_error(EINVAL, "pool '%s': ring_size %u must be a power of two from 2 "
				  "to 2^30 (0: 1024)", name, ring_size);
	if (pp->nid == BUMP_NUMA_ANY) {
		*nid = bump_region_numa_node(a->priv->region);
		return 0;
	}
	return pool_resolve_node(name, pp->nid, nid);
}

int bump_pool_create(const struct bump_pool_params *params, struct bump_pool **out)
{
	const struct bump_pool_params *pp = params;
	struct bump_pool_priv *p;
	struct bump_pool *pool;
	struct bump_arena *a;
	int ret, nid;

	if (!pp || !pp->arena || !out)
		return bump_error(EINVAL, "bump_pool_create: params, arena and out are required");
	a = pp->arena;
	ret = pool_check_params(pp, &nid);
	if (ret)
		return ret;

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
	p->nid = nid;
	p->check_nid = p->nid >= 0 && p->nid != a->priv->node;
	p->max_buffers = pp->max_buffers;
	p->dma_dir = pp->dma_dir;
	pool->base = a->base;
	pool->span = a->len;
	pool->descs = a->descs;
	pool->page_shift = a->page_shift;
	pool->page_size = a->page_size;
	pool->page_magic = a->page_magic;
	pool->order = (uint8_t)pp->order;
	pool->buf_size = a->page_size << pp->order;
	pool->buf_shift = a->page_shift ? (uint8_t)(a->page_shift + pp->order) : 0;
	pool->vec_magic = a->vec_magic;
	pool->vec_shift = a->vec_shift;
	pool->arena_id = a->id;
	pool->cache_limit = BUMP_POOL_CACHE_SIZE;
	pool->checked = (pp->flags & BUMP_POOL_F_CHECKED) ||
			(!(pp->flags & BUMP_POOL_F_UNCHECKED) && bump_checked_default());
	atomic_init(&pool->owner, bump_thread_token());
	atomic_init(&pool->refs, 1);
	atomic_init(&pool->detached, false);

	ret = bump_ring_create(pp->ring_size ? pp->ring_size : 1024, &pool->ring);  /* checked */
	if (ret)
		goto err;
	if (pp->flags & BUMP_POOL_F_DMA_MAP) {
		struct bump_dma_map *map;

		ret = bump_arena_dma_get(a, pp->dma_dev, &map);
		if (ret)
			goto err;
		atomic_init(&p->dma_map, map);
		if (bump_pool_buf_size(pool) > map->contig) {
			ret = bump_error(EINVAL, "pool '%s': %zu-byte buffers, but DMA device '%s' "
					 "only sees %zu contiguous bytes in arena '%s': use "
					 "hugepages or a smaller order",
					 p->name, bump_pool_buf_size(pool), pp->dma_dev->name,
					 map->contig, a->priv->name);
			goto err;
		}
		if (pp->flags & BUMP_POOL_F_DMA_SYNC_DEV) {
			pool->sync_dev = true;
			p->sync_offset = pp->offset;
			p->sync_len = pp->max_len ? pp->max_len
						  : (uint32_t)bump_pool_buf_size(pool) - pp->offset;
		}
	}
	if (bump_registry_add(pool)) {
		ret = bump_error(ENOSPC, "pool '%s': all %d pool IDs are in use (detached pools "
				 "keep theirs until their buffers are put)", p->name,
				 BUMP_POOL_ID_MAX);
		goto err;
	}
	pool->buf_tag = __bump_desc_make_tag(pool->id, pp->order ? BUMP_DESC_HEAD : BUMP_DESC_PAGE,
					   (uint8_t)pp->order);
	bump_arena_pool_attach(a, 1);
	*out = pool;
	bump_registry_created();
	return 0;
err:
	if (p->dma_map)
		bump_arena_dma_put(a, p->dma_map);
	bump_ring_free(pool->ring);
	free(p);
	free(pool);
	return ret;
}


/* Clear the DMA address of every page this pool still owns; returns how many. */
static uint64_t pool_scrub_dma(struct bump_pool *pool)
{
	struct bump_arena *a = pool->priv->arena;
	uint64_t scrubbed = 0;

	bump_arena_lock(a);
	for (uint32_t i = 0; i < a->npages; i++) {
		struct bump_desc *d = &a->descs[i];
		/* Atomic: another thread may be recycling one of them (one store of state). */
		uint64_t state = atomic_load_explicit(&d->state, memory_order_relaxed);

		if ((uint16_t)(state >> 32) == pool->id && d->dma_addr) {
			__atomic_store_n(&d->dma_addr, 0, __ATOMIC_RELAXED);
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
	/* Only a detached pool is still there to ask: a freed one is gone. */
	if (atomic_load_explicit(&pool->detached, memory_order_relaxed))
		return bump_error(EALREADY, "bump_pool_destroy: pool '%s' (id %u) is already "
				  "destroyed, waiting for %lld buffers in flight; nothing done: "
				  "destroy a pool once", p->name, pool->id,
				  (long long)(atomic_load(&pool->refs) - atomic_load(&p->holds)));
	bump_pool_frag_release(pool);
	bump_put_flush();  /* this thread's returns to any pool, this one's included */
	atomic_store_explicit(&pool->owner, 0, memory_order_relaxed);
	pool->cache_limit = 0;
	atomic_store_explicit(&pool->detached, true, memory_order_seq_cst);

	for (n = 0; n < pool->cache_count; n++)
		batch[n] = __bump_pool_page_desc(pool, pool->cache[n]);
	atomic_store_explicit(&p->cache_dropped, p->cache_dropped + n, memory_order_relaxed);
	__bump_pool_set_cache_count(pool, 0);
	bump_pool_release(pool, batch, n);
	/* Drain the ring, including slots claimed before the detach but not yet published. */
	while (bump_ring_count(pool->ring)) {
		unsigned k = bump_ring_dequeue_burst(pool->ring, objs, BUMP_ARRAY_SIZE(objs));

		n = 0;
		for (unsigned i = 0; i < k; i++)
			if (objs[i])
				batch[n++] = __bump_pool_page_desc(pool, objs[i]);
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
		struct bump_dma_map *map = p->dma_map;

		atomic_store_explicit(&p->dma_scrubbed, pool_scrub_dma(pool), memory_order_relaxed);
		atomic_store_explicit(&p->dma_map, NULL, memory_order_relaxed);
		bump_arena_dma_put(p->arena, map);
		pool->sync_dev = false;
	}
	inflight = (long)(atomic_load(&pool->refs) - 1 - atomic_load(&p->holds));
	if (inflight > 0) {
		long stashed = (long)bump_stash_count(pool);

		atomic_store_explicit(&p->detach_time_ns, bump_time_ns(), memory_order_relaxed);
		bump_log(BUMP_LOG_WARN, "pool '%s' (id %u) destroyed with %ld buffers (%ld KiB) "
			 "not back: detached, DMA unmapped; they return to arena '%s' when put "
			 "(bump_pool_list() shows it)", p->name, pool->id, inflight,
			 (long)((inflight * (long)bump_pool_buf_size(pool)) >> 10),
			 p->arena->priv->name);
		if (stashed)
			bump_log(BUMP_LOG_WARN, "pool '%s' (id %u): %ld of those wait in other "
				 "threads' put stashes: they arrive when those threads put again, "
				 "call bump_put_flush() or exit", p->name, pool->id, stashed);
		inflight -= stashed;
	}
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) == 1)
		bump_pool_free(pool);
	return inflight;
}

/* A hold is one more count in refs (so the last release frees), not a buffer. */
void bump_pool_hold(struct bump_pool *pool)
{
	atomic_fetch_add_explicit(&pool->refs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&pool->priv->holds, 1, memory_order_relaxed);
}

void bump_pool_unhold(struct bump_pool *pool)
{
	atomic_fetch_sub_explicit(&pool->priv->holds, 1, memory_order_relaxed);
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) == 1)
		bump_pool_free(pool);
}

void bump_pool_set_owner(struct bump_pool *pool)
{
	atomic_store_explicit(&pool->owner, bump_thread_token(), memory_order_relaxed);
}

int bump_pool_set_nid(struct bump_pool *pool, int nid)
{
	struct bump_pool_priv *p = pool->priv;

	if (atomic_load_explicit(&pool->detached, memory_order_relaxed))
		return bump_error(ESHUTDOWN, "bump_pool_set_nid: pool '%s' (id %u) is destroyed",
				  p->name, pool->id);
	if (nid == BUMP_NUMA_ANY)
		nid = bump_region_numa_node(p->arena->priv->region);
	else if (pool_resolve_node(p->name, nid, &nid))
		return -EINVAL;
	atomic_store_explicit(&p->nid, nid, memory_order_relaxed);
	p->check_nid = nid != p->arena->priv->node;
	return 0;
}

struct bump_dma_dev *bump_pool_dma_dev(const struct bump_pool *pool)
{
	struct bump_dma_map *map = atomic_load_explicit(&pool->priv->dma_map, memory_order_relaxed);

	return map ? map->dev : NULL;
}

uint16_t bump_pool_id(const struct bump_pool *pool)
{
	return pool->id;
}

const char *bump_pool_name(const struct bump_pool *pool)
{
	return pool->priv->name;
}

struct bump_arena *bump_pool_arena(const struct bump_pool *pool)
{
	return pool->priv->arena;
}

