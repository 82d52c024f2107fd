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
 * TX sets m->pool to the queue mempool of the buffer's pool (found by pool
 * id), or to the home mempool, one per process, for buffers of pools no
 * queue gets from.  Queue mempools are never freed (a retired one is kept
 * for the next queue), so mbufs in flight never point at a freed mempool.
 * When a PMD frees an mbuf, DPDK puts it in the freeing lcore's cache of
 * m->pool, or calls the ops' enqueue, which returns the buffer to its bump
 * pool (the owner's cache on its own thread, the pool's recycle ring
 * through this thread's put stash on another).
 *
 * The DPDK cache: a queue mempool has one on one lcore only, that of the
 * thread owning the queue's pool (enabled when it arms the queue): there
 * the PMD's gets and frees of a forwarded mbuf are DPDK's inline cache
 * pushes and pops, as for a plain DPDK program, and no bump code runs.
 * Every other lcore's cache has size 0 (every get and put reaches the
 * ops), so that no thread but the owner can hold buffers in it.  Retiring
 * a queue mempool (port stop, queue setup) flushes the owner's cache into
 * bump and disables it: a stopped port holds no buffer.
 *
 * The header is written whenever a buffer becomes an mbuf (the queue
 * mempool's dequeue, TX), never trusted from before: the bytes before a
 * handle's packet are the application's to write.  An mbuf in a DPDK cache
 * is no handle's: DPDK keeps its header as a free mbuf's.  Only the pool's
 * owner may allocate; a PMD that fills its ring at start on another thread
 * (most hardware PMDs) gets buffers from a second pool on the same arena
 * that the control path owns behind a lock.
 */
#include "dpdk_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pause.h>

static_assert(sizeof(struct rte_mbuf) == DPDK_MBUF_HDR, "the mbuf header fills two cache lines");

#define DPDK_MBUF_OPS "bump_port"
#define DPDK_MBUF_CACHE 256  /* the owner lcore's DPDK cache, as a plain DPDK program's */
static_assert(2 * DPDK_MBUF_CACHE <= RTE_DIM(((struct rte_mempool_cache *)0)->objs),
	      "dpdk_mbuf_umem_pass fills a cache up to twice its size");

/*
 * What a queue's mempool gets from (mp->pool_config).  Never freed, but
 * kept for the next queue: a thread's dpdk_mbuf_last may still point here.
 */
struct dpdk_mbuf_src {
	struct bump_pool *_Atomic pool;  /* the queue's pool: its owner's gets; NULL once retired */
	struct dpdk_mbuf_src *next_free;
	/*
	 * The RX queues whose PMDs get from this mempool: every queue given the
	 * same bump pool (of the same kind, net_af_xdp or not, and buffer size)
	 * shares it, as a DPDK program's ports share one mbuf pool, so that the
	 * frees of one port refill the other from one DPDK cache.  Retired when
	 * the last of them lets it go.  Under dpdk_mbuf_home_lock.
	 */
	unsigned users;
	bool umem_q;                 /* made for a net_af_xdp queue (the arena as its UMEM) */
	size_t buf_size;
	struct dpdk_mbuf_src *next_live;  /* sources with users, under dpdk_mbuf_home_lock */
	struct bump_pool *ctl;       /* any other thread's gets (PMD start), under lock */
	struct rte_mempool *mp;      /* the queue's mempool (kept with the source when retired) */
	unsigned cache_lcore;        /* the lcore whose DPDK cache of mp is on; LCORE_ID_ANY: none */
	pthread_mutex_t lock;
	bool iova_va;
	bool iova_is_va;             /* every buffer's IOVA is its address (dpdk_mbuf_iova_is_va) */
	bool pool_gone;              /* its destroy already reported */
	uint16_t bport, qid;
	/*
	 * net_af_xdp's UMEM is this mempool's memory chunk: the arena
	 * (dpdk_mbuf_umem_on).  held[page index] is 1 from the time the PMD
	 * has the buffer (got from bump by the dequeue, or sent as an mbuf of
	 * this mempool) until it gives it back (received by rx_burst, or back
	 * to bump by the enqueue): in its rings or the DPDK cache of this
	 * mempool, which only the PMD's frees fill.  net_af_xdp never gives
	 * back its fill queue, so close returns what is marked.  Plain stores:
	 * a buffer's byte is written by whoever has the buffer.
	 */
	_Atomic uint8_t *held;
	const struct bump_arena *umem_arena;
	struct rte_mempool_memhdr *umem_hdr;
	/*
	 * Held by a thread passing buffers into this mempool's cache
	 * (dpdk_mbuf_umem_pass), and by retire while it turns the cache off.
	 */
	_Atomic bool pass_lock;
	_Atomic uint64_t *passed;    /* the queue's rx_umem_passed */
};

struct rte_mempool *dpdk_mbuf_home;
int dpdk_mbuf_ops_index = -1;
struct rte_mempool *_Atomic dpdk_mbuf_mp_of[1u << 16];
static pthread_mutex_t dpdk_mbuf_home_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dpdk_mbuf_src *dpdk_mbuf_src_free;  /* retired ones, under the lock */
static struct dpdk_mbuf_src *dpdk_mbuf_src_live;  /* in use by queues, under the lock */

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

static unsigned dpdk_mbuf_umem_pass(const struct dpdk_mbuf_src *from, struct dpdk_mbuf_src *to,
				    void *const *objs, unsigned n);

/* Back to their pools, from any thread; a stray pointer is rejected and counted by bump. */
static int dpdk_mbuf_enqueue(struct rte_mempool *mp, void *const *objs, unsigned n)
{
	struct dpdk_mbuf_src *s = dpdk_mbuf_last;
	struct bump_pool *p = s ? s->pool : NULL;
	const struct dpdk_mbuf_src *ms = mp->pool_config;
	unsigned i = 0;

	/* net_af_xdp gives one back (TX done, or a fill it could not queue). */
	if (ms && ms->held) {
		dpdk_mbuf_umem_mark(mp, (struct rte_mbuf *const *)objs, n, 0);
		/* The queue this thread last refilled from bump may take them as they are. */
		if (s && s != ms && s->held)
			i = dpdk_mbuf_umem_pass(ms, s, objs, n);
	}
	if (bump_likely(p && atomic_load_explicit(&p->owner, memory_order_relaxed) ==
			     bump_thread_token())) {
		uint32_t count = p->cache_count, first = i;

		while (i < n && __bump_pool_put_fast(p, objs[i], count)) {
			count++;
			i++;
		}
		if (i > first) {
			__bump_pool_set_cache_count(p, count);
			__BUMP_STAT_ADD(p->recycle.cached, i - first);
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
	{
		/* In locals: the header stores may alias the pool's fields (reloads per mbuf). */
		const struct bump_pool *pool = s->pool;
		const struct bump_desc *descs = pool->descs;
		const uintptr_t base = pool->base;
		const uint64_t magic = pool->page_magic;
		const uint8_t shift = pool->page_shift;
		const uint64_t tail = dpdk_mbuf_tail(bump_pool_buf_size(pool));
		const bool iova_va = s->iova_va;

		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = objs[i];
			const struct bump_desc *d =
				&descs[__bump_page_index_of((uintptr_t)m - base, shift, magic)];

			dpdk_mbuf_write(m, dpdk_page_iova(d, m, (char *)m + DPDK_MBUF_HDR, iova_va),
					RTE_PKTMBUF_HEADROOM, tail, 0, mp);
		}
	}
	if (s->held)
		dpdk_mbuf_umem_mark(mp, (struct rte_mbuf *const *)objs, n, 1);
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

/*
 * Registered with the first mempool, after rte_eal_init, not from a
 * constructor: a constructor's place in the ops table comes before the
 * drivers EAL loads from its directory, and would move each of them up by
 * one, so a secondary without these ops (dpdk-pdump) would give its pools'
 * index to another driver here (the plugin's reason too: doc/drivers/dpdk.md).
 */
static void dpdk_mbuf_ops_register(void)
{
	if (rte_mempool_register_ops(&dpdk_mbuf_ops) < 0)
		bump_log(BUMP_LOG_ERR, "dpdk: cannot register the \"%s\" mempool ops: DPDK holds "
			 "%d at most: load fewer mempool drivers", DPDK_MBUF_OPS,
			 RTE_MEMPOOL_MAX_OPS_IDX);
}

/* ---- net_af_xdp: the arena as the PMD's UMEM ---------------------------------- */

/*
 * net_af_xdp (DPDK 22.11, built with XDP_UMEM_UNALIGNED_CHUNK_FLAG, as
 * Debian's is) registers as its UMEM [first memory chunk of the RX mempool,
 * + populated_size x object size), an object's chunk starting header_size
 * before its mbuf; a frame lands header_size + mbuf + priv + 128 + 256
 * (XDP_PACKET_HEADROOM) bytes into the chunk.  Make that the arena: one
 * chunk over it, as many objects of one buffer as fill it, header_size 0
 * and no spread padding, so that a UMEM chunk is exactly a buffer, its mbuf
 * at the first byte and the frame 512 bytes in.  TX (dpdk_txq.c) then gives
 * the PMD buffers of the arena as mbufs of this mempool, which it sends
 * where they lie.
 */
int dpdk_mbuf_umem_on(struct rte_mempool *mp, const struct bump_arena *a, size_t buf)
{
	struct dpdk_mbuf_src *s = mp->pool_config;
	struct rte_mempool_memhdr *hdr = rte_zmalloc(NULL, sizeof(*hdr), 0);

	s->held = calloc(a->npages, 1);
	if (!hdr || !s->held) {
		rte_free(hdr);
		free((void *)s->held);
		s->held = NULL;
		return bump_error(ENOMEM, "dpdk port %u RX queue %u: out of memory", s->bport, s->qid);
	}
	*hdr = (struct rte_mempool_memhdr){
		.mp = mp, .addr = (void *)a->base, .iova = RTE_BAD_IOVA, .len = a->len,
	};
	STAILQ_INSERT_TAIL(&mp->mem_list, hdr, next);
	mp->nb_mem_chunks++;
	mp->flags |= RTE_MEMPOOL_F_NO_SPREAD;
	mp->header_size = 0;
	/* The object size the PMD computes (header + element + trailer) is one buffer. */
	mp->elt_size = (uint32_t)(buf - RTE_MEMPOOL_ALIGN);
	mp->populated_size = (uint32_t)(a->len / buf);
	s->umem_arena = a;
	s->umem_hdr = hdr;
	if (rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL) != buf) {
		dpdk_mbuf_umem_off(mp);
		return bump_error(EINVAL, "dpdk port %u RX queue %u: this DPDK's mempool objects "
				  "of %zu bytes are not %zu bytes long", s->bport, s->qid, buf, buf);
	}
	return 0;
}

bool dpdk_mbuf_umem(const struct rte_mempool *mp)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;

	return s && s->held;
}

void dpdk_mbuf_umem_off(struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;

	if (!s->umem_hdr)
		return;
	STAILQ_REMOVE(&mp->mem_list, s->umem_hdr, rte_mempool_memhdr, next);
	mp->nb_mem_chunks--;
	rte_free(s->umem_hdr);
	s->umem_hdr = NULL;
	mp->populated_size = 0;
	mp->flags &= ~RTE_MEMPOOL_F_NO_SPREAD;
	mp->header_size = RTE_MEMPOOL_ALIGN;
	free((void *)s->held);
	s->held = NULL;
	s->umem_arena = NULL;
}

unsigned dpdk_mbuf_umem_mark(const struct rte_mempool *mp, struct rte_mbuf *const *m, unsigned n,
			     uint8_t held)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;
	const struct bump_arena *a = s->umem_arena;
	/* In locals: a byte store may alias anything, the compiler would reload them. */
	_Atomic uint8_t *map = s->held;
	const uintptr_t base = a->base;
	const uint64_t len = a->len, magic = a->page_magic;
	const uint8_t shift = a->page_shift;
	unsigned marked = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t off = (uintptr_t)m[i] - base;

		if (off < len) {
			atomic_store_explicit(&map[__bump_page_index_of(off, shift, magic)], held,
					      memory_order_relaxed);
			marked++;
		}
	}
	return marked;
}

