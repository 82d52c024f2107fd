/* SPDX-License-Identifier: MIT */
/*
 * bench_bump.c - the bump workloads.
 *
 * Every pool of a run comes from one region and arena of 4 KiB buffer pages,
 * on 2 MiB hugepages when the driver (bench_main.cpp) found enough for bump and EAL
 * both, else on 4 KiB pages like the peers.  The region is made once, before
 * EAL takes its memory, and kept to the end, so that only pool creation (as
 * cheap as page_pool_create()) is repeated per benchmark.
 */
#include "bench_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bump.h"

static struct bump_region *bb_region, *bb_rx_region;
static struct bump_arena *bb_arena, *bb_rx_arena;

/*
 * rx moves buffers of DPDK's default data room (2176 bytes, what a NIC
 * writes into) for every implementation: bump's are objects of that size in
 * an arena of their own, as the mempool plugin lays mbufs out.  (On 4 KiB
 * pages the first line of every packet maps to the same L1 set and to 32
 * sets of L2: a 512-entry ring then misses to L3 on every touch, whoever
 * allocates.)
 */
#define BB_RX_OBJECT 2176
#define BB_RX_REGION (32ul << 20)
#define BB_SIZE_RX 0x100  /* bb_setup's size for rx: the object arena, order 0 */

static int bb_arena_new(const char *name, size_t size, unsigned page_size, bool huge,
			struct bump_region **region, struct bump_arena **arena)
{
	struct bump_region_params rp = {
		.name = name,
		.size = size,
		.numa_node = BUMP_NUMA_ANY,
		/* 4 KiB on purpose when the peers cannot have hugepages too. */
		.flags = huge ? BUMP_REGION_F_HUGE_ONLY : BUMP_REGION_F_NO_HUGE,
	};
	struct bump_arena_params ap = { .name = name, .page_size = page_size };

	if (bump_region_create(&rp, region)) {
		bench_set_error("bump region: %s", bump_last_error());
		return -1;
	}
	ap.region = *region;
	if (bump_arena_create(&ap, arena)) {
		bench_set_error("bump arena: %s", bump_last_error());
		bump_region_destroy(*region);
		*region = NULL;
		return -1;
	}
	return 0;
}

int bench_bump_init(bool huge)
{
	if (bb_arena)
		return 0;
	if (bb_arena_new("bench", BENCH_BUMP_REGION - BB_RX_REGION, 0, huge, &bb_region,
			 &bb_arena))
		return -1;
	if (bb_arena_new("bench-rx", BB_RX_REGION, BB_RX_OBJECT, huge, &bb_rx_region,
			 &bb_rx_arena)) {
		bench_bump_fini();
		return -1;
	}
	return 0;
}

static int bb_arena_get(void)
{
	if (!bb_arena)
		bench_set_error("bump's region could not be made (see the first lines of the "
				"output)");
	return bb_arena ? 0 : -1;
}

const char *bench_bump_memory(void)
{
	static char desc[160];
	struct bump_region_info ri;

	if (!bb_arena)
		return "no region";
	bump_region_get_info(bb_region, &ri);
	snprintf(desc, sizeof(desc), "regions on %zu KiB pages%s, %zu MiB of 4 KiB buffers, "
		 "%lu MiB of %u-byte objects (rx)", ri.page_size >> 10,
		 ri.fallback_4k ? " (hugepage fallback)" : "", ri.len >> 20, BB_RX_REGION >> 20,
		 BB_RX_OBJECT);
	return desc;
}

void bench_bump_fini(void)
{
	if (bb_arena && bump_arena_destroy(bb_arena) == 0) {
		bump_region_destroy(bb_region);
		bb_arena = NULL;
		bb_region = NULL;
	}
	if (bb_rx_arena && bump_arena_destroy(bb_rx_arena) == 0) {
		bump_region_destroy(bb_rx_region);
		bb_rx_arena = NULL;
		bb_rx_region = NULL;
	}
}

