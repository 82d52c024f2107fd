/* SPDX-License-Identifier: MIT */
/*
 * bump_internal.h - NOT API: what the inline functions of bump.h need.
 *
 * The owner's fast paths (bump_pool_alloc, bump_pool_put, ...) are inline,
 * so their helpers and the slow paths they call must be visible to every
 * user of bump.h; they are installed for that alone, as liburing's
 * __io_uring_* and page_pool's internals are.  Everything here is named
 * __bump_ (__BUMP_ for macros), may change in any release, and is not for
 * applications: call the functions of bump.h.  In-tree code that needs
 * what bump.h does not offer (the DPDK mempool and net drivers, the
 * simulated device's DMA translation) uses them knowingly; drivers and apps
 * count their own single-writer stats with __BUMP_STAT_ADD.  Included by
 * bump.h; not to be included alone.
 */
#ifndef BUMP_INTERNAL_H
#define BUMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bump_api.h"
#include "bump_atomic.h"
#include "bump_common.h"
#include "bump_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Slow paths behind the inline fast paths ------------------------- */

BUMP_API void *__bump_pool_alloc_slow(struct bump_pool *pool);
BUMP_API unsigned __bump_pool_refill(struct bump_pool *pool);
BUMP_API int __bump_pool_put_slow(struct bump_pool *pool, void *buf);
BUMP_API void __bump_pool_sync_for_device(struct bump_pool *pool, struct bump_desc *desc);
BUMP_API void *__bump_pool_alloc_frag_slow(struct bump_pool *pool, unsigned *size);
/*
 * bump_bulk.c: the owner's puts of @bufs up to the first that is not a
 * buffer of @pool (fragments and clones included); returns how many were
 * taken, the rejected ones counted in *@bad.  A caller that routes the
 * rest itself (the DPDK mempool plugin) needs no pre-pass over the burst.
 */
BUMP_API unsigned bump_pool_put_own(struct bump_pool *pool, void *const *bufs, unsigned n,
				    unsigned *bad);
/* Every live arena by id: a reference's arena without a search. */
extern BUMP_API BUMP_ATOMIC(struct bump_arena *) __bump_arenas[BUMP_ARENA_MAX];

/*
 * A counter only one thread writes (the owner's stats; drivers' per-queue
 * stats): a relaxed load and store, a plain add on x86, with no race for
 * another thread that reads it.
 */
#define __BUMP_STAT_ADD(ctr, n) \
	bump_atomic_store(&(ctr), bump_atomic_load(&(ctr), BUMP_MO_RELAXED) + (n), \
			      BUMP_MO_RELAXED)

/* ---- Index and state arithmetic of the fast paths -------------------- */

/*
 * Publish the cache count.  Only the owner writes it, but stats may read it
 * from any thread: a relaxed atomic store, still a plain mov on x86.
 */
static inline void __bump_pool_set_cache_count(struct bump_pool *pool, uint32_t count)
{
	__atomic_store_n(&pool->cache_count, count, __ATOMIC_RELAXED);
}

/*
 * Page index of byte @off of an arena whose pages are 2^64 / @magic bytes:
 * the high half of a 64x64-bit product, exact for every offset of an arena
 * of power-of-two pages and of every arena under 4 GiB (Lemire, Kaser and
 * Kurz's direct computation), a multiply where a division would be.
 */
static inline uint32_t __bump_page_index(uint64_t off, uint64_t magic)
{
	return (uint32_t)(((unsigned __int128)off * magic) >> 64);
}

/*
 * The index in an arena whose pages are 2^@shift bytes, or 2^64 / @magic
 * when @shift is 0: a shift where one will do (one cycle, where the
 * multiply's three sit on the path from a pointer to its descriptor).
 */
static inline uint32_t __bump_page_index_of(uint64_t off, uint8_t shift, uint64_t magic)
{
	return bump_likely(shift) ? (uint32_t)(off >> shift) : __bump_page_index(off, magic);
}

