/* SPDX-License-Identifier: MIT */
/*
 * mempool_bump_ops.c - the "bump" rte_mempool ops: get and put of objects
 * through per-lcore bump pools, the count, and the registration.
 *
 * DPDK calls enqueue and dequeue from any lcore at once (cache flushes and
 * refills, or every get and put of a pool without a cache) and from
 * non-EAL threads.  Each lcore gets and puts through a bump pool it owns,
 * with bump's owner fast paths, unchecked: no atomic read-modify-write, no
 * descriptor store (bmp_reclaim_all() tells cached objects from held ones
 * at free instead).  An object put on another lcore than the one that got
 * it goes back through its pool's recycle ring (bump_put_bulk).
 */
#include "mempool_bump.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>

RTE_LOG_REGISTER(bmp_logtype, mempool.bump, NOTICE);

#define BMP_BATCH 64

/*
 * The pool of EAL lcore @lcore (a registered non-EAL thread included),
 * created on its first get.  rte_thread_register() reuses the ids of
 * unregistered threads: a thread that finds another owner takes it over.
 */
static struct bump_pool *bmp_lcore_pool(struct bmp *b, unsigned lcore, bool create)
{
	struct bump_pool *p = atomic_load_explicit(&b->lcore[lcore], memory_order_acquire);
	char what[16];

	if (bump_likely(p)) {
		if (bump_unlikely(atomic_load_explicit(&p->owner, memory_order_relaxed) !=
				  bump_thread_token()))
			bump_pool_set_owner(p);
		return p;
	}
	if (!create)
		return NULL;
	snprintf(what, sizeof(what), "lc%u", lcore);
	if (bmp_pool_new(b, what, &p)) {
		BMP_LOG(ERR, "mempool '%s': no pool for lcore %u: %s\n", b->mp->name, lcore,
			bump_last_error());
		return NULL;
	}
	atomic_store_explicit(&b->lcore[lcore], p, memory_order_release);
	return p;
}

/* The non-EAL threads' pool (shared_lock held): the caller becomes its owner. */
static struct bump_pool *bmp_shared_pool(struct bmp *b, bool create)
{
	struct bump_pool *p = atomic_load_explicit(&b->shared, memory_order_relaxed);

	if (!p && create) {
		if (bmp_pool_new(b, "shared", &p)) {
			BMP_LOG(ERR, "mempool '%s': no pool for non-EAL threads: %s\n", b->mp->name,
				bump_last_error());
			return NULL;
		}
		atomic_store_explicit(&b->shared, p, memory_order_release);
	}
	if (p)
		bump_pool_set_owner(p);
	return p;
}

/*
 * Put @n objects (owner of @p, or @p NULL): runs of @p's own buffers go
 * straight into its cache (bump_pool_put_own() stops at the first that is
 * not one: no pre-pass over the burst); each run of others is handed to
 * bump_put_bulk(), which finds their pools.  A DPDK enqueue returns objects
 * to the common pool, so the other pools' share does not wait in this
 * thread's put stash: it is flushed to their rings before returning.
 */
static void bmp_put(struct bump_pool *p, void *const *objs, unsigned n)
{
	unsigned done = 0, bad = 0;
	bool others = false;

	/* One object (a PMD's or rte_pktmbuf_free's put with no DPDK cache): bump's inline put. */
	if (n == 1 && p && __bump_pool_put_fast(p, objs[0], p->cache_count)) {
		__bump_pool_set_cache_count(p, p->cache_count + 1);
		__BUMP_STAT_ADD(p->recycle.cached, 1);
		return;
	}
	while (done < n) {
		unsigned k = 1;

		if (p) {
			done += bump_pool_put_own(p, objs + done, n - done, &bad);
			if (done == n)
				break;
		}
		/* objs[done] stopped it (or there is no pool): up to the next of @p's. */
		while (done + k < n && !(p && bump_pool_owns(p, objs[done + k])))
			k++;
		bump_put_bulk(objs + done, k);
		others = true;
		done += k;
	}
	if (others)
		bump_put_flush();
}

