/* SPDX-License-Identifier: MIT */
/*
 * bench_malloc.c - glibc malloc/free as a peer: what a datapath without a
 * packet allocator would pay.  Sizes match the buffers the other peers hand
 * out: 2 KiB (an mbuf's data room), 16 KiB (order 2), or the fragment size.
 */
#include "bench_ctx.h"

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
	c = calloc(1, sizeof(*c));
	if (!c) {
		bench_set_error("out of memory");
		return NULL;
	}
	c->size = size;
	c->b.pool = c;
	if (bench_ctx_init(&c->b, impl, args)) {
		bm_teardown(c);
		return NULL;
	}
	*nbufs = BENCH_BUFS_PER_RUN;
	return c;
}

static void *bm_owner_setup(const struct bench_impl *impl, const struct bench_args *args,
			    uint64_t *nbufs)
{
	return bm_setup(impl, args, BM_BUF_SIZE, nbufs);
}

static void *bm_order2_setup(const struct bench_impl *impl, const struct bench_args *args,
			     uint64_t *nbufs)
{
	return bm_setup(impl, args, BM_ORDER2_SIZE, nbufs);
}

static void *bm_frag_setup(const struct bench_impl *impl, const struct bench_args *args,
			   uint64_t *nbufs)
{
	return bm_setup(impl, args, args->size, nbufs);
}

static int bm_owner_run(void *ctx)
{
	struct bm_ctx *c = ctx;

	return bench_owner_run(&bm_ops, c, c->b.bufs, c->b.bulk, BENCH_BUFS_PER_RUN, "malloc");
}

static void *bm_fifo_setup(const struct bench_impl *impl, const struct bench_args *args,
			   uint64_t *nbufs)
{
	struct bm_ctx *c = bm_setup(impl, args, BM_BUF_SIZE, nbufs);

	if (c && bench_ctx_fifo(&c->b, &bm_ops, args)) {
		bm_teardown(c);
		return NULL;
	}
	return c;
}

static int bm_fifo_run(void *ctx)
{
	struct bm_ctx *c = ctx;

	return bench_fifo_run(&bm_ops, c, &c->b.fifo, c->b.bulk, BENCH_BUFS_PER_RUN, "malloc");
}

static void *bm_rx_setup(const struct bench_impl *impl, const struct bench_args *args,
			 uint64_t *nbufs)
{
	struct bm_ctx *c = bm_setup(impl, args, BM_BUF_SIZE, nbufs);

	if (c && bench_ctx_rx(&c->b, &bm_ops, args)) {
		bm_teardown(c);
		return NULL;
	}
	return c;
}

static int bm_rx_run(void *ctx)
{
	struct bm_ctx *c = ctx;

	return bench_rx_run(&bm_ops, c, &c->b.rx, c->b.bulk, BENCH_BUFS_PER_RUN, "malloc");
}

static void *bm_xthread_b(void *arg)
{
	struct bench_xthread *x = arg;

	if (bench_xthread_b_pin(x)) {
		bench_xthread_b_ready(x, false);
		return NULL;
	}
	bench_xthread_b_ready(x, true);
	bench_xthread_loop_b(&bm_ops, x->impl, x);
	return NULL;
}

static void *bm_xthread_setup(const struct bench_impl *impl, const struct bench_args *args,
			      uint64_t *nbufs)
{
	struct bm_ctx *c = bm_setup(impl, args, BM_BUF_SIZE, nbufs);

	if (c && bench_xthread_start(&c->b.x, c->b.bulk, bm_xthread_b, c)) {
		bm_teardown(c);
		return NULL;
	}
	return c;
}

static int bm_xthread_run(void *ctx)
{
	struct bm_ctx *c = ctx;

	return bench_xthread_run_a(&bm_ops, c, &c->b.x, "malloc", BENCH_BUFS_PER_RUN);
}

const struct bench_impl bench_malloc_impls[] = {
	{ BENCH_W_OWNER, "malloc", bm_owner_setup, bm_owner_run, bm_teardown, NULL },
	{ BENCH_W_OUTSTANDING, "malloc", bm_fifo_setup, bm_fifo_run, bm_teardown, NULL },
	{ BENCH_W_FRAG, "malloc", bm_frag_setup, bm_owner_run, bm_teardown, NULL },
	{ BENCH_W_XTHREAD, "malloc", bm_xthread_setup, bm_xthread_run, bm_teardown, NULL },
	{ BENCH_W_RX, "malloc", bm_rx_setup, bm_rx_run, bm_teardown, NULL },
	{ BENCH_W_ORDER2, "malloc", bm_order2_setup, bm_owner_run, bm_teardown, NULL },
	{ 0 },
};
