/* SPDX-License-Identifier: MIT */
/*
 * virtio_rx.c - virtio-net receive queue 0 (VIRTIO 1.2, 5.1.6.3 and 2.7).
 *
 * Each descriptor carries one whole buffer from the queue's pool,
 * device-writable, starting sizeof(virtio_net_hdr) before the packet
 * headroom's end: the device writes the header there and the frame right
 * after it, so the frame lands at the usual offset and the data page still
 * holds packet bytes only (the header sits in headroom).  Without
 * VIRTIO_NET_F_MRG_RXBUF each buffer must hold a whole frame: 1514 bytes
 * plus the header (5.1.6.3.1).
 *
 * Nothing the device writes is trusted: a used element naming a descriptor
 * that holds no buffer, a length shorter than header + Ethernet header or
 * longer than what was offered, or a GSO header we did not negotiate, is
 * dropped, counted, and its buffer (if any) returned to the pool.
 */
#include "virtio_net.h"
#include "bump_log.h"
#include "bump_pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr_v1))

/* Put buffers on free descriptors; kick when @kick and anything was added. */
static void virtio_rx_refill(struct virtio_rxq *q, bool force, bool kick)
{
	/* No more than a packet handle's 16-bit length can say, whatever the buffer size. */
	size_t room = BUMP_MIN(bump_pool_buf_size(q->pool) - q->headroom, (size_t)VIRTIO_RX_MAX_LEN);
	uint16_t added = 0;
	void *bufs[64];

	if (q->nfree < VIRTIO_RX_REFILL_BATCH && !force)
		return;
	if (bump_unlikely(bump_pool_destroyed(q->pool))) {  /* the port holds it: safe to ask */
		__BUMP_STAT_ADD(q->stats.nombuf, q->nfree);
		bump_port_rx_pool_gone(q->port_id, q->qid, q->pool, &q->pool_gone);
		return;
	}
	while (q->nfree) {
		unsigned want = BUMP_MIN(q->nfree, (unsigned)BUMP_ARRAY_SIZE(bufs));
		unsigned got = bump_pool_alloc_bulk(q->pool, bufs, want);

		for (unsigned i = 0; i < got; i++) {
			uint8_t *hdr = (uint8_t *)bufs[i] + q->headroom - HDR_LEN;
			uint16_t id;
			uint64_t iova;

			if (bump_unlikely(bump_vfio_xlat_iova(&q->xlat, bump_pool_ref(q->pool, bufs[i]),
							      hdr, &iova))) {
				bump_pool_put_bulk(q->pool, &bufs[i], got - i);
				got = i;
				break;
			}
			id = q->free_ids[--q->nfree];
			q->vq.desc[id].addr = iova;
			q->vq.desc[id].len = (uint32_t)room + HDR_LEN;
			q->vq.desc[id].flags = VRING_DESC_F_WRITE;
			q->vq.desc[id].next = 0;
			q->posted_len[id] = (uint32_t)room + HDR_LEN;
			q->bufs[id] = bufs[i];
			q->vq.avail->ring[q->vq.avail_idx & q->vq.mask] = id;
			q->vq.avail_idx++;
			added++;
		}
		if (got < want) {
			__BUMP_STAT_ADD(q->stats.nombuf, q->nfree);
			break;
		}
	}
	if (added && kick) {
		virtq_kick(&q->vq);
	} else if (added) {
		bump_dma_wmb();
		q->vq.avail->idx = q->vq.avail_idx;
	}
}

uint16_t virtio_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct virtio_rxq *q = queue;
	uint16_t used = q->vq.used->idx, got = 0;
	uint64_t bytes = 0, bad = 0;

	/* The elements up to used->idx are written before idx (2.7.8): read them after. */
	bump_dma_rmb();
	while (got < n && q->vq.used_idx != used) {
		volatile struct vring_used_elem *e = &q->vq.used->ring[q->vq.used_idx & q->vq.mask];
		const struct virtio_net_hdr_v1 *hdr;
		uint32_t id, len;
		void *buf;

		if (bump_unlikely(q->hook.fn != NULL))
			q->hook.fn(q->hook.arg, q->qid, e, offsetof(struct vring_used_elem, len),
				sizeof(e->len));
		id = e->id;
		len = e->len;
		q->vq.used_idx++;
		if (bump_unlikely(id >= q->vq.size || !q->bufs[id])) {
			bad++;  /* names a descriptor with nothing on it */
			continue;
		}
		buf = q->bufs[id];
		q->bufs[id] = NULL;
		q->free_ids[q->nfree++] = (uint16_t)id;
		hdr = (const void *)((uint8_t *)buf + q->headroom - HDR_LEN);
		if (bump_unlikely(len < HDR_LEN + ETH_HLEN || len > q->posted_len[id] ||
				  hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)) {
			bad++;
			bump_pool_put(q->pool, buf);
			continue;
		}
		pkts[got].ref = bump_pool_ref(q->pool, buf);
		pkts[got].off = q->headroom;
		pkts[got].len = (uint16_t)(len - HDR_LEN);
		pkts[got].port = q->port_id;
		pkts[got].flags = 0;
		pkts[got].hash = 0;
		bytes += len - HDR_LEN;
		got++;
	}
	if (got) {
		__BUMP_STAT_ADD(q->stats.packets, got);
		__BUMP_STAT_ADD(q->stats.bytes, bytes);
	}
	if (bump_unlikely(bad))
		__BUMP_STAT_ADD(q->stats.bad, bad);
	virtio_rx_refill(q, q->nfree == q->vq.size, true);
	return got;
}

