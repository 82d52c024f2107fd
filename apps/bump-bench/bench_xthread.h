/* SPDX-License-Identifier: MIT */
/*
 * bench_xthread.h - the cross-thread recycle workload.
 *
 * Thread A (the caller, the pool's owner, on one CPU) allocates and hands
 * each buffer over a fixed SPSC ring (bench_spsc.h) to thread B on the other
 * CPU, which returns it to the allocator: for bump with bump_put() through
 * the pool's recycle ring, for DPDK with a mempool put into B's own lcore
 * cache.  A run is a fixed count of buffers and ends when B has returned the
 * last one, so its time per buffer is the throughput of the whole loop.
 */
#ifndef BENCH_XTHREAD_H
#define BENCH_XTHREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench_pattern.h"
#include "bench_spsc.h"

#define BENCH_XTHREAD_RING 1024  /* hand-off slots: a TX ring's worth */

struct bench_xthread {
	struct bench_spsc *q;
	unsigned bulk;
	int cpu_a, cpu_b;
	void *impl;                  /* the implementation's context, for B */
	pthread_t thread;
	bool running;
	_Atomic int b_state;         /* 0: starting, 1: ready, -1: failed */
	char b_error[256];
	bench_cache_aligned _Atomic bool stop;
	/* Written by B only, read by A when a run ends. */
	bench_cache_aligned _Atomic uint64_t returned;
	bench_cache_aligned uint64_t sent;  /* A only */
};

/*
 * Pin the caller (A), create the hand-off ring and start B at @b_main, which
 * must call bench_xthread_b_enter() first.  0, or -1 with the error set.
 */
int bench_xthread_start(struct bench_xthread *x, unsigned bulk, void *(*b_main)(void *),
			void *impl);
/* Stop and join B (every run has ended with the ring empty). */
void bench_xthread_stop(struct bench_xthread *x);
/* B: pin to CPU B; 0 or -1 (B must then call bench_xthread_b_ready(x, false)). */
int bench_xthread_b_pin(struct bench_xthread *x);
/* B: tell A whether B could start (after any per-thread set-up, as an lcore). */
void bench_xthread_b_ready(struct bench_xthread *x, bool ok);
/* A: B did not return everything within a second or two: say so. */
int bench_xthread_stalled(struct bench_xthread *x, const char *impl);

/* A: allocate @nbufs buffers, @bulk at a time, hand them to B, wait for B. */
static bench_always_inline int bench_xthread_run_a(const struct bench_ops *ops, void *pool,
						   struct bench_xthread *x, const char *impl,
						   uint64_t nbufs)
{
	void *bufs[BENCH_BULK_MAX];
	unsigned bulk = x->bulk;
	uint64_t spins = 0;

	for (uint64_t i = 0; i < nbufs; i += bulk) {
		unsigned k = 0;

		/* A peer whose buffers all sit in B's cache is dry for a moment. */
		while (bulk == 1 ? !(bufs[0] = ops->alloc1(pool)) : !ops->alloc(pool, bufs, bulk)) {
			bench_relax();
			if (bench_unlikely(++spins > (1u << 26)))
				return bench_dry(impl);
		}
		while (k < bulk) {
			unsigned n = bench_spsc_enqueue(x->q, bufs + k, bulk - k);

			if (!n)
				bench_relax();
			k += n;
		}
	}
	x->sent += nbufs;
	while (atomic_load_explicit(&x->returned, memory_order_acquire) != x->sent) {
		bench_relax();
		if (bench_unlikely(++spins > (1u << 26)))
			return bench_xthread_stalled(x, impl);
	}
	return 0;
}

/* B: return what A hands over, until told to stop. */
static bench_always_inline void bench_xthread_loop_b(const struct bench_ops *ops, void *pool,
						     struct bench_xthread *x)
{
	void *bufs[BENCH_BULK_MAX];
	unsigned bulk = x->bulk;
	uint64_t returned = 0;

	for (;;) {
		unsigned n = bench_spsc_dequeue(x->q, bufs, bulk);

		if (!n) {
			if (atomic_load_explicit(&x->stop, memory_order_relaxed))
				break;
			bench_relax();
			continue;
		}
		if (n == 1)
			ops->put1(pool, bufs[0]);
		else
			ops->put(pool, bufs, n);
		returned += n;
		atomic_store_explicit(&x->returned, returned, memory_order_release);
	}
}

#endif /* BENCH_XTHREAD_H */
