/* SPDX-License-Identifier: MIT */
/*
 * afxdp.h - the AF_XDP poll-mode driver's private state.
 *
 *   afxdp_args.c   devargs, and what the kernel says about the interface
 *   afxdp_xsk.c    UMEM and socket setup over a bump arena (libxdp)
 *   afxdp_rx.c     rx_burst and the fill ring
 *   afxdp_tx.c     tx_burst, the completion ring and the TX bounce pool
 *   afxdp_port.c   the driver ops table: queues, start/stop, stats
 *
 * The UMEM is the arena of the RX queue's pool: UMEM frame i is arena page
 * i, so a UMEM address is an offset into the region and a descriptor's
 * address names its bump buffer with one shift.  Nothing is stored in the
 * frames; what the driver must remember about a frame (is it posted to the
 * kernel?) sits in small per-frame counters beside it.
 */
#ifndef AFXDP_H
#define AFXDP_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "bump.h"
#include "bump_afxdp.h"
#include "bump_port.h"

#define AFXDP_RING_DEFAULT 2048
#define AFXDP_RING_MAX 16384
/* Fill-ring refills go in batches: fewer producer-index stores, as in page_pool's refill. */
#define AFXDP_FILL_BATCH 64
/* Longest pause, in refill attempts, between refills from an empty pool. */
#define AFXDP_REFILL_BACKOFF_MAX 4096
/* Completions reclaimed per pass: enough for two bursts without a long stall. */
#define AFXDP_COMP_BATCH 128

/* XDP_PKT_CONTD (kernel 6.6): more fragments follow.  Older uapi headers lack it. */
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1u << 0)
#endif

/* Counters written by one datapath thread and read by the control thread. */
#define AFXDP_STAT_ADD(ctr, n) __BUMP_STAT_ADD(ctr, n)
#define AFXDP_STAT_GET(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)
#define AFXDP_STAT_SET(ctr, v) atomic_store_explicit(&(ctr), (v), memory_order_relaxed)

enum afxdp_xdp_mode { AFXDP_MODE_NATIVE, AFXDP_MODE_SKB };
enum afxdp_zc { AFXDP_ZC_AUTO, AFXDP_ZC_ON, AFXDP_ZC_OFF };

struct afxdp_args {
	char ifname[IF_NAMESIZE];
	unsigned ifindex;
	uint32_t queue;
	uint32_t nb_queues;          /* RX queues the interface has */
	enum afxdp_xdp_mode mode;
	enum afxdp_zc zc;
};

/* The UMEM as both queues see it: one arena, frame i = page i. */
struct afxdp_umem_map {
	uintptr_t base;
	uint64_t len;
	uint32_t nframes;
	uint8_t frame_shift;         /* the arena's page shift: 11 or 12 */
	uint8_t arena_id;
	struct bump_arena *arena;
};

struct afxdp_rx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t nombuf;     /* fill-ring slots the pool could not fill */
	_Atomic uint64_t too_long;   /* descriptors that do not fit their buffer (dropped) */
	_Atomic uint64_t bad_desc;   /* descriptors naming no posted frame (ignored) */
	_Atomic uint64_t wakeups;
};

struct afxdp_tx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t errors;     /* packets dropped: too long, or not copyable */
	_Atomic uint64_t too_long;
	_Atomic uint64_t copied;     /* packets from outside the UMEM, copied to a bounce frame */
	_Atomic uint64_t kicks, kick_errors;
	_Atomic uint64_t put_errors; /* completions bump_ref_put refused (a double free) */
};

struct afxdp_port;

struct afxdp_rxq {
	/* What rx_burst reads, first. */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	struct bump_pool *pool;
	struct afxdp_umem_map map;
	uint8_t *posted;             /* per frame: 1 while the kernel owns it */
	_Atomic uint32_t nb_posted;  /* frames marked in posted[] (read by stats) */
	int fd;
	uint16_t port_id;
	bool need_wakeup;
	uint32_t refill_skip;        /* refills to skip before the next try (pool empty) */
	uint32_t refill_backoff;
	struct afxdp_rx_stats st;
	/* Control path. */
	bool configured;
	uint32_t ring_size;
	uint16_t headroom;
	bool nombuf_warned;
	bool pool_gone;              /* its destroy already reported */
	struct afxdp_port *port;
};

struct afxdp_txq {
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	struct afxdp_umem_map map;
	uint16_t *held;              /* per frame: TX descriptors the kernel holds on it */
	_Atomic uint32_t nb_held;    /* sum of held[] (read by stats) */
	int fd;
	bool need_wakeup;
	bool copy_warned;
	struct bump_pool *bounce;    /* frames for packets from outside the UMEM */
	struct afxdp_tx_stats st;
	bool configured;
	uint32_t ring_size;
	struct afxdp_port *port;
};

/* Every field of struct bump_afxdp_counters, for the reset baseline arithmetic. */
#define AFXDP_COUNTERS(X)                                                           \
	X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes) X(rx_too_long)          \
	X(rx_bad_desc) X(rx_nombuf) X(rx_wakeups) X(tx_too_long) X(tx_copied)       \
	X(tx_errors) X(tx_kicks) X(tx_kick_errors) X(tx_put_errors)                 \
	X(xdp_rx_dropped) X(xdp_rx_invalid_descs) X(xdp_tx_invalid_descs)           \
	X(xdp_rx_ring_full) X(xdp_rx_fill_ring_empty_descs) X(xdp_tx_ring_empty_descs)
#define AFXDP_COUNT_ONE(f) +1
static_assert(sizeof(struct bump_afxdp_counters) == (0 AFXDP_COUNTERS(AFXDP_COUNT_ONE)) *
	      sizeof(uint64_t), "AFXDP_COUNTERS lists every counter");

struct afxdp_port {
	struct afxdp_args args;
	struct bump_port *port;
	bump_cache_aligned struct afxdp_rxq rxq;
	bump_cache_aligned struct afxdp_txq txq;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	bool started;
	bool zero_copy;
	struct xdp_statistics xdp_acc;   /* kernel counters of the sockets closed so far */
	struct bump_afxdp_counters base; /* counters at the last stats reset */
};

/* afxdp_args.c */
int afxdp_args_parse(const char *devargs, struct afxdp_args *args);
int afxdp_netdev_info(const struct afxdp_args *args, uint8_t mac[6], uint16_t *mtu);
int afxdp_netdev_link(const struct afxdp_args *args, struct bump_port_link *link);

/* afxdp_xsk.c */
int afxdp_umem_map_init(struct afxdp_umem_map *map, const struct bump_pool *pool);
int afxdp_xsk_open(struct afxdp_port *ap);
void afxdp_xsk_close(struct afxdp_port *ap);
int afxdp_xsk_stats(const struct afxdp_port *ap, struct xdp_statistics *st);
uint64_t afxdp_copy_fallbacks(void);

/* afxdp_rx.c */
uint16_t afxdp_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
/* Hand every frame the kernel still holds for RX back to the pool (socket closed). */
unsigned afxdp_rx_release_posted(struct afxdp_rxq *q);

/* afxdp_tx.c */
uint16_t afxdp_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
int afxdp_tx_bounce_create(struct afxdp_txq *q);
void afxdp_tx_bounce_destroy(struct afxdp_txq *q);
/* Kick and reclaim until the kernel has completed everything or @timeout_ns passed. */
void afxdp_tx_drain(struct afxdp_txq *q, uint64_t timeout_ns);
unsigned afxdp_tx_release_held(struct afxdp_txq *q);

#endif /* AFXDP_H */