/* Refill @p's cache, unless nothing is there: a refill that fails is logged. */
static bool bmp_refill(struct bmp *b, struct bump_pool *p)
{
	if (!bump_ring_count(p->ring) && !bump_arena_free_pages(b->arena))
		return false;
	return __bump_pool_refill(p) > 0;
}

/*
 * Take up to @n objects from the recycle rings of pools other than @self:
 * objects freed on an lcore that no longer gets any.  They stay their
 * pools' buffers (a later put goes back there); taking one sets its
 * refcount to 1 (already 1 in an unchecked pool's ring).
 */
static unsigned bmp_steal(struct bmp *b, struct bump_pool *self, void **objs, unsigned n)
{
	unsigned got = 0;

	for (unsigned i = 0; i <= RTE_MAX_LCORE && got < n; i++) {
		struct bump_pool *p = i < RTE_MAX_LCORE ? atomic_load(&b->lcore[i]) :
							   atomic_load(&b->shared);
		void *bufs[BMP_BATCH];
		unsigned k;

		if (!p || p == self)
			continue;
		do {
			k = bump_ring_dequeue_burst(p->ring, bufs, BUMP_MIN(n - got, BMP_BATCH));
			for (unsigned j = 0; j < k; j++) {
				if (!bufs[j])  /* a slot published empty by a racing destroy */
					continue;
				atomic_store_explicit(&__bump_pool_page_desc(p, bufs[j])->refcount, 1,
						      memory_order_relaxed);
				objs[got++] = bmp_obj(b, bufs[j]);
			}
		} while (k && got < n);
	}
	return got;
}

/*
 * A get failed somewhere since this pool last looked: move its cache into
 * its ring, where other lcores' gets find it (the ring holds every object).
 */
static void bmp_drain_check(struct bmp *b, struct bump_pool *p, unsigned slot)
{
	uint32_t epoch = atomic_load_explicit(&b->drain_epoch, memory_order_relaxed);
	uint32_t n, k;

	if (bump_likely(epoch == b->seen_epoch[slot]))
		return;
	b->seen_epoch[slot] = epoch;
	n = p->cache_count;
	k = bump_ring_enqueue_burst(p->ring, p->cache, n);
	memmove(p->cache, p->cache + k, (n - k) * sizeof(p->cache[0]));
	__bump_pool_set_cache_count(p, n - k);
}

/* All @n objects or none, as DPDK's dequeue expects. */
static int bmp_get(struct bmp *b, struct bump_pool *p, void **objs, unsigned n)
{
	unsigned got = 0;

	while (got < n) {
		unsigned k = BUMP_MIN(n - got, p->cache_count);

		if (!k) {
			if (!bmp_refill(b, p))
				break;
			continue;
		}
		/* k fits the cache: no refill behind the bulk alloc. */
		k = bump_pool_alloc_bulk(p, objs + got, k);
		if (bump_likely(!b->color_mask)) {
			/* One colour (any odd stride): every object at the header's end, no page index. */
			for (unsigned i = got; i < got + k; i++)
				objs[i] = (char *)objs[i] + b->hdr;
		} else {
			for (unsigned i = got; i < got + k; i++)
				objs[i] = bmp_obj(b, objs[i]);
		}
		got += k;
	}
	if (got < n)
		got += bmp_steal(b, p, objs + got, n - got);
	if (got < n) {
		bmp_put(p, objs, got);
		atomic_fetch_add_explicit(&b->drain_epoch, 1, memory_order_relaxed);
		return -ENOBUFS;
	}
	return 0;
}

struct bmp *bmp_of(const struct rte_mempool *mp)
{
	static bool told;
	struct bmp *b = mp->pool_data;

	if (bump_likely(b && b->magic == BMP_MAGIC && b->mp == mp))
		return b;
	if (!told) {
		told = true;
		BMP_LOG(ERR, "mempool '%s' is not a bump mempool, yet this process called bump's "
			"ops on it: DPDK finds a mempool's ops by their index in each process's "
			"table, and the process that created it (a secondary such as dpdk-dumpcap "
			"or dpdk-pdump) registered other drivers before or after bump; its gets "
			"and puts are refused. Start that process with the same -d options as "
			"this one, in the same order (see doc/drivers/dpdk.md)\n", mp->name);
	}
	return NULL;
}

