/* SPDX-License-Identifier: MIT */
/*
 * sim_rxtx.c - the driver half of the software NIC's datapath: RX refill
 * and completion, TX posting and reclaim, and the stop-time reclaim that
 * hands every buffer in the rings back to its pool.
 *
 * Nothing the device writes back is trusted: a completion must carry the
 * address the driver posted in that slot (the driver keeps its own copy, as
 * real drivers keep a software ring) and a length that fits the buffer.  A
 * completion that fails either check is dropped, its buffer recycled, the
 * error counted; the bogus address is never dereferenced.
 */
#include "sim_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One warning per queue and kind; the counters say how often. */
static bool sim_warn_once(uint8_t *warned, uint8_t kind)
{
	if (*warned & kind)
		return false;
	*warned |= kind;
	return true;
}

/* ---- RX ------------------------------------------------------------------- */

/*
 * Post fresh buffers in bulk while a whole batch fits (owner thread): one
 * bump_pool_alloc_bulk_dma() of SIM_RX_REFILL (references and bus addresses
 * with the buffers, no lookup per packet), descriptors written, then one
 * release store of the tail so the device sees them all at once.
 */
void sim_rx_refill(struct sim_rxq *q)
{
	uint32_t tail = q->tail;
	void *bufs[SIM_RX_REFILL];
	bump_ref_t refs[SIM_RX_REFILL];
	uint64_t dmas[SIM_RX_REFILL];

	/* lib/port holds the pool, so a destroyed one is still there to ask. */
	if (bump_unlikely(bump_pool_destroyed(q->pool))) {
		__BUMP_STAT_ADD(q->st.rx_nombuf, SIM_RX_REFILL);
		bump_port_rx_pool_gone(q->port_id, q->qid, q->pool, &q->pool_gone);
		return;
	}
	while (q->nb_desc - 1 - (tail - q->next) >= SIM_RX_REFILL) {
		unsigned got = bump_pool_alloc_bulk_dma(q->pool, bufs, refs, dmas, SIM_RX_REFILL);

		for (unsigned i = 0; i < got; i++) {
			uint64_t dma = dmas[i];
			struct sim_rx_desc *d = &q->ring[tail & q->mask];

			if (bump_unlikely(!dma)) {
				/* Not expected: setup checked the mapping, destroy stops refills. */
				bump_put(bufs[i]);
				SIM_STAT_INC(q->st.rx_nombuf);
				continue;
			}
			dma += q->headroom;
			q->sw_ring[tail & q->mask] = (struct sim_rx_slot){ .ref = refs[i], .dma = dma };
			d->addr = dma;
			d->length = 0;
			d->csum = 0;
			d->errors = 0;
			d->special = 0;
			__atomic_store_n(&d->status, 0, __ATOMIC_RELAXED);  /* published by the tail */
			tail++;
		}
		if (got < SIM_RX_REFILL) {
			__BUMP_STAT_ADD(q->st.rx_nombuf, SIM_RX_REFILL - got);
			if (sim_warn_once(&q->warned, SIM_WARN_NOMBUF))
				bump_log(BUMP_LOG_WARN, "sim port %u RX queue %u: pool '%s' ran out of "
					 "buffers (%u posted of %u): free received packets sooner or "
					 "give the pool more memory; counted in rx_nombuf",
					 q->port_id, q->qid, bump_pool_name(q->pool),
					 tail - q->next, q->nb_desc - 1);
			break;
		}
	}
	if (tail != q->tail) {
		q->tail = tail;
		atomic_store_explicit(&q->rdt, tail, memory_order_release);
	}
}

/* A completion the driver refuses: count it, warn once, recycle the posted buffer. */
static void sim_rx_reject(struct sim_rxq *q, const struct sim_rx_slot *s,
			  const struct sim_rx_desc *d, _Atomic uint64_t *ctr, uint8_t kind)
{
	SIM_STAT_INC(*ctr);
	if (sim_warn_once(&q->warned, kind))
		bump_log(BUMP_LOG_WARN, "sim port %u RX queue %u: bad completion (address 0x%" PRIx64
			 " for posted 0x%" PRIx64 ", length %u of %u, errors 0x%02x): frame dropped, "
			 "buffer recycled; counted in ierrors and bump_sim_stats (further ones "
			 "of this kind only counted)", q->port_id, q->qid, d->addr, s->dma,
			 d->length, q->bsize, d->errors);
	bump_ref_put(s->ref);
}

