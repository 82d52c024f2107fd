/* SPDX-License-Identifier: MIT */
/*
 * bump.h - the bump allocator's public API.
 *
 * bump is a userspace network page_pool whose per-buffer state lives in a
 * descriptor outside the data page (see doc/design.md):
 *
 *   region (lib/mem)   packet memory: hugepages, NUMA-placed, locked
 *   arena              descriptor table + buddy page allocator over a region
 *   pool               one per RX queue: owner alloc cache, recycle ring,
 *                      DMA mapping, frags, stats, deferred destroy
 *
 * Threading: a pool has one owner thread (its creator, or whoever calls
 * bump_pool_set_owner()).  Only the owner allocates and calls bump_pool_put*;
 * any thread may call bump_put*, bump_get and the query functions.
 *
 * Errors: functions that can fail return a negative errno (or NULL) and leave
 * a message saying what to do in bump_last_error() (bump_log.h).
 */
#ifndef BUMP_H
#define BUMP_H

#include "bump_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bump_common.h"
#include "bump_dma.h"
#include "bump_log.h"
#include "bump_mem.h"
#include "bump_types.h"
#include "bump_internal.h"  /* not API: what the inline functions need */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Arenas ----------------------------------------------------------- */

struct bump_arena_params {
	const char *name;            /* copied */
	struct bump_region *region;  /* the packet memory; must outlive the arena */
	unsigned page_shift;         /* page size of a buffer as a power of two (0: 12, 4 KiB) */
	/*
	 * Or any page size, a multiple of 64 bytes (one descriptor per object
	 * of that size: a DPDK mbuf of 2368 bytes, say, with nothing wasted).
	 * A size that is not a power of two needs a region of at most 4 GiB.
	 * 0: from page_shift.  Both given: they must agree.
	 */
	unsigned page_size;
};

BUMP_API int bump_arena_create(const struct bump_arena_params *params, struct bump_arena **out);
/* -EBUSY (nothing freed) while a pool, live or detached, still uses the arena. */
BUMP_API int bump_arena_destroy(struct bump_arena *arena);
/* Pages free in the arena. */
BUMP_API uint32_t bump_arena_free_pages(const struct bump_arena *arena);
BUMP_API const char *bump_arena_name(const struct bump_arena *arena);
/* The region the arena's pages are in (what bump_arena_params.region named). */
BUMP_API struct bump_region *bump_arena_region(const struct bump_arena *arena);

/* ---- Pools ------------------------------------------------------------ */

struct bump_pool_params {
	const char *name;            /* copied */
	struct bump_arena *arena;
	unsigned order;              /* buffers of 2^order pages (0..BUMP_MAX_ORDER) */
	unsigned ring_size;          /* recycle ring slots, power of two (0: 1024) */
	unsigned max_buffers;        /* most buffers taken from the arena (0: no limit) */
	int nid;                     /* preferred NUMA node (BUMP_NUMA_ANY: the region's) */
	unsigned flags;              /* enum bump_pool_flags */
	struct bump_dma_dev *dma_dev;  /* for BUMP_POOL_F_DMA_MAP */
	enum bump_dma_dir dma_dir;
	uint32_t offset;             /* DMA_SYNC_DEV: where the device starts writing */
	uint32_t max_len;            /* DMA_SYNC_DEV: how much it may write (0: to the end) */
};

BUMP_API int bump_pool_create(const struct bump_pool_params *params, struct bump_pool **out);
/*
 * The process's default of checked mode (BUMP_POOL_F_CHECKED): BUMP_CHECKED=1
 * or 0 in the environment, else on in a sanitizer build.  Pools created
 * without either flag follow it, and so do ports' checks of packet handles.
 */
BUMP_API bool bump_checked_default(void);
/*
 * Destroy a pool (owner thread).  Cached and ring buffers go back to the
 * arena and the pool's DMA mapping is undone now, by walking the descriptor
 * table, so the device may go away.  With buffers still in flight the pool
 * is detached (a warning says how many): they go back to the arena when put
 * with bump_put*, and the pool is freed with the last one.  After this call
 * @pool must not be used.  Returns the number of buffers in flight; a second
 * destroy of a pool still detached is refused with -EALREADY (once freed,
 * the handle is gone, as with free()).
 */
