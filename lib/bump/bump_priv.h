/* SPDX-License-Identifier: MIT */
/*
 * bump_priv.h - what the slow-path files of lib/bump share; not installed.
 */
#ifndef BUMP_PRIV_H
#define BUMP_PRIV_H

#include <pthread.h>

#include "bump.h"
#include "bump_ring.h"

#define BUMP_IDX_NONE UINT32_MAX
#define BUMP_ARENA_DMA_MAX 8  /* devices one arena can be mapped for at once */
#define BUMP_PUT_BATCH 32     /* buffers bump_put_bulk() hands to one ring claim */
static_assert(BUMP_PUT_BATCH <= BUMP_POOL_CACHE_REFILL, "a ring claim of the largest batch");

struct bump_arena_dma {
	struct bump_dma_dev *dev;
	struct bump_dma_map *map;
	unsigned users;  /* pools using this mapping */
};

struct bump_arena_priv {
	char name[32];
	struct bump_region *region;
	struct bump_region *desc_region;  /* memory of the descriptor table */
	pthread_mutex_t lock;             /* free lists, descriptors of free pages, dma */
	uint32_t free_head[BUMP_MAX_ORDER + 1];
	uint32_t free_pages;
	unsigned pools;                   /* pools, live or detached, on this arena */
	int node;                         /* the node of every page, or -1: mixed or unknown */
	struct bump_arena_dma dma[BUMP_ARENA_DMA_MAX];
};

struct bump_pool_priv {
	char name[32];
	struct bump_arena *arena;
	/* Read by bump_pool_list() and stats from any thread: relaxed atomics. */
	struct bump_dma_map *_Atomic dma_map;  /* NULL without BUMP_POOL_F_DMA_MAP, or destroyed */
	enum bump_dma_dir dma_dir;
	uint32_t sync_offset;
	uint32_t sync_len;
	_Atomic int nid;
	bool check_nid;                   /* the arena may hold pages off nid: check on refill */
	unsigned max_buffers;
	_Atomic uint64_t detach_time_ns;
	_Atomic uint64_t dma_scrubbed;
	_Atomic uint64_t cache_dropped;   /* cached buffers that left unused: flushed, destroyed */
	_Atomic int64_t holds;            /* bump_pool_hold()s: in refs, but no buffers */
};

/* bump_arena.c: the page allocator.  Call with the arena lock held. */
void bump_arena_lock(struct bump_arena *arena);
void bump_arena_unlock(struct bump_arena *arena);
unsigned bump_arena_alloc_locked(struct bump_arena *arena, unsigned order, uint32_t *idx,
				 unsigned n);
/* False (nothing done) when the block is free already: a second copy of a buffer. */
bool bump_arena_free_locked(struct bump_arena *arena, uint32_t idx, unsigned order);
int bump_arena_dma_get(struct bump_arena *arena, struct bump_dma_dev *dev,
		       struct bump_dma_map **map);
void bump_arena_dma_put(struct bump_arena *arena, struct bump_dma_map *map);
void bump_arena_pool_attach(struct bump_arena *arena, int delta);

/* bump_registry.c */
struct bump_pool *bump_pool_by_id(uint16_t id);
int bump_registry_add(struct bump_pool *pool);
void bump_registry_del(struct bump_pool *pool);
/*
 * What a module above lib/bump runs when a pool was created (lib/telemetry
 * starts its server then): set once, called outside every lock.
 */
void bump_registry_set_created_hook(void (*fn)(void));
void bump_registry_created(void);

/* bump_pool.c, bump_recycle.c */
void bump_pool_free(struct bump_pool *pool);
void bump_pool_recycle(struct bump_pool *pool, struct bump_desc *desc);
void bump_pool_recycle_remote(struct bump_pool *pool, void *const *bufs, unsigned n);
void bump_pool_release(struct bump_pool *pool, struct bump_desc *const *descs, unsigned n);
void bump_pool_frag_finish(struct bump_pool *pool);
/* Destroy: the owner stops counting fragments; every buffer's count goes to its refcount. */
void bump_pool_frag_release(struct bump_pool *pool);
/* The owner's put of a fragment of a carved buffer it still counts: true if it was one. */
void bump_frag_pend_fold(struct bump_pool *pool, uint32_t slot);

/*
 * The owner's put of a fragment of a buffer whose carving ended and whose
 * fragments it still counts (desc->frag_users): a decrement, and the fold
 * when every reference is back (bump_frag.c).  @refcount: the descriptor's,
 * read with acquire.  False: the owner does not count this buffer's.
 */
static inline bool bump_frag_put_pending_ref(struct bump_pool *pool, struct bump_desc *d,
					     uint32_t refcount)
{
	uint32_t users = d->frag_users;

	if (!users)
		return false;
	d->frag_users = --users;
	if (bump_unlikely(users + refcount <= BUMP_FRAG_BIAS))
		bump_frag_pend_fold(pool, d->frag_slot);
	return true;
}

