/* SPDX-License-Identifier: MIT */
/*
 * dpdk_txq.c - TX from bump pages.
 *
 * A packet whose buffer can be its own mbuf goes out as that mbuf
 * (dpdk_mbuf.c, dpdk_tx_as_is).  Any other (a clone, a fragment, a packet
 * with less than 128 bytes before it) is attached, as follows.
 *
 * Each such packet handle becomes an mbuf header (a pool without data room)
 * with the packet's page attached as an external buffer: no copy.  The
 * page's reference moves from the handle to a shared-info object of its
 * own (struct dpdk_tx_shinfo, from a pool beside the headers), whose
 * refcount DPDK keeps for the mbufs attached to it (clones included).
 * When the PMD frees the last of them (TX done, or a net_ring receiver
 * freed it), DPDK calls dpdk_tx_ext_free: the page goes back to its pool
 * (bump_ref_put: straight into the cache on the pool owner's thread) and the
 * shared info to its pool.
 *
 * One shared info per attach, never one per page: DPDK sets a refcount of
 * 1 with a plain store, which is only right when no one else can be
 * taking a reference at the same time, and a page may be sent twice (a
 * clone) from two threads.
 */
#include "dpdk_priv.h"

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

struct dpdk_tx_shinfo {
	struct rte_mbuf_ext_shared_info sh;  /* first: the mbuf's shinfo is the object */
	bump_ref_t ref;                      /* the page */
	struct rte_mempool *mp;              /* where the object goes back */
};

static void dpdk_tx_ext_free(void *addr, void *opaque)
{
	struct dpdk_tx_shinfo *o = opaque;

	(void)addr;
	bump_ref_put(o->ref);  /* by descriptor reference: no search for the arena */
	rte_mempool_put(o->mp, o);
}

/* The spare shared info of a header whose page was taken: nothing to free. */
static void dpdk_tx_spare_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

bool dpdk_tx_mbuf(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_EXTERNAL) && m->shinfo->free_cb == dpdk_tx_ext_free;
}

bump_ref_t dpdk_tx_mbuf_take(struct rte_mbuf *m)
{
	struct dpdk_tx_shinfo *o = (struct dpdk_tx_shinfo *)m->shinfo;
	bump_ref_t ref = o->ref;

	/*
	 * Holding the only mbuf on the only reference, nobody can attach to
	 * the shared info meanwhile (only a holder clones): its page reference
	 * is simply the caller's now.  Otherwise the caller takes one of its own.
	 */
	if (rte_mbuf_refcnt_read(m) == 1 && rte_mbuf_ext_refcnt_read(&o->sh) == 1) {
		struct dpdk_mbuf_priv *pv = dpdk_priv(m);

		rte_mempool_put(o->mp, o);
		pv->shinfo.free_cb = dpdk_tx_spare_free;
		pv->shinfo.fcb_opaque = NULL;
		rte_mbuf_ext_refcnt_set(&pv->shinfo, 1);
		m->shinfo = &pv->shinfo;
	} else {
		bump_get(bump_ref_page(ref));
	}
	return ref;
}

static void dpdk_tx_shinfo_init(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct dpdk_tx_shinfo *o = obj;

	(void)arg;
	(void)idx;
	o->sh.free_cb = dpdk_tx_ext_free;
	o->sh.fcb_opaque = o;
	o->mp = mp;
}

static dpdk_tx_fill_fn *dpdk_tx_fill_pick(void);

