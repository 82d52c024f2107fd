/* SPDX-License-Identifier: MIT */
/*
 * dpdk_priv.h - what the files of the dpdk: port driver share.
 *
 *   dpdk_eal.c    EAL start (arguments, hugepages), thread registration
 *   dpdk_dma.c    the "dpdk" bump DMA device (extmem + VFIO)
 *   dpdk_port.c   open, start, stop, close, stats: the control path
 *   dpdk_rxq.c    RX: mbufs with pinned bump pages, rx_burst, page release
 *   dpdk_txq.c    TX: mbuf headers, per-page shared info, tx_burst
 *   dpdk_mbuf.c   mbufs that are bump buffers: RX and TX as they are
 *   dpdk_rx_run.c RX as it is: a burst's mbufs to handles (portable, AVX-512)
 *
 * Every mbuf pool of the driver has a private area per mbuf (struct
 * dpdk_mbuf_priv): for RX mbufs the shared info of the page pinned to it,
 * for TX mbufs a spare one that detaches a page without freeing it.
 */
#ifndef DPDK_PRIV_H
#define DPDK_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bump_dpdk.h"
#include "dpdk_args.h"

#define DPDK_BURST 64            /* mbufs per PMD call */
#define DPDK_RING_DEFAULT 1024
#define DPDK_TX_HEADERS 4096     /* mbuf headers per TX queue beyond its ring */
#define DPDK_TX_CACHE 128

struct dpdk_rxq;

struct dpdk_mbuf_priv {
	struct rte_mbuf_ext_shared_info shinfo;
	void *buf;                   /* RX: the bump buffer pinned to the mbuf */
	struct dpdk_rxq *rxq;        /* RX: the queue whose pool the mbuf is in */
};

#define DPDK_PRIV_SIZE RTE_ALIGN(sizeof(struct dpdk_mbuf_priv), RTE_MBUF_PRIV_ALIGN)

static inline struct dpdk_mbuf_priv *dpdk_priv(struct rte_mbuf *m)
{
	return rte_mbuf_to_priv(m);
}

struct dpdk_port;

/* What RX as it is reads of a queue, in locals: stores to handles cannot alias them. */
struct dpdk_rx_pool {
	uintptr_t base, span;
	uint64_t magic;
	uint8_t shift;
	uint8_t vec_shift;
	uint32_t vec_magic;
	uint16_t arena_id, bport;
};

/*
 * dpdk_rx_run.c: handles for the leading mbufs of @mb that are buffers of
 * @rp's arena with one segment and one reference, @bytes increased by their
 * lengths; returns how many (rx_burst takes the rest one by one).
 */
typedef unsigned dpdk_rx_run_fn(const struct dpdk_rx_pool *rp, struct rte_mbuf *const *mb,
				unsigned n, struct bump_pkt *pkts, uint64_t *bytes);
/* The AVX-512 loop or the portable one, as bump's bulk loops are chosen. */
dpdk_rx_run_fn *dpdk_rx_run_pick(const struct bump_pool *pool);

struct dpdk_rxq {
	struct dpdk_port *dp;
	uint16_t pid;                /* DPDK port id */
	uint16_t bport;              /* bump port id: bump_pkt.port */
	uint16_t qid;
	uint16_t headroom;           /* where frames start in a page, at least */
	uint16_t nb_desc;
	bool copy;                   /* copy RX: never pin pages to mbufs */
	bool iova_va;                /* IOVA-as-VA: an unmapped page's IOVA is its address */
	bool armed;                  /* free mbufs got their pages (owner thread) */
	bool pool_gone;              /* its destroy already reported */
	bool as_is;                  /* the PMD's mbufs are the pool's buffers (dpdk_mbuf.c) */
	bool umem;                   /* as_is on net_af_xdp: its UMEM is the pool's arena */
	struct bump_pool *pool;
	dpdk_rx_run_fn *rx_run;      /* as-is RX of a burst's leading mbufs */
	size_t buf_size;
	uint32_t addr_off;           /* buf_addr = page + addr_off: headroom past DPDK's 128 */
	struct rte_mempool *mp;      /* the RX mbufs DPDK has now */
	struct rte_mempool *retired; /* the pool DPDK's queue held before: freed after the next setup */
	struct rte_mempool *held_mp; /* a released pool the PMD kept mbufs of: freed at close */
	struct {
		_Atomic uint64_t ipackets, ibytes, nombuf, too_long, zerocopy, copied, pinned, as_is;
		_Atomic uint64_t released, held;
		_Atomic uint64_t passed;     /* net_af_xdp: refill buffers from a sibling's cache */
	} st;
};

