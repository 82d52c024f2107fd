/* SPDX-License-Identifier: MIT */
/*
 * bench_ctx.c - the untimed half of every workload: validating arguments,
 * filling the FIFO and the RX ring, and giving everything back.
 */
#include "bench_ctx.h"

#include <stdlib.h>

void *bench_ctx_new(size_t size, const struct bench_impl *impl, const struct bench_args *args)
{
	struct bench_ctx *c = calloc(1, size);

	if (!c) {
		bench_set_error("out of memory");
		return NULL;
	}
	c->name = impl->impl;
	c->bulk = args->bulk ? args->bulk : 1;
	if (c->bulk > BENCH_BULK_MAX || BENCH_BUFS_PER_RUN % c->bulk) {
		bench_set_error("%s: bulk %u: use a divisor of %u up to %d", c->name, c->bulk,
				BENCH_BUFS_PER_RUN, BENCH_BULK_MAX);
		free(c);
		return NULL;
	}
	c->bufs = bench_ptr_array(c->bulk);
	if (!c->bufs) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * Take @n buffers, a bulk at a time, into a new array at *@slots (the FIFO
 * of outstanding buffers, or the RX ring); @what names it in errors.  What
 * was taken before a failure stays there for bench_ctx_release().
 */
static int ctx_hold(struct bench_ctx *c, const struct bench_ops *ops, void ***slots, unsigned n,
		    const char *what)
{
	if (!n || n % c->bulk) {
		bench_set_error("%s: a %s of %u is not a multiple of the bulk %u", c->name, what, n,
				c->bulk);
		return -1;
	}
	*slots = bench_ptr_array(n);
	if (!*slots)
		return -1;
	if (!bench_fill(ops, c->pool, *slots, n, c->bulk)) {
		bench_set_error("%s: cannot fill a %s of %u buffers", c->name, what, n);
		return -1;
	}
	return 0;
}

int bench_ctx_fifo(struct bench_ctx *c, const struct bench_ops *ops,
		   const struct bench_args *args)
{
	c->fifo.n = args->outstanding;
	c->fifo.pos = 0;
	return ctx_hold(c, ops, &c->fifo.slots, c->fifo.n, "FIFO");
}

int bench_ctx_rx(struct bench_ctx *c, const struct bench_ops *ops, const struct bench_args *args)
{
	c->rx.size = args->outstanding;
	c->rx.pos = 0;
	return ctx_hold(c, ops, &c->rx.ring, c->rx.size, "ring");
}

void bench_ctx_release(struct bench_ctx *c, const struct bench_ops *ops)
{
	bench_xthread_stop(&c->x);
	if (c->fifo.slots)
		bench_drain(ops, c->pool, c->fifo.slots, c->fifo.n);
	if (c->rx.ring)
		bench_drain(ops, c->pool, c->rx.ring, c->rx.size);
	free(c->fifo.slots);
	free(c->rx.ring);
	free(c->bufs);
	c->fifo.slots = c->rx.ring = c->bufs = NULL;
}
