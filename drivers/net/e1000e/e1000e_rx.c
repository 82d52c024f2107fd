/* SPDX-License-Identifier: MIT */
/*
 * e1000e_rx.c - the 82574 receive queue: a ring of legacy descriptors
 * (datasheet 7.1.4) refilled in bulk from the queue's bump pool, and
 * rx_burst, which trusts nothing the device wrote back: a completion with a
 * length outside [14, RCTL.BSIZE], without EOP (a frame spread over several
 * buffers), with a frame error, or in a slot no buffer was posted to is
 * dropped, counted, and its buffer returned to the pool.
 *
 * Ring indices (7.1.8): the device owns [RDH, RDT); software reads
 * completions at next and posts buffers at tail (= RDT).  One slot stays
 * empty so that a full ring is not mistaken for an empty one.
 */
#include "e1000e.h"
#include "bump_log.h"
#include "bump_pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Post buffers in the empty slots [tail, next - 1); one tail write for all. */
static void e1000e_rx_refill(struct e1000e_rxq *q, bool force)
{
	uint16_t empty = (uint16_t)((q->next - 1 - q->tail) & q->mask);
	uint16_t tail = q->tail;
	void *bufs[64];

	if (empty < E1000E_RX_REFILL_BATCH && !force)
		return;
	if (bump_unlikely(bump_pool_destroyed(q->pool))) {  /* the port holds it: safe to ask */
		__BUMP_STAT_ADD(q->stats.nombuf, empty);
		bump_port_rx_pool_gone(q->port_id, q->qid, q->pool, &q->pool_gone);
		return;
	}
	while (empty) {
		unsigned want = BUMP_MIN(empty, (unsigned)BUMP_ARRAY_SIZE(bufs));
		unsigned got = bump_pool_alloc_bulk(q->pool, bufs, want);

		for (unsigned i = 0; i < got; i++) {
			uint8_t *data = (uint8_t *)bufs[i] + q->headroom;
			volatile struct e1000e_rx_desc *rd = &q->ring[tail];
			uint64_t iova;

			if (bump_unlikely(bump_vfio_xlat_iova(&q->xlat, bump_pool_ref(q->pool, bufs[i]),
							      data, &iova))) {
				/* Unmappable (the pool's mapping went away): give them back. */
				bump_pool_put_bulk(q->pool, &bufs[i], got - i);
				got = i;
				break;
			}
			rd->addr = iova;
			/* length, csum, status, errors, special: all zero until written back */
			*(volatile uint64_t *)((volatile uint8_t *)rd + 8) = 0;
			q->bufs[tail] = bufs[i];
			tail = (uint16_t)((tail + 1) & q->mask);
		}
		empty = (uint16_t)(empty - got);
		if (got < want) {
			__BUMP_STAT_ADD(q->stats.nombuf, empty);
			break;
		}
	}
	if (tail != q->tail) {
		/* Descriptors are in memory before the device hears of them (dma_wmb). */
		bump_dma_wmb();
		*q->rdt = tail;
		q->tail = tail;
	}
}

