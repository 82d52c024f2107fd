/* SPDX-License-Identifier: MIT */
/*
 * bump_port.h - an ethdev-like port API with poll-mode drivers.
 *
 * A port is opened from a devargs string, "<driver>:<args>":
 *   sim:mode=loopback          the software NIC (drivers/net/sim)
 *   afxdp:veth0,queue=0        AF_XDP
 *   uring:veth0                io_uring on an AF_PACKET socket (drivers/net/uring)
 *   uring:udp=10.0.0.1:9000    io_uring on a UDP socket (datagrams)
 *   vfio:0000:00:01.0          userspace e1000e / virtio-net through vfio-pci
 *   dpdk:net_ring0             any DPDK ethdev
 * Drivers register themselves by name (bump_port_driver_register, usually
 * from a constructor); this layer never includes a driver header.
 *
 * Each RX queue is bound to a bump pool and refills its descriptor ring from
 * it in bulk.  rx_burst hands packets (struct bump_pkt) to the caller, who
 * owns them; tx_burst takes ownership of the packets it accepts and returns
 * their buffers to their pools when the device completes them.
 */
#ifndef BUMP_PORT_H
#define BUMP_PORT_H

#include "bump_api.h"

#include <stdbool.h>
#include <stdint.h>

#include "bump.h"
#include "bump_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BUMP_PORT_MAX 32
#define BUMP_PORT_QUEUE_MAX 16

struct bump_port;

struct bump_port_info {
	char driver[16];
	char name[64];          /* devargs it was opened with */
	uint16_t id;
	uint16_t max_rx_queues;
	uint16_t max_tx_queues;
	uint16_t nb_rx_queues;  /* set up so far */
	uint16_t nb_tx_queues;
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t max_rx_pktlen;
	/*
	 * The DMA device the port's RX pools must be mapped for: create them with
	 * .flags = BUMP_POOL_F_DMA_MAP and .dma_dev = this (NULL: the driver needs
	 * no mapping).  The port never closes it: pools may outlive the port.
	 */
	struct bump_dma_dev *dma_dev;
};

struct bump_port_link {
	bool up;
	bool full_duplex;
	uint32_t speed_mbps;
};

/* The RX headroom when a queue's conf asks for 0 (DPDK's RTE_PKTMBUF_HEADROOM). */
#define BUMP_PORT_HEADROOM_DEFAULT 128

struct bump_rxq_conf {
	uint16_t ring_size;     /* descriptors (0: the driver's default) */
	/*
	 * Buffers for this queue; its owner is the polling thread.  Queues that
	 * thread polls may share one pool, as a DPDK program's ports share one
	 * mbuf pool (bump-fwd --rx-pools lcore).
	 */
	struct bump_pool *pool;
	/* Bytes left before the packet in each buffer (0: BUMP_PORT_HEADROOM_DEFAULT). */
	uint16_t headroom;
};

struct bump_txq_conf {
	uint16_t ring_size;     /* descriptors (0: the driver's default) */
};

struct bump_queue_stats {
	uint64_t ipackets, ibytes, imissed, rx_nombuf, ierrors;
	uint64_t opackets, obytes, oerrors;
	uint64_t tx_invalid;  /* handles tx_burst refused, failing bump_pkt_check() (in oerrors too) */
};

struct bump_port_stats {
	struct bump_queue_stats total;
	struct bump_queue_stats q[BUMP_PORT_QUEUE_MAX];  /* rx fields per RX queue, tx per TX */
};

/* ---- Control path ------------------------------------------------------ */

BUMP_API int bump_port_open(const char *devargs, struct bump_port **out);
BUMP_API int bump_port_info_get(const struct bump_port *port, struct bump_port_info *info);
BUMP_API int bump_port_rxq_setup(struct bump_port *port, uint16_t qid,
				 const struct bump_rxq_conf *conf);
BUMP_API int bump_port_txq_setup(struct bump_port *port, uint16_t qid,
				 const struct bump_txq_conf *conf);
/*
 * Queues are set up while the port is stopped; set up queue ids form a
 * prefix (0..n-1) of each direction, which start checks.  Start fills each
 * RX ring from its pool when the calling thread owns the pool, otherwise the
 * first rx_burst on the owner thread does.
 */
BUMP_API int bump_port_start(struct bump_port *port);
/*
 * Stop: RX buffers posted to the device and TX packets not yet completed go
 * back to their pools (bump_put: through the recycle ring when the caller is
 * not the owner).  Call it once no thread runs bursts on the port any more;
 * stopping a stopped port does nothing.
 */
BUMP_API int bump_port_stop(struct bump_port *port);
/* Stop if started, then release the port and its id. */
BUMP_API int bump_port_close(struct bump_port *port);
BUMP_API int bump_port_link_get(const struct bump_port *port, struct bump_port_link *link);
BUMP_API int bump_port_get_stats(const struct bump_port *port, struct bump_port_stats *stats);
BUMP_API int bump_port_stats_reset(struct bump_port *port);
/*
 * Call @fn for every open port, in id order, until it returns nonzero
 * (returned; 0 when it never did).  For statistics readers (lib/telemetry),
 * from any thread: @info is the port's as of its open or last start.  @fn
 * runs under the port table's lock, which start, stop and close take too,
 * so the port stays open and, when @started, started: then @fn may call
 * bump_port_get_stats(), which reads what the polling threads write with
 * relaxed loads.  It must not call another port function.
 */
typedef int (*bump_port_visit_fn)(const struct bump_port *port, const struct bump_port_info *info,
				  bool started, void *arg);
BUMP_API int bump_port_foreach(bump_port_visit_fn fn, void *arg);

/* ---- Data path --------------------------------------------------------- */

