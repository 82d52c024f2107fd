/* SPDX-License-Identifier: MIT */
/*
 * virtio_tx.c - virtio-net transmit queue 1 (VIRTIO 1.2, 5.1.6.2 and 2.7).
 *
 * Every packet is a chain of two descriptors: a zeroed virtio_net_hdr (no
 * offloads) shared by all packets, then the frame in its own buffer.  The
 * pairs are linked once at start; sending fills the second descriptor and
 * publishes the pair's head.  Used elements return buffers to their pools;
 * one naming a pair with nothing in flight is counted and ignored.
 * The header is not written into the packet's headroom: a cloned buffer
 * may be in flight twice.
 */
#include "virtio_net.h"
#include "bump_log.h"
#include "bump_pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void virtio_tx_clean(struct virtio_txq *q)
{
	uint16_t used = q->vq.used->idx;
	void *done[64];
	unsigned n = 0, bad = 0;

	bump_dma_rmb();
	while (q->vq.used_idx != used) {
		uint32_t id = q->vq.used->ring[q->vq.used_idx & q->vq.mask].id;
		uint16_t slot = (uint16_t)(id / 2);

		q->vq.used_idx++;
		if (bump_unlikely((id & 1) || id >= q->vq.size || !q->busy[slot])) {
			bad++;
			continue;
		}
		q->busy[slot] = false;
		q->free_slots[q->nfree++] = slot;
		done[n++] = bump_ref_page(q->refs[slot]);
		if (n == BUMP_ARRAY_SIZE(done)) {
			if (bump_put_bulk(done, n))
				bump_log(BUMP_LOG_ERR, "virtio: TX completion: %s", bump_last_error());
			n = 0;
		}
	}
	if (n && bump_put_bulk(done, n))
		bump_log(BUMP_LOG_ERR, "virtio: TX completion: %s", bump_last_error());
	if (bump_unlikely(bad))
		__BUMP_STAT_ADD(q->stats.bad, bad);
}

uint16_t virtio_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct virtio_txq *q = queue;
	uint64_t bytes = 0, sent = 0, dropped = 0;
	uint16_t i;

	virtio_tx_clean(q);
	for (i = 0; i < n && q->nfree; i++) {
		const struct bump_pkt *p = &pkts[i];
		volatile struct vring_desc *data;
		uint16_t slot;
		uint64_t iova;

		if (bump_unlikely(p->len == 0 || p->len > VIRTIO_TX_MAX_LEN || p->len > bump_pkt_room(p) ||
				  bump_vfio_xlat_iova(&q->xlat, p->ref, bump_pkt_data(p), &iova))) {
			bump_pkt_free(p);  /* accepted, not sendable: ours to free */
			dropped++;
			continue;
		}
		slot = q->free_slots[--q->nfree];
		data = &q->vq.desc[2 * slot + 1];
		data->addr = iova;
		data->len = p->len;
		q->refs[slot] = p->ref;
		q->busy[slot] = true;
		q->vq.avail->ring[q->vq.avail_idx & q->vq.mask] = (uint16_t)(2 * slot);
		q->vq.avail_idx++;
		bytes += p->len;
		sent++;
	}
	if (sent) {
		virtq_kick(&q->vq);
		__BUMP_STAT_ADD(q->stats.packets, sent);
		__BUMP_STAT_ADD(q->stats.bytes, bytes);
	}
	if (bump_unlikely(dropped))
		__BUMP_STAT_ADD(q->stats.dropped, dropped);
	return i;
}

void virtio_txq_free(struct virtio_txq *q)
{
	if (!q)
		return;
	bump_vfio_dma_free(&q->vq.mem);
	bump_vfio_dma_free(&q->hdr);
	bump_vfio_xlat_release(&q->xlat);
	free(q->refs);
	free(q->busy);
	free(q->free_slots);
	free(q);
}

int virtio_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct virtio_net_dev *d = bump_port_priv(port);
	struct virtio_txq *q = calloc(1, sizeof(*q));
	int ret;

	if (!q)
		return bump_error(ENOMEM, "virtio: out of memory for the TX queue");
	ret = virtio_virtq_alloc(d, &q->vq, conf->ring_size, 1, "TX");
	if (!ret)
		ret = bump_vfio_dma_alloc(sizeof(struct virtio_net_hdr_v1), "the TX header", &q->hdr);
	if (ret) {
		virtio_txq_free(q);
		return ret;
	}
	/* A packet takes two descriptors: the shared header, then its frame. */
	q->nslots = (uint16_t)(q->vq.size / 2);
	q->refs = calloc(q->nslots, sizeof(*q->refs));
	q->busy = calloc(q->nslots, sizeof(*q->busy));
	q->free_slots = calloc(q->nslots, sizeof(*q->free_slots));
	if (!q->refs || !q->busy || !q->free_slots) {
		virtio_txq_free(q);
		return bump_error(ENOMEM, "virtio: out of memory for the TX queue");
	}
	virtio_txq_free(d->txq);
	d->txq = q;
	bump_port_set_queue(port, false, qid, q);
	return 0;
}

int virtio_txq_start(struct virtio_net_dev *d, struct virtio_txq *q)
{
	int ret = virtio_virtq_start(d, &q->vq, "TX");

	if (ret)
		return ret;
	q->nfree = 0;
	for (unsigned s = q->nslots; s-- > 0;) {
		volatile struct vring_desc *h = &q->vq.desc[2 * s];

		h->addr = q->hdr.iova;
		h->len = sizeof(struct virtio_net_hdr_v1);
		h->flags = VRING_DESC_F_NEXT;
		h->next = (uint16_t)(2 * s + 1);
		q->busy[s] = false;
		q->free_slots[q->nfree++] = (uint16_t)s;
	}
	return 0;
}

/* After the device was reset: whatever was in flight goes back unsent. */
void virtio_txq_stop(struct virtio_txq *q)
{
	unsigned left = 0;

	virtio_tx_clean(q);
	for (unsigned s = 0; s < q->nslots; s++) {
		if (q->busy[s]) {
			q->busy[s] = false;
			left++;
			if (bump_put(bump_ref_page(q->refs[s])))
				bump_log(BUMP_LOG_ERR, "virtio: TX buffer rejected: %s", bump_last_error());
		}
	}
	if (left)
		bump_log(BUMP_LOG_WARN, "virtio: %u TX packets were not completed at stop; their "
			 "buffers go back unsent", left);
	q->nfree = 0;
}