static inline bool bump_frag_put_pending(struct bump_pool *pool, struct bump_desc *d)
{
	return bump_frag_put_pending_ref(pool, d, atomic_load_explicit(&d->refcount,
								       memory_order_acquire));
}
/* Owner: recycle the pending buffers whose fragments all came back through other threads. */
void bump_frag_reap(struct bump_pool *pool);
uint32_t bump_frag_unref(struct bump_pool *pool, struct bump_desc *d, uint32_t n);
void bump_pool_drop_stale(struct bump_pool *pool);
/*
 * Buffers went back to the arena since the owner last looked (@released:
 * pool->released now): drop every copy in the cache whose buffer is no
 * longer this pool's.  The plain bulk alloc, which checks no descriptor,
 * calls it first, so a copy a double put left behind is never handed out.
 */
void bump_pool_cache_check(struct bump_pool *pool, uint32_t released);
bool bump_pool_cache_flush(struct bump_pool *pool);

/* bump_pool_put_own(): bump_internal.h (the DPDK mempool plugin calls it). */
unsigned bump_pool_put_refs(struct bump_pool *pool, const void *refs, size_t stride, unsigned n);
/*
 * The owner's fast-path checks for another thread's puts (no sync; the
 * checked mode's store): @bufs whole buffers of @pool with one reference
 * left, their first bytes to @dst, up to the first that is not; how many.
 */
unsigned bump_bulk_give_remote(struct bump_pool *pool, void *const *bufs, void **dst, unsigned k);

/* bump_stash.c */
void bump_stash_put(struct bump_pool *pool, struct bump_desc *d);
/*
 * Another thread's puts of @bufs, buffers of @pool with their last
 * reference (the owner's fast-path checks, no store), into this thread's
 * stash, up to the first that needs more; returns how many.
 */
unsigned bump_stash_put_run(struct bump_pool *pool, void *const *bufs, unsigned n);
uint64_t bump_stash_count(const struct bump_pool *pool);

/*
 * bump_put.c: the one slow put, by descriptor, that every entry point
 * reaches once after finding the buffer: drop a reference to @desc's buffer
 * of @pool (@buf: the pointer put, for reports); the last goes to the cache
 * (@owner: the caller is the pool's owner) or to this thread's stash.  0,
 * or a negative errno (reported, counted, nothing freed).
 */
int bump_desc_put(struct bump_pool *pool, struct bump_desc *desc, const void *buf, bool owner);

/* bump_put_error.c: a refused put, reported and counted; each returns the negative errno. */
int bump_report_foreign(const void *addr, const char *what);
/* @addr, in arena @a, in no pool: never allocated, or put twice. */
int bump_report_unowned(struct bump_arena *a, const void *addr, const char *what);
int bump_report_bad_ref(bump_ref_t ref);
int bump_report_double_put(struct bump_pool *pool, const void *buf);
int bump_report_wrong_pool(struct bump_pool *pool, struct bump_pool *other, const void *buf);

/*
 * A fragment buffer whose last reference is gone becomes a whole buffer in
 * the pool's cached state again, with one store (the caller holds it alone).
 */
static inline void bump_desc_recycled(const struct bump_pool *pool, struct bump_desc *d)
{
	atomic_store_explicit(&d->state, __bump_pool_cached_state(pool), memory_order_relaxed);
}

/*
 * The tag (pool id, type, order) of @d, read whole with the refcount: the
 * other threads' reads of a descriptor that its owner rewrites with one
 * store of state (a fragment buffer recycled, a buffer refilled).
 */
static inline uint32_t bump_desc_tag(const struct bump_desc *d)
{
	return (uint32_t)(atomic_load_explicit(&d->state, memory_order_relaxed) >> 32);
}

static inline uint16_t bump_tag_pool_id(uint32_t tag)
{
	return (uint16_t)tag;
}

static inline uint8_t bump_tag_type(uint32_t tag)
{
	return (uint8_t)(tag >> 16);
}

/* The descriptor of the buffer holding page @idx of @a: the head of a multi-page bump. */
static inline struct bump_desc *bump_arena_page_desc(const struct bump_arena *a, uint32_t idx)
{
	struct bump_desc *d = &a->descs[idx];

	return bump_tag_type(bump_desc_tag(d)) == BUMP_DESC_TAIL ? &a->descs[d->next] : d;
}

static inline uint32_t bump_desc_index(const struct bump_arena *arena, const struct bump_desc *d)
{
	return (uint32_t)(d - arena->descs);
}

static inline void *bump_desc_page(const struct bump_arena *arena, const struct bump_desc *d)
{
	return __bump_arena_page(arena, bump_desc_index(arena, d));
}

#endif /* BUMP_PRIV_H */
