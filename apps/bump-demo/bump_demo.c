/* SPDX-License-Identifier: MIT */
/*
 * bump-demo: a short tour of the allocator that prints what it measured.
 *
 * It makes a region (hugepages when there are any), an arena and a pool,
 * then times the three paths a NIC driver uses: owner alloc+put one at a
 * time, in bursts of 32, and buffers returned by another thread through the
 * recycle ring.  Timings are medians of 5 runs; the machine is shared, so
 * compare them with bump-bench's peers, not with absolute targets.
 */
#include "bump.h"
#include "bump_ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 5
#define BURST 32

static uint64_t demo_median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* ns per buffer for @n owner alloc+put, @burst at a time. */
static double demo_owner(struct bump_pool *pool, uint64_t n, unsigned burst)
{
	void *bufs[BURST];
	uint64_t ns[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = bump_time_ns();

		for (uint64_t i = 0; i < n; i += burst) {
			unsigned got = bump_pool_alloc_bulk(pool, bufs, burst);

			bump_pool_put_bulk(pool, bufs, got);
		}
		ns[r] = bump_time_ns() - t0;
	}
	return (double)demo_median(ns, ROUNDS) / (double)n;
}

struct demo_remote {
	struct bump_ring *handoff;
	uint64_t n;
};

static void *demo_returner(void *arg)
{
	struct demo_remote *d = arg;
	void *bufs[BURST];

	for (uint64_t done = 0; done < d->n;) {
		unsigned k = bump_ring_dequeue_burst(d->handoff, bufs, BURST);

		/* Nothing yet: let the sender run (it may share this CPU: taskset -c 0). */
		if (!k)
			sched_yield();
		bump_put_bulk(bufs, k);
		done += k;
	}
	return NULL;
}

/* ns per buffer when another thread returns every buffer. */
static double demo_cross_thread(struct bump_pool *pool, uint64_t n)
{
	struct demo_remote d = { .n = n };
	void *bufs[BURST];
	pthread_t t;
	uint64_t t0, ns;

	if (bump_ring_create(1024, &d.handoff))
		return -1;
	if (pthread_create(&t, NULL, demo_returner, &d)) {
		bump_ring_free(d.handoff);
		return -1;
	}
	t0 = bump_time_ns();
	for (uint64_t sent = 0; sent < n;) {
		unsigned got = bump_pool_alloc_bulk(pool, bufs, BUMP_MIN((uint64_t)BURST, n - sent));
		unsigned k = 0;

		/*
		 * No buffer (all in the ring or not yet recycled) or a full ring:
		 * the returner must run first, and on one CPU it only does if we yield.
		 */
		if (!got)
			sched_yield();
		while (k < got) {
			unsigned e = bump_ring_enqueue_burst(d.handoff, bufs + k, got - k);

			if (!e)
				sched_yield();
			k += e;
		}
		sent += got;
	}
	pthread_join(t, NULL);
	ns = bump_time_ns() - t0;
	bump_ring_free(d.handoff);
	return (double)ns / (double)n;
}

static void demo_usage(FILE *out)
{
	fprintf(out,
		"Usage: bump-demo [--help | --version]\n"
		"A short tour of bump: makes a 64 MiB region (hugepages when there are any),\n"
		"an arena and a pool, then prints ns per buffer for owner alloc+put one at a\n"
		"time, in bursts of %d, and with another thread returning every buffer\n"
		"(medians of %d runs), and the pool's stats.  Runs in a few seconds, on one\n"
		"CPU too.  Exit status: 0; 1 when setup failed or a buffer stayed in flight;\n"
		"2 for a bad command line.\n", BURST, ROUNDS);
}

int main(int argc, char **argv)
{
	struct bump_region_params rp = { .name = "demo", .size = 64ul << 20,
					 .numa_node = BUMP_NUMA_ANY };
	struct bump_arena_params ap = { .name = "demo" };
	struct bump_pool_params pp = { .name = "demo-rxq0", .nid = BUMP_NUMA_ANY };
	struct bump_region_info ri;
	struct bump_region *region;
	struct bump_arena *arena;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	long inflight;

	if (argc > 1) {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			demo_usage(stdout);
			return 0;
		}
		if (argc == 2 && !strcmp(argv[1], "--version")) {
			printf("bump-demo %s\n", bump_version());
			return 0;
		}
		fprintf(stderr, "bump-demo: unknown argument '%s'; it takes none (see --help)\n",
			argv[1]);
		return 2;
	}
	if (bump_region_create(&rp, &region))
		return 1;  /* the error, with what to do, is already logged */
	bump_region_get_info(region, &ri);
	ap.region = region;
	if (bump_arena_create(&ap, &arena))
		return 1;
	pp.arena = arena;
	if (bump_pool_create(&pp, &pool))
		return 1;

	printf("bump-demo: region %zu MiB on node %d, %s pages (%zu KiB)%s\n", ri.len >> 20,
	       ri.numa_node, ri.fallback_4k || ri.page_size == BUMP_PAGE_4K ? "small" : "huge",
	       ri.page_size >> 10, ri.fallback_4k ? ", hugepage FALLBACK" : "");
	printf("  descriptor: %zu bytes, outside the packet pages; %u buffers of %zu bytes\n",
	       sizeof(struct bump_desc), arena->npages, bump_pool_buf_size(pool));
	printf("  owner alloc+put, one at a time: %6.2f ns/buffer\n", demo_owner(pool, 4000000, 1));
	printf("  owner alloc+put, bursts of %d:  %6.2f ns/buffer\n", BURST,
	       demo_owner(pool, 8000000, BURST));
	printf("  returned by another thread:     %6.2f ns/buffer\n",
	       demo_cross_thread(pool, 4000000));

	bump_pool_get_stats(pool, &s);
	printf("  pool stats: alloc fast %llu slow %llu refill %llu | recycle cached %llu ring %llu "
	       "ring_full %llu | inflight %llu\n",
	       (unsigned long long)s.alloc.fast, (unsigned long long)s.alloc.slow,
	       (unsigned long long)s.alloc.refill, (unsigned long long)s.recycle.cached,
	       (unsigned long long)s.recycle.ring, (unsigned long long)s.recycle.ring_full,
	       (unsigned long long)s.inflight);
	inflight = bump_pool_destroy(pool);
	bump_arena_destroy(arena);
	bump_region_destroy(region);
	return inflight ? 1 : 0;
}
