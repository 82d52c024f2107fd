/* SPDX-License-Identifier: MIT */
/*
 * bench_xthread.c - starting, pinning and stopping thread B.
 */
#include "bench_xthread.h"

#include <stdio.h>
#include <string.h>

int bench_xthread_start(struct bench_xthread *x, unsigned bulk, void *(*b_main)(void *),
			void *impl)
{
	int err, state;

	memset(x, 0, sizeof(*x));
	if (bulk == 0 || bulk > BENCH_BULK_MAX) {
		bench_set_error("cross-thread bulk %u: use 1 to %d", bulk, BENCH_BULK_MAX);
		return -1;
	}
	if (bench_cpu_pair(&x->cpu_a, &x->cpu_b) || bench_pin_self(x->cpu_a))
		return -1;
	x->q = bench_spsc_create(BENCH_XTHREAD_RING);
	if (!x->q) {
		bench_set_error("out of memory for the hand-off ring");
		return -1;
	}
	x->bulk = bulk;
	x->impl = impl;
	err = pthread_create(&x->thread, NULL, b_main, x);
	if (err) {
		bench_set_error("cannot start thread B: %s", strerror(err));
		free(x->q);
		x->q = NULL;
		return -1;
	}
	x->running = true;
	while ((state = atomic_load_explicit(&x->b_state, memory_order_acquire)) == 0)
		bench_relax();
	if (state < 0) {
		bench_set_error("thread B: %s", x->b_error);
		bench_xthread_stop(x);
		return -1;
	}
	return 0;
}

void bench_xthread_stop(struct bench_xthread *x)
{
	if (x->running) {
		atomic_store_explicit(&x->stop, true, memory_order_relaxed);
		pthread_join(x->thread, NULL);
		x->running = false;
	}
	free(x->q);
	x->q = NULL;
}

int bench_xthread_b_pin(struct bench_xthread *x)
{
	if (bench_pin_self(x->cpu_b)) {
		snprintf(x->b_error, sizeof(x->b_error), "%s", bench_last_error());
		return -1;
	}
	return 0;
}

void bench_xthread_b_ready(struct bench_xthread *x, bool ok)
{
	atomic_store_explicit(&x->b_state, ok ? 1 : -1, memory_order_release);
}

int bench_xthread_stalled(struct bench_xthread *x, const char *impl)
{
	bench_set_error("%s: thread B returned %llu of %llu buffers and stopped making progress",
			impl, (unsigned long long)atomic_load(&x->returned),
			(unsigned long long)x->sent);
	return -1;
}
