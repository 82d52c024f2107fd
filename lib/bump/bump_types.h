/* SPDX-License-Identifier: MIT */
/*
 * bump_types.h - bump's data structures: descriptors, arenas, pools, stats.
 *
 * As in the kernel's page_pool, the types live apart from the inline fast
 * paths (bump.h) and the slow paths (bump_*.c).  The layouts here are what
 * every fast path is tuned for; static_asserts guard them.
 */
#ifndef BUMP_TYPES_H
#define BUMP_TYPES_H

#include "bump_atomic.h"
#include <stdbool.h>
#include <stdint.h>

#include "bump_common.h"
#include "bump_dma.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a page's descriptor describes (the memdesc type tag). */
enum bump_desc_type {
	BUMP_DESC_FREE = 0,  /* in the arena's free lists (or inside a free block) */
	BUMP_DESC_PAGE = 1,  /* a pool buffer of one page */
	BUMP_DESC_HEAD = 2,  /* the first page of a multi-page bump (order > 0) */
	BUMP_DESC_TAIL = 3,  /* another page of a multi-page bump: next = head index */
	BUMP_DESC_FRAG = 4,  /* a pool buffer split into fragments */
};

/* desc->flags */
/* desc->flags: written only under the arena lock, which reads them for buddy merges. */
#define BUMP_DESC_F_BUDDY 0x01  /* head of a free block in the arena's free lists */

#define BUMP_NID_UNKNOWN 0xff

/*
 * One descriptor per page, in a dense table beside the region, never inside
 * the page: the page holds packet bytes only.  Fields other than refcount are
 * written only by whoever owns the page (the arena under its lock, or the
 * pool's owner while refilling), so they need no atomics.
 *
 * refcount: the references users hold.  In a pool's cache or recycle ring
 * a buffer keeps refcount 1, as page_pool keeps pp_ref_count at 1: handing
 * it out writes nothing and taking it back only reads (the put of the last
 * reference sees 1).  A pool in checked mode (BUMP_POOL_F_CHECKED) keeps 0
 * there instead and writes the count on both sides, which is what lets it
 * tell a double put from a put.  Free pages in the arena hold 0.
 */
struct bump_desc {
	uint64_t dma_addr;           /* bus address of the page's first byte; 0: unmapped */
	union {
		struct {
			BUMP_ATOMIC(uint32_t) refcount;
			union {
				struct {
					uint16_t pool_id;  /* owning pool; 0: the arena's */
					uint8_t type;      /* enum bump_desc_type */
					uint8_t order;     /* log2 of the pages in this bump or free block */
				};
				uint32_t tag;  /* the three above */
			};
		};
		/*
		 * refcount and tag in one word: the fast paths check both with one
		 * load.  Their owner writes the word whole: an 8-byte load right
		 * after a 4-byte store to it would wait for the store to retire.
		 */
		BUMP_ATOMIC(uint64_t) state;
	};
	uint32_t next;               /* free-list link, or the head's index for a TAIL */
	union {
		uint32_t prev;       /* free blocks: free-list link */
		uint32_t frag_users; /* FRAG: fragments out that its pool's owner counts (bump_frag.c) */
	};
	uint8_t nid;                 /* NUMA node the page was placed on, or BUMP_NID_UNKNOWN */
	uint8_t flags;               /* BUMP_DESC_F_* */
	uint16_t last_pool_id;       /* free pages: the pool that last held it (0: never) */
	uint32_t frag_slot;          /* FRAG with frag_users: its place in pool->frag.pend */
};
static_assert(sizeof(struct bump_desc) == 32, "a descriptor is 32 bytes: two per cache line");
static_assert(offsetof(struct bump_desc, tag) == 12, "tag packs pool_id, type and order");
static_assert(offsetof(struct bump_desc, state) == 8 && offsetof(struct bump_desc, refcount) == 8,
	      "state overlays refcount (low word) and tag (high word)");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "__bump_desc_make_state() composes state for a little-endian machine");

/* Not API (bump_internal.h says why): the tag and state words as the fast paths compare them. */
static inline uint32_t __bump_desc_make_tag(uint16_t pool_id, uint8_t type, uint8_t order)
{
	return (uint32_t)pool_id | (uint32_t)type << 16 | (uint32_t)order << 24;
}

/* The state word of a descriptor holding @refcount and @tag. */
static inline uint64_t __bump_desc_make_state(uint32_t refcount, uint32_t tag)
{
	return (uint64_t)refcount | (uint64_t)tag << 32;
}

#define BUMP_ARENA_MAX 64        /* arenas alive at once */
#define BUMP_REF_INDEX_BITS 24   /* a bump_ref's page index; the arena id above it */
#define BUMP_ARENA_PAGES_MAX (1u << BUMP_REF_INDEX_BITS)  /* pages per arena: what a bump_ref holds */
#define BUMP_MAX_ORDER 10        /* largest multi-page bump: 1024 pages */
#define BUMP_PAGE_SHIFT_MIN 6    /* an arena's pages: 64 B (one cache line) ... */
#define BUMP_PAGE_SHIFT_MAX 30   /* ... to 1 GiB */
#define BUMP_BUF_SHIFT_MAX 31    /* a buffer (page << order) fits 32-bit offsets */
/* An arena of pages whose size is not a power of two spans at most this (__bump_arena_index). */
#define BUMP_ARENA_ODD_SPAN_MAX (1ull << 32)
#define BUMP_POOL_ID_MAX 65535   /* pool IDs are 1..65535, reused cyclically */

