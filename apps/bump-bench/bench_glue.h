/* SPDX-License-Identifier: MIT */
/*
 * bench_glue.h - the per-workload entry points of an implementation, written
 * once for all of them.
 *
 * An implementation file (bench_bump.c, bench_dpdk_*.c, bench_malloc.c) has
 * what is its own: a static const struct bench_ops of static inline functions
 * (the allocator, bench_pattern.h), a context that starts with a struct
 * bench_ctx b, and a setup and a teardown that make and free its pool.  The
 * rest is the same for everyone: per workload, a setup that makes the pool
 * and then holds the workload's buffers, and a run that calls the workload's
 * template with the ops.  BENCH_GLUE() defines those functions:
 *
 *   BENCH_GLUE(pfx, ctx_t, pool, ops, setup, teardown, size, rx_size, order2_size,
 *              b_ops, b_enter, b_leave)          (no semicolon after it)
 *
 *   pfx          the file's prefix, which names the functions below
 *   ctx_t        the context's type
 *   pool         what the ops get as their pool: an expression of the
 *                context `c` (c->pool, c->mp, or c itself)
 *   ops          the struct bench_ops (its name, not its address)
 *   setup        ctx_t *setup(impl, args, size, nbufs): a context and its pool
 *                for buffers of @size, whatever that is to the allocator (a
 *                page order, an element size, a data room); NULL, error set
 *   teardown     void teardown(void *ctx), NULL-safe
 *   size         setup's size for owner, outstanding and xthread
 *   rx_size      setup's size for rx: buffers of DPDK's default data room
 *   order2_size  setup's size for order2 (16 KiB buffers)
 *   b_ops        the ops thread B of xthread returns buffers with
 *   b_enter      int b_enter(struct bench_xthread *x): B's first call, which
 *                pins it (bench_xthread_b_pin, or more); 0 or -1
 *   b_leave      void b_leave(void): B's last call (bench_glue_no_leave)
 *
 * and defines, for the workloads of bench_shim.h:
 *
 *   owner        pfx_owner_setup, pfx_owner_run: bench_owner_run()
 *   order2       pfx_order2_setup, and pfx_owner_run again
 *   outstanding  pfx_fifo_setup (bench_ctx_fifo), pfx_fifo_run: bench_fifo_run()
 *   rx           pfx_rx_setup (bench_ctx_rx), pfx_rx_run: bench_rx_run()
 *   xthread      pfx_xthread_setup (starts B), pfx_xthread_run:
 *                bench_xthread_run_a(); pfx_xthread_b: B's bench_xthread_loop_b()
 *
 * BENCH_GLUE_ROWS(pfx, teardown, name, variant) is their rows of the file's
 * bench_impl table.  frag is not among them: each file writes its own (bump
 * allocates fragments with ops of their own, an mbuf pool has none).
 *
 * The run functions hand &ops to the always_inline templates, exactly as a
 * hand-written one would: the compiler sees constant function pointers and
 * inlines the allocator's calls, with no indirect call per buffer.
 */
#ifndef BENCH_GLUE_H
#define BENCH_GLUE_H

#include "bench_ctx.h"

/* b_leave for a thread B that has nothing to undo. */
static inline void bench_glue_no_leave(void)
{
}

/* pfx_<w>_setup: setup(size), then @then (an int expression of c and args; 0: done). */
#define BENCH_GLUE_SETUP_(pfx, w, ctx_t, setup, teardown, size, then)                    \
	static void *pfx##_##w##_setup(const struct bench_impl *impl,                     \
				       const struct bench_args *args, uint64_t *nbufs)    \
	{                                                                                 \
		ctx_t *c = setup(impl, args, size, nbufs);                                \
                                                                                          \
		if (c && (then)) {                                                        \
			teardown(c);                                                      \
			return NULL;                                                      \
		}                                                                         \
		return c;                                                                 \
	}