int dpdk_txq_new(struct dpdk_port *dp, uint16_t qid, const struct bump_txq_conf *conf,
		 struct dpdk_txq **out)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct dpdk_txq *q;
	unsigned n;

	q = rte_zmalloc_socket("bmp_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, dp->socket);
	if (!q)
		return bump_error(ENOMEM, "dpdk port %u TX queue %u: out of memory", dp->bport, qid);
	q->dp = dp;
	q->pid = dp->pid;
	q->qid = qid;
	q->nb_desc = conf->ring_size ? conf->ring_size : DPDK_RING_DEFAULT;
	rte_eth_dev_adjust_nb_rx_tx_desc(dp->pid, NULL, &q->nb_desc);
	q->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	q->tx_fill = dpdk_tx_fill_pick();
	/* Packets go out as their buffers' mbufs whatever the RX queues do (copy mode). */
	if (dpdk_mbuf_home_get()) {
		rte_free(q);
		return -ENOMEM;  /* said why */
	}
	/* The PMD's ring, what a peer (net_ring) holds, and the lcore caches. */
	n = q->nb_desc + DPDK_TX_HEADERS;
	dpdk_obj_name(name, sizeof(name), "txh", dp->bport, qid);
	q->mp = rte_pktmbuf_pool_create(name, n, DPDK_TX_CACHE, DPDK_PRIV_SIZE, 0, dp->socket);
	dpdk_obj_name(name, sizeof(name), "txs", dp->bport, qid);
	if (q->mp)
		q->shp = rte_mempool_create(name, n, sizeof(struct dpdk_tx_shinfo), DPDK_TX_CACHE, 0,
					    NULL, NULL, dpdk_tx_shinfo_init, NULL, dp->socket, 0);
	if (!q->mp || !q->shp) {
		int err = rte_errno ? rte_errno : ENOMEM;

		rte_mempool_free(q->mp);
		rte_free(q);
		return bump_error(err, "dpdk port %u TX queue %u: no pool of %u mbuf headers (%s): "
				  "give EAL more memory (-m, or hugepages)", dp->bport, qid, n,
				  rte_strerror(err));
	}
	*out = q;
	return 0;
}

/* Headers and shared infos a PMD still holds keep their pools (and pages) alive. */
void dpdk_txq_free(struct dpdk_txq *q)
{
	unsigned held;

	if (!q)
		return;
	dpdk_txq_free(q->retired);
	q->retired = NULL;
	held = rte_mempool_in_use_count(q->mp);
	if (held) {
		bump_log(BUMP_LOG_WARN, "dpdk port %u TX queue %u: the PMD still holds %u mbufs; "
			 "their pages stay in flight and the queue's pools are kept",
			 q->dp->bport, q->qid, held);
		return;
	}
	rte_mempool_free(q->mp);
	rte_mempool_free(q->shp);
	rte_free(q);
}

/* Whether the handle names a page of a live arena at all. */
static bool dpdk_tx_ref_ok(bump_ref_t ref)
{
	const struct bump_arena *a;

	/* BUMP_REF_NONE and other ids past the arena table name no arena. */
	if (bump_ref_arena_id(ref) >= BUMP_ARENA_MAX)
		return false;
	a = bump_ref_arena(ref);
	return a && bump_ref_index(ref) < a->npages;
}

/* Whether @p can go out as it is: bytes inside its buffer, a 16-bit buffer length. */
static bool dpdk_tx_valid(const struct dpdk_txq *q, const struct bump_pkt *p)
{
	const struct bump_desc *d;
	size_t size;

	if (bump_unlikely(!dpdk_tx_ref_ok(p->ref)))
		return false;
	d = bump_ref_desc(p->ref);
	size = RTE_MIN((size_t)bump_ref_arena(p->ref)->page_size << d->order,
		       (size_t)UINT16_MAX);
	if (bump_unlikely(!p->len || (size_t)p->off + p->len > size))
		return false;
	/* A physical device reaches only pages mapped for it. */
	return q->dp->is_vdev || d->dma_addr;
}

/*
 * What as-is TX needs of the pool whose buffers it sends (dpdk_mbuf.c),
 * taken from the first packet of that pool in the burst (a burst's packets
 * are mostly one pool's).  A packet of that arena whose descriptor state is
 * exactly @state is a whole buffer of that pool (its id, type and order in
 * the tag) whose only reference the handle holds (refcount 1): one compare
 * for what the lookup of each packet's pool, type and refcount did, and
 * the pool's mempool and buffer length come with it.
 */
struct dpdk_tx_view {
	uintptr_t base;
	const struct bump_desc *descs;
	uint64_t state;
	struct rte_mempool *mp;
	uint32_t page_size;
	uint32_t arena_id;
	uint64_t tail;                 /* the header's qword 48: buf_len (dpdk_mbuf_tail) */
	bool iova_is_va;               /* every buffer's IOVA is its address (dpdk_mbuf_iova_is_va) */
};

/*
 * Page @idx of the view's arena, with descriptor @d, as the mbuf of packet
 * @p; @is_va: the view's IOVAs are the addresses (the descriptor's DMA
 * address is not read).
 */