/*
 * net_af_xdp, two ports whose UMEMs are one arena, polled by one lcore (a
 * forwarding pair, bump-fwd's layout): the buffers one port's TX completions
 * overflow from its mempool's DPDK cache (@from) are what the other port's RX
 * refill would get from bump next.  Pass them straight into that mempool's
 * cache (@to, the mempool this thread last refilled from bump) as its mbufs,
 * as testpmd's one mempool serves both ports: no bump put, get and header
 * per buffer.  Only on the lcore whose cache of @to is on, and not while
 * retire turns it off (pass_lock).  Returns how many of @objs it took.
 */
static unsigned dpdk_mbuf_umem_pass(const struct dpdk_mbuf_src *from, struct dpdk_mbuf_src *to,
				    void *const *objs, unsigned n)
{
	unsigned lcore = rte_lcore_id(), k = 0;
	uintptr_t base;
	uint64_t len;

	if (lcore == LCORE_ID_ANY ||
	    atomic_exchange_explicit(&to->pass_lock, true, memory_order_acquire))
		return 0;
	if (to->cache_lcore == lcore && to->held && to->umem_arena == from->umem_arena) {
		struct rte_mempool_cache *c = &to->mp->local_cache[lcore];
		/* Up to twice its size: a get takes them in turn. */
		uint32_t clen = c->len, room = clen < 2 * c->size ? 2 * c->size - clen : 0;

		base = to->umem_arena->base;
		len = to->umem_arena->len;
		for (n = RTE_MIN(n, room); k < n && (uintptr_t)objs[k] - base < len; k++) {
			struct rte_mbuf *m = objs[k];

			m->pool = to->mp;  /* the rest is a free mbuf's header already */
			c->objs[clen + k] = m;
		}
		c->len = clen + k;
		dpdk_mbuf_umem_mark(to->mp, (struct rte_mbuf *const *)objs, k, 1);
		if (k && to->passed)
			DPDK_STAT_ADD(*to->passed, k);
	}
	atomic_store_explicit(&to->pass_lock, false, memory_order_release);
	return k;
}

