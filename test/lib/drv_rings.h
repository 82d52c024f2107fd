/* SPDX-License-Identifier: MIT */
/*
 * drv_rings.h - a vfio NIC driver's RX queue (virtio-net, e1000e) on rings in
 * ordinary memory, without VFIO, for tests and fuzz harnesses that play the
 * device: they read what the driver posted and write completions, and the
 * driver's own posting and rx_burst code runs on them unchanged.
 *
 * IOVA == VA: the queue's translation cache is filled for the pool's arena
 * with a zero delta, so refills never ask VFIO.  Nothing here frees through
 * VFIO either (the rings were never mapped).
 */
#ifndef DRV_RINGS_H
#define DRV_RINGS_H

#include <stdlib.h>
#include <string.h>

#include "e1000e.h"
#include "virtio_net.h"

static inline void drv_xlat_identity(struct bump_vfio_xlat *x, const struct bump_pool *pool)
{
	memset(x, 0, sizeof(*x));
	x->gen = bump_atomic_load(&__bump_vfio_map_gen, BUMP_MO_ACQUIRE);
	x->valid = 1ull << pool->arena_id;
}

static inline void *drv_ring_alloc(size_t bytes)
{
	void *mem = aligned_alloc(4096, BUMP_ALIGN_UP(bytes, (size_t)4096));

	if (!mem)
		abort();
	memset(mem, 0, bytes);
	return mem;
}

/* ---- virtio-net: descriptor table, available and used rings ------------ */

struct virtio_mem_rxq {
	struct virtio_rxq q;       /* first: the queue is the whole */
	uint16_t notify;           /* the doorbell: kicks land here */
};

/* Queue 0 of @size descriptors (a power of two) with every descriptor posted. */
static inline struct virtio_rxq *virtio_mem_rxq_new(struct bump_pool *pool, uint16_t size,
						    uint16_t headroom)
{
	struct virtio_mem_rxq *m = calloc(1, sizeof(*m));
	struct virtio_rxq *q = &m->q;
	uint8_t *mem;

	if (!m)
		abort();
	q->bufs = calloc(size, sizeof(*q->bufs));
	q->posted_len = calloc(size, sizeof(*q->posted_len));
	q->free_ids = calloc(size, sizeof(*q->free_ids));
	if (!q->bufs || !q->posted_len || !q->free_ids)
		abort();
	mem = drv_ring_alloc(virtq_bytes(size));
	q->vq.desc = (volatile struct vring_desc *)mem;
	q->vq.avail = (volatile struct vring_avail *)(mem + virtq_avail_off(size));
	q->vq.used = (volatile struct vring_used *)(mem + virtq_used_off(size));
	q->vq.notify = &m->notify;
	q->vq.size = size;
	q->vq.mask = (uint16_t)(size - 1);
	q->vq.mem.va = mem;
	q->headroom = headroom;
	q->pool = pool;
	drv_xlat_identity(&q->xlat, pool);
	virtio_rxq_post_all(q);
	return q;
}

/* Every posted buffer back to the pool (the driver's stop), the rings freed. */
static inline void virtio_mem_rxq_free(struct virtio_rxq *q)
{
	virtio_rxq_stop(q);
	free(q->vq.mem.va);
	free(q->bufs);
	free(q->posted_len);
	free(q->free_ids);
	free(q);
}

/* The device writes a used element (2.7.8): the entry, then idx. */
static inline void virtio_mem_used(struct virtio_rxq *q, uint32_t id, uint32_t len)
{
	uint16_t at = q->vq.used->idx;

	q->vq.used->ring[at & q->vq.mask].id = id;
	q->vq.used->ring[at & q->vq.mask].len = len;
	q->vq.used->idx = (uint16_t)(at + 1);
}

/* ---- e1000e: legacy descriptor ring, RDT ------------------------------- */

struct e1000e_mem_rxq {
	struct e1000e_rxq q;       /* first */
	uint32_t rdt;              /* the tail register */
};

/* A ring of @nb slots (a power of two) with a buffer in every slot but one. */
static inline struct e1000e_rxq *e1000e_mem_rxq_new(struct bump_pool *pool, uint16_t nb,
						    uint16_t headroom)
{
	struct e1000e_mem_rxq *m = calloc(1, sizeof(*m));
	struct e1000e_rxq *q = &m->q;
	uint32_t bits;

	if (!m)
		abort();
	q->bufs = calloc(nb, sizeof(*q->bufs));
	if (!q->bufs)
		abort();
	q->ring = drv_ring_alloc((size_t)nb * sizeof(struct e1000e_rx_desc));
	q->nb_desc = nb;
	q->mask = (uint16_t)(nb - 1);
	q->headroom = headroom;
	q->buf_len = (uint16_t)BUMP_MIN(e1000e_bsize(bump_pool_buf_size(pool) - headroom, &bits),
					16384u);
	q->rdt = &m->rdt;
	q->pool = pool;
	drv_xlat_identity(&q->xlat, pool);
	e1000e_rxq_post_all(q);
	return q;
}

/* Every posted buffer back to the pool (as e1000e_rxq_stop, without registers). */
static inline void e1000e_mem_rxq_free(struct e1000e_rxq *q)
{
	for (unsigned i = 0; i < q->nb_desc; i++)
		if (q->bufs[i] && bump_put(q->bufs[i]))
			abort();
	free((void *)q->ring);
	free(q->bufs);
	free(q);
}

/* The device writes slot @i back: length, status, errors (DD last, as hardware). */
static inline void e1000e_mem_writeback(struct e1000e_rxq *q, uint16_t i, uint16_t len,
					uint8_t status, uint8_t errors)
{
	volatile struct e1000e_rx_desc *rd = &q->ring[i & q->mask];

	rd->length = len;
	rd->errors = errors;
	rd->status = status;
}

#endif /* DRV_RINGS_H */
