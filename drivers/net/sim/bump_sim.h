/* SPDX-License-Identifier: MIT */
/*
 * bump_sim.h - the software NIC ("sim:" ports): what tests and tools may ask
 * of it beyond the port API.
 *
 * A sim port behaves like a simple real NIC: RX and TX rings of legacy
 * 16-byte descriptors in memory, head/tail registers, the driver posting RX
 * buffers by DMA address and the "device side" reading and writing packet
 * memory only through those addresses.  devargs:
 *
 *   mode=loopback   what a port transmits arrives on its own RX (default)
 *   peer=<port id>  with loopback: deliver to that sim port's RX instead
 *   check=1         with loopback: check each frame's format and checksum on
 *                   the way, counted as sink frames (not their order: frames
 *                   that go round repeat their sequence numbers)
 *   mode=gen        generate RX frames: size=<bytes> (64), flows=<n> (16),
 *                   rate=<frames/s for the port> (0: as fast as RX buffers
 *                   are posted); what the port transmits is checked as by sink
 *   mode=sink       check and count what the port transmits; nothing arrives
 *   queues=<n>      RX and TX queues (1..16, default 1)
 *   mac=<aa:bb:..>  the port's MAC (default 02:53:49:4d:00:<port id>)
 *   thread=1        run the device side in a thread of its own, pinned to
 *                   cpu=<n> (default: a CPU other than the caller's)
 *   step=manual     no thread, and bursts do not step the device either:
 *                   only bump_sim_device_step() does (deterministic tests)
 * By default (no thread) rx_burst steps the device for its queue (generator)
 * and tx_burst for its queue (transmit), so a single thread sees traffic.
 *
 * DMA rule: the driver hands the device DMA addresses only (the pool's
 * bump_pool_dma_addr, or the descriptor's dma_addr for TX), and the device
 * reaches memory only through an IOMMU-like check of each address: IOVA ==
 * VA (the identity mapping), inside a bump arena, on an allocated buffer
 * whose descriptor records that DMA address, the access inside the buffer.
 * So RX pools must be created with BUMP_POOL_F_DMA_MAP for an identity
 * device: info.dma_dev (bump_sim_dma_dev()), or any device from
 * bump_dma_identity_open().  rxq_setup refuses an unmapped pool; TX packets
 * from an unmapped pool are dropped (tx_unmapped, oerrors); a pool mapped
 * for another kind of device is accepted, and each access to it is a DMA
 * fault (dma_faults; the descriptor comes back with its error bit: ierrors
 * or oerrors), never a stray write.
 *
 * The generator sends, and the sink and check=1 check, the test frame of
 * bump_frame.h (drivers/common/frame): Ethernet + IPv4 + UDP and a tag with
 * a sequence number per queue, so receivers can check integrity and order.
 */
#ifndef BUMP_SIM_H
#define BUMP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "bump_frame.h"
#include "bump_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Faults ------------------------------------------------------------- */

enum bump_sim_fault {
	/* The next RX completions report a length larger than the buffer. */
	BUMP_SIM_FAULT_RX_BAD_LEN = 0,
	/* The next RX completions carry an address the driver did not post (outside every arena). */
	BUMP_SIM_FAULT_RX_BAD_ADDR = 1,
	/* The next TX descriptors are sent but never completed (DD never set). */
	BUMP_SIM_FAULT_TX_LOST = 2,
	/* The next RX completions report a wrong length that still fits the buffer (undetectable). */
	BUMP_SIM_FAULT_RX_WRONG_LEN = 3,
	/* The next RX completions carry the address posted in another descriptor (mapped, not theirs). */
	BUMP_SIM_FAULT_RX_OTHER_ADDR = 4,
	/* The next RX completions are written twice: also into the next posted descriptor, no frame. */
	BUMP_SIM_FAULT_RX_DUP = 5,
	/* The next RX descriptors are completed before the frame is written: length 0, frame lost. */
	BUMP_SIM_FAULT_RX_EARLY = 6,
	/* The next TX completions are written twice: also into the next descriptor, not sent yet. */
	BUMP_SIM_FAULT_TX_DUP = 7,
	/* The next TX descriptors are completed (DD) a step before the frame is read. */
	BUMP_SIM_FAULT_TX_EARLY = 8,
	/* The next device steps write a completion into a TX descriptor the driver never posted. */
	BUMP_SIM_FAULT_TX_BOGUS = 9,
	BUMP_SIM_FAULT_MAX
};