struct dpdk_txq;
struct bump_pkt;
/* dpdk_txq.c: the mbufs of a burst's packets as they are (portable or AVX-512 stores). */
typedef uint16_t dpdk_tx_fill_fn(const struct dpdk_txq *q, const struct bump_pkt *pkts, uint16_t n,
				 struct rte_mbuf **mb, const struct bump_pkt **ap, uint64_t *bytes);

struct dpdk_txq {
	struct dpdk_port *dp;
	dpdk_tx_fill_fn *tx_fill;
	uint16_t pid;
	uint16_t qid;
	uint16_t nb_desc;
	bool iova_va;
	bool warned_bad;
	struct rte_mempool *mp;      /* mbuf headers: no data room */
	struct rte_mempool *shp;     /* shared infos: one per attached page */
	struct dpdk_txq *retired;    /* the queue this one replaced: freed after the next setup */
	/* net_af_xdp: the UMEM of its paired RX queue (mp, arena); buffers in it go as its mbufs */
	struct rte_mempool *umem_mp;
	uintptr_t umem_base;
	uint64_t umem_len;           /* 0: no UMEM */
	struct {
		_Atomic uint64_t opackets, obytes, attached, unsent, no_mbuf, bad, as_is, umem;
	} st;
};

struct dpdk_port {
	struct bump_port *port;
	uint16_t bport;
	uint16_t pid;
	int socket;
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_device *dev;
	bool probed;                 /* probed by open: removed by close */
	bool is_vdev;
	bool drain_on_stop;          /* net_ring: receive what is still in the ring at stop */
	bool packed_pool;            /* net_af_xdp: RX objects back to back (its UMEM) */
	enum dpdk_rx_mode rx_mode;
	bool configured;             /* rte_eth_dev_configure done with nb_rxq/nb_txq */
	uint16_t nb_rxq, nb_txq;
	struct dpdk_rxq *rxq[BUMP_PORT_QUEUE_MAX];
	struct dpdk_txq *txq[BUMP_PORT_QUEUE_MAX];
	bool rxq_ready[BUMP_PORT_QUEUE_MAX];  /* set up in DPDK with rxq->mp */
	bool txq_ready[BUMP_PORT_QUEUE_MAX];
};

#define DPDK_STAT_ADD(ctr, n) __BUMP_STAT_ADD(ctr, n)
#define DPDK_LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* dpdk_eal.c */
int dpdk_eal_start(const char *first_devargs);
void dpdk_thread_register_slow(void);
/* Give the calling thread an lcore id once, so mempool caches serve it. */
static inline void dpdk_thread_register(void)
{
	if (bump_unlikely(rte_lcore_id() == LCORE_ID_ANY))
		dpdk_thread_register_slow();
}
/* A private name for a DPDK object (mempools are memzones: names are global). */
void dpdk_obj_name(char *buf, size_t len, const char *what, uint16_t port, uint16_t qid);

/* dpdk_rxq.c */
int dpdk_rxq_new(struct dpdk_port *dp, uint16_t qid, const struct bump_rxq_conf *conf,
		 struct dpdk_rxq **out);
