/* SPDX-License-Identifier: MIT */
/*
 * mempool_bump.h - the "bump" rte_mempool ops: what its two files share.
 *
 * Every object of a bump mempool is one bump buffer (a page of an arena
 * over a region: hugepages, NUMA-placed, registered with DPDK), so each
 * mbuf has a descriptor of its own outside its memory, as every bump buffer
 * does.  Underneath DPDK's per-lcore caches:
 *
 *   each lcore     a bump pool it owns: get and put need no atomics
 *   another lcore  puts an object back through its pool's recycle ring
 *   non-EAL thread a shared pool behind a spinlock
 *   the arena      the free pages no pool holds
 *
 * A get that finds its own pool dry takes what other pools' rings hold
 * before it fails, so an object freed on any lcore can be had by any other.
 * Objects in an lcore's bump cache are that lcore's, as those in its DPDK
 * cache are: after a get fails, each lcore moves its bump cache into its
 * ring on its next call, where every lcore can take them.
 *
 *   mempool_bump_mem.c  alloc, free, calc_mem_size, populate: the memory
 *   mempool_bump_ops.c  enqueue, dequeue, get_count and the registration
 *
 * Secondary processes (dpdk-proc-info, dpdk-pdump) see the mempool but not
 * the region, the arena or the pools, which are the primary's own memory.
 * The private data (struct bmp) is in DPDK's shared memory, with a count of
 * objects out per lcore: a secondary's get_count reads those; its gets and
 * puts are refused with an error.
 */
#ifndef MEMPOOL_BUMP_H
#define MEMPOOL_BUMP_H

#include <stdatomic.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "bump.h"
#include "bump_dpdk_mem.h"
#include "bump_ring.h"

extern int bmp_logtype;
#define BMP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, bmp_logtype, "mempool bump: " __VA_ARGS__)

/* The mempool's private data (mp->pool_data). */
struct bmp {
	/*
	 * BMP_MAGIC and its mempool: DPDK picks a pool's ops by index in each
	 * process's own table, so a process whose table differs from the
	 * creator's calls bump's ops on another driver's pool (bmp_of).
	 */
	uint64_t magic;
	struct rte_mempool *mp;
	/* The object layout: object = page + color + header_size, one object per page. */
	uintptr_t base;             /* arena base */
	uint32_t page;              /* arena page size: the object stride */
	uint32_t hdr;               /* mp->header_size: the object header before it */
	uint32_t color_mask;        /* page index bits that choose the cache colour */
	uint32_t nobj;              /* objects: mp->size */
	unsigned ring_size;         /* recycle ring of each pool */

	struct bump_region *region;
	struct bump_arena *arena;
	size_t backing;             /* physical IOVAs: objects must not cross pages of this size */
	uint32_t next_idx;          /* the arena page the next populate starts at */
	struct bump_dpdk_mem *mem;  /* DPDK's view of the region (IOVAs, VFIO) */

	/* Pools by lcore, created on the lcore's first get; read by any lcore. */
	struct bump_pool *_Atomic lcore[RTE_MAX_LCORE];
	rte_spinlock_t shared_lock; /* the non-EAL threads' pool */
	struct bump_pool *_Atomic shared;

	/* Bumped by a get that failed; each pool drains its cache when it sees a new value. */
	_Atomic uint32_t drain_epoch;
	uint32_t seen_epoch[RTE_MAX_LCORE + 1];  /* per lcore, then the shared pool's */

	/*
	 * Objects got minus objects put, per lcore (then the non-EAL threads'),
	 * each written only by its own: what a secondary process counts.
	 */
	struct {
		_Atomic int64_t n;
	} __rte_cache_aligned out[RTE_MAX_LCORE + 1];
};

/* Count @n objects out (or back, negative) on the calling lcore's slot @slot. */
static inline void bmp_count_out(struct bmp *b, unsigned slot, int64_t n)
{
	atomic_store_explicit(&b->out[slot].n,
			      atomic_load_explicit(&b->out[slot].n, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

#define BMP_MAGIC 0x6d656d706f6f6c62ull  /* "bmpoolme" */

/* @mp's bump private data, or NULL, with an error, when @mp is not a bump mempool. */
struct bmp *bmp_of(const struct rte_mempool *mp);

/* False, with an error, in a secondary process: the pools are the primary's. */
bool bmp_primary(const struct rte_mempool *mp, const char *what);

/* The object in page @buf: past a colour that spreads headers over cache sets. */
static inline void *bmp_obj(const struct bmp *b, void *buf)
{
	uintptr_t idx = __bump_arena_index(b->arena, (uintptr_t)buf - b->base);

	return (char *)buf + ((idx & b->color_mask) << 6) + b->hdr;
}

/* mempool_bump_mem.c */
int bmp_alloc(struct rte_mempool *mp);
void bmp_free(struct rte_mempool *mp);
ssize_t bmp_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
			  size_t *min_chunk_size, size_t *align);
int bmp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr, rte_iova_t iova,
		 size_t len, rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg);
/* A pool on the arena for the calling thread (its owner). */
int bmp_pool_new(struct bmp *b, const char *what, struct bump_pool **out);

/* mempool_bump_ops.c */
int bmp_enqueue(struct rte_mempool *mp, void *const *objs, unsigned int n);
int bmp_dequeue(struct rte_mempool *mp, void **objs, unsigned int n);
unsigned bmp_get_count(const struct rte_mempool *mp);

#endif /* MEMPOOL_BUMP_H */