void dpdk_mbuf_umem_range(const struct rte_mempool *mp, uintptr_t *base, uint64_t *len)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;

	*base = s->umem_arena->base;
	*len = s->umem_arena->len;
}

unsigned dpdk_mbuf_umem_held(const struct rte_mempool *mp)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned n = 0;

	for (uint32_t i = 0; s->held && i < s->umem_arena->npages; i++)
		n += atomic_load_explicit(&s->held[i], memory_order_relaxed);
	return n;
}

/* Once the device is closed: what it held is no one's and goes back to bump. */
static unsigned dpdk_mbuf_umem_reclaim(struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned n = 0;

	for (uint32_t i = 0; s->held && i < s->umem_arena->npages; i++) {
		if (!atomic_load_explicit(&s->held[i], memory_order_relaxed))
			continue;
		atomic_store_explicit(&s->held[i], 0, memory_order_relaxed);
		bump_put(__bump_arena_page(s->umem_arena, i));
		n++;
	}
	return n;
}

/* ---- Mempools --------------------------------------------------------------- */

/* The DPDK cache of @mp on @lcore: @size objects (0: off, every get and put reaches the ops). */
static void dpdk_mbuf_cache_set(struct rte_mempool *mp, unsigned lcore, uint32_t size)
{
	struct rte_mempool_cache *c = &mp->local_cache[lcore];

	c->size = size;
	c->flushthresh = size * 3 / 2;  /* DPDK's own multiplier */
}

