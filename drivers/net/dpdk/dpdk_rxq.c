/* SPDX-License-Identifier: MIT */
/*
 * dpdk_rxq.c - RX into bump pages.
 *
 * The PMD takes its RX mbufs from a pool of the queue's own, flagged for
 * pinned external buffers (RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF): DPDK then
 * never detaches an external buffer from its mbuf, so an mbuf that carries
 * a bump page goes back to the pool with it and the PMD writes the next
 * frame into that page.  The page is the pool owner's allocation (its
 * descriptor's refcount holds the mbuf's reference); the mbuf's private
 * area holds the page's shared info and which page it is.
 *
 * A queue whose pool and headroom allow it receives into mbufs that are
 * its pool's buffers instead (dpdk_mbuf.c): rx_burst hands each frame on
 * as a packet handle on its mbuf's own buffer, and nothing else happens to
 * it.  What follows is the path for the other queues and for mbufs that are
 * not bump's (copy mode, a foreign peer on net_ring).
 *
 * rx_burst, on the pool owner's thread: a frame in a pinned page leaves as
 * a packet handle on that very page (no copy), and the mbuf gets a fresh
 * page before it goes back.  Any other frame (the pool's mbufs start with
 * their own data rooms, copy mode, a foreign mbuf) is copied into a fresh
 * page, and one of our mbufs is given a page of its own on the way (so
 * after one pass of the ring every frame is zero-copy).  Frames sent by
 * this driver's TX (net_ring hands the very mbuf over) leave on the page
 * they were sent from.
 *
 * Stop hands the PMD a fresh pool (re-setting up the queue releases every
 * mbuf it held), then returns the pages of the old one's mbufs.
 */
#include "dpdk_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf_pool_ops.h>

/* DPDK calls this only for the last clone of a pinned mbuf: the mbuf goes home. */
static void dpdk_rx_pinned_free(void *addr, void *opaque)
{
	struct rte_mbuf *m = opaque;

	(void)addr;
	rte_mbuf_ext_refcnt_set(m->shinfo, 1);
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	m->next = NULL;
	m->nb_segs = 1;
	rte_mbuf_raw_free(m);
}

/* A fresh page of q->pool, or NULL; a destroyed pool (the port holds it) gives none. */
static void *dpdk_rx_alloc(struct dpdk_rxq *q)
{
	if (bump_unlikely(bump_pool_destroyed(q->pool))) {
		bump_port_rx_pool_gone(q->bport, q->qid, q->pool, &q->pool_gone);
		return NULL;
	}
	return bump_pool_alloc(q->pool);
}

/* Pin @buf, a fresh page of q->pool, to @m (ours, not in use). */
static void dpdk_rx_pin(struct dpdk_rxq *q, struct rte_mbuf *m, void *buf)
{
	struct dpdk_mbuf_priv *pv = dpdk_priv(m);
	char *addr = (char *)buf + q->addr_off;

	pv->buf = buf;
	pv->rxq = q;
	pv->shinfo.free_cb = dpdk_rx_pinned_free;
	pv->shinfo.fcb_opaque = m;
	rte_mbuf_ext_refcnt_set(&pv->shinfo, 1);
	m->buf_addr = addr;
	rte_mbuf_iova_set(m, dpdk_page_iova(__bump_pool_page_desc(q->pool, buf), buf, addr,
					    q->iova_va));
	m->buf_len = (uint16_t)RTE_MIN(q->buf_size - q->addr_off, (size_t)UINT16_MAX);
	m->shinfo = &pv->shinfo;
	m->ol_flags |= RTE_MBUF_F_EXTERNAL;
	rte_pktmbuf_reset_headroom(m);
	DPDK_STAT_ADD(q->st.pinned, 1);
}

static bool dpdk_rx_is_pinned(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_EXTERNAL) && m->shinfo->free_cb == dpdk_rx_pinned_free;
}

/* Back to the mbuf's own data room (it is ours and not in use); returns its page. */
static void *dpdk_rx_unpin(struct rte_mbuf *m)
{
	struct dpdk_mbuf_priv *pv = dpdk_priv(m);
	uint32_t mbuf_size = (uint32_t)(sizeof(*m) + rte_pktmbuf_priv_size(m->pool));
	void *buf = pv->buf;

	m->buf_addr = (char *)m + mbuf_size;
	rte_mbuf_iova_set(m, rte_mempool_virt2iova(m) + mbuf_size);
	m->buf_len = rte_pktmbuf_data_room_size(m->pool);
	m->shinfo = NULL;
	m->ol_flags = 0;
	rte_pktmbuf_reset_headroom(m);
	pv->buf = NULL;
	return buf;
}