BUMP_API long bump_pool_destroy(struct bump_pool *pool);
/*
 * Keep @pool's memory (not its buffers) after bump_pool_destroy() until the
 * matching bump_pool_unhold() (any thread), so that a holder can still ask
 * bump_pool_destroyed().  A port holds each RX queue's pool from setup to
 * close: a pool destroyed under a running port is then noticed by the
 * driver, not read after free.  Holds are not buffers: statistics and
 * destroy's count leave them out.
 */
BUMP_API void bump_pool_hold(struct bump_pool *pool);
BUMP_API void bump_pool_unhold(struct bump_pool *pool);
/* True once bump_pool_destroy() ran (only for a pool the caller holds, or owns live). */
static inline bool bump_pool_destroyed(const struct bump_pool *pool)
{
	return bump_atomic_load(&pool->detached, BUMP_MO_ACQUIRE);
}
/* Make the calling thread the pool's owner (for instance an RX lcore). */
BUMP_API void bump_pool_set_owner(struct bump_pool *pool);
/*
 * The NUMA node pages must be on to stay in the pool (page_pool_nid_changed;
 * owner thread).  0, -EINVAL for a node that does not exist, -ESHUTDOWN
 * after destroy.
 */
BUMP_API int bump_pool_set_nid(struct bump_pool *pool, int nid);
BUMP_API uint16_t bump_pool_id(const struct bump_pool *pool);
/* The DMA device the pool's buffers are mapped for (NULL: not mapped, or destroyed). */
BUMP_API struct bump_dma_dev *bump_pool_dma_dev(const struct bump_pool *pool);
BUMP_API const char *bump_pool_name(const struct bump_pool *pool);
/* The arena the pool's buffers come from (its params' arena), while the pool exists, detached or not. */
BUMP_API struct bump_arena *bump_pool_arena(const struct bump_pool *pool);
/* Bytes in one buffer (page size << order). */
static inline size_t bump_pool_buf_size(const struct bump_pool *pool)
{
	return pool->buf_size;
}

BUMP_API void bump_pool_get_stats(const struct bump_pool *pool, struct bump_pool_stats *stats);

/* A pool as listed by bump_pool_list() (page_pool's netlink page-pool-get). */
struct bump_pool_info {
	uint16_t id;
	char name[32];
	char arena[32];
	int nid;
	uint64_t inflight;
	uint64_t inflight_bytes;
	uint64_t detach_time_ns;  /* CLOCK_MONOTONIC of destroy; 0 while live */
	bool dma_mapped;
};
/* Fill up to @max entries, in ID order; returns how many pools exist. */
BUMP_API unsigned bump_pool_list(struct bump_pool_info *infos, unsigned max);
/*
 * Call @fn for every pool, live or detached, in ID order, with its listing
 * and its stats, until @fn returns nonzero (returned); 0 when it never did.
 * For statistics readers (lib/telemetry): @fn runs under the pool table's
 * lock, so the pool, its arena and region stay valid meanwhile; it must not
 * create or destroy a pool, and should only copy (no I/O): a put that
 * frees a detached pool waits for that lock.
 */
typedef int (*bump_pool_visit_fn)(const struct bump_pool *pool, const struct bump_pool_info *info,
				  const struct bump_pool_stats *stats, void *arg);
BUMP_API int bump_pool_foreach(bump_pool_visit_fn fn, void *arg);

/* Errors seen process-wide on the put paths (bump_put_* of bad pointers). */
struct bump_error_stats {
	uint64_t foreign;     /* pointers outside every arena */
	uint64_t not_allocated;  /* pointers to pages no pool owns */
	uint64_t double_put;
	uint64_t wrong_pool;
};
BUMP_API void bump_get_error_stats(struct bump_error_stats *stats);

/* ---- The owner's fast paths ------------------------------------------- */

/*
 * Allocate one buffer (owner thread).  Returns its first byte, or NULL when
 * the pool is dry (bump_last_error() says why).  The refcount is 1.
 *
 * One load checks the buffer's descriptor (the pool's tag, the refcount a
 * cached buffer keeps); a pool in checked mode also stores the refcount.
 * The check is what keeps a buffer that left the pool (a double put seen
 * late, in unchecked mode) from being handed out: the slow path drops it.
 * No counter is touched: alloc.fast is derived from what entered the cache.
 */
static inline void *bump_pool_alloc(struct bump_pool *pool)
{
	uint32_t count = pool->cache_count;

	if (bump_likely(count)) {
		void *buf = pool->cache[count - 1];
		struct bump_desc *d = __bump_pool_page_desc(pool, buf);

		if (bump_likely(bump_atomic_load(&d->state, BUMP_MO_RELAXED) ==
				__bump_pool_cached_state(pool))) {
			__bump_pool_set_cache_count(pool, count - 1);
			if (pool->checked)
				bump_atomic_store(&d->state, __bump_pool_owned_state(pool),
						      BUMP_MO_RELAXED);
			return buf;
		}
	}
	return __bump_pool_alloc_slow(pool);
}