/*
 * An arena: the descriptor table and page allocator (a buddy allocator, the
 * "page allocator" below the pools) over one region.  Pools refill from it in
 * bulk and release to it.  The first cache line is what lookups read.
 */
struct bump_arena {
	uintptr_t base;              /* first byte of the region */
	uint64_t len;                /* npages * page_size */
	struct bump_desc *descs;     /* npages descriptors */
	/* Offset -> page index: the high half of off * page_magic (__bump_arena_index). */
	uint64_t page_magic;
	uint32_t npages;
	uint32_t page_size;          /* a multiple of 64 bytes, a power of two or not */
	uint8_t page_shift;          /* log2(page_size), 0 when it is not a power of two */
	uint8_t id;                  /* index in the arena table; the high byte of a bump_ref */
	/*
	 * Pages of an odd size, in 32-bit vector lanes (bump_bulk_avx512.c):
	 * page index = ((off >> 6) * vec_magic) >> vec_shift, exact below 4 GiB.
	 */
	uint8_t vec_shift;
	uint32_t vec_magic;
	struct bump_arena_priv *priv; /* slow-path state (bump_arena.c) */
};

/*
 * A descriptor reference: the arena's id in the high 8 bits, the page index
 * in the low 24 (BUMP_REF_INDEX_BITS).  Spelled out only by bump_ref_make(),
 * bump_ref_arena_id() and bump_ref_index() (bump.h).
 */
typedef uint32_t bump_ref_t;
#define BUMP_REF_NONE UINT32_MAX  /* names nothing: its arena id is past BUMP_ARENA_MAX */
static_assert(BUMP_ARENA_MAX <= (1u << (32 - BUMP_REF_INDEX_BITS)),
	      "every arena id fits the high bits of a bump_ref");
static_assert(BUMP_REF_NONE >> BUMP_REF_INDEX_BITS >= BUMP_ARENA_MAX,
	      "BUMP_REF_NONE names no arena");

#define BUMP_POOL_CACHE_SIZE 128  /* page_pool's PP_ALLOC_CACHE_SIZE */
#define BUMP_STASH_SIZE 32        /* other threads' returns handed to a pool's ring at once */
#define BUMP_POOL_CACHE_REFILL 64 /* page_pool's PP_ALLOC_CACHE_REFILL */

/* Frag buffers carry this bias in their refcount while the owner counts (page_pool's BIAS_MAX). */
#define BUMP_FRAG_BIAS (1u << 30)
#define BUMP_FRAG_PENDING 16  /* carved buffers whose fragments the owner counts after carving */

enum bump_pool_flags {
	BUMP_POOL_F_DMA_MAP = 1u << 0,      /* map the arena for params.dma_dev; descs hold IOVAs */
	BUMP_POOL_F_DMA_SYNC_DEV = 1u << 1, /* sync [offset, offset+max_len) for the device on recycle */
	/*
	 * Checked mode: every double put is detected, counted and refused, and
	 * bump_refcount()/bump_get() see that a cached buffer is free.  It costs
	 * a descriptor store per buffer on alloc and on put (doc/design.md,
	 * "Checked mode").  Without either flag a pool follows the process
	 * default: BUMP_CHECKED=1 or 0 in the environment, else checked in a
	 * sanitizer build (the ASan and TSan test builds) and unchecked in others.
	 */
	BUMP_POOL_F_CHECKED = 1u << 2,
	BUMP_POOL_F_UNCHECKED = 1u << 3,    /* unchecked whatever BUMP_CHECKED says */
};

/*
 * Statistics, named after page_pool's.  Counters written only by the owner
 * thread are relaxed atomics so another thread may read them without a race;
 * on x86 an increment is still a plain add.
 */
struct bump_pool_alloc_stats {
	BUMP_ATOMIC(uint64_t) slow;             /* order-0 buffers taken from the arena */
	BUMP_ATOMIC(uint64_t) slow_high_order;  /* multi-page buffers taken from the arena */
	BUMP_ATOMIC(uint64_t) empty;            /* refills that found the recycle ring empty */
	BUMP_ATOMIC(uint64_t) refill;           /* buffers moved from the recycle ring to the cache */
	BUMP_ATOMIC(uint64_t) waive;            /* ring buffers released: on the wrong NUMA node */
	BUMP_ATOMIC(uint64_t) fail;             /* allocations that failed: arena exhausted */
	BUMP_ATOMIC(uint64_t) stale;            /* cached copies dropped: their buffer had left (a late double put) */
};

