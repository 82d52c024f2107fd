/* SPDX-License-Identifier: MIT */
/*
 * bench_ctx.h - what every implementation keeps for a workload: the batch
 * array, the FIFO of outstanding buffers, the RX ring, thread B.  Set-up and
 * teardown are the same for all of them and live in bench_ctx.c; only the
 * timed loops are instantiated per allocator (bench_pattern.h).
 */
#ifndef BENCH_CTX_H
#define BENCH_CTX_H

#include "bench_pattern.h"
#include "bench_xthread.h"

struct bench_ctx {
	void *pool;   /* what the implementation's bench_ops receive */
	const char *name;  /* the implementation, for messages */
	unsigned bulk;
	void **bufs;  /* one bulk */
	struct bench_fifo fifo;
	struct bench_rx rx;
	struct bench_xthread x;
};

/*
 * A zeroed context of @size bytes, a struct that starts with a struct
 * bench_ctx: the bulk checked against BENCH_BUFS_PER_RUN, the batch array
 * allocated.  NULL, with the error set; free it with bench_ctx_release() and
 * free().
 */
void *bench_ctx_new(size_t size, const struct bench_impl *impl, const struct bench_args *args);
/* Hold args->outstanding buffers in the FIFO (outstanding workload). */
int bench_ctx_fifo(struct bench_ctx *c, const struct bench_ops *ops,
		   const struct bench_args *args);
/* Fill an RX ring of args->outstanding entries (rx workload). */
int bench_ctx_rx(struct bench_ctx *c, const struct bench_ops *ops, const struct bench_args *args);
/* Stop thread B and put every held buffer back with @ops; the pool stays. */
void bench_ctx_release(struct bench_ctx *c, const struct bench_ops *ops);

#endif /* BENCH_CTX_H */