typedef uint16_t (*bump_burst_fn)(void *queue, struct bump_pkt *pkts, uint16_t n);

/*
 * NOT API (__bump_, as bump_internal.h names lib/bump's): what the burst
 * inlines need; the rest of a port is private to lib/port.
 * A port begins with it (lib/port static_asserts this), so the accessor is
 * a cast rather than a call into the library on every burst.  While a port
 * is stopped its bursts return 0; a burst on a queue id that was not set up
 * (below BUMP_PORT_QUEUE_MAX) returns 0 too.
 */
struct __bump_port_fast {
	bump_burst_fn rx_burst;
	bump_burst_fn tx_burst;
	bool check_handles;     /* checked mode: tx_burst checks every handle (bump_pkt_check) */
	void *rxq[BUMP_PORT_QUEUE_MAX];
	void *txq[BUMP_PORT_QUEUE_MAX];
};

static inline const struct __bump_port_fast *__bump_port_fast(const struct bump_port *port)
{
	return (const struct __bump_port_fast *)(const void *)port;
}

/*
 * Receive up to @n packets from RX queue @qid (the pool owner's thread).
 * The caller owns the returned packets.
 */
static inline uint16_t bump_port_rx_burst(struct bump_port *port, uint16_t qid,
					  struct bump_pkt *pkts, uint16_t n)
{
	const struct __bump_port_fast *f = __bump_port_fast(port);

	return f->rx_burst(f->rxq[qid], pkts, n);
}

/* Not API: bump_port_tx_burst()'s slow path, a burst with handles bump_pkt_check() refuses. */
BUMP_API uint16_t __bump_port_tx_burst_invalid(struct bump_port *port, uint16_t qid,
					       struct bump_pkt *pkts, uint16_t n);

/*
 * Send up to @n packets on TX queue @qid.  Returns how many were accepted;
 * pkts[0..ret) now belong to the port, pkts[ret..n) still to the caller.
 * In checked mode (bump_checked_default() when the port was opened: the
 * test builds, BUMP_CHECKED=1) every handle is checked first
 * (bump_pkt_check): one that names no buffer, or bytes outside it, is never
 * sent; it is moved behind the sendable ones (which keep their order),
 * counted in tx_invalid, warned about once, and left to the caller.  In
 * unchecked mode the handles are trusted, as DPDK's tx_burst trusts its
 * mbufs: the check costs about 30 instructions per packet.
 */
static inline uint16_t bump_port_tx_burst(struct bump_port *port, uint16_t qid,
					  struct bump_pkt *pkts, uint16_t n)
{
	const struct __bump_port_fast *f = __bump_port_fast(port);

	if (bump_unlikely(f->check_handles))
		for (uint16_t i = 0; i < n; i++)
			if (bump_unlikely(bump_pkt_check(&pkts[i])))
				return __bump_port_tx_burst_invalid(port, qid, pkts, n);
	return f->tx_burst(f->txq[qid], pkts, n);
}

/* ---- Drivers ------------------------------------------------------------ */

/*
 * What a driver implements.  Every op returns 0 or a negative errno via
 * bump_error().  lib/port checks states and ids before calling an op: setup
 * ops run only while stopped with qid < max_*_queues and (RX) a pool; start
 * only with a prefix of queues set up; stop only while started.  Burst
 * functions receive a NULL queue for a queue id that was not set up and
 * must return 0 then.  rxq_setup sees the headroom default applied.
 * stats_get fills q[] (and any port-wide counters in total); lib/port adds
 * q[] into total.  stats_reset may be NULL: lib/port then resets by
 * snapshot.
 */
struct bump_port_driver {
	const char *name;  /* the devargs prefix */
	/* Parse @args (after "name:"), fill info, allocate private state in port. */
	int (*open)(struct bump_port *port, const char *args);
	int (*rxq_setup)(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf);
	int (*txq_setup)(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf);
	int (*start)(struct bump_port *port);
	int (*stop)(struct bump_port *port);
	void (*close)(struct bump_port *port);
	int (*link_get)(struct bump_port *port, struct bump_port_link *link);
	int (*stats_get)(struct bump_port *port, struct bump_port_stats *stats);
	int (*stats_reset)(struct bump_port *port);
	bump_burst_fn rx_burst;
	bump_burst_fn tx_burst;
};

BUMP_API int bump_port_driver_register(const struct bump_port_driver *drv);

/*
 * For a bus driver's open (drivers/bus/vfio): hand the port to the device
 * driver the bus matched.  Every later op and both bursts are @ops' (its
 * open is not used; its name appears in messages), so a bus adds no call
 * per burst; the port keeps the bus's name in info.driver.  @ops needs what a registered driver
 * needs, open aside.
 */
BUMP_API int bump_port_set_ops(struct bump_port *port, const struct bump_port_driver *ops);

/* For drivers: their private state, their info, and their queue pointers. */
BUMP_API void *bump_port_priv(struct bump_port *port);
BUMP_API void bump_port_set_priv(struct bump_port *port, void *priv);
BUMP_API struct bump_port_info *bump_port_info_mut(struct bump_port *port);
BUMP_API void bump_port_set_queue(struct bump_port *port, bool rx, uint16_t qid, void *queue);
/*
 * An RX refill found its pool destroyed (bump_pool_destroyed(): the port
 * holds each RX pool, so asking is safe): the driver posts nothing more
 * from it and counts what it did not post in rx_nombuf; this warns once
 * per queue (*@warned) with what to do.
 */
BUMP_API void bump_port_rx_pool_gone(uint16_t port_id, uint16_t qid, const struct bump_pool *pool,
				     bool *warned);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_PORT_H */
