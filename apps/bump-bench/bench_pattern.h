/* SPDX-License-Identifier: MIT */
/*
 * bench_pattern.h - the access patterns, written once for every allocator.
 *
 * Each implementation file describes its allocator with a static const
 * struct bench_ops of static inline functions and calls these templates with
 * it (BENCH_GLUE() in bench_glue.h writes those calls).  They are always
 * inlined, so the compiler sees constant function pointers and turns them
 * into direct, inlined calls: the figures measure the allocator, not an
 * indirect call per buffer.
 */
#ifndef BENCH_PATTERN_H
#define BENCH_PATTERN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench_shim.h"
#include "bench_util.h"

struct bench_ops {
	/* Exactly @n buffers into @bufs, or false with none taken (pool dry). */
	bool (*alloc)(void *pool, void **bufs, unsigned n);
	void (*put)(void *pool, void *const *bufs, unsigned n);
	/* The single-buffer calls, used when the bulk is 1. */
	void *(*alloc1)(void *pool);
	void (*put1)(void *pool, void *buf);
	/* Where a NIC would have written the packet (rx only). */
	void *(*data)(void *buf);
};

#define BENCH_BULK_MAX 64

static inline int bench_dry(const char *impl)
{
	bench_set_error("%s: the pool ran dry (a buffer leaked, or the pool is too small)", impl);
	return -1;
}

/* Take @n buffers into @bufs, @bulk at a time (setup: fill a FIFO or a ring). */
static bench_always_inline bool bench_fill(const struct bench_ops *ops, void *pool, void **bufs,
					   unsigned n, unsigned bulk)
{
	for (unsigned i = 0; i < n; i += bulk)
		if (!ops->alloc(pool, bufs + i, BENCH_MIN_U(bulk, n - i)))
			return false;
	return true;
}

/* Give back the @n buffers in @bufs (teardown); NULL entries are skipped. */
static bench_always_inline void bench_drain(const struct bench_ops *ops, void *pool, void **bufs,
					    unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (bufs[i]) {
			ops->put1(pool, bufs[i]);
			bufs[i] = NULL;
		}
}

/*
 * Owner alloc+put: allocate @bulk buffers and put them straight back, until
 * @nbufs buffers went through.  The pool's cache never drains: this is the
 * allocator's best case, page_pool's "fast path" figure.
 */
static bench_always_inline int bench_owner_run(const struct bench_ops *ops, void *pool,
					       void **bufs, unsigned bulk, uint64_t nbufs,
					       const char *impl)
{
	if (bulk == 1) {
		for (uint64_t i = 0; i < nbufs; i++) {
			void *buf = ops->alloc1(pool);

			if (bench_unlikely(!buf))
				return bench_dry(impl);
			ops->put1(pool, buf);
		}
		return 0;
	}
	for (uint64_t i = 0; i < nbufs; i += bulk) {
		if (bench_unlikely(!ops->alloc(pool, bufs, bulk)))
			return bench_dry(impl);
		ops->put(pool, bufs, bulk);
	}
	return 0;
}

/*
 * N outstanding: @fifo holds @n buffers; each step puts the @bulk oldest and
 * allocates @bulk new ones into their slots.  A buffer comes back n/bulk
 * steps after it left, so whatever the allocator keeps per buffer (a
 * descriptor, an mbuf header) has gone cold in the caches by then.
 */
struct bench_fifo {
	void **slots;
	unsigned n;    /* a multiple of bulk */
	unsigned pos;  /* the oldest buffers */
};

static bench_always_inline int bench_fifo_run(const struct bench_ops *ops, void *pool,
					      struct bench_fifo *f, unsigned bulk, uint64_t nbufs,
					      const char *impl)
{
	unsigned pos = f->pos;

	for (uint64_t i = 0; i < nbufs; i += bulk) {
		void **slot = &f->slots[pos];

		if (bulk == 1) {
			ops->put1(pool, *slot);
			*slot = ops->alloc1(pool);
			if (bench_unlikely(!*slot))
				return bench_dry(impl);
		} else {
			ops->put(pool, slot, bulk);
			if (bench_unlikely(!ops->alloc(pool, slot, bulk))) {
				memset(slot, 0, bulk * sizeof(*slot));
				return bench_dry(impl);
			}
		}
		pos += bulk;
		if (pos == f->n)
			pos = 0;
	}
	f->pos = pos;
	return 0;
}

/*
 * RX refill, as a poll-mode driver runs it: the ring of @size entries is
 * always full of posted buffers.  Each burst "receives" the @burst oldest
 * entries, refills their slots with fresh buffers at once (the NIC must never
 * starve), then reads and writes the first line of each received packet and
 * puts it back, as a forwarder that drops it would.
 */
struct bench_rx {
	void **ring;
	unsigned size;  /* a multiple of the burst */
	unsigned pos;
	void *burst[BENCH_BULK_MAX];
};

static bench_always_inline int bench_rx_run(const struct bench_ops *ops, void *pool,
					    struct bench_rx *rx, unsigned burst, uint64_t nbufs,
					    const char *impl)
{
	unsigned pos = rx->pos;

	for (uint64_t i = 0; i < nbufs; i += burst) {
		void **slot = &rx->ring[pos];

		memcpy(rx->burst, slot, burst * sizeof(*slot));
		if (bench_unlikely(!ops->alloc(pool, slot, burst))) {
			memcpy(slot, rx->burst, burst * sizeof(*slot));
			return bench_dry(impl);
		}
		for (unsigned k = 0; k < burst; k++)
			bench_touch(ops->data(rx->burst[k]));
		ops->put(pool, rx->burst, burst);
		pos += burst;
		if (pos == rx->size)
			pos = 0;
	}
	rx->pos = pos;
	return 0;
}

#endif /* BENCH_PATTERN_H */