static inline uint32_t __bump_arena_index(const struct bump_arena *arena, uint64_t off)
{
	return __bump_page_index_of(off, arena->page_shift, arena->page_magic);
}

/* First byte of page @idx of @arena. */
static inline void *__bump_arena_page(const struct bump_arena *arena, uint32_t idx)
{
	return (void *)(arena->base + (uintptr_t)idx * arena->page_size);
}

/* The descriptor of the page holding @buf, which lies inside @pool's arena. */
static inline struct bump_desc *__bump_pool_page_desc(const struct bump_pool *pool, const void *buf)
{
	return &pool->descs[__bump_page_index_of((uintptr_t)buf - pool->base, pool->page_shift,
					       pool->page_magic)];
}

/* The head page index of the buffer holding arena offset @off. */
static inline uint32_t __bump_pool_head_index(const struct bump_pool *pool, uint64_t off)
{
	return __bump_page_index_of(off, pool->page_shift, pool->page_magic) &
	       ~(((uint32_t)1 << pool->order) - 1);
}

/* The refcount a buffer keeps in @pool's cache and ring: 1, or 0 when checked. */
static inline uint32_t __bump_pool_idle_ref(const struct bump_pool *pool)
{
	return pool->checked ? 0 : 1;
}

/* The state word of a buffer of @pool in its cache, and with one reference out. */
static inline uint64_t __bump_pool_cached_state(const struct bump_pool *pool)
{
	return __bump_desc_make_state(__bump_pool_idle_ref(pool), pool->buf_tag);
}

static inline uint64_t __bump_pool_owned_state(const struct bump_pool *pool)
{
	return __bump_desc_make_state(1, pool->buf_tag);
}

/* ---- The owner's put, before its slow path ---------------------------- */

/*
 * The owner's put of the buffer whose head is page @head of @pool's arena,
 * when it holds the last reference to a whole buffer of @pool and the cache
 * has room at @count; false sends the caller to the slow path.  One load
 * reads the refcount and the tag together; no atomic read-modify-write:
 * with one reference left nobody can race us for it.  The acquire pairs
 * with the release of another thread's put of a clone: its writes to the
 * buffer come first.  bump_put() and bump_ref_put() on the owner thread
 * call it with the head they looked up.
 */
static inline bool __bump_pool_put_head_fast(struct bump_pool *pool, uint32_t head,
					     uint32_t count)
{
	struct bump_desc *d = &pool->descs[head];

	if (bump_likely(count < pool->cache_limit &&
			bump_atomic_load(&d->state, BUMP_MO_ACQUIRE) ==
				__bump_pool_owned_state(pool))) {
		if (pool->checked)
			bump_atomic_store(&d->state, __bump_pool_cached_state(pool),
					      BUMP_MO_RELAXED);
		if (bump_unlikely(pool->sync_dev))
			__bump_pool_sync_for_device(pool, d);
		pool->cache[count] = (void *)(pool->base + (uintptr_t)head * pool->page_size);
		return true;
	}
	return false;
}

/* The same for @buf, anywhere in a buffer: bump_pool_put()'s fast path. */
static inline bool __bump_pool_put_fast(struct bump_pool *pool, void *buf, uint32_t count)
{
	uintptr_t off = (uintptr_t)buf - pool->base;

	return bump_likely(off < pool->span) &&
	       __bump_pool_put_head_fast(pool, __bump_pool_head_index(pool, off), count);
}

/*
 * The owner's put of a fragment of the buffer it is carving, while the owner
 * has fragments of it out: a plain decrement (bump_frag.c explains).  False
 * sends the caller to the slow path.
 */
static inline bool __bump_pool_put_frag_fast(struct bump_pool *pool, const void *buf)
{
	if (bump_likely((uintptr_t)buf - (uintptr_t)pool->frag.buf < pool->buf_size &&
			pool->frag.users)) {
		pool->frag.users--;
		return true;
	}
	return false;
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_INTERNAL_H */