bool bmp_primary(const struct rte_mempool *mp, const char *what)
{
	static bool told;

	if (bump_likely(rte_eal_process_type() == RTE_PROC_PRIMARY))
		return true;
	if (!told) {
		told = true;
		BMP_LOG(ERR, "mempool '%s': a secondary process cannot %s objects of a bump mempool: "
			"they live in the primary's own memory; get and put mbufs in the primary (a "
			"secondary may read the counts)\n", mp->name, what);
	}
	return false;
}

int bmp_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct bmp *b = bmp_of(mp);
	unsigned lcore = rte_lcore_id();
	struct bump_pool *p;
	int ret;

	if (bump_unlikely(!b))
		return -EINVAL;
	if (bump_unlikely(rte_eal_process_type() != RTE_PROC_PRIMARY)) {
		bmp_primary(mp, "get");  /* says why */
		return -EPERM;
	}
	if (bump_likely(lcore < RTE_MAX_LCORE)) {
		p = bmp_lcore_pool(b, lcore, true);
		if (bump_unlikely(!p))
			return -ENOMEM;
		bmp_drain_check(b, p, lcore);
		ret = bmp_get(b, p, objs, n);
		if (bump_likely(!ret))
			bmp_count_out(b, lcore, n);
		return ret;
	}
	rte_spinlock_lock(&b->shared_lock);
	p = bmp_shared_pool(b, true);
	if (p)
		bmp_drain_check(b, p, RTE_MAX_LCORE);
	ret = p ? bmp_get(b, p, objs, n) : -ENOMEM;
	if (!ret)
		bmp_count_out(b, RTE_MAX_LCORE, n);
	rte_spinlock_unlock(&b->shared_lock);
	return ret;
}

int bmp_enqueue(struct rte_mempool *mp, void *const *objs, unsigned int n)
{
	struct bmp *b = bmp_of(mp);
	unsigned lcore = rte_lcore_id();
	struct bump_pool *p;

	if (bump_unlikely(!b))
		return -EINVAL;  /* not bump's objects: they stay where they are */
	if (bump_unlikely(rte_eal_process_type() != RTE_PROC_PRIMARY)) {
		bmp_primary(mp, "put");  /* says why */
		return -EPERM;
	}
	if (bump_likely(lcore < RTE_MAX_LCORE)) {
		/* An lcore that never got an object has no pool: all its puts are remote. */
		p = bmp_lcore_pool(b, lcore, false);
		bmp_count_out(b, lcore, -(int64_t)n);
		bmp_put(p, objs, n);
		if (p)
			bmp_drain_check(b, p, lcore);
		return 0;
	}
	rte_spinlock_lock(&b->shared_lock);
	p = bmp_shared_pool(b, false);
	bmp_count_out(b, RTE_MAX_LCORE, -(int64_t)n);
	bmp_put(p, objs, n);
	if (p)
		bmp_drain_check(b, p, RTE_MAX_LCORE);
	rte_spinlock_unlock(&b->shared_lock);
	return 0;
}

static uint64_t bmp_pool_free_count(const struct bump_pool *p)
{
	struct bump_pool_stats st;

	if (!p)
		return 0;
	bump_pool_get_stats(p, &st);
	return st.cached_now + st.ring_now;
}

/* Free objects below DPDK's caches: the arena's pages and every pool's cache and ring. */
unsigned bmp_get_count(const struct rte_mempool *mp)
{
	const struct bmp *b = bmp_of(mp);
	uint64_t n;

	if (!b)
		return 0;

	/* A secondary process: from the counts of objects out, in shared memory. */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		int64_t out = 0;

		for (unsigned i = 0; i <= RTE_MAX_LCORE; i++)
			out += atomic_load_explicit(&b->out[i].n, memory_order_relaxed);
		/* Read while lcores run: a get counted before its put can leave it off by a burst. */
		out = RTE_MAX(out, (int64_t)0);
		return (unsigned)RTE_MAX((int64_t)b->nobj - out, (int64_t)0);
	}
	n = bump_arena_free_pages(b->arena);

	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		n += bmp_pool_free_count(atomic_load(&b->lcore[i]));
	n += bmp_pool_free_count(atomic_load(&b->shared));
	return (unsigned)BUMP_MIN(n, (uint64_t)b->nobj);
}