uint16_t e1000e_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct e1000e_rxq *q = queue;
	uint16_t next = q->next, got = 0;
	uint64_t bytes = 0, bad = 0;

	while (got < n && next != q->tail) {
		volatile struct e1000e_rx_desc *rd = &q->ring[next];
		uint8_t status = rd->status, errors;
		uint16_t len;
		void *buf;

		if (!(status & E1000E_RXD_STAT_DD))
			break;
		/* Read the rest of the write-back only after DD (dma_rmb). */
		bump_dma_rmb();
		if (bump_unlikely(q->hook.fn != NULL))
			q->hook.fn(q->hook.arg, q->qid, rd, offsetof(struct e1000e_rx_desc, length),
				sizeof(rd->length));
		len = rd->length;
		errors = rd->errors;
		status = rd->status;
		buf = q->bufs[next];
		q->bufs[next] = NULL;
		next = (uint16_t)((next + 1) & q->mask);
		if (bump_unlikely(!buf)) {
			bad++;  /* a completion in a slot nothing was posted to */
			continue;
		}
		if (bump_unlikely(!(status & E1000E_RXD_STAT_EOP) || (errors & E1000E_RXD_ERR_FRAME) ||
				  len < ETH_HLEN || len > q->buf_len)) {
			bad++;
			bump_pool_put(q->pool, buf);
			continue;
		}
		pkts[got].ref = bump_pool_ref(q->pool, buf);
		pkts[got].off = q->headroom;
		pkts[got].len = len;
		pkts[got].port = q->port_id;
		pkts[got].flags = 0;
		if (!(status & E1000E_RXD_STAT_IXSM) && (status & E1000E_RXD_STAT_TCPCS))
			pkts[got].flags = (errors & E1000E_RXD_ERR_TCPE) ? BUMP_PKT_F_L4_CSUM_BAD
									 : BUMP_PKT_F_L4_CSUM_OK;
		pkts[got].hash = 0;
		bytes += len;
		got++;
	}
	q->next = next;
	if (got) {
		__BUMP_STAT_ADD(q->stats.packets, got);
		__BUMP_STAT_ADD(q->stats.bytes, bytes);
	}
	if (bump_unlikely(bad))
		__BUMP_STAT_ADD(q->stats.bad_desc, bad);
	/* Refill in batches; at once when the device has nothing left to fill. */
	e1000e_rx_refill(q, next == q->tail);
	return got;
}

/* The largest RCTL.BSIZE that fits @room bytes (7.1.2): 0 when below 2048. */
unsigned e1000e_bsize(size_t room, uint32_t *rctl_bits)
{
	static const struct { unsigned size; uint32_t bits; } sizes[] = {
		{ 16384, E1000E_RCTL_BSEX | 1u << E1000E_RCTL_BSIZE_SHIFT },
		{ 8192, E1000E_RCTL_BSEX | 2u << E1000E_RCTL_BSIZE_SHIFT },
		{ 4096, E1000E_RCTL_BSEX | 3u << E1000E_RCTL_BSIZE_SHIFT },
		{ 2048, 0 },
	};

	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(sizes); i++) {
		if (sizes[i].size <= room) {
			*rctl_bits = sizes[i].bits;
			return sizes[i].size;
		}
	}
	return 0;
}

void e1000e_rxq_free(struct e1000e_rxq *q)
{
	if (!q)
		return;
	bump_vfio_dma_free(&q->mem);
	bump_vfio_xlat_release(&q->xlat);
	free(q->bufs);
	free(q);
}

int e1000e_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct e1000e_dev *d = bump_port_priv(port);
	unsigned nb = conf->ring_size ? conf->ring_size : E1000E_RING_DEFAULT;
	unsigned headroom = conf->headroom;
	size_t buf_size = bump_pool_buf_size(conf->pool);
	struct e1000e_rxq *q;
	uint32_t bits;
	uint64_t iova;
	unsigned bsize;
	int ret;

	if (nb < E1000E_RING_MIN || nb > E1000E_RING_MAX || (nb & (nb - 1)))
		return bump_error(EINVAL, "e1000e %s: RX ring of %u descriptors: use a power of two "
				  "from %u to %u", d->bus.vdev->name, nb, E1000E_RING_MIN, E1000E_RING_MAX);
	bsize = headroom < buf_size ? e1000e_bsize(buf_size - headroom, &bits) : 0;
	if (!bsize)
		return bump_error(EINVAL, "e1000e %s: pool '%s' has %zu-byte buffers; with %u bytes "
				  "of headroom that leaves less than the 2048 bytes the 82574 may "
				  "write per descriptor: use buffers of 4 KiB or less headroom",
				  d->bus.vdev->name, bump_pool_name(conf->pool), buf_size, headroom);
	q = calloc(1, sizeof(*q));
	if (!q)
		return bump_error(ENOMEM, "e1000e: out of memory for the RX queue");
	q->bufs = calloc(nb, sizeof(*q->bufs));
	if (!q->bufs) {
		free(q);
		return bump_error(ENOMEM, "e1000e: out of memory for the RX queue");
	}
	q->nb_desc = (uint16_t)nb;
	q->mask = (uint16_t)(nb - 1);
	q->headroom = (uint16_t)headroom;
	q->buf_len = (uint16_t)BUMP_MIN(bsize, 16384u);
	q->port_id = bump_port_info_mut(port)->id;
	q->qid = qid;
	q->pool = conf->pool;
	q->rdt = (volatile uint32_t *)(d->bar0 + E1000E_RDT);
	ret = bump_vfio_dma_alloc((size_t)nb * sizeof(struct e1000e_rx_desc), "the RX ring", &q->mem);
	if (ret)
		goto fail;
	q->ring = q->mem.va;
	/* Map the pool's arena now (if the pool was not mapped for us), not on the fast path. */
	ret = bump_vfio_xlat_miss(&q->xlat, q->pool->arena_id, q->pool->base, &iova);
	if (ret)
		goto fail;
	e1000e_rxq_free(d->rxq);
	d->rxq = q;
	d->bus.rx_hook = &q->hook;
	bump_port_set_queue(port, true, qid, q);
	return 0;
