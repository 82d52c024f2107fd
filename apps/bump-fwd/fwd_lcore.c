/* SPDX-License-Identifier: MIT */
/*
 * fwd_lcore.c - the forwarding threads ("lcores", pinned one per CPU).
 *
 * An lcore creates the pool of every RX queue it polls, so the pool's owner
 * (the only thread that allocates from it and recycles into its cache
 * without atomics) is the thread that polls it, and destroys those pools at
 * the end, as the owner must.  It meets the main thread at four barriers:
 *
 *   1 pools created       main binds them to the RX queues, starts the ports
 *   2 go                  lcores forward until app->stop
 *   3 stopped             main reads the final counters, stops and closes ports
 *   4 ports down          lcores destroy their pools (now nothing can return
 *                         a buffer but a leak), main joins them
 */
#include "fwd.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* app->gate: threads wait for all of them to exist before using the barrier. */
enum { FWD_GATE_WAIT = 0, FWD_GATE_OPEN = 1, FWD_GATE_ABORT = -1 };

static int fwd_pin_self(int cpu)
{
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		fprintf(stderr, "bump-fwd: cannot pin a thread to CPU %d (%s): pick CPUs this "
			"process may use with --lcores\n", cpu, strerror(ret));
	return ret ? -1 : 0;
}

/*
 * How much of the run the lcore really had its CPU: other processes on a
 * shared machine take it (involuntary switches), and every cycle figure of
 * that run is then inflated by the time it waited.
 */
static void fwd_cpu_usage_get(struct fwd_cpu_usage *u)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	u->wall_ns = bump_time_ns();
	u->cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
	u->preempted = (uint64_t)ru.ru_nivcsw;
}

static void fwd_cpu_usage_sub(struct fwd_cpu_usage *u, const struct fwd_cpu_usage *start)
{
	u->wall_ns -= start->wall_ns;
	u->cpu_ns -= start->cpu_ns;
	u->preempted -= start->preempted;
}

/*
 * --rx-pools lcore: the pool of an earlier stream of @lc whose RX queue is on
 * the same arena and DMA device as @fs's, or NULL.
 */
static struct bump_pool *fwd_lcore_shared_pool(const struct fwd_lcore *lc, unsigned i)
{
	const struct fwd_stream *fs = lc->streams[i];

	if (!lc->app->cfg.pool_per_lcore)
		return NULL;
	for (unsigned j = 0; j < i; j++) {
		const struct fwd_stream *o = lc->streams[j];

		if (o->rx->arena == fs->rx->arena && o->rx->dma == fs->rx->dma)
			return o->pool;
	}
	return NULL;
}

static int fwd_lcore_create_pools(struct fwd_lcore *lc)
{
	struct fwd_app *app = lc->app;
	/*
	 * A ring that can hold every buffer of the port never overflows, so
	 * returns from other threads (TX completion on a device thread) always
	 * recycle rather than falling back to the arena.
	 */
	unsigned ring = 1024;

	while (ring < app->cfg.nb_mbufs && ring < 65536)
		ring <<= 1;
	for (unsigned i = 0; i < lc->nb_streams; i++) {
		struct fwd_stream *fs = lc->streams[i];
		char name[32];
		struct bump_pool_params pp = {
			.name = name,
			.arena = fs->rx->arena,
			.ring_size = ring,
			.nid = BUMP_NUMA_ANY,  /* the region's: the port's memory is on one node */
			.flags = fs->rx->dma ? BUMP_POOL_F_DMA_MAP : 0,
			.dma_dev = fs->rx->dma,
			.dma_dir = BUMP_DMA_BIDIRECTIONAL,  /* the NIC writes on RX, reads on TX */
		};

		fs->pool = fwd_lcore_shared_pool(lc, i);
		if (fs->pool) {
			fs->rx->pools[fs->rxq] = fs->pool;
			continue;
		}
		if (app->cfg.pool_per_lcore)
			snprintf(name, sizeof(name), "lcore%u-port%u", lc->idx, fs->rx->idx);
		else
			snprintf(name, sizeof(name), "port%u-rxq%u", fs->rx->idx, fs->rxq);
		if (bump_pool_create(&pp, &fs->pool)) {
			fprintf(stderr, "bump-fwd: lcore %u: no pool for port %u RX queue %u; %s\n",
				lc->idx, fs->rx->idx, fs->rxq, FWD_SEE_ABOVE);
			return -1;
		}
		fs->rx->pools[fs->rxq] = fs->pool;
	}
	/* --test-leak: keep buffers the way a buggy forwarder would forget packets. */
	if (app->cfg.test_leak && lc->idx == 0 && lc->nb_streams) {
		lc->leak = calloc(app->cfg.test_leak, sizeof(*lc->leak));
		if (!lc->leak)
			return -1;
		lc->nb_leak = bump_pool_alloc_bulk(lc->streams[0]->pool, lc->leak,
						   app->cfg.test_leak);
	}
	return 0;
}