static const struct rte_mempool_ops bmp_ops = {
	.name = "bump",
	.alloc = bmp_alloc,
	.free = bmp_free,
	.enqueue = bmp_enqueue,
	.dequeue = bmp_dequeue,
	.get_count = bmp_get_count,
	.calc_mem_size = bmp_calc_mem_size,
	.populate = bmp_populate,
};

/*
 * Registration.  DPDK finds a mempool's ops by their index in each
 * process's own table, filled as drivers register.  From the plugin's
 * constructor (RTE_MEMPOOL_REGISTER_OPS) bump would come before every driver
 * EAL loads after it (later -d plugins, then its driver directory) and move
 * each up by one: a process without the plugin (dpdk-pdump, dpdk-dumpcap)
 * would give its pools' index to another driver in the primary.  The vdev
 * bus's scan runs in rte_eal_init after EAL has loaded every plugin and
 * before anything can make a mempool, in primaries and secondaries, and
 * calls the scan callbacks (rte_vdev_add_custom_scan(): public, where the
 * bus API itself is internal in DPDK 22.11): bump registers from there and
 * takes the last index.  Each hotplug scans again: the first call only.
 */
static void bmp_register(void *arg)
{
	static bool done;  /* the scan callbacks run under the vdev bus's lock */
	int ret;

	(void)arg;
	if (done)
		return;
	done = true;
	ret = rte_mempool_register_ops(&bmp_ops);
	if (ret < 0)
		BMP_LOG(ERR, "cannot register the \"bump\" mempool ops: %s (DPDK holds %d "
			"ops at most: load fewer mempool drivers)\n", strerror(-ret),
			RTE_MEMPOOL_MAX_OPS_IDX);
}

RTE_INIT(bmp_init_ops)
{
	/*
	 * A program that dlopen()s the plugin after rte_eal_init() has had its
	 * scan: register at once (the last index then too).  EAL decides the
	 * IOVA mode right after the scan: until then it is RTE_IOVA_DC.
	 */
	if (rte_eal_iova_mode() != RTE_IOVA_DC) {
		bmp_register(NULL);
		return;
	}
	if (rte_vdev_add_custom_scan(bmp_register, NULL) == 0)
		return;
	BMP_LOG(WARNING, "no vdev scan callback (out of memory): the \"bump\" ops are "
		"registered now, before the drivers EAL loads after this plugin, whose "
		"ops indices move up by one (see doc/drivers/dpdk.md)\n");
	bmp_register(NULL);
}

/* A program may unload the plugin: the vdev bus must not call into it then. */
RTE_FINI(bmp_fini_ops)
{
	rte_vdev_remove_custom_scan(bmp_register, NULL);
}

/* bump's own messages (this plugin's copy of libbump) go to DPDK's log. */
static void bmp_bump_log(enum bump_log_level level, const char *msg, void *arg)
{
	static const uint32_t levels[] = {
		[BUMP_LOG_ERR] = RTE_LOG_ERR,
		[BUMP_LOG_WARN] = RTE_LOG_WARNING,
		[BUMP_LOG_INFO] = RTE_LOG_INFO,
		[BUMP_LOG_DEBUG] = RTE_LOG_DEBUG,
	};

	(void)arg;
	rte_log(levels[level], bmp_logtype, "mempool bump: %s\n", msg);
}

RTE_INIT(bmp_init_log)
{
	bump_log_set_handler(bmp_bump_log, NULL);
	bump_log_set_level(BUMP_LOG_DEBUG);  /* DPDK's log level filters from here */
}
