/* SPDX-License-Identifier: MIT */
/*
 * e1000e_tx.c - the 82574 transmit queue: legacy descriptors (datasheet
 * 7.2.10.1), one per packet, each with RS so the device writes DD back;
 * completed buffers go back to their pools (bump_put: the pool's cache on
 * its owner thread, its recycle ring on any other).
 *
 * Packets come from any pool: the queue's translation cache maps a pool's
 * arena for this device the first time one of its buffers is sent, unless
 * the pool was created for this port's DMA device already.
 */
#include "e1000e.h"
#include "bump_log.h"
#include "bump_pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Return the buffers of completed descriptors [clean, tail); only DD is read. */
static void e1000e_tx_clean(struct e1000e_txq *q, bool all)
{
	void *done[E1000E_TX_CLEAN_BATCH];
	uint16_t clean = q->clean;

	for (;;) {
		unsigned n = 0;

		while (clean != q->tail && n < BUMP_ARRAY_SIZE(done)) {
			if (!all && !(q->ring[clean].status & E1000E_TXD_STAT_DD))
				break;
			done[n++] = bump_ref_page(q->refs[clean]);
			clean = (uint16_t)((clean + 1) & q->mask);
		}
		if (!n)
			break;
		q->clean = clean;
		if (bump_unlikely(bump_put_bulk(done, n)))
			bump_log(BUMP_LOG_ERR, "e1000e: TX completion: %s", bump_last_error());
		if (n < BUMP_ARRAY_SIZE(done))
			break;
	}
}

uint16_t e1000e_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct e1000e_txq *q = queue;
	uint16_t tail = q->tail, i, room;
	uint64_t bytes = 0, sent = 0, dropped = 0;

	e1000e_tx_clean(q, false);
	room = (uint16_t)((q->clean - 1 - tail) & q->mask);
	for (i = 0; i < n && room; i++) {
		const struct bump_pkt *p = &pkts[i];
		volatile struct e1000e_tx_desc *td;
		uint64_t iova;

		if (bump_unlikely(p->len == 0 || p->len > E1000E_TX_MAX_LEN ||
				  p->len > bump_pkt_room(p) ||
				  bump_vfio_xlat_iova(&q->xlat, p->ref, bump_pkt_data(p), &iova))) {
			/* Accepted, not sendable: it belongs to us now, so free it. */
			bump_pkt_free(p);
			dropped++;
			continue;
		}
		td = &q->ring[tail];
		td->addr = iova;
		/* length, cso = 0, cmd, status = 0, css = 0, special = 0 */
		*(volatile uint64_t *)((volatile uint8_t *)td + 8) =
			(uint64_t)p->len |
			(uint64_t)(E1000E_TXD_CMD_EOP | E1000E_TXD_CMD_IFCS | E1000E_TXD_CMD_RS) << 24;
		q->refs[tail] = p->ref;
		tail = (uint16_t)((tail + 1) & q->mask);
		room--;
		bytes += p->len;
		sent++;
	}
	if (sent) {
		bump_dma_wmb();  /* descriptors before TDT (dma_wmb) */
		*q->tdt = tail;
		q->tail = tail;
		__BUMP_STAT_ADD(q->stats.packets, sent);
		__BUMP_STAT_ADD(q->stats.bytes, bytes);
	}
	if (bump_unlikely(dropped))
		__BUMP_STAT_ADD(q->stats.dropped, dropped);
	return i;
}

void e1000e_txq_free(struct e1000e_txq *q)
{
	if (!q)
		return;
	bump_vfio_dma_free(&q->mem);
	bump_vfio_xlat_release(&q->xlat);
	free(q->refs);
	free(q);
}