/*
 * The poll loop.  It also times itself, as testpmd's --record-core-cycles
 * does: a pass over the streams that moved packets counts as busy, so busy
 * cycles / packets is the whole loop's cost per packet, however idle the
 * lcore was (a pass that found nothing costs a few cycles, not counted).
 * The clock is read after each idle pass and after every FWD_TIMED_PASSES
 * busy ones, not after each pass (a TSC read costs about what forwarding
 * two packets does): a run of busy passes is timed as one, the idle pass
 * that ends it included (a few cycles).  Out of line, so that a profiler
 * can be scoped to it (doc/bench/fwd.md runs callgrind with
 * --toggle-collect=fwd_lcore_loop).
 */
#define FWD_TIMED_PASSES 16

static __attribute__((noinline)) void fwd_lcore_loop(struct fwd_lcore *lc)
{
	struct fwd_app *app = lc->app;
	struct fwd_stream *const *streams = lc->streams;
	const unsigned n = lc->nb_streams;
	unsigned (*burst)(struct fwd_stream *) = app->cfg.engine->burst;
	struct fwd_cpu_usage start;
	unsigned busy = 0;   /* busy passes since prev */
	uint64_t moved = 0;  /* their packets */
	uint64_t prev;

	fwd_cpu_usage_get(&start);
	prev = fwd_cycles();

	for (;;) {
		bool stop = atomic_load_explicit(&app->stop, memory_order_relaxed);
		unsigned pkts = 0;
		uint64_t now;

		if (!stop) {
			for (unsigned i = 0; i < n; i++)
				pkts += burst(streams[i]);
			if (pkts) {
				moved += pkts;
				if (++busy < FWD_TIMED_PASSES)
					continue;
			}
		}
		now = fwd_cycles();
		if (busy) {
			FWD_STAT_ADD(lc->busy_cycles, now - prev);
			FWD_STAT_ADD(lc->packets, moved);
			FWD_STAT_ADD(lc->passes, busy);
		}
		if (!stop && !pkts) {
			FWD_STAT_ADD(lc->idle_passes, 1);
			FWD_STAT_ADD(lc->passes, 1);
		}
		if (stop)
			break;
		prev = now;
		busy = 0;
		moved = 0;
	}
	fwd_cpu_usage_get(&lc->usage);
	fwd_cpu_usage_sub(&lc->usage, &start);
}

/*
 * A driver posts its RX buffers on the first poll of a queue (the pool's
 * owner allocates them): a frame that arrives earlier finds the RX ring
 * empty and is missed.  Every lcore polls its queues once here; the last
 * one says so on stdout, and a test that sends frames waits for that line.
 */
static void fwd_lcore_first_poll(struct fwd_lcore *lc)
{
	struct fwd_app *app = lc->app;

	if (app->cfg.engine->uses_rx)
		for (unsigned i = 0; i < lc->nb_streams; i++)
			app->cfg.engine->burst(lc->streams[i]);
	if (atomic_fetch_add(&app->lcores_polled, 1) + 1 == app->nb_lcores) {
		printf("  every RX queue polled once: its buffers are posted\n");
		fflush(stdout);
	}
}

