/* SPDX-License-Identifier: MIT */
/*
 * virtio_ring.h - split virtqueues (VIRTIO 1.2, 2.7): the descriptor table
 * (2.7.5), the available ring the driver writes (2.7.6) and the used ring
 * the device writes (2.7.8), laid out in one DMA allocation per queue.
 */
#ifndef VIRTIO_RING_H
#define VIRTIO_RING_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "bump_vfio.h"

/*
 * The rings' layouts are the kernel's (<linux/virtio_ring.h>: vring_desc,
 * vring_avail, vring_used); checked here against the spec's sizes.
 */
static_assert(sizeof(struct vring_desc) == 16, "a split-ring descriptor is 16 bytes (2.7.5)");
static_assert(sizeof(struct vring_avail) == 4, "the available ring header is 4 bytes (2.7.6)");
static_assert(sizeof(struct vring_used_elem) == 8, "a used element is 8 bytes (2.7.8)");
static_assert(offsetof(struct vring_used_elem, len) == 4, "len at byte 4");
static_assert(sizeof(struct vring_used) == 4, "the used ring header is 4 bytes (2.7.8)");

/* One queue's rings in one DMA allocation: table, available ring, used ring (page aligned). */
struct virtq {
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	volatile uint16_t *notify;   /* the doorbell */
	uint16_t size, mask;
	uint16_t index;              /* queue number: 0 RX, 1 TX */
	uint16_t avail_idx;          /* next available-ring slot (free-running) */
	uint16_t used_idx;           /* next used element to read (free-running) */
	struct bump_vfio_mem mem;
};

static inline size_t virtq_avail_off(uint16_t size)
{
	return (size_t)size * sizeof(struct vring_desc);
}

static inline size_t virtq_used_off(uint16_t size)
{
	return BUMP_ALIGN_UP(virtq_avail_off(size) + sizeof(struct vring_avail) + 2u * size + 2u,
			     (size_t)4096);
}

static inline size_t virtq_bytes(uint16_t size)
{
	return virtq_used_off(size) + sizeof(struct vring_used) + 8u * size + 2u;
}

/* Make avail entries up to avail_idx visible, and ring the doorbell unless told not to. */
static inline void virtq_kick(struct virtq *vq)
{
	/*
	 * Ring entries before idx (2.7.13), and idx before reading flags, or a
	 * notification can be missed (2.7.10): one sequentially consistent
	 * exchange (xchg, a full barrier on x86) does both, with no fence that
	 * TSan cannot model.
	 */
	__atomic_exchange_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&vq->used->flags, __ATOMIC_SEQ_CST) & VRING_USED_F_NO_NOTIFY))
		*vq->notify = vq->index;
}

#endif /* VIRTIO_RING_H */