static inline struct rte_mbuf *dpdk_tx_write(uintptr_t base, uint32_t page_size, uint64_t tail,
					     struct rte_mempool *mp, bool iova_va, bool is_va,
					     const struct bump_pkt *p, const struct bump_desc *d,
					     uint32_t idx)
{
	struct rte_mbuf *m = (struct rte_mbuf *)(base + (uintptr_t)idx * page_size);
	char *addr = (char *)m + DPDK_MBUF_HDR;

	dpdk_mbuf_write(m, is_va ? (rte_iova_t)(uintptr_t)addr : dpdk_page_iova(d, m, addr, iova_va),
			(uint16_t)(p->off - DPDK_MBUF_HDR), tail, p->len, mp);
	return m;
}

/*
 * The packet's buffer as its own mbuf, when it can be: a whole buffer (no
 * fragment) of which the handle holds the only reference, with the
 * header's room before the packet; @v then describes its pool.  The
 * handle's reference becomes the mbuf's.  NULL: attach it instead.
 */
static __attribute__((noinline)) struct rte_mbuf *
dpdk_tx_as_is(const struct dpdk_txq *q, const struct bump_pkt *p, struct dpdk_tx_view *v)
{
	const struct bump_arena *a = bump_ref_arena(p->ref);
	uint32_t idx = bump_ref_index(p->ref);
	const struct bump_desc *d = &a->descs[idx];
	uint64_t state = atomic_load_explicit(&d->state, memory_order_relaxed);
	uint8_t type = (uint8_t)(state >> 48);

	if (p->off < DPDK_MBUF_HDR || (uint32_t)state != 1 ||
	    (type != BUMP_DESC_PAGE && type != BUMP_DESC_HEAD) || !dpdk_mbuf_home)
		return NULL;
	/*
	 * An arena that is this port's net_af_xdp UMEM (the whole arena is)
	 * sends its buffers as mbufs of that UMEM's mempool: the PMD sends
	 * them where they lie.  Tested once per view, not per packet.
	 */
	*v = (struct dpdk_tx_view){
		.base = a->base, .descs = a->descs, .state = state,
		.mp = a->base - q->umem_base < q->umem_len ? q->umem_mp
							   : dpdk_mbuf_mp((uint16_t)(state >> 32)),
		.page_size = a->page_size, .arena_id = a->id,
		.tail = dpdk_mbuf_tail((size_t)a->page_size << (state >> 56)),
	};
	v->iova_is_va = dpdk_mbuf_iova_is_va(v->mp);
	return dpdk_tx_write(v->base, v->page_size, v->tail, v->mp, q->iova_va, v->iova_is_va, p, d,
			     idx);
}

/* Attach the pages of @n packets to mbuf headers, into @mb; false: none free. */
static bool dpdk_tx_attach(struct dpdk_txq *q, const struct bump_pkt *const *pkts,
			   struct rte_mbuf **mb, uint16_t n)
{
	struct dpdk_tx_shinfo *sh[DPDK_BURST];

	if (rte_pktmbuf_alloc_bulk(q->mp, mb, n))
		return false;
	if (rte_mempool_get_bulk(q->shp, (void **)sh, n)) {
		rte_pktmbuf_free_bulk(mb, n);
		return false;
	}
	for (uint16_t i = 0; i < n; i++) {
		const struct bump_pkt *p = pkts[i];
		const struct bump_desc *d = bump_ref_desc(p->ref);
		void *page = bump_ref_page(p->ref);
		size_t size = (size_t)bump_ref_arena(p->ref)->page_size << d->order;

		sh[i]->ref = p->ref;
		rte_mbuf_ext_refcnt_set(&sh[i]->sh, 1);
		rte_pktmbuf_attach_extbuf(mb[i], page, dpdk_page_iova(d, page, page, q->iova_va),
					  (uint16_t)RTE_MIN(size, (size_t)UINT16_MAX), &sh[i]->sh);
		mb[i]->data_off = p->off;
		mb[i]->data_len = p->len;
		mb[i]->pkt_len = p->len;
	}
	return true;
}

/*
 * Fill @mb with the mbufs of @n valid packets as they are, NULL where a
 * packet must be attached (listed in @ap); returns how many those are.
 */