struct bb_ctx {
	struct bench_ctx b;  /* b.pool: the bump pool, or this context for fragments */
	struct bump_pool *pool;
	unsigned frag_size;
};

/* ---- The allocator, as the patterns see it ---------------------------- */

static inline bool bb_alloc(void *pool, void **bufs, unsigned n)
{
	unsigned got = bump_pool_alloc_bulk(pool, bufs, n);

	if (bench_unlikely(got != n)) {
		bump_pool_put_bulk(pool, bufs, got);
		return false;
	}
	return true;
}

static inline void bb_put(void *pool, void *const *bufs, unsigned n)
{
	bump_pool_put_bulk(pool, bufs, n);
}

static inline void *bb_alloc1(void *pool)
{
	return bump_pool_alloc(pool);
}

static inline void bb_put1(void *pool, void *buf)
{
	bump_pool_put(pool, buf);
}

static inline void *bb_data(void *buf)
{
	return (char *)buf + BENCH_RX_HEADROOM;
}

static const struct bench_ops bb_ops = {
	.alloc = bb_alloc, .put = bb_put, .alloc1 = bb_alloc1, .put1 = bb_put1, .data = bb_data,
};

/* Thread B of the cross-thread run: any thread's put, through the recycle ring. */
static inline void bb_put_any(void *pool, void *const *bufs, unsigned n)
{
	(void)pool;
	bump_put_bulk(bufs, n);
}

static inline void bb_put1_any(void *pool, void *buf)
{
	(void)pool;
	bump_put(buf);
}

static const struct bench_ops bb_any_ops = { .put = bb_put_any, .put1 = bb_put1_any };

/* Fragments: @pool is the context, which knows the fragment size. */
static inline bool bb_frag_alloc(void *ctx, void **bufs, unsigned n)
{
	struct bb_ctx *c = ctx;

	for (unsigned i = 0; i < n; i++) {
		unsigned size = c->frag_size;

		bufs[i] = bump_pool_alloc_frag(c->pool, &size);
		if (bench_unlikely(!bufs[i])) {
			bump_pool_put_bulk(c->pool, bufs, i);
			return false;
		}
	}
	return true;
}

static inline void bb_frag_put(void *ctx, void *const *bufs, unsigned n)
{
	bump_pool_put_bulk(((struct bb_ctx *)ctx)->pool, bufs, n);
}

static inline void *bb_frag_alloc1(void *ctx)
{
	struct bb_ctx *c = ctx;
	unsigned size = c->frag_size;

	return bump_pool_alloc_frag(c->pool, &size);
}

static inline void bb_frag_put1(void *ctx, void *buf)
{
	bump_pool_put(((struct bb_ctx *)ctx)->pool, buf);
}

static const struct bench_ops bb_frag_ops = {
	.alloc = bb_frag_alloc, .put = bb_frag_put, .alloc1 = bb_frag_alloc1, .put1 = bb_frag_put1,
};

/* ---- Set-up and teardown ----------------------------------------------- */

/* BUMP_BENCH_STATS=1: which of bump's paths a workload took, to read with its figures. */
static void bb_print_stats(const struct bb_ctx *c)
{
	struct bump_pool_stats s;

	bump_pool_get_stats(c->pool, &s);
	fprintf(stderr, "bump-bench: %s/%s stats: alloc fast %llu slow %llu slow_high_order %llu "
		"empty %llu refill %llu; recycle cached %llu cache_full %llu ring %llu "
		"ring_full %llu released_refcnt %llu; held %llu\n",
		c->b.name, bump_pool_name(c->pool),
		(unsigned long long)s.alloc.fast, (unsigned long long)s.alloc.slow,
		(unsigned long long)s.alloc.slow_high_order, (unsigned long long)s.alloc.empty,
		(unsigned long long)s.alloc.refill, (unsigned long long)s.recycle.cached,
		(unsigned long long)s.recycle.cache_full, (unsigned long long)s.recycle.ring,
		(unsigned long long)s.recycle.ring_full,
		(unsigned long long)s.recycle.released_refcnt, (unsigned long long)s.held);
}