/* Arm @count more occurrences of @fault on @port (any thread). */
int bump_sim_inject(struct bump_port *port, enum bump_sim_fault fault, uint32_t count);

/*
 * Take the link down or up (any thread).  While down, the device drops
 * what is in flight, rx_burst returns 0, tx_burst refuses everything
 * (counted in oerrors) and link_get says down.
 */
int bump_sim_link_set(struct bump_port *port, bool up);

/*
 * Run the device side of a started port once: up to @budget frames per
 * queue, transmitted and (generator) received.  Returns the frames handled,
 * or a negative errno.  Safe alongside a device thread (it takes the same
 * locks), but never alongside stop/close.
 */
int bump_sim_device_step(struct bump_port *port, unsigned budget);

/* The process-wide identity DMA device sim ports report in info.dma_dev. */
struct bump_dma_dev *bump_sim_dma_dev(void);

/* ---- Counters ----------------------------------------------------------- */

struct bump_sim_stats {
	/* Device side */
	uint64_t rx_frames;         /* frames written into posted RX buffers */
	uint64_t rx_no_desc;        /* dropped: no RX descriptor posted (imissed) */
	uint64_t rx_disabled;       /* dropped: RX queue missing or stopped (imissed) */
	uint64_t rx_oversize;       /* dropped: larger than the RX buffer (ierrors) */
	uint64_t tx_frames;         /* frames read from TX descriptors */
	uint64_t link_drops;        /* dropped by the device: link down */
	uint64_t tx_no_peer;        /* sent while the peer= port was not open (oerrors) */
	uint64_t dma_faults;        /* descriptor addresses the IOMMU check refused */
	uint64_t faults_injected;   /* faults that fired */
	uint64_t gen_frames;        /* frames the generator built */
	/* Driver side: what it detected and survived */
	uint64_t rx_bad_len;        /* completions with a length beyond the buffer */
	uint64_t rx_bad_addr;       /* completions for an address the driver did not post */
	uint64_t rx_desc_errors;    /* completions with the error bit (a DMA fault) */
	uint64_t tx_lost;           /* TX descriptors the device passed without completing */
	uint64_t tx_early;          /* TX completions ahead of the device's head (early, twice) */
	uint64_t tx_bogus;          /* TX completions in descriptors never posted (ignored) */
	uint64_t tx_tx_errors;      /* TX completions with the error bit (a DMA fault) */
	uint64_t tx_link_refused;   /* packets tx_burst refused: link down */
	uint64_t tx_unmapped;       /* packets dropped: their pool has no DMA mapping */
	uint64_t rx_reclaimed;      /* RX buffers returned to pools by stop */
	uint64_t tx_reclaimed;      /* TX packets returned to pools by stop */
	/* Sink (mode=sink and mode=gen check what the port transmits; so does
	 * mode=loopback with check=1, leaving the sequence counts at 0) */
	uint64_t sink_frames;
	uint64_t sink_bytes;
	uint64_t sink_bad_format;   /* not a sim frame */
	uint64_t sink_bad_csum;
	uint64_t sink_seq_gaps;     /* frames missing before one that arrived (upstream drops) */
	uint64_t sink_seq_errors;   /* frames older than one already seen: reordered or duplicated */
};

/* Since open (bump_port_stats_reset does not touch them). */
int bump_sim_get_stats(const struct bump_port *port, struct bump_sim_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_SIM_H */