static uint16_t dpdk_tx_fill_scalar(const struct dpdk_txq *q, const struct bump_pkt *pkts,
				    uint16_t n, struct rte_mbuf **mb, const struct bump_pkt **ap,
				    uint64_t *bytesp)
{
	/* The view in locals: the header stores cannot alias them. */
	struct dpdk_tx_view v = { .arena_id = BUMP_ARENA_MAX };
	uintptr_t base = 0;
	const struct bump_desc *descs = NULL;
	uint64_t state = 0, tail = 0, bytes = 0;
	struct rte_mempool *mp = NULL;
	uint32_t page_size = 0, arena_id = BUMP_ARENA_MAX;
	bool iova_va = q->iova_va, is_va = false;
	uint16_t na = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct bump_pkt *p = &pkts[i];
		uint32_t idx = bump_ref_index(p->ref);
		const struct bump_desc *d;

		bytes += p->len;
		if (bump_likely(bump_ref_arena_id(p->ref) == arena_id)) {
			d = &descs[idx];
			if (bump_likely(atomic_load_explicit(&d->state, memory_order_relaxed) ==
					state && p->off >= DPDK_MBUF_HDR)) {
				mb[i] = dpdk_tx_write(base, page_size, tail, mp, iova_va, is_va, p, d,
						      idx);
				continue;
			}
		}
		mb[i] = dpdk_tx_as_is(q, p, &v);
		if (!mb[i]) {
			ap[na++] = p;
			continue;
		}
		base = v.base;
		descs = v.descs;
		state = v.state;
		mp = v.mp;
		page_size = v.page_size;
		arena_id = v.arena_id;
		tail = v.tail;
		is_va = v.iova_is_va;
	}
	*bytesp = bytes;
	return na;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TX_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq")))

/* What the AVX-512 loop keeps of a view, in registers. */
struct dpdk_tx_vview {
	uintptr_t base;
	const struct bump_desc *descs;
	uint64_t state;
	uint64_t aref;                 /* the arena id in a ref's high bits; 2^32: no view */
	uint32_t page_size;
	__m512i tmpl;
};

/* AVX-512 constants, kept in registers: GCC would otherwise remake them for every packet. */
struct dpdk_tx_vconst {
	__m512i hcnt, hmask;
	__m256i zero;
	__mmask8 tail, lane0, lane1, lanes01;
	uint64_t not_va;
};

/*
 * The packets from @i on while they are whole buffers of the view's pool
 * held only by their handles, with room for the header; returns where it
 * stopped.  @va (a constant): the view's IOVAs are the addresses, the
 * descriptors' DMA addresses are not read.
 */
TX_AVX512 static inline __attribute__((always_inline)) uint16_t
dpdk_tx_run_avx512(const struct dpdk_tx_vview *v, const struct dpdk_tx_vconst *c,
		   const struct bump_pkt *pkts, uint16_t i, uint16_t n, struct rte_mbuf **mb,
		   __m512i *lens, bool va)
{
	for (; i < n; i++) {
		const struct bump_pkt *p = &pkts[i];
		/* The page index when the ref is of the view's arena (the id's bits cancel). */
		uint64_t idx = p->ref ^ v->aref;
		const struct bump_desc *d;
		char *m;
		uintptr_t addr;
		uint64_t w;
		__m512i h, l;

		if (bump_unlikely(idx >= (1u << BUMP_REF_INDEX_BITS)))
			break;
		d = &v->descs[idx];
		if (bump_unlikely(atomic_load_explicit(&d->state, memory_order_relaxed) != v->state ||
				  p->off < DPDK_MBUF_HDR))
			break;
		m = (char *)(v->base + idx * v->page_size);
		addr = (uintptr_t)m + DPDK_MBUF_HDR;
		memcpy(&w, p, sizeof(w));
		h = _mm512_and_si512(_mm512_srlv_epi64(_mm512_set1_epi64((long long)w), c->hcnt),
				     c->hmask);
		*lens = _mm512_add_epi64(*lens, h);
		l = _mm512_add_epi64(v->tmpl, h);
		if (va) {
			l = _mm512_mask_set1_epi64(l, c->lanes01, (long long)addr);
		} else {
			uint64_t dma = d->dma_addr;
			/* dpdk_page_iova, without a branch: mapped, or VA, or RTE_BAD_IOVA. */
			rte_iova_t iova = dma ? dma + DPDK_MBUF_HDR : (addr | c->not_va);

			l = _mm512_mask_set1_epi64(l, c->lane0, (long long)addr);
			l = _mm512_mask_set1_epi64(l, c->lane1, (long long)iova);
		}
		_mm512_storeu_si512(m, l);
		_mm256_mask_storeu_epi32(m + 64, c->tail, c->zero);
		mb[i] = (struct rte_mbuf *)m;
	}
	return i;
}