/* ---- Pools --------------------------------------------------------------- */

struct rte_mempool *dpdk_rxq_pool_new(struct dpdk_rxq *q)
{
	if (q->as_is)
		return dpdk_mbuf_pool_new(q);
	/* (The rest: mbufs with data rooms of their own, for pinned pages or copies.) */
	/*
	 * The PMD's ring and a burst in flight each way.  Copy mode is for
	 * PMDs that keep buffers of their own beside the ring (net_af_xdp
	 * fills its fill queue with 2048 at setup): give them room.
	 */
	unsigned n = q->nb_desc + 4 * DPDK_BURST + (q->copy ? 4096 : 0);
	/*
	 * The data room is what the PMD may write into a buffer (hardware is
	 * told so): never more than a pinned page has past addr_off.  Copy
	 * mode and not-yet-pinned mbufs receive into it.
	 */
	uint16_t room = (uint16_t)RTE_MIN(q->buf_size - q->addr_off,
					  (size_t)RTE_MBUF_DEFAULT_BUF_SIZE);
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = room,
		.mbuf_priv_size = DPDK_PRIV_SIZE,
		.flags = q->copy ? 0 : RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF,
	};
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];

	dpdk_obj_name(name, sizeof(name), "rx", q->bport, q->qid);
	/*
	 * No cache: the PMD and rx_burst mostly take and give whole bursts on
	 * one thread, and stop finds every free mbuf in the pool itself, none
	 * left in some lcore's cache.
	 */
	/*
	 * net_af_xdp registers [first chunk, + objects x object size) as its
	 * UMEM: its pool must be packed, with no gap at page ends (it needs no
	 * IOVA: the kernel reaches the UMEM by its own mapping).
	 */
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + DPDK_PRIV_SIZE + room, 0,
				      sizeof(priv), q->dp->socket,
				      q->dp->packed_pool ? RTE_MEMPOOL_F_NO_IOVA_CONTIG : 0);
	if (!mp) {
		bump_error(rte_errno ? rte_errno : ENOMEM, "dpdk port %u RX queue %u: no mbuf pool "
			   "of %u (%s): give EAL more memory (-m, or hugepages)", q->bport, q->qid,
			   n, rte_strerror(rte_errno));
		return NULL;
	}
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL)) {
		bump_error(ENOENT, "dpdk port %u RX queue %u: no mempool ops '%s': load its plugin "
			   "(EAL -d) or name another with --mbuf-pool-ops-name in BUMP_EAL_ARGS",
			   q->bport, q->qid, rte_mbuf_best_mempool_ops());
		rte_mempool_free(mp);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0) {
		bump_error(ENOMEM, "dpdk port %u RX queue %u: the mbuf pool (ops %s) could not be "
			   "populated: give EAL more memory (-m, or hugepages)", q->bport, q->qid,
			   rte_mbuf_best_mempool_ops());
		rte_mempool_free(mp);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

/*
 * Pin pages to every free mbuf (the pool owner's thread, before the PMD
 * takes them or between bursts): zero-copy from the first frame.
 */
void dpdk_rxq_arm(struct dpdk_rxq *q)
{
	unsigned n = rte_mempool_avail_count(q->mp), got = 0;
	struct rte_mbuf **m;

	q->armed = true;
	if (q->as_is)
		dpdk_mbuf_cache_on(q->mp);
	if (q->copy || q->as_is || !n)
		return;
	/* All at once: a LIFO pool would hand the same few back to a loop of bursts. */
	m = malloc(n * sizeof(*m));
	if (!m)
		return;  /* they get their pages as frames go by */
	while (got < n && rte_mempool_get_bulk(q->mp, (void **)m + got, 1) == 0)
		got++;
	for (unsigned i = 0; i < got; i++) {
		void *buf;

		if (dpdk_rx_is_pinned(m[i]))
			continue;
		buf = dpdk_rx_alloc(q);
		if (!buf)
			break;  /* the rest are pinned when frames go by */
		dpdk_rx_pin(q, m[i], buf);
	}
	rte_mempool_put_bulk(q->mp, (void **)m, got);
	free(m);
}

static void dpdk_rx_release_one(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;
	struct dpdk_rxq *q = arg;

	(void)mp;
	(void)idx;
	if (dpdk_rx_is_pinned(m)) {
		bump_put(dpdk_rx_unpin(m));  /* the owner's ring, from this thread */
		DPDK_STAT_ADD(q->st.released, 1);
	}
}

void dpdk_rxq_pool_release(struct dpdk_rxq *q, struct rte_mempool *mp, bool closed)
{
	unsigned held;

	if (!mp)
		return;
	if (dpdk_mbuf_pool(mp)) {
		/* (net_af_xdp's: only once closed, or never set up, dpdk_rxq_setup says why.) */
		DPDK_STAT_ADD(q->st.released, dpdk_mbuf_pool_free(mp));
		return;
	}
	held = rte_mempool_in_use_count(mp);
	if (held && !closed) {
		/* Their pages stay with them: freeing them now would hand the PMD's memory out. */
		DPDK_STAT_ADD(q->st.held, held);
		bump_log(BUMP_LOG_WARN, "dpdk port %u RX queue %u: the PMD still holds %u RX mbufs "
			 "after the queue was released; they%s stay in flight until close "
			 "(bump_dpdk_stats rx_mbufs_held)", q->bport, q->qid, held,
			 q->copy ? "" : " and their pages");
		q->held_mp = mp;
		return;
	}
	/*
	 * Once the device is closed, mbufs a PMD never gave back (net_af_xdp
	 * keeps its fill queue's) are no one's: their pages come home too.
	 */
	rte_mempool_obj_iter(mp, dpdk_rx_release_one, q);
	rte_mempool_free(mp);
}

/* ---- Queues -------------------------------------------------------------- */

void dpdk_rxq_copy_warn(const struct dpdk_rxq *q, const char *why)
{
	bump_log(BUMP_LOG_WARN, "dpdk port %u RX queue %u: net_af_xdp receives into its own UMEM: "
		 "%s; every frame is copied into a buffer of pool '%s' (bump_dpdk_stats rx_copied)",
		 q->bport, q->qid, why, bump_pool_name(q->pool));
}

int dpdk_rxq_new(struct dpdk_port *dp, uint16_t qid, const struct bump_rxq_conf *conf,
		 struct dpdk_rxq **out)
{
	struct dpdk_rxq *q;
	uint16_t headroom = conf->headroom;
	size_t buf = bump_pool_buf_size(conf->pool);

	if ((size_t)headroom + 256 > buf || buf > (1u << 16))
		return bump_error(EINVAL, "dpdk port %u RX queue %u: pool '%s' has %zu-byte buffers "
				  "and the headroom is %u: use buffers of headroom + 256 bytes up to "
				  "64 KiB (a frame's offset in a packet handle is 16 bits)",
				  dp->bport, qid, bump_pool_name(conf->pool), buf, headroom);
	if (!dp->is_vdev && bump_pool_dma_dev(conf->pool) != dpdk_dma_dev_get())
		return bump_error(EINVAL, "dpdk port %u RX queue %u: '%s' is a physical device and "
				  "pool '%s' is not mapped for it: create the pool with .flags = "
				  "BUMP_POOL_F_DMA_MAP and .dma_dev = info.dma_dev "
				  "(bump_dpdk_dma_dev())", dp->bport, qid, dp->name,
				  bump_pool_name(conf->pool));
	q = rte_zmalloc_socket("bmp_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, dp->socket);
	if (!q)
		return bump_error(ENOMEM, "dpdk port %u RX queue %u: out of memory", dp->bport, qid);
	q->dp = dp;
	q->pid = dp->pid;
	q->bport = dp->bport;
	q->qid = qid;
	q->headroom = headroom;
	q->nb_desc = conf->ring_size ? conf->ring_size : DPDK_RING_DEFAULT;
	/* What the PMD will really use sizes the mbuf pool. */
	rte_eth_dev_adjust_nb_rx_tx_desc(dp->pid, &q->nb_desc, NULL);
	q->pool = conf->pool;
	q->buf_size = buf;
	/* DPDK puts a frame RTE_PKTMBUF_HEADROOM past buf_addr: move buf_addr for more. */
	q->addr_off = headroom > RTE_PKTMBUF_HEADROOM ? headroom - RTE_PKTMBUF_HEADROOM : 0;
	q->copy = dp->rx_mode == DPDK_RX_COPY;
	q->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	q->as_is = dpdk_mbuf_usable(q);
	if (dp->packed_pool && !q->copy) {
		const struct bump_arena *a = bump_pool_arena(q->pool);

		/* A UMEM chunk is one buffer: 2 KiB at least, the arena a whole number of them. */
		q->umem = q->as_is && buf >= 2048 && buf % RTE_MEMPOOL_ALIGN == 0 && a->len % buf == 0;
		if (!q->umem) {
			q->copy = true;
			q->as_is = false;
			dpdk_rxq_copy_warn(q, "the pool's buffers cannot be its UMEM chunks (buffers of "
					   "2048 bytes or more, a multiple of 64, whose arena is a whole "
					   "number of them, and a headroom up to 256 can)");
		}
	}
	q->rx_run = dpdk_rx_run_pick(q->pool);
	if (!q->as_is && !q->copy)
		bump_log(BUMP_LOG_INFO, "dpdk port %u RX queue %u: headroom %u and %zu-byte buffers: "
			 "RX pins pages to mbufs (with a headroom up to %u and buffers of %u bytes or "
			 "more, mbufs would be the pool's buffers)", dp->bport, qid, headroom, buf,
			 DPDK_MBUF_FRAME, DPDK_MBUF_FRAME + 256);
	*out = q;
	return 0;
}

void dpdk_rxq_free(struct dpdk_rxq *q)
{
	if (!q)
		return;
	dpdk_rxq_pool_release(q, q->retired, true);
	dpdk_rxq_pool_release(q, q->mp, true);
	dpdk_rxq_pool_release(q, q->held_mp, true);
	rte_free(q);
}

/* ---- The burst ------------------------------------------------------------ */

/*
 * Copy @m's frame into a fresh page; false when there is none or it does
 * not fit (counted).  The caller frees @m.
 */
static bool dpdk_rx_copy(struct dpdk_rxq *q, struct rte_mbuf *m, struct bump_pkt *pkt)
{
	const void *src;
	void *buf, *dst;

	if (m->pkt_len > q->buf_size - q->headroom) {
		DPDK_STAT_ADD(q->st.too_long, 1);
		return false;
	}
	buf = dpdk_rx_alloc(q);
	if (!buf) {
		DPDK_STAT_ADD(q->st.nombuf, 1);
		return false;
	}
	/* rte_pktmbuf_read copies only what is not contiguous: the rest is pointed at. */
	dst = (char *)buf + q->headroom;
	src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
	if (src != dst)
		memcpy(dst, src, m->pkt_len);
	*pkt = (struct bump_pkt){
		.ref = bump_pool_ref(q->pool, buf),
		.off = q->headroom,
		.len = (uint16_t)m->pkt_len,
	};
	DPDK_STAT_ADD(q->st.copied, 1);
	/* One of our mbufs still on its own data room: give it a page on its way back. */
	if (!q->copy && m->pool == q->mp && !dpdk_rx_is_pinned(m) && rte_mbuf_refcnt_read(m) == 1 &&
	    RTE_MBUF_DIRECT(m) && (buf = dpdk_rx_alloc(q)))
		dpdk_rx_pin(q, m, buf);
	return true;
}

/*
 * A frame in an mbuf that is a bump buffer of another arena than the
 * queue's (a peer port's pool, over net_ring), after the run loop
 * (dpdk_rx_run.c) stopped at it: the handle names that buffer and takes
 * over the mbuf's reference; nothing is written.  False for any other mbuf.
 */
static __attribute__((noinline)) bool dpdk_rx_as_is_other(struct rte_mbuf *m, struct bump_pkt *pkt,
							 uint16_t bport)
{
	uint64_t rearm, flags = m->ol_flags, dl;
	const struct bump_arena *a;

	memcpy(&rearm, &m->rearm_data, sizeof(rearm));
	memcpy(&dl, &m->data_len, sizeof(dl));
	if (!dpdk_rx_plain(rearm, flags) || m->pool->ops_index != dpdk_mbuf_ops_index)
		return false;
	a = bump_arena_of(m);
	if (!a)
		return false;
	dpdk_rx_handle(pkt, bump_ref_make(a->id, __bump_arena_index(a, (uintptr_t)m - a->base)),
		       rearm, flags, dl, bport);
	return true;
}

/* One frame to a packet handle; false: dropped (counted).  The caller frees @m. */
/* Out of line: the as-is loop keeps its registers. */
static __attribute__((noinline)) bool dpdk_rx_one(struct dpdk_rxq *q, struct rte_mbuf *m,
						 struct bump_pkt *pkt)
{
	if (m->nb_segs == 1 && dpdk_rx_is_pinned(m) && rte_mbuf_refcnt_read(m) == 1 &&
	    rte_mbuf_ext_refcnt_read(m->shinfo) == 1) {
		/* The page the PMD wrote becomes the packet; the mbuf takes a fresh one. */
		struct dpdk_mbuf_priv *pv = dpdk_priv(m);
		struct bump_pool *pool = pv->rxq->pool;
		void *fresh = dpdk_rx_alloc(q);

		if (!fresh) {
			DPDK_STAT_ADD(q->st.nombuf, 1);
			return false;
		}
		*pkt = (struct bump_pkt){
			.ref = bump_pool_ref(pool, pv->buf),
			.off = (uint16_t)(rte_pktmbuf_mtod(m, char *) - (char *)pv->buf),
			.len = m->data_len,
		};
		dpdk_rx_pin(q, m, fresh);
		DPDK_STAT_ADD(q->st.zerocopy, 1);
		return true;
	}
	if (m->nb_segs == 1 && !q->copy && dpdk_tx_mbuf(m)) {
		/* Our own TX mbuf (net_ring): the page it was sent from. */
		bump_ref_t ref = dpdk_tx_mbuf_take(m);

		*pkt = (struct bump_pkt){
			.ref = ref,
			.off = (uint16_t)(rte_pktmbuf_mtod(m, char *) - (char *)bump_ref_page(ref)),
			.len = m->data_len,
		};
		DPDK_STAT_ADD(q->st.zerocopy, 1);
		return true;
	}
	return dpdk_rx_copy(q, m, pkt);
}

uint16_t dpdk_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct dpdk_rxq *q = queue;
	struct rte_mbuf *mb[DPDK_BURST], *done[DPDK_BURST];
	uint16_t got = 0, nb, nd = 0, as_is = 0;
	uint64_t bytes = 0;
	struct dpdk_rx_pool rp;
	bool copy;

	if (bump_unlikely(!q))
		return 0;
	copy = q->copy;
	dpdk_thread_register();
	if (bump_unlikely(!q->armed))
		dpdk_rxq_arm(q);
	nb = rte_eth_rx_burst(q->pid, q->qid, mb, (uint16_t)RTE_MIN(n, DPDK_BURST));
	/* net_af_xdp: out of its UMEM, ours now (before any of them is freed). */
	if (q->umem && nb)
		dpdk_mbuf_umem_mark(q->mp, mb, nb, 0);
	rp = (struct dpdk_rx_pool){
		.base = q->pool->base, .span = q->pool->span, .magic = q->pool->page_magic,
		.shift = q->pool->page_shift, .arena_id = q->pool->arena_id, .bport = q->bport,
		.vec_shift = q->pool->vec_shift, .vec_magic = q->pool->vec_magic,
	};
	for (uint16_t i = 0; i < nb;) {
		struct bump_pkt *p;
		struct rte_mbuf *m;

		/* Copy mode puts every frame in the queue's pool: none as it is. */
		if (bump_likely(!copy)) {
			uint16_t k = (uint16_t)q->rx_run(&rp, mb + i, nb - i, pkts + got, &bytes);

			i += k;
			got += k;
			as_is += k;
			if (i == nb)
				break;
		}
		p = &pkts[got];
		m = mb[i++];
		if (!copy && dpdk_rx_as_is_other(m, p, rp.bport)) {
			as_is++;
		} else {
			done[nd++] = m;
			if (!dpdk_rx_one(q, m, p))
				continue;
			p->port = q->bport;
			p->flags = 0;
			p->hash = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss : 0;
		}
		bytes += p->len;
		got++;
	}
	/* Pinned mbufs go back with their new pages; taken TX headers go home. */
	if (nd) {
		if (q->umem)  /* to its cache or to bump: the PMD's until the ops see them */
			dpdk_mbuf_umem_mark(q->mp, done, nd, 1);
		rte_pktmbuf_free_bulk(done, nd);
	}
	if (as_is)
		DPDK_STAT_ADD(q->st.as_is, as_is);
	DPDK_STAT_ADD(q->st.ipackets, got);
	DPDK_STAT_ADD(q->st.ibytes, bytes);
	return got;
}