fail:
	e1000e_rxq_free(q);
	return ret;
}

/* An empty ring, then a buffer in every slot but one (the ring may be ordinary memory: tests). */
void e1000e_rxq_post_all(struct e1000e_rxq *q)
{
	memset((void *)q->ring, 0, (size_t)q->nb_desc * sizeof(*q->ring));
	q->next = 0;
	q->tail = 0;
	e1000e_rx_refill(q, true);
}

int e1000e_rxq_start(struct e1000e_dev *d, struct e1000e_rxq *q)
{
	uint32_t bits = 0;

	/* 4.6.7: ring base and length, head = tail = 0, legacy descriptors. */
	e1000e_wr(d, E1000E_RCTL, 0);
	e1000e_wr(d, E1000E_RFCTL, e1000e_rd(d, E1000E_RFCTL) & ~E1000E_RFCTL_EXTEN);
	e1000e_wr(d, E1000E_RDBAL, (uint32_t)q->mem.iova);
	e1000e_wr(d, E1000E_RDBAH, (uint32_t)(q->mem.iova >> 32));
	e1000e_wr(d, E1000E_RDLEN, (uint32_t)q->nb_desc * sizeof(struct e1000e_rx_desc));
	e1000e_wr(d, E1000E_RDH, 0);
	e1000e_wr(d, E1000E_RDT, 0);
	e1000e_wr(d, E1000E_RDTR, 0);
	e1000e_rxq_post_all(q);
	if (q->tail == 0)
		return bump_error(ENOBUFS, "e1000e %s: pool '%s' gave no buffer for the RX ring; "
				  "give it at least %u", d->bus.vdev->name, bump_pool_name(q->pool),
				  q->nb_desc - 1u);
	if (q->tail != q->mask)
		bump_log(BUMP_LOG_WARN, "e1000e %s: the RX ring holds %u of %u buffers: pool '%s' "
			 "ran dry", d->bus.vdev->name, q->tail, q->mask, bump_pool_name(q->pool));
	(void)e1000e_bsize((size_t)q->buf_len, &bits);
	/* Promiscuous, broadcast, strip the CRC, legacy descriptors, BSIZE; then enable. */
	e1000e_wr(d, E1000E_RCTL, E1000E_RCTL_UPE | E1000E_RCTL_MPE | E1000E_RCTL_BAM |
		  E1000E_RCTL_SECRC | E1000E_RCTL_RDMTS_HALF | bits | E1000E_RCTL_EN);
	return 0;
}

void e1000e_rxq_stop(struct e1000e_dev *d, struct e1000e_rxq *q)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	e1000e_wr(d, E1000E_RCTL, 0);
	/* Let a frame the device was writing land before its buffer goes back. */
	nanosleep(&ts, NULL);
	for (unsigned i = 0; i < q->nb_desc; i++) {
		if (q->bufs[i]) {
			/* Any thread may stop a port: bump_put routes to the owner's ring. */
			if (bump_put(q->bufs[i]))
				bump_log(BUMP_LOG_ERR, "e1000e %s: RX buffer %p was rejected by its pool: %s",
					 d->bus.vdev->name, q->bufs[i], bump_last_error());
			q->bufs[i] = NULL;
		}
	}
	e1000e_wr(d, E1000E_RDH, 0);
	e1000e_wr(d, E1000E_RDT, 0);
	q->next = q->tail = 0;
}
