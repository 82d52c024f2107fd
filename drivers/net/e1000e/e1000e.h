/* SPDX-License-Identifier: MIT */
/*
 * e1000e.h - the Intel 82574 (8086:10d3) poll-mode driver over vfio-pci:
 * private state shared by its files.
 *
 *   e1000e_dev.c   probe, reset, link, MAC, hardware counters, start/stop,
 *                  registration with the vfio bus (drivers/bus/vfio)
 *   e1000e_rx.c    the RX queue: legacy descriptor ring refilled in bulk
 *                  from the queue's pool, rx_burst with validation
 *   e1000e_tx.c    the TX queue: tx_burst, completions back to their pools
 *
 * One RX and one TX queue (the 82574's second queue needs RSS and extended
 * descriptors).  No interrupts: everything is polled.
 */
#ifndef E1000E_H
#define E1000E_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/if_ether.h>

#include "bump.h"
#include "bump_port.h"
#include "bump_vfio_bus.h"
#include "e1000e_regs.h"

#define E1000E_RING_DEFAULT 256
#define E1000E_RING_MIN 64
#define E1000E_RING_MAX 4096
/* Refill the RX ring once this many slots are empty: fewer tail writes (MMIO). */
#define E1000E_RX_REFILL_BATCH 32
#define E1000E_TX_CLEAN_BATCH 64

struct e1000e_dev;

struct e1000e_rx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t bad_desc;  /* completions that failed validation: dropped, recycled */
	_Atomic uint64_t nombuf;    /* slots left empty: the pool had no buffer */
};

struct e1000e_rxq {
	volatile struct e1000e_rx_desc *ring;
	void **bufs;                         /* the buffer posted in each slot, or NULL */
	uint16_t nb_desc, mask;
	uint16_t next;                       /* next slot the device completes */
	uint16_t tail;                       /* RDT: first slot the device does not own */
	uint16_t headroom;
	uint16_t buf_len;                    /* RCTL.BSIZE: the most the device writes */
	uint16_t port_id, qid;
	volatile uint32_t *rdt;
	struct bump_pool *pool;
	bool pool_gone;                      /* its destroy already reported */
	struct bump_vfio_rx_hook_slot hook;  /* bump_vfio_port_set_rx_hook */
	struct e1000e_rx_stats stats;
	struct bump_vfio_mem mem;
	struct bump_vfio_xlat xlat;
};

struct e1000e_tx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t dropped;   /* accepted but not sendable (bad length, unmappable) */
};

struct e1000e_txq {
	volatile struct e1000e_tx_desc *ring;
	bump_ref_t *refs;                    /* the buffer behind each slot in flight */
	uint16_t nb_desc, mask;
	uint16_t tail;                       /* TDT: next slot software fills */
	uint16_t clean;                      /* oldest slot not yet completed */
	volatile uint32_t *tdt;
	struct e1000e_dev *dev;
	struct e1000e_tx_stats stats;
	struct bump_vfio_mem mem;
	struct bump_vfio_xlat xlat;
};

/* Hardware counters, accumulated: the registers clear on read. */
struct e1000e_hw_stats {
	uint64_t gprc, gptc, gorc, gotc, mpc, rnbc, crcerrs, rxerrc, algnerrc, ruc, roc;
};

struct e1000e_dev {
	struct bump_vfio_port bus;           /* first: the vfio bus's part (device, RX hook) */
	volatile uint8_t *bar0;
	uint8_t mac[6];
	bool started;
	struct e1000e_rxq *rxq;
	struct e1000e_txq *txq;
	struct e1000e_hw_stats hw;           /* since open: lib/port resets by snapshot */
};
static_assert(offsetof(struct e1000e_dev, bus) == 0, "the vfio bus's state comes first");

static inline uint32_t e1000e_rd(const struct e1000e_dev *d, uint32_t reg)
{
	return *(volatile const uint32_t *)(d->bar0 + reg);
}

static inline void e1000e_wr(const struct e1000e_dev *d, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(d->bar0 + reg) = val;
}

/* e1000e_rx.c */
int e1000e_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf);
int e1000e_rxq_start(struct e1000e_dev *d, struct e1000e_rxq *q);
void e1000e_rxq_stop(struct e1000e_dev *d, struct e1000e_rxq *q);
void e1000e_rxq_free(struct e1000e_rxq *q);
/*
 * The completion path, the first posting and the buffer size, apart from
 * the device: they touch only the ring, RDT, the queue and its pool, so
 * test/fuzz runs them on a ring in ordinary memory, playing the device
 * (fuzz_e1000e_rx).
 */
void e1000e_rxq_post_all(struct e1000e_rxq *q);
uint16_t e1000e_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
unsigned e1000e_bsize(size_t room, uint32_t *rctl_bits);

/* e1000e_tx.c */
uint16_t e1000e_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
int e1000e_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf);
int e1000e_txq_start(struct e1000e_dev *d, struct e1000e_txq *q);
void e1000e_txq_stop(struct e1000e_dev *d, struct e1000e_txq *q);
void e1000e_txq_free(struct e1000e_txq *q);

#endif /* E1000E_H */