#define BENCH_GLUE(pfx, ctx_t, pool, ops, setup, teardown, size, rx_size, order2_size, b_ops, \
		   b_enter, b_leave)                                                            \
	BENCH_GLUE_SETUP_(pfx, owner, ctx_t, setup, teardown, size, 0)                          \
	BENCH_GLUE_SETUP_(pfx, order2, ctx_t, setup, teardown, order2_size, 0)                  \
	BENCH_GLUE_SETUP_(pfx, fifo, ctx_t, setup, teardown, size,                              \
			  bench_ctx_fifo(&c->b, &ops, args))                                    \
	BENCH_GLUE_SETUP_(pfx, rx, ctx_t, setup, teardown, rx_size,                             \
			  bench_ctx_rx(&c->b, &ops, args))                                      \
                                                                                                \
	static int pfx##_owner_run(void *ctx)                                                   \
	{                                                                                       \
		ctx_t *c = ctx;                                                                 \
                                                                                                \
		return bench_owner_run(&ops, pool, c->b.bufs, c->b.bulk, BENCH_BUFS_PER_RUN,    \
				       c->b.name);                                              \
	}                                                                                       \
                                                                                                \
	static int pfx##_fifo_run(void *ctx)                                                    \
	{                                                                                       \
		ctx_t *c = ctx;                                                                 \
                                                                                                \
		return bench_fifo_run(&ops, pool, &c->b.fifo, c->b.bulk, BENCH_BUFS_PER_RUN,    \
				      c->b.name);                                               \
	}                                                                                       \
                                                                                                \
	static int pfx##_rx_run(void *ctx)                                                      \
	{                                                                                       \
		ctx_t *c = ctx;                                                                 \
                                                                                                \
		return bench_rx_run(&ops, pool, &c->b.rx, c->b.bulk, BENCH_BUFS_PER_RUN,        \
				    c->b.name);                                                 \
	}                                                                                       \
                                                                                                \
	/* Thread B: return what A hands over, with b_ops, until told to stop. */              \
	static void *pfx##_xthread_b(void *arg)                                                 \
	{                                                                                       \
		struct bench_xthread *x = arg;                                                  \
		ctx_t *c = x->impl;                                                             \
                                                                                                \
		if (b_enter(x)) {                                                               \
			bench_xthread_b_ready(x, false);                                        \
			return NULL;                                                            \
		}                                                                               \
		bench_xthread_b_ready(x, true);                                                 \
		bench_xthread_loop_b(&b_ops, pool, x);                                          \
		b_leave();                                                                      \
		return NULL;                                                                    \
	}                                                                                       \
                                                                                                \
	/* The pool was created on this thread, A, which is therefore its owner. */             \
	BENCH_GLUE_SETUP_(pfx, xthread, ctx_t, setup, teardown, size,                           \
			  bench_xthread_start(&c->b.x, c->b.bulk, pfx##_xthread_b, c))          \
                                                                                                \
	static int pfx##_xthread_run(void *ctx)                                                 \
	{                                                                                       \
		ctx_t *c = ctx;                                                                 \
                                                                                                \
		return bench_xthread_run_a(&ops, pool, &c->b.x, c->b.name, BENCH_BUFS_PER_RUN); \
	}

/* The bench_impl rows of every workload BENCH_GLUE() defines (all but frag). */
#define BENCH_GLUE_ROWS(pfx, teardown, name, variant)                                         \
	{ BENCH_W_OWNER, name, pfx##_owner_setup, pfx##_owner_run, teardown, variant },       \
	{ BENCH_W_OUTSTANDING, name, pfx##_fifo_setup, pfx##_fifo_run, teardown, variant },   \
	{ BENCH_W_XTHREAD, name, pfx##_xthread_setup, pfx##_xthread_run, teardown, variant }, \
	{ BENCH_W_RX, name, pfx##_rx_setup, pfx##_rx_run, teardown, variant },                \
	{ BENCH_W_ORDER2, name, pfx##_order2_setup, pfx##_owner_run, teardown, variant }

#endif /* BENCH_GLUE_H */