uint16_t sim_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct sim_rxq *q = queue;
	uint64_t bytes = 0;
	uint16_t got = 0;
	uint32_t next;

	if (bump_unlikely(!q))
		return 0;
	if (bump_unlikely(!atomic_load_explicit(&q->dev->link_up, memory_order_relaxed)))
		return 0;
	/* Refill first: the first burst on the owner thread posts the whole ring. */
	if (q->nb_desc - 1 - (q->tail - q->next) >= SIM_RX_REFILL)
		sim_rx_refill(q);
	if (q->dev->inline_step)
		sim_dev_gen_step(q, n);

	next = q->next;
	while (got < n && next != q->tail) {
		struct sim_rx_desc *d = &q->ring[next & q->mask];
		struct sim_rx_slot *s = &q->sw_ring[next & q->mask];

		if (!(sim_status_load(&d->status) & SIM_RXD_STAT_DD))
			break;
		/*
		 * The identity mapping is coherent, so there is no
		 * bump_pool_sync_for_cpu() here; a driver for a non-coherent
		 * device calls it on the frame before handing it up.
		 */
		if (bump_unlikely(d->addr != s->dma)) {
			sim_rx_reject(q, s, d, &q->st.bad_addr, SIM_WARN_BAD_ADDR);
		} else if (bump_unlikely(d->errors)) {
			sim_rx_reject(q, s, d, &q->st.desc_errors, SIM_WARN_DESC_ERR);
		} else if (bump_unlikely(d->length == 0 || d->length > q->bsize)) {
			sim_rx_reject(q, s, d, &q->st.bad_len, SIM_WARN_BAD_LEN);
		} else {
			pkts[got++] = (struct bump_pkt){
				.ref = s->ref,
				.off = q->headroom,
				.len = d->length,
				.port = q->port_id,
			};
			bytes += d->length;
		}
		s->ref = BUMP_REF_NONE;
		next++;
	}
	q->next = next;
	__BUMP_STAT_ADD(q->st.ipackets, got);
	__BUMP_STAT_ADD(q->st.ibytes, bytes);
	return got;
}

/* Stop (device thread stopped): the device side disabled, every posted buffer back to its pool. */
void sim_rxq_stop(struct sim_rxq *q)
{
	pthread_mutex_lock(&q->lock);
	q->enabled = false;
	for (uint32_t i = q->next; i != q->tail; i++) {
		struct sim_rx_slot *s = &q->sw_ring[i & q->mask];

		if (s->ref != BUMP_REF_NONE) {
			bump_ref_put(s->ref);  /* the ring when the caller is not the pool's owner */
			SIM_STAT_INC(q->st.reclaimed);
		}
		s->ref = BUMP_REF_NONE;
	}
	memset(q->ring, 0, (size_t)q->nb_desc * sizeof(*q->ring));
	q->next = q->tail = q->head = 0;
	atomic_store_explicit(&q->rdt, 0, memory_order_relaxed);
	atomic_store_explicit(&q->rdh, 0, memory_order_relaxed);
	pthread_mutex_unlock(&q->lock);
}

/* ---- TX ------------------------------------------------------------------- */

/* A fault on a TX queue: always counted, said once per queue and kind (off the burst's path). */
static __attribute__((cold, format(printf, 4, 5))) void
sim_tx_fault(struct sim_txq *q, _Atomic uint64_t *ctr, uint8_t kind, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	SIM_STAT_INC(*ctr);
	if (!sim_warn_once(&q->warned, kind))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bump_log(BUMP_LOG_WARN, "sim port %u TX queue %u: %s", q->dev->port_id, q->qid, msg);
}

/*
 * Reclaim completed descriptors, oldest first: those the device's head has
 * passed.  The device sets DD before it moves the head past a descriptor,
 * so a passed descriptor without DD lost its completion (certain, not a
 * timeout guess: the device is done with the buffer, freed and counted),
 * and a DD ahead of the head was written early or twice: the device still
 * owns that buffer, so it is not freed (counted, once per descriptor).
 * Reclaimed descriptors are cleared, so that a completion later written
 * where nothing is posted is seen at the next post.  The packets are freed
 * in bulk, one call per contiguous run of the ring.
 */