/*
 * Allocate up to @n buffers into @bufs (owner thread); returns how many
 * (fewer only when the pool runs dry).  On CPUs with AVX-512 the checks of
 * a burst run eight buffers at a time (chosen at run time).
 */
BUMP_API unsigned bump_pool_alloc_bulk(struct bump_pool *pool, void **bufs, unsigned n);
/*
 * The same, with what a driver posts: each buffer's reference in @refs (the
 * ref of its packet handle; NULL: not wanted) and its bus address for the
 * pool's DMA device in @dma (0: unmapped), read from the descriptor lines
 * the allocation just read.  No per-buffer lookup left for the RX path.
 */
BUMP_API unsigned bump_pool_alloc_bulk_dma(struct bump_pool *pool, void **bufs, bump_ref_t *refs,
					   uint64_t *dma, unsigned n);

/*
 * Return a buffer of @pool (owner thread).  @buf may point anywhere inside
 * the buffer (a fragment, or past a headroom).  The common case, the last
 * reference of a whole buffer going back into a cache with room, needs no
 * atomic read-modify-write.  Errors (foreign pointer, another pool's buffer,
 * a double put in checked mode) are rejected, counted and reported; nothing
 * is freed.
 */
static inline int bump_pool_put(struct bump_pool *pool, void *buf)
{
	uint32_t count = pool->cache_count;

	if (bump_likely(__bump_pool_put_fast(pool, buf, count))) {
		__bump_pool_set_cache_count(pool, count + 1);
		__BUMP_STAT_ADD(pool->recycle.cached, 1);
		return 0;
	}
	if (__bump_pool_put_frag_fast(pool, buf))
		return 0;
	return __bump_pool_put_slow(pool, buf);
}

/*
 * Return @n buffers of @pool (owner thread); returns the number rejected.
 * A burst that finds the cache full moves its oldest half to the recycle
 * ring at once, as DPDK flushes an lcore cache.  AVX-512 where the CPU has it.
 */
BUMP_API unsigned bump_pool_put_bulk(struct bump_pool *pool, void *const *bufs, unsigned n);

/* Which bulk loops this process runs: "avx512", or "scalar" (BUMP_NO_AVX512=1, or no AVX-512). */
BUMP_API const char *bump_bulk_impl(void);

/* True when @buf is inside a whole buffer of @pool (a cheap check, any thread). */
static inline bool bump_pool_owns(const struct bump_pool *pool, const void *buf)
{
	uintptr_t off = (uintptr_t)buf - pool->base;

	return off < pool->span && pool->descs[__bump_pool_head_index(pool, off)].pool_id == pool->id;
}

/* ---- Any thread ------------------------------------------------------- */

/*
 * Return a buffer of any pool, from any thread: straight into the cache
 * when the caller owns the pool, through its recycle ring otherwise, to the
 * arena when the pool was destroyed.  0, or a negative errno for a rejected
 * pointer (foreign, double put, not allocated): nothing is freed then.
 */
BUMP_API int bump_put(void *buf);
/* Return @n buffers of any pools; returns the number rejected. */
BUMP_API unsigned bump_put_bulk(void *const *bufs, unsigned n);
/*
 * A thread that is not a pool's owner collects the buffers it returns to
 * that pool in its put stash and hands them to the pool's recycle ring
 * BUMP_STASH_SIZE at a time (doc/design.md, "Returns from other threads").
 * Stashed buffers count as returned in every statistic.  They go to the
 * ring when the stash fills, when the thread exits, and when it calls this:
 * a thread that stops putting for a while (or before a pool it returned to
 * is destroyed) calls bump_put_flush() so the owner gets them now.
 */
BUMP_API void bump_put_flush(void);
/* Take one more reference (a clone); 0, or -EINVAL for a pointer bump does not own. */
BUMP_API int bump_get(void *buf);
/* References on @buf's buffer, or a negative errno (exact for a fragment
 * buffer still being carved only on its pool's owner thread). */
BUMP_API long bump_refcount(const void *buf);