struct rte_mempool *dpdk_rxq_pool_new(struct dpdk_rxq *q);
void dpdk_rxq_arm(struct dpdk_rxq *q);
/* The one warning of a net_af_xdp queue that falls back to copying every frame, and @why. */
void dpdk_rxq_copy_warn(const struct dpdk_rxq *q, const char *why);
/*
 * Give back the pages of @mp's mbufs and free it, once the PMD holds none
 * of them, or whatever it holds once the device is @closed.
 */
void dpdk_rxq_pool_release(struct dpdk_rxq *q, struct rte_mempool *mp, bool closed);
/* After the device is closed (or was never set up with the queue). */
void dpdk_rxq_free(struct dpdk_rxq *q);
uint16_t dpdk_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);

/* dpdk_txq.c */
int dpdk_txq_new(struct dpdk_port *dp, uint16_t qid, const struct bump_txq_conf *conf,
		 struct dpdk_txq **out);
void dpdk_txq_free(struct dpdk_txq *q);
uint16_t dpdk_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
/* Whether @m is a TX mbuf of this driver with a bump page attached. */
bool dpdk_tx_mbuf(const struct rte_mbuf *m);
/*
 * Detach @m (dpdk_tx_mbuf) from its page, keeping one page reference for
 * the caller, and free the mbuf header.  Returns the page's bump_ref.
 */
bump_ref_t dpdk_tx_mbuf_take(struct rte_mbuf *m);
/* The IOVA of @addr in a page of @buf's buffer, with @iova_va for unmapped pools. */
static inline rte_iova_t dpdk_page_iova(const struct bump_desc *d, const void *page,
					 const void *addr, bool iova_va)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)page;

	if (d->dma_addr)
		return d->dma_addr + off;
	return iova_va ? (rte_iova_t)(uintptr_t)addr : RTE_BAD_IOVA;
}

/* dpdk_mbuf.c */
#define DPDK_MBUF_HDR 128        /* sizeof(struct rte_mbuf): a buffer's first bytes */
#define DPDK_MBUF_FRAME (DPDK_MBUF_HDR + RTE_PKTMBUF_HEADROOM)  /* where RX frames start */
extern struct rte_mempool *dpdk_mbuf_home;  /* m->pool of bump-buffer mbufs of no queue's pool */
extern int dpdk_mbuf_ops_index;             /* their mempools' ops; -1 before home exists */
/* By bump pool id: the queue mempool whose owner lcore caches that pool's mbufs, or NULL. */
extern struct rte_mempool *_Atomic dpdk_mbuf_mp_of[1u << 16];
/* Create home if it is not there yet (0, or a negative errno with a message). */
int dpdk_mbuf_home_get(void);
/* Whether @q's PMD can receive into mbufs that are its pool's buffers. */
bool dpdk_mbuf_usable(const struct dpdk_rxq *q);
/*
 * The PMD's mempool for @q: its gets are buffers of q->pool; the one of
 * another queue on that pool if there is one (NULL: bump_last_error()).
 */
struct rte_mempool *dpdk_mbuf_pool_new(struct dpdk_rxq *q);
bool dpdk_mbuf_pool(const struct rte_mempool *mp);
/*
 * Whether the IOVA of every buffer of the pools whose mbufs go back to @mp
 * (a queue's pool, its control pool) is the buffer's address, as
 * dpdk_page_iova gives it: false for home (any pool's).
 */
bool dpdk_mbuf_iova_is_va(const struct rte_mempool *mp);
/* On the thread owning the queue's pool: its lcore's DPDK cache of @mp (dpdk_mbuf_pool) on. */
void dpdk_mbuf_cache_on(struct rte_mempool *mp);
/*
 * @q's queue lets @mp go; the last of its queues retires it (its owner
 * lcore's cache back to bump).  A net_af_xdp UMEM one only once the PMDs
 * are gone: what they held is put back (returns how many).
 */