static void sim_tx_clean(struct sim_txq *q)
{
	uint32_t first = q->next, next = first;
	uint32_t head = atomic_load_explicit(&q->tdh, memory_order_acquire);

	while (next != q->tail && (int32_t)(head - next) > 0) {
		struct sim_tx_desc *d = &q->ring[next & q->mask];
		uint8_t status = sim_status_load(&d->status);

		if (!(status & SIM_TXD_STAT_DD))
			sim_tx_fault(q, &q->st.lost, SIM_WARN_LOST, "the device passed descriptor %u "
				     "without completing it: buffer reclaimed; counted in oerrors and "
				     "bump_sim_stats tx_lost", next);
		if (bump_unlikely(status & SIM_TXD_STAT_EC))
			SIM_STAT_INC(q->st.tx_errors);
		sim_status_store(&d->status, 0);
		next++;
	}
	if (bump_unlikely(next != q->tail && next + 1 != q->early_seen &&
			  (sim_status_load(&q->ring[next & q->mask].status) & SIM_TXD_STAT_DD))) {
		q->early_seen = next + 1;
		sim_tx_fault(q, &q->st.early, SIM_WARN_EARLY, "descriptor %u completed before the "
			     "device passed it (early or written twice): not freed until it has; "
			     "counted in bump_sim_stats tx_early", next);
	}
	q->next = next;
	while (first != next) {
		uint32_t at = first & q->mask, run = BUMP_MIN(next - first, q->nb_desc - at);

		bump_pkt_free_bulk(&q->sw_ring[at], run);
		first += run;
	}
}

/* The DMA address of a packet, or 0 when it cannot be sent (unmapped pool, bad bounds). */
static uint64_t sim_tx_dma(const struct bump_pkt *p)
{
	const struct bump_desc *d = bump_ref_desc(p->ref);

	if (bump_unlikely(!d->dma_addr || !p->len || p->len > bump_pkt_room(p)))
		return 0;
	return d->dma_addr + p->off;
}

uint16_t sim_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct sim_txq *q = queue;
	uint32_t tail, room;
	uint64_t bytes = 0, sent = 0;
	uint16_t k;

	if (bump_unlikely(!q))
		return 0;
	sim_tx_clean(q);
	if (bump_unlikely(!atomic_load_explicit(&q->dev->link_up, memory_order_relaxed))) {
		/* Refused: the caller keeps the packets (and usually drops them). */
		__BUMP_STAT_ADD(q->st.link_refused, n);
		return 0;
	}
	room = q->nb_desc - 1 - (q->tail - q->next);
	k = (uint16_t)BUMP_MIN((uint32_t)n, room);
	tail = q->tail;
	for (uint16_t i = 0; i < k; i++) {
		const struct bump_pkt *p = &pkts[i];
		uint64_t dma = sim_tx_dma(p);
		struct sim_tx_desc *d = &q->ring[tail & q->mask];

		if (bump_unlikely(!dma)) {
			/* Accepted and dropped: it could never be sent, a retry would not help. */
			sim_tx_fault(q, &q->st.unmapped, SIM_WARN_UNMAPPED, "packet (len %u, off %u) "
				     "has no DMA address or does not fit its buffer: dropped; create "
				     "its pool with BUMP_POOL_F_DMA_MAP for an identity device; "
				     "counted in oerrors", p->len, p->off);
			bump_pkt_free(p);
			continue;
		}
		/* Cleared at reclaim: the device completed what was never posted. */
		if (bump_unlikely(sim_status_load(&d->status)))
			sim_tx_fault(q, &q->st.bogus, SIM_WARN_BOGUS, "descriptor %u was completed "
				     "before it was posted: ignored; counted in bump_sim_stats tx_bogus",
				     tail);
		d->addr = dma;
		d->length = p->len;
		d->cso = 0;
		d->cmd = SIM_TXD_CMD_EOP | SIM_TXD_CMD_RS;
		d->css = 0;
		d->special = 0;
		__atomic_store_n(&d->status, 0, __ATOMIC_RELAXED);  /* published by the tail */
		q->sw_ring[tail & q->mask] = *p;
		bytes += p->len;
		sent++;
		tail++;
	}
	if (tail != q->tail) {
		q->tail = tail;
		atomic_store_explicit(&q->tdt, tail, memory_order_release);
	}
	__BUMP_STAT_ADD(q->st.opackets, sent);
	__BUMP_STAT_ADD(q->st.obytes, bytes);
	if (q->dev->inline_step && sent) {
		sim_dev_tx_step(q, q->nb_desc);
		sim_tx_clean(q);
	}
	return k;
}

/*
 * Stop (device thread stopped): the device side disabled, every packet in the
 * ring back to its pool.
 */
void sim_txq_stop(struct sim_txq *q)
{
	pthread_mutex_lock(&q->lock);
	q->enabled = false;
	for (uint32_t i = q->next; i != q->tail; i++) {
		bump_pkt_free(&q->sw_ring[i & q->mask]);
		SIM_STAT_INC(q->st.reclaimed);
	}
	memset(q->ring, 0, (size_t)q->nb_desc * sizeof(*q->ring));
	q->next = q->tail = q->head = q->early_seen = 0;
	atomic_store_explicit(&q->tdt, 0, memory_order_relaxed);
	atomic_store_explicit(&q->tdh, 0, memory_order_relaxed);
	pthread_mutex_unlock(&q->lock);
}
