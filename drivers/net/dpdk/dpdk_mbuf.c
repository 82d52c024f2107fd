/* SPDX-License-Identifier: MIT */
/*
 * dpdk_mbuf.c - mbufs that are bump buffers: one buffer, one metadata.
 *
 * An RX queue whose layout allows it gives the PMD a mempool of its own
 * ops ("bump_port"): every mbuf the PMD gets is a buffer of the queue's
 * bump pool with the mbuf header in its first 128 bytes and the data room
 * after it.  rx_burst hands the frame on as a packet handle on that very
 * buffer, and tx_burst turns a handle whose buffer has room for the header
 * (off >= 128) and no other reference back into an mbuf in place: the
 * buffer's first byte is its mbuf, found from the handle in O(1).
 *
 *   buffer:  [rte_mbuf 128 B][DPDK headroom 128 B][frame ...]
 *
 * Every such mbuf has m->pool = the home mempool, one per process: when a
 * PMD frees it, DPDK calls its enqueue, which returns the buffer to its
 * bump pool (bump_put_bulk: the owner's cache on its own thread, the pool's
 * recycle ring through this thread's put stash on another).  Home outlives
 * every queue, so mbufs in flight never point at a freed mempool.  Neither
 * mempool has a DPDK cache: bump's pools are the per-lcore caches.
 *
 * The header is written whenever a buffer becomes an mbuf (the queue
 * mempool's dequeue, TX), never trusted from before: the bytes before a
 * handle's packet are the application's to write.  Only the pool's owner
 * may allocate; a PMD that fills its ring at start on another thread (most
 * hardware PMDs) gets buffers from a second pool on the same arena that
 * the control path owns behind a lock.
 */
#include "dpdk_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_mempool.h>

static_assert(sizeof(struct rte_mbuf) == DPDK_MBUF_HDR, "the mbuf header fills two cache lines");

#define DPDK_MBUF_OPS "bump_port"

/*
 * What a queue's mempool gets from (mp->pool_config).  Never freed, but
 * kept for the next queue: a thread's dpdk_mbuf_last may still point here.
 */
struct dpdk_mbuf_src {
	struct bump_pool *_Atomic pool;  /* the queue's pool: its owner's gets; NULL once retired */
	struct dpdk_mbuf_src *next_free;
	struct bump_pool *ctl;       /* any other thread's gets (PMD start), under lock */
	pthread_mutex_t lock;
	bool iova_va;
	bool pool_gone;              /* its destroy already reported */
	uint16_t bport, qid;
};

struct rte_mempool *dpdk_mbuf_home;
static pthread_mutex_t dpdk_mbuf_home_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dpdk_mbuf_src *dpdk_mbuf_src_free;  /* retired ones, under the lock */

/*
 * The source this thread last got mbufs from as its pool's owner.  A PMD
 * frees mbufs one at a time (net_null, most TX completions below a
 * threshold), each an enqueue of one: those of that pool go straight into
 * its cache with bump's inline owner put, without a search for their pool.
 */
/* initial-exec: linked into programs, so no __tls_get_addr call per free. */
static __thread struct dpdk_mbuf_src *dpdk_mbuf_last
	__attribute__((tls_model("initial-exec")));

/* ---- The ops ---------------------------------------------------------------- */

static int dpdk_mbuf_ops_alloc(struct rte_mempool *mp)
{
	(void)mp;
	return 0;  /* the state is pool_config, the objects bump's */
}

static void dpdk_mbuf_ops_free(struct rte_mempool *mp)
{
	(void)mp;
}

/* Back to their pools, from any thread; a stray pointer is rejected and counted by bump. */
static int dpdk_mbuf_enqueue(struct rte_mempool *mp, void *const *objs, unsigned n)
{
	struct dpdk_mbuf_src *s = dpdk_mbuf_last;
	struct bump_pool *p = s ? s->pool : NULL;
	unsigned i = 0;

	(void)mp;
	if (bump_likely(p && atomic_load_explicit(&p->owner, memory_order_relaxed) ==
			     bump_thread_token())) {
		uint32_t count = p->cache_count;

		while (i < n && __bump_pool_put_fast(p, objs[i], count)) {
			count++;
			i++;
		}
		if (i) {
			__bump_pool_set_cache_count(p, count);
			__BUMP_STAT_ADD(p->recycle.cached, i);
		}
	}
	if (i < n)
		bump_put_bulk(objs + i, n - i);
	return 0;
}

static unsigned dpdk_mbuf_src_alloc(struct dpdk_mbuf_src *s, void **objs, unsigned n)
{
	unsigned got;

	/* Destroyed while the port holds it: no more buffers (bump_port.h), as other drivers. */
	if (bump_unlikely(bump_pool_destroyed(s->pool))) {
		bump_port_rx_pool_gone(s->bport, s->qid, s->pool, &s->pool_gone);
		return 0;
	}
	if (bump_likely(atomic_load_explicit(&s->pool->owner, memory_order_relaxed) ==
			bump_thread_token())) {
		dpdk_mbuf_last = s;
		return bump_pool_alloc_bulk(s->pool, objs, n);
	}
	pthread_mutex_lock(&s->lock);
	bump_pool_set_owner(s->ctl);
	got = bump_pool_alloc_bulk(s->ctl, objs, n);
	if (got < n)
		bump_pool_put_bulk(s->ctl, objs, got);
	pthread_mutex_unlock(&s->lock);
	return got < n ? 0 : n;
}