unsigned dpdk_mbuf_pool_free(struct rte_mempool *mp);
/*
 * net_af_xdp: make @mp's memory (its UMEM) the arena @a, in objects of one
 * @buf-byte buffer, and track what the PMD holds (0, or an errno with a message).
 */
int dpdk_mbuf_umem_on(struct rte_mempool *mp, const struct bump_arena *a, size_t buf);
void dpdk_mbuf_umem_off(struct rte_mempool *mp);
bool dpdk_mbuf_umem(const struct rte_mempool *mp);
/* The PMD has (1) or gave back (0) those of @m in @mp's UMEM; returns how many those are. */
unsigned dpdk_mbuf_umem_mark(const struct rte_mempool *mp, struct rte_mbuf *const *m, unsigned n,
			     uint8_t held);
void dpdk_mbuf_umem_range(const struct rte_mempool *mp, uintptr_t *base, uint64_t *len);
/* How many buffers the PMD holds now (its ring, TX, the mempool's DPDK cache). */
unsigned dpdk_mbuf_umem_held(const struct rte_mempool *mp);
/* How many mbufs @mp's DPDK cache holds now (a snapshot while its lcore runs). */
unsigned dpdk_mbuf_cached(const struct rte_mempool *mp);

/* The mempool a bump-buffer mbuf of pool @pool_id goes back to when a PMD frees it. */
static inline struct rte_mempool *dpdk_mbuf_mp(uint16_t pool_id)
{
	struct rte_mempool *mp = atomic_load_explicit(&dpdk_mbuf_mp_of[pool_id],
						      memory_order_relaxed);

	return mp ? mp : dpdk_mbuf_home;
}

/* The rearm word (data_off, refcnt, nb_segs, port) of a fresh mbuf, data_off 0. */
#define DPDK_MBUF_REARM ((uint64_t)1 << 16 | (uint64_t)1 << 32 | (uint64_t)RTE_MBUF_PORT_INVALID << 48)

static_assert(offsetof(struct rte_mbuf, buf_iova) == 8 && offsetof(struct rte_mbuf, rearm_data) == 16 &&
	      offsetof(struct rte_mbuf, ol_flags) == 24 && offsetof(struct rte_mbuf, pkt_len) == 36 &&
	      offsetof(struct rte_mbuf, data_len) == 40 && offsetof(struct rte_mbuf, hash) == 44 &&
	      offsetof(struct rte_mbuf, buf_len) == 54 && offsetof(struct rte_mbuf, pool) == 56 &&
	      offsetof(struct rte_mbuf, next) == 64 && offsetof(struct rte_mbuf, shinfo) == 80 &&
	      offsetof(struct rte_mbuf, priv_size) == 88,
	      "dpdk_mbuf_write writes the header as qwords at these offsets");

static inline void dpdk_mbuf_st64(struct rte_mbuf *m, size_t off, uint64_t v)
{
	memcpy((char *)m + off, &v, sizeof(v));
}

/*
 * Make the first bytes of a whole bump buffer the mbuf of that buffer, its
 * data (@len bytes) at @data_off past the header, @tail from
 * dpdk_mbuf_tail(): every field a PMD or DPDK's free reads, as a fresh mbuf
 * has it, in eleven qword stores and two 16-bit ones (the bytes before a
 * packet are the application's, so nothing in them is kept).
 */