static void bb_teardown(void *ctx)
{
	struct bb_ctx *c = ctx;
	long inflight;

	if (!c)
		return;
	if (c->pool) {
		c->b.pool = c->pool;
		bench_ctx_release(&c->b, &bb_ops);
		if (getenv("BUMP_BENCH_STATS"))
			bb_print_stats(c);
		inflight = bump_pool_destroy(c->pool);
		if (inflight)
			fprintf(stderr, "bump-bench: bump pool destroyed with %ld buffers out: "
				"a workload leaked them\n", inflight);
	}
	free(c->b.bufs);
	free(c);
}

static struct bb_ctx *bb_setup(const struct bench_impl *impl, const struct bench_args *args,
			       unsigned size, uint64_t *nbufs)
{
	struct bump_pool_params pp = {
		.name = impl->workload,
		.order = size == BB_SIZE_RX ? 0 : size,
		/*
		 * Room in the recycle ring for everything a workload has in
		 * flight (xthread: the 1024-slot hand-off, B's stash), as the
		 * mempool peers' rings hold every object of theirs; a full ring
		 * sends returns to the arena and refills back through its lock.
		 */
		.ring_size = 4096,
		.nid = BUMP_NUMA_ANY,
		.flags = *(const unsigned *)impl->variant,  /* the mode, whatever BUMP_CHECKED says */
	};
	struct bb_ctx *c;

	if (bb_arena_get())
		return NULL;
	c = bench_ctx_new(sizeof(*c), impl, args);
	if (!c)
		return NULL;
	pp.arena = size == BB_SIZE_RX ? bb_rx_arena : bb_arena;
	if (bump_pool_create(&pp, &c->pool)) {
		bench_set_error("bump pool: %s", bump_last_error());
		goto err;
	}
	c->b.pool = c->pool;
	c->frag_size = args->size;
	*nbufs = BENCH_BUFS_PER_RUN;
	return c;
err:
	bb_teardown(c);
	return NULL;
}

BENCH_GLUE(bb, struct bb_ctx, c->pool, bb_ops, bb_setup, bb_teardown,
	   0, BB_SIZE_RX, 2,  /* page orders: 4 KiB buffers, 16 KiB for order2; objects for rx */
	   bb_any_ops, bench_xthread_b_pin, bench_glue_no_leave)

/* Fragments: the owner run on bb_frag_ops, whose pool is the context. */
static void *bb_frag_setup(const struct bench_impl *impl, const struct bench_args *args,
			   uint64_t *nbufs)
{
	struct bb_ctx *c = bb_setup(impl, args, 0, nbufs);

	if (c)
		c->b.pool = c;
	return c;
}

static int bb_frag_run(void *ctx)
{
	struct bb_ctx *c = ctx;

	return bench_owner_run(&bb_frag_ops, c, c->b.bufs, c->b.bulk, BENCH_BUFS_PER_RUN, "bump");
}

/* impl->variant: the pool flags of the mode, unchecked (the default) or checked. */
static const unsigned bb_unchecked = BUMP_POOL_F_UNCHECKED;
static const unsigned bb_checked = BUMP_POOL_F_CHECKED;

const struct bench_impl bench_bump_impls[] = {
	BENCH_GLUE_ROWS(bb, bb_teardown, "bump", &bb_unchecked),
	{ BENCH_W_FRAG, "bump", bb_frag_setup, bb_frag_run, bb_teardown, &bb_unchecked },
	BENCH_GLUE_ROWS(bb, bb_teardown, "bump_checked", &bb_checked),
	{ BENCH_W_FRAG, "bump_checked", bb_frag_setup, bb_frag_run, bb_teardown, &bb_checked },
	{ 0 },
};
