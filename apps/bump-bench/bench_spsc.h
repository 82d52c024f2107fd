/* SPDX-License-Identifier: MIT */
/*
 * bench_spsc.h - the fixed hand-off ring of the cross-thread workload.
 *
 * Thread A passes the buffers it allocated to thread B here, as a NIC's TX
 * ring hands them to the completion path.  It is the same for bump and every
 * peer, so that only the allocators differ: single producer, single consumer,
 * each side keeping a private copy of the other's index so that it reads the
 * shared line only when its copy says the ring looks full (or empty).
 */
#ifndef BENCH_SPSC_H
#define BENCH_SPSC_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "bench_util.h"

struct bench_spsc {
	uint32_t size;  /* a power of two */
	uint32_t mask;
	/* The producer's line: its index and its view of the consumer's. */
	bench_cache_aligned _Atomic uint64_t head;
	uint64_t tail_seen;
	/* The consumer's line. */
	bench_cache_aligned _Atomic uint64_t tail;
	uint64_t head_seen;
	bench_cache_aligned void *slots[];
};

static inline struct bench_spsc *bench_spsc_create(uint32_t size)
{
	struct bench_spsc *q;
	size_t bytes = sizeof(*q) + size * sizeof(void *);

	if (!size || (size & (size - 1)))
		return NULL;
	q = aligned_alloc(BENCH_CACHE_LINE, (bytes + BENCH_CACHE_LINE - 1) & ~(size_t)63);
	if (!q)
		return NULL;
	q->size = size;
	q->mask = size - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	q->tail_seen = 0;
	q->head_seen = 0;
	return q;
}

/* Producer: enqueue up to @n pointers; returns how many fitted. */
static inline unsigned bench_spsc_enqueue(struct bench_spsc *q, void *const *objs, unsigned n)
{
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t room = q->size - (head - q->tail_seen);

	if (room < n) {
		q->tail_seen = atomic_load_explicit(&q->tail, memory_order_acquire);
		room = q->size - (head - q->tail_seen);
		if (room < n)
			n = (unsigned)room;
		if (!n)
			return 0;  /* no store: the consumer's view of our line stays valid */
	}
	for (unsigned i = 0; i < n; i++)
		q->slots[(head + i) & q->mask] = objs[i];
	atomic_store_explicit(&q->head, head + n, memory_order_release);
	return n;
}

/* Consumer: dequeue up to @n pointers; returns how many. */
static inline unsigned bench_spsc_dequeue(struct bench_spsc *q, void **objs, unsigned n)
{
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t avail = q->head_seen - tail;

	if (avail < n) {
		q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
		avail = q->head_seen - tail;
		if (avail < n)
			n = (unsigned)avail;
		if (!n)
			return 0;
	}
	for (unsigned i = 0; i < n; i++)
		objs[i] = q->slots[(tail + i) & q->mask];
	atomic_store_explicit(&q->tail, tail + n, memory_order_release);
	return n;
}

#endif /* BENCH_SPSC_H */