/*
 * An empty mempool of our ops: no memory of its own, @src as its state,
 * a cache array with every lcore's cache off (@cache: one may be turned on).
 */
static struct rte_mempool *dpdk_mbuf_mempool(const char *name, unsigned n, uint16_t room,
					     int socket, struct dpdk_mbuf_src *src, bool cache)
{
	static pthread_once_t registered = PTHREAD_ONCE_INIT;
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = room };
	struct rte_mempool *mp;

	pthread_once(&registered, dpdk_mbuf_ops_register);
	/* DPDK wants 1.5 x the cache within the pool's size, a number only for our ops. */
	n = RTE_MAX(n, 2u * DPDK_MBUF_CACHE);
	mp = rte_mempool_create_empty(name, n, DPDK_MBUF_HDR + room, cache ? DPDK_MBUF_CACHE : 0,
				      sizeof(priv), socket, 0);
	if (!mp)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, DPDK_MBUF_OPS, src)) {
		rte_mempool_free(mp);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	for (unsigned i = 0; cache && i < RTE_MAX_LCORE; i++)
		dpdk_mbuf_cache_set(mp, i, 0);
	return mp;
}

int dpdk_mbuf_home_get(void)
{
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	if (!dpdk_mbuf_home)
		dpdk_mbuf_home = dpdk_mbuf_mempool("bmp_home", 1u << 24, 0, SOCKET_ID_ANY, NULL,
						   false);
	if (dpdk_mbuf_home)
		dpdk_mbuf_ops_index = dpdk_mbuf_home->ops_index;
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
	for (struct dpdk_mbuf_src **l = &dpdk_mbuf_src_live; *l; l = &(*l)->next_live)
		if (*l == s) {
			*l = s->next_live;
			break;
		}
	s->users = 0;
	s->pool = NULL;
	s->ctl = NULL;
	s->cache_lcore = LCORE_ID_ANY;
	s->next_free = dpdk_mbuf_src_free;
	dpdk_mbuf_src_free = s;
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);
}