static inline void dpdk_mbuf_write(struct rte_mbuf *m, rte_iova_t iova, uint16_t data_off,
				   uint64_t tail, uint16_t len, struct rte_mempool *mp)
{
	dpdk_mbuf_st64(m, 0, (uintptr_t)m + DPDK_MBUF_HDR);        /* buf_addr */
	dpdk_mbuf_st64(m, 8, iova);
	dpdk_mbuf_st64(m, 16, DPDK_MBUF_REARM | data_off);        /* refcnt 1, nb_segs 1, no port */
	dpdk_mbuf_st64(m, 24, 0);                                 /* ol_flags */
	dpdk_mbuf_st64(m, 32, (uint64_t)len << 32);               /* packet_type 0, pkt_len */
	dpdk_mbuf_st64(m, 40, len);                               /* data_len, vlan_tci 0, hash.rss 0 */
	dpdk_mbuf_st64(m, 48, tail);                              /* hash 0, vlan_tci_outer 0, buf_len */
	dpdk_mbuf_st64(m, 56, (uintptr_t)mp);
	dpdk_mbuf_st64(m, 64, 0);                                 /* next */
	dpdk_mbuf_st64(m, 72, 0);                                 /* tx_offload */
	dpdk_mbuf_st64(m, 80, 0);                                 /* shinfo */
	m->priv_size = 0;
	m->timesync = 0;
}

/*
 * The header's qword at 48 for a buffer of @size bytes: hash 0,
 * vlan_tci_outer 0, buf_len (the buffer past the header, at most 16 bits).
 */
static inline uint64_t dpdk_mbuf_tail(size_t size)
{
	return (uint64_t)RTE_MIN(size - DPDK_MBUF_HDR, (size_t)UINT16_MAX) << 48;
}

static_assert(offsetof(struct rte_mbuf, rearm_data) == 16 && offsetof(struct rte_mbuf, ol_flags) == 24 &&
	      offsetof(struct rte_mbuf, data_len) == 40 && offsetof(struct rte_mbuf, hash) == 44,
	      "RX as it is reads an mbuf as the qwords at 16 (data_off, refcnt, nb_segs, port), "
	      "24 (ol_flags) and 40 (data_len, vlan_tci, hash.rss)");
static_assert(offsetof(struct bump_pkt, off) == 4 && offsetof(struct bump_pkt, len) == 6 &&
	      offsetof(struct bump_pkt, port) == 8 && offsetof(struct bump_pkt, hash) == 12,
	      "a handle is two qwords: ref, off, len; port, flags, hash");
static_assert(RTE_MBUF_F_RX_RSS_HASH == 1u << 1 && RTE_MBUF_F_INDIRECT == 1ull << 62 &&
	      RTE_MBUF_F_EXTERNAL == 1ull << 61, "dpdk_rx_plain tests ol_flags bits 61 and 62");

/* An mbuf's rearm word and flags: one segment, one reference, not indirect or external. */
static inline bool dpdk_rx_plain(uint64_t rearm, uint64_t flags)
{
	/* In 32-bit halves: no 64-bit constants to keep in registers. */
	return (uint32_t)(rearm >> 16) == (1u | 1u << 16) && !((flags >> 61) & 3);
}

/*
 * The handle of the frame in a bump-buffer mbuf (buffer @ref), from its
 * rearm word, flags and qword at 40: off = header + data_off, len =
 * data_len, hash = hash.rss when the PMD set it (no branch), in two stores.
 */
static inline void dpdk_rx_handle(struct bump_pkt *pkt, bump_ref_t ref, uint64_t rearm,
				  uint64_t flags, uint64_t dl, uint16_t bport)
{
	uint64_t lo = ref | (uint64_t)((uint16_t)(rearm + DPDK_MBUF_HDR) | (uint32_t)dl << 16) << 32;
	uint64_t hi = bport | (uint64_t)((uint32_t)(dl >> 32) & -(uint32_t)((flags >> 1) & 1)) << 32;

	memcpy(pkt, &lo, sizeof(lo));
	memcpy((char *)pkt + 8, &hi, sizeof(hi));
}

/* dpdk_dma.c */
struct bump_dma_dev *dpdk_dma_dev_get(void);
struct bump_dma_dev *dpdk_identity_dev_get(void);
/* Whether a page mapped for @dev (NULL: unmapped) has its address as IOVA, in IOVA-as-VA mode or not. */
bool dpdk_dma_iova_is_va(const struct bump_dma_dev *dev, bool iova_va);

#endif /* DPDK_PRIV_H */