/* All @n or none, as DPDK wants; each buffer gets a fresh mbuf header. */
static int dpdk_mbuf_dequeue(struct rte_mempool *mp, void **objs, unsigned n)
{
	struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned got;

	if (bump_unlikely(!s))
		return -ENOBUFS;  /* home hands nothing out: queues do */
	got = dpdk_mbuf_src_alloc(s, objs, n);
	if (bump_unlikely(got < n)) {
		if (got)
			bump_pool_put_bulk(s->pool, objs, got);
		return -ENOBUFS;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];

		dpdk_mbuf_init(m, __bump_pool_page_desc(s->pool, m), bump_pool_buf_size(s->pool),
			       s->iova_va, RTE_PKTMBUF_HEADROOM);
	}
	return 0;
}

static unsigned dpdk_mbuf_get_count(const struct rte_mempool *mp)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;
	struct bump_pool_stats st;

	if (!s)
		return 0;
	bump_pool_get_stats(s->pool, &st);
	return (unsigned)(st.cached_now + st.ring_now);
}

static const struct rte_mempool_ops dpdk_mbuf_ops = {
	.name = DPDK_MBUF_OPS,
	.alloc = dpdk_mbuf_ops_alloc,
	.free = dpdk_mbuf_ops_free,
	.enqueue = dpdk_mbuf_enqueue,
	.dequeue = dpdk_mbuf_dequeue,
	.get_count = dpdk_mbuf_get_count,
};

RTE_MEMPOOL_REGISTER_OPS(dpdk_mbuf_ops);

/* ---- Mempools --------------------------------------------------------------- */

/* An empty mempool of our ops: no memory of its own, no cache, @src as its state. */
static struct rte_mempool *dpdk_mbuf_mempool(const char *name, unsigned n, uint16_t room,
					     int socket, struct dpdk_mbuf_src *src)
{
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = room };
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, n, DPDK_MBUF_HDR + room, 0, sizeof(priv), socket, 0);
	if (!mp)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, DPDK_MBUF_OPS, src)) {
		rte_mempool_free(mp);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	return mp;
}

int dpdk_mbuf_home_get(void)
{
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	if (!dpdk_mbuf_home)
		dpdk_mbuf_home = dpdk_mbuf_mempool("bmp_home", 1u << 24, 0, SOCKET_ID_ANY, NULL);
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);
	if (!dpdk_mbuf_home)
		return bump_error(rte_errno ? rte_errno : ENOMEM, "dpdk: no home mempool for "
				  "bump mbufs (%s): give EAL more memory (-m, or hugepages)",
				  rte_strerror(rte_errno));
	return 0;
}

static void dpdk_mbuf_src_retire(struct dpdk_mbuf_src *s)
{
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	s->pool = NULL;
	s->ctl = NULL;
	s->next_free = dpdk_mbuf_src_free;
	dpdk_mbuf_src_free = s;
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);
}

bool dpdk_mbuf_usable(const struct dpdk_rxq *q)
{
	return !q->copy && q->headroom <= DPDK_MBUF_FRAME && q->buf_size >= DPDK_MBUF_FRAME + 256;
}

struct rte_mempool *dpdk_mbuf_pool_new(struct dpdk_rxq *q)
{
	struct bump_pool *pool = q->pool;
	struct bump_dma_dev *dma = bump_pool_dma_dev(pool);
	struct bump_pool_params pp = {
		.name = "dpdk-rx-ctl",
		.arena = atomic_load_explicit(&__bump_arenas[pool->arena_id], memory_order_relaxed),
		.order = pool->order,
		.ring_size = 64,
		.nid = BUMP_NUMA_ANY,
		.flags = dma ? BUMP_POOL_F_DMA_MAP : 0,
		.dma_dev = dma,
		.dma_dir = BUMP_DMA_BIDIRECTIONAL,
	};
	struct dpdk_mbuf_src *s;
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (dpdk_mbuf_home_get())
		return NULL;
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	s = dpdk_mbuf_src_free;
	if (s)
		dpdk_mbuf_src_free = s->next_free;
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);
	if (!s)
		s = calloc(1, sizeof(*s));
	if (!s) {
		bump_error(ENOMEM, "dpdk port %u RX queue %u: out of memory", q->bport, q->qid);
		return NULL;
	}
	s->iova_va = q->iova_va;
	s->pool_gone = false;
	s->bport = q->bport;
	s->qid = q->qid;
	pthread_mutex_init(&s->lock, NULL);
	if (bump_pool_create(&pp, &s->ctl)) {
		dpdk_mbuf_src_retire(s);
		return NULL;  /* bump said why */
	}
	s->pool = pool;  /* last: a thread's enqueue may look at a recycled source any time */
	dpdk_obj_name(name, sizeof(name), "rxb", q->bport, q->qid);
	mp = dpdk_mbuf_mempool(name, q->nb_desc + 4 * DPDK_BURST,
			       (uint16_t)RTE_MIN(q->buf_size - DPDK_MBUF_HDR, (size_t)UINT16_MAX),
			       q->dp->socket, s);
	if (!mp) {
		bump_error(rte_errno ? rte_errno : ENOMEM, "dpdk port %u RX queue %u: no mempool "
			   "(%s): give EAL more memory (-m, or hugepages)", q->bport, q->qid,
			   rte_strerror(rte_errno));
		bump_pool_destroy(s->ctl);
		dpdk_mbuf_src_retire(s);
		return NULL;
	}
	return mp;
}

bool dpdk_mbuf_pool(const struct rte_mempool *mp)
{
	return dpdk_mbuf_home && mp->ops_index == dpdk_mbuf_home->ops_index;
}

/*
 * The PMD gets nothing more from @mp (its queue was released or set up
 * again): the mbufs it holds are home's and come back by themselves.
 */
void dpdk_mbuf_pool_free(struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;

	rte_mempool_free(mp);
	bump_pool_set_owner(s->ctl);
	bump_pool_destroy(s->ctl);  /* detached while its buffers are out */
	pthread_mutex_destroy(&s->lock);
	dpdk_mbuf_src_retire(s);
}