bool dpdk_mbuf_usable(const struct dpdk_rxq *q)
{
	return !q->copy && q->headroom <= DPDK_MBUF_FRAME && q->buf_size >= DPDK_MBUF_FRAME + 256;
}

/*
 * @mp ready for @q: made net_af_xdp's UMEM when @q is on it, then listed
 * for the next queue of the same pool to share; NULL (retired) when that fails.
 */
static struct rte_mempool *dpdk_mbuf_pool_ready(const struct dpdk_rxq *q, struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;

	if (q->umem && dpdk_mbuf_umem_on(mp, bump_pool_arena(q->pool), q->buf_size)) {
		dpdk_mbuf_pool_free(mp);
		return NULL;
	}
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	s->next_live = dpdk_mbuf_src_live;
	dpdk_mbuf_src_live = s;
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);
	return mp;
}

struct rte_mempool *dpdk_mbuf_pool_new(struct dpdk_rxq *q)
{
	struct bump_pool *pool = q->pool;
	struct bump_dma_dev *dma = bump_pool_dma_dev(pool);
	struct bump_pool_params pp = {
		.name = "dpdk-rx-ctl",
		.arena = bump_pool_arena(pool),
		.order = pool->order,
		.ring_size = 64,
		.nid = BUMP_NUMA_ANY,
		.flags = dma ? BUMP_POOL_F_DMA_MAP : 0,
		.dma_dev = dma,
		.dma_dir = BUMP_DMA_BIDIRECTIONAL,
	};
	uint16_t room = (uint16_t)RTE_MIN(q->buf_size - DPDK_MBUF_HDR, (size_t)UINT16_MAX);
	struct dpdk_mbuf_src *s;
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (dpdk_mbuf_home_get())
		return NULL;
	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	/* Not the one the queue retires (stop, a new setup): that one goes home. */
	for (s = dpdk_mbuf_src_live; s; s = s->next_live)
		if (s->pool == pool && s->umem_q == q->umem && s->buf_size == q->buf_size &&
		    s->mp != q->retired) {
			s->users++;
			pthread_mutex_unlock(&dpdk_mbuf_home_lock);
			return s->mp;
		}
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
	s->iova_is_va = dpdk_dma_iova_is_va(dma, q->iova_va);
	s->pool_gone = false;
	s->passed = &q->st.passed;
	s->cache_lcore = LCORE_ID_ANY;
	s->bport = q->bport;
	s->qid = q->qid;
	s->users = 1;
	s->umem_q = q->umem;
	s->buf_size = q->buf_size;
	pthread_mutex_init(&s->lock, NULL);
	if (bump_pool_create(&pp, &s->ctl)) {
		dpdk_mbuf_src_retire(s);
		return NULL;  /* bump said why */
	}
	s->pool = pool;  /* last: a thread's enqueue may look at a recycled source any time */
	if (s->mp) {
		/* A retired queue's: mbufs in flight may still name it, so it lives on. */
		struct rte_pktmbuf_pool_private *pv = rte_mempool_get_priv(s->mp);

		pv->mbuf_data_room_size = room;
		s->mp->elt_size = DPDK_MBUF_HDR + room;
		return dpdk_mbuf_pool_ready(q, s->mp);
	}
	dpdk_obj_name(name, sizeof(name), "rxb", q->bport, q->qid);
	mp = dpdk_mbuf_mempool(name, q->nb_desc + 4 * DPDK_BURST, room, q->dp->socket, s, true);
	if (!mp) {
		bump_error(rte_errno ? rte_errno : ENOMEM, "dpdk port %u RX queue %u: no mempool "
			   "(%s): give EAL more memory (-m, or hugepages)", q->bport, q->qid,
			   rte_strerror(rte_errno));
		bump_pool_destroy(s->ctl);
		dpdk_mbuf_src_retire(s);
		return NULL;
	}
	s->mp = mp;
	return dpdk_mbuf_pool_ready(q, mp);
}