void virtio_rxq_free(struct virtio_rxq *q)
{
	if (!q)
		return;
	bump_vfio_dma_free(&q->vq.mem);
	bump_vfio_xlat_release(&q->xlat);
	free(q->bufs);
	free(q->posted_len);
	free(q->free_ids);
	free(q);
}

int virtio_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct virtio_net_dev *d = bump_port_priv(port);
	unsigned headroom = conf->headroom;
	size_t buf_size = bump_pool_buf_size(conf->pool);
	struct virtio_rxq *q;
	uint64_t iova;
	int ret;

	if (headroom < HDR_LEN || headroom >= buf_size || buf_size - headroom < 1514)
		return bump_error(EINVAL, "virtio %s: pool '%s' has %zu-byte buffers and the queue "
				  "%u bytes of headroom: the headroom must hold the %u-byte "
				  "virtio_net_hdr and the rest a 1514-byte frame", d->bus.vdev->name,
				  bump_pool_name(conf->pool), buf_size, headroom, HDR_LEN);
	q = calloc(1, sizeof(*q));
	if (!q)
		return bump_error(ENOMEM, "virtio: out of memory for the RX queue");
	ret = virtio_virtq_alloc(d, &q->vq, conf->ring_size, 0, "RX");
	if (ret)
		goto fail;
	q->bufs = calloc(q->vq.size, sizeof(*q->bufs));
	q->posted_len = calloc(q->vq.size, sizeof(*q->posted_len));
	q->free_ids = calloc(q->vq.size, sizeof(*q->free_ids));
	if (!q->bufs || !q->posted_len || !q->free_ids) {
		ret = bump_error(ENOMEM, "virtio: out of memory for the RX queue");
		goto fail;
	}
	q->headroom = (uint16_t)headroom;
	q->port_id = bump_port_info_mut(port)->id;
	q->qid = qid;
	q->pool = conf->pool;
	/* Map the pool's arena now (if the pool was not mapped for us), not on the fast path. */
	ret = bump_vfio_xlat_miss(&q->xlat, q->pool->arena_id, q->pool->base, &iova);
	if (ret)
		goto fail;
	virtio_rxq_free(d->rxq);
	d->rxq = q;
	d->bus.rx_hook = &q->hook;
	bump_port_set_queue(port, true, qid, q);
	return 0;
fail:
	virtio_rxq_free(q);
	return ret;
}

/* A buffer on every descriptor, none notified yet (the rings may be ordinary memory: tests). */
void virtio_rxq_post_all(struct virtio_rxq *q)
{
	q->nfree = 0;
	for (unsigned i = q->vq.size; i-- > 0;)
		q->free_ids[q->nfree++] = (uint16_t)i;
	virtio_rx_refill(q, true, false);
}

/* Before DRIVER_OK: program queue 0 and post buffers (no notification yet: 3.1.1). */
int virtio_rxq_start(struct virtio_net_dev *d, struct virtio_rxq *q)
{
	int ret = virtio_virtq_start(d, &q->vq, "RX");

	if (ret)
		return ret;
	virtio_rxq_post_all(q);
	if (q->nfree == q->vq.size)
		return bump_error(ENOBUFS, "virtio %s: pool '%s' gave no buffer for the RX queue; "
				  "give it at least %u", d->bus.vdev->name, bump_pool_name(q->pool),
				  q->vq.size);
	return 0;
}

/* After the device was reset: every posted buffer goes back (any thread may stop). */
void virtio_rxq_stop(struct virtio_rxq *q)
{
	for (unsigned i = 0; i < q->vq.size; i++) {
		if (q->bufs[i]) {
			if (bump_put(q->bufs[i]))
				bump_log(BUMP_LOG_ERR, "virtio: RX buffer %p was rejected by its pool: %s",
					 q->bufs[i], bump_last_error());
			q->bufs[i] = NULL;
		}
	}
	q->nfree = 0;
}