/*
 * dpdk_tx_fill_scalar with each header in two stores: its first cache line
 * is the view's template (the rearm word's constant part, buf_len and pool;
 * ol_flags 0) plus the handle's off and len, from its first qword broadcast
 * to all eight lanes and shifted into place by one variable shift and a
 * mask (data_off, pkt_len, data_len), with buf_addr and the IOVA broadcast
 * into their lanes; next, tx_offload, shinfo, priv_size and timesync are
 * zeroed by one masked store.  AVX-512F only (no byte shuffles: the bulk
 * loops' CPU test does not ask for BW).  A view whose IOVAs are the
 * addresses (virtual devices, IOVA-as-VA) has a loop of its own that
 * broadcasts one address into both lanes and reads no DMA address.
 */
TX_AVX512 static uint16_t dpdk_tx_fill_avx512(const struct dpdk_txq *q, const struct bump_pkt *pkts,
					      uint16_t n, struct rte_mbuf **mb,
					      const struct bump_pkt **ap, uint64_t *bytesp)
{
	/*
	 * Handle qword 0 is ref | off << 32 | len << 48.  Lane 2 (the rearm
	 * word) takes off; lane 4 len << 32 (pkt_len); lane 5 len (data_len).
	 * A shift of 64 empties a lane.
	 */
	struct dpdk_tx_vconst c = {
		.hcnt = _mm512_set_epi64(64, 64, 48, 16, 64, 32, 64, 64),
		.hmask = _mm512_set_epi64(0, 0, 0xffff, 0xffffll << 32, 0, 0xffff, 0, 0),
		.zero = _mm256_setzero_si256(),
		.tail = 0x7f, .lane0 = 0x01, .lane1 = 0x02, .lanes01 = 0x03,
		/* dpdk_page_iova's fallback for an unmapped page: the address (VA mode) or RTE_BAD_IOVA. */
		.not_va = q->iova_va ? 0 : RTE_BAD_IOVA,
	};
	struct dpdk_tx_view v;
	struct dpdk_tx_vview vv = { .aref = 1ull << 32, .tmpl = _mm512_setzero_si512() };
	bool va = false;
	uint64_t bytes = 0;
	/* The shifted handles summed: lane 5 is the lengths' sum. */
	__m512i lens = _mm512_setzero_si512();
	uint16_t na = 0, i = 0;

	static_assert(offsetof(struct bump_pkt, off) == 4 && offsetof(struct bump_pkt, len) == 6,
		      "the shifts above take off and len from the handle's first qword");
	__asm__("" : "+v"(c.zero), "+Yk"(c.tail), "+Yk"(c.lane0), "+Yk"(c.lane1), "+Yk"(c.lanes01));
	for (;;) {
		const struct bump_pkt *p;

		i = va ? dpdk_tx_run_avx512(&vv, &c, pkts, i, n, mb, &lens, true)
		       : dpdk_tx_run_avx512(&vv, &c, pkts, i, n, mb, &lens, false);
		if (i == n)
			break;
		/* Not of the view: a new one, or attached. */
		p = &pkts[i];
		bytes += p->len;
		mb[i] = dpdk_tx_as_is(q, p, &v);
		if (!mb[i]) {
			ap[na++] = p;
		} else {
			vv.base = v.base;
			vv.descs = v.descs;
			vv.state = v.state;
			vv.page_size = v.page_size;
			vv.aref = (uint64_t)v.arena_id << BUMP_REF_INDEX_BITS;
			vv.tmpl = _mm512_set_epi64((long long)(uintptr_t)v.mp, (long long)v.tail, 0, 0,
						   0, (long long)(DPDK_MBUF_REARM - DPDK_MBUF_HDR), 0, 0);
			va = v.iova_is_va;
		}
		i++;
	}
	*bytesp = bytes + (uint64_t)_mm_extract_epi64(_mm512_extracti64x2_epi64(lens, 2), 1);
	return na;
}
#endif

