/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.h - the virtio-net (1af4:1041) poll-mode driver over vfio-pci:
 * private state shared by its files.
 *
 *   virtio_pci.c   the virtio 1.x PCI transport (capabilities, status, features, queues)
 *   virtio_net.c   the port: probe, feature negotiation, MAC, link, start/stop, stats,
 *                  registration with the vfio bus (drivers/bus/vfio)
 *   virtio_rx.c    receive queue 0: one device-writable buffer per descriptor, the
 *                  virtio_net_hdr in the buffer's headroom just before the frame
 *   virtio_tx.c    transmit queue 1: two-descriptor chains (shared zero header, frame)
 *
 * Features: VERSION_1, ACCESS_PLATFORM (the device's DMA goes through the
 * IOMMU: required), MAC and STATUS when offered; no offloads, no mergeable
 * buffers, no event index, no interrupts.
 */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/if_ether.h>
#include <linux/virtio_net.h>

#include "bump.h"
#include "bump_port.h"
#include "bump_vfio_bus.h"
#include "virtio_pci.h"
#include "virtio_ring.h"

/*
 * Feature bits (5.1.3), the device configuration (5.1.4) and the header
 * before every frame (5.1.6: virtio_net_hdr_v1 with VERSION_1) are the
 * kernel's, <linux/virtio_net.h>.
 */
static_assert(sizeof(struct virtio_net_hdr_v1) == 12, "the header is 12 bytes in virtio 1.x");
static_assert(offsetof(struct virtio_net_config, status) == 6, "status follows the MAC (5.1.4)");

#define VIRTIO_RING_DEFAULT 256
#define VIRTIO_RING_MIN 16
#define VIRTIO_RX_REFILL_BATCH 32
#define VIRTIO_TX_MAX_LEN 65535
#define VIRTIO_RX_MAX_LEN 65535  /* frame bytes a descriptor offers: bump_pkt.len is 16 bits */

struct virtio_rx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t bad;      /* used elements that failed validation: dropped, recycled */
	_Atomic uint64_t nombuf;   /* descriptors left empty: the pool had no buffer */
};

struct virtio_rxq {
	struct virtq vq;
	void **bufs;                         /* buffer posted on each descriptor, or NULL */
	uint32_t *posted_len;                /* what each descriptor offered the device */
	uint16_t *free_ids;                  /* stack of descriptors without a buffer */
	uint16_t nfree;
	uint16_t headroom;
	uint16_t port_id, qid;
	struct bump_pool *pool;
	bool pool_gone;                      /* its destroy already reported */
	struct bump_vfio_rx_hook_slot hook;  /* bump_vfio_port_set_rx_hook */
	struct virtio_rx_stats stats;
	struct bump_vfio_xlat xlat;
};

struct virtio_tx_stats {
	_Atomic uint64_t packets, bytes;
	_Atomic uint64_t dropped;  /* accepted but not sendable (length, unmappable) */
	_Atomic uint64_t bad;      /* used elements naming no packet in flight */
};

struct virtio_txq {
	struct virtq vq;
	bump_ref_t *refs;                    /* per slot (descriptor pair) in flight */
	bool *busy;
	uint16_t *free_slots;
	uint16_t nfree, nslots;
	struct virtio_tx_stats stats;
	struct bump_vfio_mem hdr;            /* one zeroed virtio_net_hdr every packet uses */
	struct bump_vfio_xlat xlat;
};

struct virtio_net_dev {
	struct bump_vfio_port bus;           /* first: the vfio bus's part (device, RX hook) */
	struct virtio_pci vp;
	uint64_t features;                   /* negotiated */
	uint8_t mac[6];
	bool started;
	struct virtio_rxq *rxq;
	struct virtio_txq *txq;
};
static_assert(offsetof(struct virtio_net_dev, bus) == 0, "the vfio bus's state comes first");

/* virtio_rx.c */
int virtio_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf);
int virtio_rxq_start(struct virtio_net_dev *d, struct virtio_rxq *q);
void virtio_rxq_stop(struct virtio_rxq *q);
void virtio_rxq_free(struct virtio_rxq *q);
/*
 * The completion path and the first posting, apart from the device: they
 * touch only the rings, the queue and its pool, so test/fuzz runs them on
 * rings in ordinary memory, playing the device (fuzz_virtio_rx).
 */
void virtio_rxq_post_all(struct virtio_rxq *q);
uint16_t virtio_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);

/* virtio_tx.c */
uint16_t virtio_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
int virtio_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf);
int virtio_txq_start(struct virtio_net_dev *d, struct virtio_txq *q);
void virtio_txq_stop(struct virtio_txq *q);
void virtio_txq_free(struct virtio_txq *q);

/*
 * A queue's rings for @want descriptors (0: VIRTIO_RING_DEFAULT), in one DMA
 * allocation; @dir ("RX", "TX") names the queue in errors.
 */
int virtio_virtq_alloc(const struct virtio_net_dev *d, struct virtq *vq, unsigned want,
		       uint16_t index, const char *dir);
/* Program a queue's rings into the device, empty (before DRIVER_OK: 3.1.1). */
int virtio_virtq_start(struct virtio_net_dev *d, struct virtq *vq, const char *dir);

#endif /* VIRTIO_NET_H */