/* The arena holding @addr, or NULL (never dereferences @addr). */
static inline struct bump_arena *bump_arena_of(const void *addr)
{
	for (unsigned i = 0; i < BUMP_ARENA_MAX; i++) {
		struct bump_arena *a = bump_atomic_load(&__bump_arenas[i], BUMP_MO_ACQUIRE);

		if (a && (uintptr_t)addr - a->base < a->len)
			return a;
	}
	return NULL;
}

/*
 * The descriptor of the buffer holding @addr (the head of a multi-page bump),
 * or NULL for a pointer outside every arena (counted as foreign, reported).
 */
BUMP_API struct bump_desc *bump_desc_of(const void *addr);

/* The bus address of @buf for the device its pool was mapped for (0: unmapped). */
static inline uint64_t bump_pool_dma_addr(const struct bump_pool *pool, const void *buf)
{
	uintptr_t off = (uintptr_t)buf - pool->base;
	uint32_t head = __bump_pool_head_index(pool, off);
	uint64_t dma = pool->descs[head].dma_addr;

	return dma ? dma + (off - (uintptr_t)head * pool->page_size) : 0;
}

/* Make the device's writes to [buf, buf+len) visible to the CPU (after RX). */
BUMP_API void bump_pool_sync_for_cpu(struct bump_pool *pool, const void *buf, size_t len);

/* ---- Fragments (page_pool_alloc_frag) ---------------------------------- */

/*
 * Allocate a fragment of *@size bytes (owner thread), rounded up to a cache
 * line.  When what would be left of the buffer is smaller than the fragment,
 * this fragment absorbs the tail, and *@size says so.  Put it with
 * bump_pool_put() or bump_put(); the buffer is recycled with its last one.
 * NULL when the pool is dry or *@size exceeds a buffer (bump_last_error()).
 */
static inline void *bump_pool_alloc_frag(struct bump_pool *pool, unsigned *size)
{
	uint64_t want = BUMP_ALIGN_UP((uint64_t)(*size ? *size : 1u), (uint64_t)BUMP_CACHE_LINE);
	uint32_t offset = pool->frag.offset;

	/* Room for this fragment and another of its size: not the last one. */
	if (bump_likely(pool->frag.buf && offset + 2 * want <= pool->buf_size)) {
		pool->frag.offset = offset + (uint32_t)want;
		pool->frag.users++;
		*size = (unsigned)want;
		return pool->frag.buf + offset;
	}
	return __bump_pool_alloc_frag_slow(pool, size);
}

/* ---- Descriptor references (for packet handles) ------------------------ */

/*
 * bump_put() by descriptor reference: the arena is found by index, not by
 * search.  The bulk form reads @n references @stride bytes apart (so an
 * array of packet handles can be passed as is); returns the number rejected.
 */
BUMP_API int bump_ref_put(bump_ref_t ref);
BUMP_API unsigned bump_ref_put_bulk(const bump_ref_t *refs, unsigned n, size_t stride);

/*
 * A reference: the arena's id in the high 8 bits, the page index in the low
 * 24.  These three are the only places that know it (bump_types.h asserts
 * that every arena id fits); @idx must be below BUMP_ARENA_PAGES_MAX.
 */
static inline bump_ref_t bump_ref_make(unsigned arena_id, uint32_t idx)
{
	/* + where | would do: one lea in a burst's loop, not a mov and an or. */
	return ((bump_ref_t)arena_id << BUMP_REF_INDEX_BITS) + idx;
}

static inline unsigned bump_ref_arena_id(bump_ref_t ref)
{
	return ref >> BUMP_REF_INDEX_BITS;
}

static inline uint32_t bump_ref_index(bump_ref_t ref)
{
	return ref & (BUMP_ARENA_PAGES_MAX - 1);
}

static inline bump_ref_t bump_pool_ref(const struct bump_pool *pool, const void *buf)
{
	return bump_ref_make(pool->arena_id, __bump_page_index_of((uintptr_t)buf - pool->base,
								pool->page_shift, pool->page_magic));
}

static inline struct bump_arena *bump_ref_arena(bump_ref_t ref)
{
	return bump_atomic_load(&__bump_arenas[bump_ref_arena_id(ref)], BUMP_MO_RELAXED);
}

/* First byte of the page @ref names. */
static inline void *bump_ref_page(bump_ref_t ref)
{
	return __bump_arena_page(bump_ref_arena(ref), bump_ref_index(ref));
}

static inline struct bump_desc *bump_ref_desc(bump_ref_t ref)
{
	return &bump_ref_arena(ref)->descs[bump_ref_index(ref)];
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_H */
