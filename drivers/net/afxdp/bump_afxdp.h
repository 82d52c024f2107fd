/* SPDX-License-Identifier: MIT */
/*
 * bump_afxdp.h - what the AF_XDP driver tells beyond the generic port stats.
 *
 * devargs: afxdp:<ifname>[,queue=N][,mode=native|skb][,zc=auto|on|off]
 *   queue  the interface's RX/TX queue the socket binds to (default 0)
 *   mode   how libxdp's default redirect program is attached (default native)
 *   zc     zero-copy: auto tries it and falls back to copy mode with one
 *          warning; on fails when the driver lacks it; off never tries
 *
 * The UMEM is the arena of RX queue 0's pool, so RX needs no copy and TX of
 * any buffer of that arena needs none either.  A packet from another arena
 * is copied into a frame of the UMEM (tx_copied counts them): give the
 * ports that forward to each other pools on one arena to avoid it.
 */
#ifndef BUMP_AFXDP_H
#define BUMP_AFXDP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bump_port;

/* Counters since the port was opened or its stats were last reset. */
struct bump_afxdp_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	/* The driver's. */
	uint64_t rx_too_long;    /* RX descriptors longer than their buffer: dropped */
	uint64_t rx_bad_desc;    /* RX descriptors naming no posted frame: ignored */
	uint64_t rx_nombuf;      /* fill-ring slots the pool could not fill */
	uint64_t rx_wakeups;
	uint64_t tx_too_long;    /* TX packets longer than a frame: dropped */
	uint64_t tx_copied;      /* TX packets from outside the UMEM: copied */
	uint64_t tx_errors;      /* TX packets dropped (too long, empty) */
	uint64_t tx_kicks, tx_kick_errors;
	uint64_t tx_put_errors;  /* completed buffers bump_ref_put() refused */
	/* The kernel's XDP_STATISTICS, over every socket the port had. */
	uint64_t xdp_rx_dropped;          /* frames too long for a frame, or no fill buffer */
	uint64_t xdp_rx_invalid_descs;
	uint64_t xdp_tx_invalid_descs;
	uint64_t xdp_rx_ring_full;
	uint64_t xdp_rx_fill_ring_empty_descs;
	uint64_t xdp_tx_ring_empty_descs;
};

struct bump_afxdp_info {
	char ifname[16];
	uint32_t queue;
	bool native;             /* XDP attached in native (driver) mode, else SKB mode */
	bool zero_copy;          /* the socket is bound zero-copy (valid once started) */
	bool need_wakeup;        /* bound with XDP_USE_NEED_WAKEUP */
	uint32_t frame_size;     /* UMEM frame = bump buffer bytes */
	uint32_t rx_posted;      /* frames the kernel holds for RX (fill ring and beyond) */
	uint32_t tx_outstanding; /* TX descriptors not yet completed */
	struct bump_afxdp_counters c;
};

/* Fill @info for an afxdp port; -EINVAL (with a message) for another driver's port. */
int bump_afxdp_info_get(struct bump_port *port, struct bump_afxdp_info *info);

/* Sockets in this process that wanted zero-copy and fell back to copy mode. */
uint64_t bump_afxdp_copy_fallbacks(void);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_AFXDP_H */