bool dpdk_mbuf_iova_is_va(const struct rte_mempool *mp)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;

	return s && s->iova_is_va;
}

bool dpdk_mbuf_pool(const struct rte_mempool *mp)
{
	return mp->ops_index == dpdk_mbuf_ops_index;
}

void dpdk_mbuf_cache_on(struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned lcore = rte_lcore_id();

	if (lcore == LCORE_ID_ANY || s->cache_lcore != LCORE_ID_ANY)
		return;
	s->cache_lcore = lcore;
	dpdk_mbuf_cache_set(mp, lcore, DPDK_MBUF_CACHE);
	/*
	 * Not net_af_xdp's: its cache must hold only what the PMD freed
	 * (marked), so buffers sent elsewhere go home (TX picks this one for
	 * buffers in its UMEM sent on it).
	 */
	if (s->held)
		return;
	atomic_store_explicit(&dpdk_mbuf_mp_of[s->pool->id], mp, memory_order_relaxed);
	atomic_store_explicit(&dpdk_mbuf_mp_of[s->ctl->id], mp, memory_order_relaxed);
}

unsigned dpdk_mbuf_cached(const struct rte_mempool *mp)
{
	const struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned lcore = s->cache_lcore;

	return lcore == LCORE_ID_ANY ? 0 : *(const volatile uint32_t *)&mp->local_cache[lcore].len;
}

/* Stop naming @mp for @pool's buffers at TX (unless another queue's mempool took the id). */
static void dpdk_mbuf_mp_forget(struct bump_pool *pool, struct rte_mempool *mp)
{
	struct rte_mempool *expected = mp;

	atomic_compare_exchange_strong(&dpdk_mbuf_mp_of[pool->id], &expected, NULL);
}

/*
 * The PMD gets nothing more from @mp (its queue was released or set up
 * again): its owner lcore's cache goes back to bump and is off from now
 * on; the mbufs the PMD or others hold come back through the ops.  @mp is
 * kept (mbufs in flight name it) and serves the next queue.
 */
unsigned dpdk_mbuf_pool_free(struct rte_mempool *mp)
{
	struct dpdk_mbuf_src *s = mp->pool_config;
	unsigned reclaimed, lcore;

	pthread_mutex_lock(&dpdk_mbuf_home_lock);
	if (s->users > 1) {
		/*
		 * Another queue still gets from it: it stays as it is.  Its passed
		 * counter may be the leaving queue's: no longer counted.
		 */
		s->users--;
		pthread_mutex_unlock(&dpdk_mbuf_home_lock);
		while (atomic_exchange_explicit(&s->pass_lock, true, memory_order_acquire))
			rte_pause();
		s->passed = NULL;
		atomic_store_explicit(&s->pass_lock, false, memory_order_release);
		return 0;
	}
	pthread_mutex_unlock(&dpdk_mbuf_home_lock);

	dpdk_mbuf_mp_forget(s->pool, mp);
	dpdk_mbuf_mp_forget(s->ctl, mp);
	/* No buffer is passed into the cache from now on (dpdk_mbuf_umem_pass). */
	while (atomic_exchange_explicit(&s->pass_lock, true, memory_order_acquire))
		rte_pause();
	lcore = s->cache_lcore;
	s->cache_lcore = LCORE_ID_ANY;
	s->passed = NULL;
	atomic_store_explicit(&s->pass_lock, false, memory_order_release);
	if (lcore != LCORE_ID_ANY) {
		struct rte_mempool_cache *c = &mp->local_cache[lcore];

		dpdk_mbuf_cache_set(mp, lcore, 0);
		if (c->len)
			rte_mempool_ops_enqueue_bulk(mp, c->objs, c->len);
		c->len = 0;
	}
	/* After the cache: what it held went back through the enqueue, unmarked. */
	reclaimed = dpdk_mbuf_umem_reclaim(mp);
	dpdk_mbuf_umem_off(mp);
	bump_pool_set_owner(s->ctl);
	bump_pool_destroy(s->ctl);  /* detached while its buffers are out */
	pthread_mutex_destroy(&s->lock);
	dpdk_mbuf_src_retire(s);
	return reclaimed;
}
