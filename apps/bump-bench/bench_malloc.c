/* SPDX-License-Identifier: MIT */
/*
 * bench_malloc.c - glibc malloc/free as a peer: what a datapath without a
 * packet allocator would pay.  Sizes match the buffers the other peers hand
 * out: 2 KiB (an mbuf's data room), 16 KiB (order 2), or the fragment size.
 */
#include "bench_glue.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define BM_BUF_SIZE 2048
#define BM_ORDER2_SIZE 16384

struct bm_ctx {
	struct bench_ctx b;  /* b.pool: this context, which knows the size */
	size_t size;
};

/* ---- The allocator, as the patterns see it (@pool is the context) ----- */

static inline bool bm_alloc(void *ctx, void **bufs, unsigned n)
{
	size_t size = ((struct bm_ctx *)ctx)->size;

	for (unsigned i = 0; i < n; i++) {
		bufs[i] = malloc(size);
		if (bench_unlikely(!bufs[i])) {
			while (i--)
				free(bufs[i]);
			return false;
		}
	}
	return true;
}

static inline void bm_put(void *ctx, void *const *bufs, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		free(bufs[i]);
}

static inline void *bm_alloc1(void *ctx)
{
	return malloc(((struct bm_ctx *)ctx)->size);
}

static inline void bm_put1(void *ctx, void *buf)
{
	(void)ctx;
	free(buf);
}

static inline void *bm_data(void *buf)
{
	return (char *)buf + BENCH_RX_HEADROOM;
}

static const struct bench_ops bm_ops = {
	.alloc = bm_alloc, .put = bm_put, .alloc1 = bm_alloc1, .put1 = bm_put1, .data = bm_data,
};

/* ---- Set-up and teardown ----------------------------------------------- */

static void bm_teardown(void *ctx)
{
	struct bm_ctx *c = ctx;

	if (!c)
		return;
	bench_ctx_release(&c->b, &bm_ops);
	free(c);
}

static struct bm_ctx *bm_setup(const struct bench_impl *impl, const struct bench_args *args,
			       size_t size, uint64_t *nbufs)
{
	static bool tuned;
	struct bm_ctx *c;

	/*
	 * Raise the trim and mmap thresholds once, so that free() never gives
	 * memory back to the kernel in the middle of a run: the peer is glibc's
	 * allocator, not the page fault path.
	 */
	if (!tuned) {
		mallopt(M_TRIM_THRESHOLD, 1 << 30);
		mallopt(M_MMAP_THRESHOLD, 1 << 24);
		tuned = true;
	}
	c = bench_ctx_new(sizeof(*c), impl, args);
	if (!c)
		return NULL;
	c->size = size;
	c->b.pool = c;
	*nbufs = BENCH_BUFS_PER_RUN;
	return c;
}

BENCH_GLUE(bm, struct bm_ctx, c, bm_ops, bm_setup, bm_teardown,
	   BM_BUF_SIZE, BM_BUF_SIZE, BM_ORDER2_SIZE,
	   bm_ops, bench_xthread_b_pin, bench_glue_no_leave)

/* Fragments: malloc of the fragment's size. */
static void *bm_frag_setup(const struct bench_impl *impl, const struct bench_args *args,
			   uint64_t *nbufs)
{
	return bm_setup(impl, args, args->size, nbufs);
}

const struct bench_impl bench_malloc_impls[] = {
	BENCH_GLUE_ROWS(bm, bm_teardown, "malloc", NULL),
	{ BENCH_W_FRAG, "malloc", bm_frag_setup, bm_owner_run, bm_teardown, NULL },
	{ 0 },
};