int e1000e_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct e1000e_dev *d = bump_port_priv(port);
	unsigned nb = conf->ring_size ? conf->ring_size : E1000E_RING_DEFAULT;
	struct e1000e_txq *q;
	int ret;

	if (nb < E1000E_RING_MIN || nb > E1000E_RING_MAX || (nb & (nb - 1)))
		return bump_error(EINVAL, "e1000e %s: TX ring of %u descriptors: use a power of two "
				  "from %u to %u", d->bus.vdev->name, nb, E1000E_RING_MIN, E1000E_RING_MAX);
	q = calloc(1, sizeof(*q));
	if (!q)
		return bump_error(ENOMEM, "e1000e: out of memory for the TX queue");
	q->refs = calloc(nb, sizeof(*q->refs));
	if (!q->refs) {
		free(q);
		return bump_error(ENOMEM, "e1000e: out of memory for the TX queue");
	}
	q->nb_desc = (uint16_t)nb;
	q->mask = (uint16_t)(nb - 1);
	q->dev = d;
	q->tdt = (volatile uint32_t *)(d->bar0 + E1000E_TDT);
	ret = bump_vfio_dma_alloc((size_t)nb * sizeof(struct e1000e_tx_desc), "the TX ring", &q->mem);
	if (ret) {
		e1000e_txq_free(q);
		return ret;
	}
	q->ring = q->mem.va;
	e1000e_txq_free(d->txq);
	d->txq = q;
	bump_port_set_queue(port, false, qid, q);
	return 0;
}

int e1000e_txq_start(struct e1000e_dev *d, struct e1000e_txq *q)
{
	/* 4.6.8: ring, head = tail = 0, TXDCTL, TIPG, then TCTL with EN. */
	memset((void *)q->ring, 0, (size_t)q->nb_desc * sizeof(*q->ring));
	e1000e_wr(d, E1000E_TDBAL, (uint32_t)q->mem.iova);
	e1000e_wr(d, E1000E_TDBAH, (uint32_t)(q->mem.iova >> 32));
	e1000e_wr(d, E1000E_TDLEN, (uint32_t)q->nb_desc * sizeof(struct e1000e_tx_desc));
	e1000e_wr(d, E1000E_TDH, 0);
	e1000e_wr(d, E1000E_TDT, 0);
	e1000e_wr(d, E1000E_TIDV, 0);
	e1000e_wr(d, E1000E_TXDCTL, E1000E_TXDCTL_GRAN | E1000E_TXDCTL_COUNT_DESC);
	e1000e_wr(d, E1000E_TARC0, e1000e_rd(d, E1000E_TARC0) | E1000E_TARC_ENABLE);
	e1000e_wr(d, E1000E_TIPG, E1000E_TIPG_DEFAULT);
	q->tail = q->clean = 0;
	e1000e_wr(d, E1000E_TCTL, E1000E_TCTL_EN | E1000E_TCTL_PSP | 0x0fu << E1000E_TCTL_CT_SHIFT |
		  0x3fu << E1000E_TCTL_COLD_SHIFT | E1000E_TCTL_RTLC);
	return 0;
}

void e1000e_txq_stop(struct e1000e_dev *d, struct e1000e_txq *q)
{
	/* Let the device drain what was queued (up to 100 ms), then stop it. */
	for (unsigned i = 0; i < 1000 && e1000e_rd(d, E1000E_TDH) != q->tail; i++) {
		struct timespec ts = { 0, 100 * 1000 };

		nanosleep(&ts, NULL);
	}
	e1000e_tx_clean(q, false);
	e1000e_wr(d, E1000E_TCTL, 0);
	if (q->clean != q->tail)
		bump_log(BUMP_LOG_WARN, "e1000e %s: %u TX descriptors were not completed at stop; "
			 "their buffers go back unsent", d->bus.vdev->name,
			 (unsigned)((q->tail - q->clean) & q->mask));
	e1000e_tx_clean(q, true);
	e1000e_wr(d, E1000E_TDH, 0);
	e1000e_wr(d, E1000E_TDT, 0);
	q->tail = q->clean = 0;
}