/* --tx-first: all lcores have polled their queues once before anyone sends. */
static void fwd_lcore_tx_first(struct fwd_lcore *lc)
{
	struct fwd_app *app = lc->app;

	pthread_barrier_wait(&app->lcore_barrier);
	for (unsigned b = 0; b < app->cfg.tx_first; b++)
		for (unsigned i = 0; i < lc->nb_streams; i++)
			fwd_engine_tx_first(lc->streams[i]);
}

static void *fwd_lcore_main(void *arg)
{
	struct fwd_lcore *lc = arg;
	struct fwd_app *app = lc->app;
	int gate;

	while ((gate = atomic_load(&app->gate)) == FWD_GATE_WAIT)
		sched_yield();
	if (gate == FWD_GATE_ABORT)
		return NULL;
	if (fwd_pin_self(lc->cpu) || fwd_lcore_create_pools(lc))
		lc->error = 1;
	pthread_barrier_wait(&app->barrier);  /* 1: pools created */
	pthread_barrier_wait(&app->barrier);  /* 2: go */
	if (!lc->error && !atomic_load(&app->abort)) {
		/*
		 * The queues were set up and started from the main thread; whatever
		 * the driver did with the pools there, this thread owns them now.
		 */
		for (unsigned i = 0; i < lc->nb_streams; i++)
			bump_pool_set_owner(lc->streams[i]->pool);
		fwd_lcore_first_poll(lc);
		if (app->cfg.tx_first)
			fwd_lcore_tx_first(lc);
		fwd_lcore_loop(lc);
	}
	pthread_barrier_wait(&app->barrier);  /* 3: forwarding stopped */
	pthread_barrier_wait(&app->barrier);  /* 4: ports stopped and closed */
	/* Last first: a pool is destroyed by the first stream that has it, whose pool is still set. */
	for (unsigned i = lc->nb_streams; i-- > 0;) {
		struct fwd_stream *fs = lc->streams[i];

		/* A pool still holding buffers detaches; main reports it (bump_pool_list). */
		if (fs->pool && !fwd_lcore_shared_pool(lc, i))
			bump_pool_destroy(fs->pool);
		fs->pool = NULL;
		fs->rx->pools[fs->rxq] = NULL;
	}
	return NULL;
}

static void fwd_lcores_join(struct fwd_app *app)
{
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		struct fwd_lcore *lc = &app->lcores[l];

		if (lc->thread_started)
			pthread_join(lc->thread, NULL);
		lc->thread_started = false;
	}
}

int fwd_lcores_launch(struct fwd_app *app)
{
	int ret = pthread_barrier_init(&app->barrier, NULL, app->nb_lcores + 1);

	if (!ret) {
		ret = pthread_barrier_init(&app->lcore_barrier, NULL, app->nb_lcores);
		if (ret)
			pthread_barrier_destroy(&app->barrier);
	}
	if (ret) {
		fprintf(stderr, "bump-fwd: pthread_barrier_init: %s\n", strerror(ret));
		return -1;
	}
	atomic_store(&app->gate, FWD_GATE_WAIT);
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		struct fwd_lcore *lc = &app->lcores[l];

		ret = pthread_create(&lc->thread, NULL, fwd_lcore_main, lc);
		if (ret) {
			fprintf(stderr, "bump-fwd: cannot start forwarding thread %u: %s\n", l,
				strerror(ret));
			/* The barrier counts every lcore: release the ones that exist instead. */
			atomic_store(&app->gate, FWD_GATE_ABORT);
			fwd_lcores_join(app);
			pthread_barrier_destroy(&app->barrier);
			pthread_barrier_destroy(&app->lcore_barrier);
			return -1;
		}
		lc->thread_started = true;
	}
	atomic_store(&app->gate, FWD_GATE_OPEN);
	return 0;
}

void fwd_lcores_sync(struct fwd_app *app)
{
	pthread_barrier_wait(&app->barrier);
}

void fwd_lcores_done(struct fwd_app *app)
{
	fwd_lcores_join(app);
	pthread_barrier_destroy(&app->barrier);
	pthread_barrier_destroy(&app->lcore_barrier);
}
