/* SPDX-License-Identifier: MIT */
/*
 * udp_consumer.c - the thread an I/O thread hands its datagrams to, as a
 * server hands requests to a worker: it checks each one and frees its
 * buffer, so every buffer goes back to its pool from another thread (the
 * pool's recycle ring, through this thread's put stash) or to malloc's
 * free from another thread.
 *
 * The I/O thread writes each datagram's length into the 4 bytes before it
 * (the buffer's headroom), so the handoff carries a pointer alone.
 */
#include "udp.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UDP_HANDOFF_SIZE 4096

void udp_buf_free(const struct udp_app *app, void *buf)
{
	if (app->cfg.backend == UDP_BACKEND_BUMP)
		bump_put(buf);
	else
		free((uint8_t *)buf - UDP_HEADROOM);
}

static void *udp_consumer_main(void *arg)
{
	struct udp_worker *w = arg;
	const struct udp_app *app = w->app;
	void *bufs[UDP_BURST];
	unsigned idle = 0;

	for (;;) {
		unsigned n = bump_ring_dequeue_burst(w->handoff, bufs, UDP_BURST);
		uint64_t bad = 0;

		if (n == 0) {
			if (!atomic_load_explicit(&w->producing, memory_order_acquire) &&
			    bump_ring_count(w->handoff) == 0)
				break;
			/* Idle: the owner gets what this thread's stash holds now. */
			if (idle++ == 0)
				bump_put_flush();
			if (idle > 64)
				sched_yield();
			else
				bump_cpu_relax();
			continue;
		}
		idle = 0;
		for (unsigned i = 0; i < n; i++) {
			uint32_t len;

			memcpy(&len, (uint8_t *)bufs[i] - sizeof(len), sizeof(len));
			bad += !udp_dg_ok(bufs[i], len);
		}
		if (app->cfg.backend == UDP_BACKEND_BUMP) {
			bump_put_bulk(bufs, n);
		} else {
			for (unsigned i = 0; i < n; i++)
				free((uint8_t *)bufs[i] - UDP_HEADROOM);
		}
		__BUMP_STAT_ADD(w->consumed, n);
		if (bad)
			__BUMP_STAT_ADD(w->consumed_bad, bad);
	}
	bump_put_flush();
	return NULL;
}

int udp_consumer_start(struct udp_worker *w)
{
	int ret = bump_ring_create(UDP_HANDOFF_SIZE, &w->handoff);

	if (ret) {
		fprintf(stderr, "bump-udp: thread %u: no handoff ring: %s\n", w->idx,
			bump_last_error());
		return ret;
	}
	atomic_store(&w->producing, true);
	ret = pthread_create(&w->consumer_thread, NULL, udp_consumer_main, w);
	if (ret) {
		fprintf(stderr, "bump-udp: thread %u: pthread_create: %s\n", w->idx, strerror(ret));
		bump_ring_free(w->handoff);
		w->handoff = NULL;
		return -ret;
	}
	w->consumer_started = true;
	return 0;
}

void udp_consumer_hand(struct udp_worker *w, void *const *bufs, unsigned n)
{
	unsigned done = 0;

	/* A full handoff ring is backpressure: wait for the consumer, never drop. */
	while (done < n) {
		unsigned k = bump_ring_enqueue_burst(w->handoff, bufs + done, n - done);

		if (k == 0) {
			__BUMP_STAT_ADD(w->st.handoff_full, 1);
			sched_yield();
		}
		done += k;
	}
}

/* The I/O thread handed its last: the consumer drains the ring and exits. */
void udp_consumer_stop(struct udp_worker *w)
{
	if (!w->consumer_started)
		return;
	atomic_store_explicit(&w->producing, false, memory_order_release);
	pthread_join(w->consumer_thread, NULL);
	w->consumer_started = false;
	bump_ring_free(w->handoff);
	w->handoff = NULL;
}