/* As bump's own bulk loops are chosen (BUMP_NO_AVX512=1: the portable ones). */
static dpdk_tx_fill_fn *dpdk_tx_fill_pick(void)
{
#if defined(__x86_64__)
	if (!strcmp(bump_bulk_impl(), "avx512"))
		return dpdk_tx_fill_avx512;
#endif
	return dpdk_tx_fill_scalar;
}

/* Send @n valid packets, each as its buffer's mbuf or attached; returns how many the PMD took. */
static uint16_t dpdk_tx_send(struct dpdk_txq *q, struct bump_pkt *pkts, uint16_t n)
{
	struct rte_mbuf *mb[DPDK_BURST], *att[DPDK_BURST];
	const struct bump_pkt *ap[DPDK_BURST];
	uint16_t sent, na;
	uint64_t bytes;
	unsigned umem = 0;

	na = q->tx_fill(q, pkts, n, mb, ap, &bytes);
	if (na) {
		if (!dpdk_tx_attach(q, ap, att, na)) {
			/* The mbufs written in place are still the handles' buffers: nothing to undo. */
			DPDK_STAT_ADD(q->st.no_mbuf, n);
			return 0;
		}
		for (uint16_t i = 0, k = 0; i < n; i++)
			if (!mb[i])
				mb[i] = att[k++];
	}
	/* Marked before: the PMD may complete and free them within the call. */
	if (q->umem_mp)
		umem = dpdk_mbuf_umem_mark(q->umem_mp, mb, n, 1);
	sent = rte_eth_tx_burst(q->pid, q->qid, mb, n);
	if (q->umem_mp && sent < n)
		umem -= dpdk_mbuf_umem_mark(q->umem_mp, mb + sent, n - sent, 0);
	for (uint16_t i = sent; i < n; i++) {
		/* Refused: the reference goes back to the caller's handle. */
		bytes -= mb[i]->data_len;
		if (dpdk_tx_mbuf(mb[i])) {
			dpdk_tx_mbuf_take(mb[i]);
			rte_pktmbuf_free(mb[i]);
			na--;
		}
	}
	if (sent < n)
		DPDK_STAT_ADD(q->st.unsent, n - sent);
	/* Of those sent, the attached ones (na) and the rest, as they are. */
	DPDK_STAT_ADD(q->st.attached, na);
	DPDK_STAT_ADD(q->st.as_is, sent - na);
	if (umem)
		DPDK_STAT_ADD(q->st.umem, umem);
	DPDK_STAT_ADD(q->st.opackets, sent);
	DPDK_STAT_ADD(q->st.obytes, bytes);
	return sent;
}

uint16_t dpdk_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct dpdk_txq *q = queue;
	uint16_t done = 0;

	if (bump_unlikely(!q))
		return 0;
	dpdk_thread_register();
	while (done < n) {
		uint16_t k = 0, sent;

		/*
		 * lib/port checked the handles in checked mode, and trusts them in
		 * unchecked mode, as DPDK trusts mbufs: only a physical device's
		 * need for mapped pages is checked here.
		 */
		if (q->dp->is_vdev)
			k = (uint16_t)RTE_MIN(n - done, DPDK_BURST);
		else
			while (done + k < n && k < DPDK_BURST && dpdk_tx_valid(q, &pkts[done + k]))
				k++;
		if (k) {
			sent = dpdk_tx_send(q, pkts + done, k);
			done += sent;
			if (sent < k)
				break;
			continue;
		}
		/*
		 * Accepted and dropped: it could never be sent, a retry would not
		 * help.  A handle that names no page is not freed: it is not bump's.
		 */
		DPDK_STAT_ADD(q->st.bad, 1);
		if (!q->warned_bad) {
			q->warned_bad = true;
			bump_log(BUMP_LOG_WARN, "dpdk port %u TX queue %u: packet (ref 0x%x, off %u, "
				 "len %u) is outside its buffer or its page is not mapped for this "
				 "device: dropped; further ones only counted in oerrors",
				 q->dp->bport, q->qid, pkts[done].ref, pkts[done].off, pkts[done].len);
		}
		if (dpdk_tx_ref_ok(pkts[done].ref))
			bump_pkt_free(&pkts[done]);
		done++;
	}
	return done;
}