struct bump_pool_recycle_stats {
	BUMP_ATOMIC(uint64_t) cached;           /* puts straight into the owner's cache */
	BUMP_ATOMIC(uint64_t) cache_full;       /* owner puts that found the cache full */
	BUMP_ATOMIC(uint64_t) released_refcnt;  /* owner puts that only dropped a reference */
	BUMP_ATOMIC(uint64_t) wrong_pool;       /* bump_pool_put() of another pool's buffer (rejected) */
};

/* Recycle counters any thread may add to (atomic read-modify-writes). */
struct bump_pool_recycle_any_stats {
	BUMP_ATOMIC(uint64_t) ring_full;        /* buffers released to the arena: ring full */
	BUMP_ATOMIC(uint64_t) released_refcnt;  /* other threads' puts that only dropped a reference */
	BUMP_ATOMIC(uint64_t) double_put;       /* puts of a buffer already returned (rejected) */
};

/* A snapshot, as bump_pool_get_stats() fills it. */
struct bump_pool_stats {
	struct {
		/* fast: buffers handed out from the cache, derived (entered - cached_now) */
		uint64_t fast, slow, slow_high_order, empty, refill, waive, fail, stale;
	} alloc;
	struct {
		uint64_t cached, cache_full, ring, ring_full;
		uint64_t released_refcnt;  /* both of the pool's counters */
		uint64_t double_put, wrong_pool;
	} recycle;
	uint64_t held;             /* buffers taken from the arena and not released */
	uint64_t cached_now;       /* buffers in the alloc cache */
	uint64_t ring_now;         /* buffers in the recycle ring */
	uint64_t stashed_now;      /* buffers returned, in other threads' put stashes */
	uint64_t inflight;         /* buffers in users' hands: held - cache - ring - stashed */
	uint64_t inflight_bytes;
	uint64_t dma_scrubbed;     /* descriptors whose DMA address destroy cleared */
};

struct bump_ring;
struct bump_pool_priv;

/*
 * A pool: page_pool's analogue, one per RX queue.  The owner thread
 * allocates from and recycles into the cache without atomics; other
 * threads return buffers through the multi-producer recycle ring.
 */
struct bump_pool {
	/*
	 * Cache line 0, read-mostly: what the fast paths read, the owner's and
	 * other threads' puts.  Nothing here changes per buffer, so the line
	 * stays shared in every core's cache.
	 */
	uint32_t cache_limit;      /* BUMP_POOL_CACHE_SIZE; 0 once destroyed (forces slow paths) */
	uint32_t buf_tag;          /* tag of this pool's buffers: one compare on put */
	uintptr_t base;            /* arena base */
	uint64_t span;             /* arena length */
	struct bump_desc *descs;   /* arena descriptor table */
	uint64_t page_magic;       /* the arena's: offset -> page index */
	uint32_t page_size;        /* the arena's */
	uint32_t buf_size;         /* page_size << order */
	uint8_t page_shift;        /* the arena's: 0 for pages of an odd size */
	uint8_t order;
	uint8_t buf_shift;         /* page_shift + order; 0 for pages of an odd size */
	bool sync_dev;             /* BUMP_POOL_F_DMA_SYNC_DEV with a mapping */
	uint16_t id;
	uint8_t arena_id;
	bool checked;              /* BUMP_POOL_F_CHECKED */
	BUMP_ATOMIC(uintptr_t) owner;   /* bump_thread_token() of the owner thread; 0 once destroyed */

	/* Written by the owner alone, per buffer: the cache and its counters. */
	bump_cache_aligned uint32_t cache_count;
	uint32_t vec_magic;        /* the arena's, for the bulk loops on odd-sized pages */
	uint8_t vec_shift;
	uint32_t cache_seen;       /* `released` when the owner last checked its cache */
	struct bump_pool_alloc_stats alloc;
	struct bump_pool_recycle_stats recycle;
	/* Fragments (owner only; bump_frag.c). */
	struct {
		uint8_t *buf;            /* the buffer being carved; NULL when none */
		struct bump_desc *desc;
		uint32_t offset;         /* its first free byte */
		uint32_t users;          /* its fragments out that the owner has not had back */
		uint32_t npend;
		/* Carved buffers whose fragments the owner still counts (in desc->frag_users). */
		struct bump_desc *pend[BUMP_FRAG_PENDING];
	} frag;

	bump_cache_aligned void *cache[BUMP_POOL_CACHE_SIZE];

	/* Written by any thread; with what the slow paths read. */
	bump_cache_aligned BUMP_ATOMIC(int64_t) refs;  /* buffers held from the arena, +1 until destroy */
	BUMP_ATOMIC(bool) detached;
	/* Bumped before buffers go back to the arena (bump_pool_cache_check). */
	BUMP_ATOMIC(uint32_t) released;
	struct bump_pool_recycle_any_stats recycle_any;
	struct bump_ring *ring;    /* recycle ring */
	struct bump_pool_priv *priv;  /* slow-path state (bump_pool.c) */
};
static_assert(offsetof(struct bump_pool, cache_count) == BUMP_CACHE_LINE,
	      "the read-mostly fast-path fields fit in the first cache line, apart from the "
	      "owner's per-buffer writes");

#ifdef __cplusplus
}
#endif
#endif /* BUMP_TYPES_H */
