/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk.h - DPDK ethdevs as bump ports ("dpdk:" devargs): what programs
 * may ask of the driver beyond the port API.  No DPDK header is needed to
 * use it.
 *
 *   dpdk:net_ring0                     a DPDK virtual device, probed at open
 *   dpdk:net_af_xdp0,iface=veth0       devargs go to DPDK as they are
 *   dpdk:0000:03:00.0                  a PCI device bound to vfio-pci
 *   dpdk:net_null0;rx=copy             after ';': the driver's own options
 *
 * Driver options: rx=auto|zerocopy|copy.  Zero-copy RX (the default)
 * gives the PMD mbufs that are the queue's pool's buffers, the mbuf header
 * in a buffer's first 128 bytes and the frame 256 bytes in: rx_burst hands
 * the buffer on as it is.  With a headroom over 256 bytes or buffers under
 * 512, the PMD gets mbufs whose data buffers are pinned external buffers in
 * bump pages of the queue's pool: rx_burst hands the page on as a packet
 * handle and pins a fresh one to the mbuf.  Copy RX copies each frame into
 * a page (every frame, even one this driver sent over net_ring).  On
 * net_af_xdp, which builds its UMEM from the mempool's own memory, that
 * memory is the pool's arena: it receives into the pool's buffers and
 * sends those of the arena where they lie (or, with buffers that cannot be
 * UMEM chunks, every frame is copied, with a warning).  TX sends a packet with
 * 128 bytes before it in a buffer it alone holds as that buffer's own mbuf;
 * any other (a clone, a fragment) is attached to an mbuf header as an
 * external buffer.  Either way the buffer goes back to its pool when the
 * PMD frees the mbuf.
 *
 * EAL is initialised once, at the first open (or bump_dpdk_eal_init()),
 * with: --in-memory when 2 MiB hugepages are free, else --no-huge -m 256
 * with a private file prefix; --no-pci unless the first port is a PCI
 * address (then -a <it>); --lcores mapping lcore 0 to the calling thread's
 * CPUs (its affinity is left alone); --no-telemetry.  The BUMP_EAL_ARGS
 * environment variable (words split on spaces) or bump_dpdk_eal_args()
 * adds arguments; a default is dropped when they give its option.
 * Threads that run bursts are registered with EAL (rte_thread_register)
 * so that DPDK's per-lcore mempool caches serve them.
 */
#ifndef BUMP_DPDK_H
#define BUMP_DPDK_H

#include <stdbool.h>
#include <stdint.h>

#include "bump_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Arguments for EAL (argv[0] not included), used instead of BUMP_EAL_ARGS
 * by the initialisation that comes next.  Copied.  -EALREADY once EAL runs.
 */
int bump_dpdk_eal_args(int argc, const char *const *argv);
/* Start EAL now if it is not running yet (0, or a negative errno with a message). */
int bump_dpdk_eal_init(void);
/* Whether EAL runs on hugepages (false before it starts). */
bool bump_dpdk_eal_hugepages(void);

/*
 * The DMA device pools for physical DPDK ports are mapped with (info.dma_dev
 * of such a port): it registers the region with DPDK (rte_extmem_register)
 * and the VFIO container, IOVAs as EAL's IOVA mode says.  Virtual devices
 * reach memory by address: their info.dma_dev is an identity device (a
 * pool need not be mapped for them, but one mapped so can also send on
 * ports that require a mapping, such as sim).  Starts EAL if needed.
 */
struct bump_dma_dev *bump_dpdk_dma_dev(void);

/* The DPDK port id behind a dpdk: port, or -EINVAL for another driver's port. */
int bump_dpdk_port_id(const struct bump_port *port);

/* Counters since open (bump_port_stats_reset does not touch them). */
struct bump_dpdk_stats {
	uint64_t rx_as_is;        /* frames handed on in the mbuf's own buffer: no conversion */
	uint64_t tx_as_is;        /* packets sent as their buffer's own mbuf: no conversion */
	uint64_t tx_umem;         /* of those, sent from net_af_xdp's UMEM (our arena): no copy */
	/* The conversions, for mbufs that are not bump buffers (and packets that cannot be): */
	uint64_t rx_zerocopy;     /* frames handed on in the page the PMD wrote */
	uint64_t rx_copied;       /* frames copied into a page (copy mode, foreign mbufs) */
	uint64_t rx_pinned;       /* pages pinned to RX mbufs (fresh ones after zero-copy RX) */
	uint64_t rx_nombuf;       /* frames dropped: the pool had no page */
	uint64_t rx_too_long;     /* frames dropped: longer than a page past the headroom */
	uint64_t tx_attached;     /* packets handed to the PMD as external buffers */
	uint64_t tx_unsent;       /* packets the PMD refused (still the caller's) */
	uint64_t tx_no_mbuf;      /* packets not sent: no mbuf header was free */
	uint64_t rx_pages_released;  /* pages of RX mbufs returned by stop and close */
	uint64_t rx_mbufs_held;   /* RX mbufs a PMD still held at stop (their pages too); for
				   * net_af_xdp, the buffers it holds now (rings, cache), back at close */
	uint64_t rx_mbufs_cached; /* now: free mbufs in the RX queues' DPDK caches (0 once stopped);
				   * this and the net_af_xdp held count are of the queues' mempools,
				   * which ports whose RX queues have one pool share: each shows it */
	uint64_t rx_umem_passed;  /* net_af_xdp: buffers another port's TX completions passed to
				   * the RX refill (same arena, same lcore), not through bump */
};
int bump_dpdk_get_stats(const struct bump_port *port, struct bump_dpdk_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_DPDK_H */
