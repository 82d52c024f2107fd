/* SPDX-License-Identifier: MIT */
/*
 * afxdp_rx.c - receive: RX descriptors become packet handles, and the fill
 * ring is refilled in bulk from the queue's pool.
 *
 * A descriptor's address is an offset into the arena: its page index is
 * the buffer's bump_ref and its low bits are where the kernel put the
 * packet, so a handle is built with a shift and a mask, and the packet is
 * never copied or touched here.  Runs on the pool's owner thread, so
 * refills use the pool's lock-free cache.
 */
#include "afxdp.h"

#include <errno.h>
#include <sys/socket.h>

/* Wake the kernel's RX side (zero-copy drivers only ask when the fill ring ran dry). */
static void afxdp_rx_wakeup(struct afxdp_rxq *q)
{
	AFXDP_STAT_ADD(q->st.wakeups, 1);
	/* A non-blocking poke: an error here only means the next burst pokes again. */
	if (recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENETDOWN && errno != EINTR)
		bump_log(BUMP_LOG_DEBUG, "afxdp: RX wakeup: %m");
}

/*
 * The pool gave nothing: the application holds every buffer, or the arena
 * is too small for the rings.  Say so once per queue, and back off: skip
 * 1, 2, 4 ... up to AFXDP_REFILL_BACKOFF_MAX refill chances before the
 * next try, since each failed refill costs a trip to the arena's lock.
 */
static void afxdp_rx_pool_empty(struct afxdp_rxq *q)
{
	if (!q->nombuf_warned) {
		q->nombuf_warned = true;
		bump_log(BUMP_LOG_WARN, "afxdp: %s: pool '%s' has no free buffer for the fill "
			 "ring (%u of %u posted): frames that find it empty are dropped "
			 "(imissed); return packets sooner or give the pool more buffers "
			 "(warned once per queue)", q->port->args.ifname, bump_pool_name(q->pool),
			 AFXDP_STAT_GET(q->nb_posted), q->ring_size);
	}
	q->refill_backoff = q->refill_backoff ?
			    BUMP_MIN(q->refill_backoff * 2, AFXDP_REFILL_BACKOFF_MAX) : 1;
	q->refill_skip = q->refill_backoff;
}

/* Post free buffers of the pool to the fill ring, a batch at a time. */
static void afxdp_rx_refill(struct afxdp_rxq *q)
{
	void *bufs[AFXDP_FILL_BATCH];
	/*
	 * Ask for half a batch only: the consumer index (a line the kernel
	 * writes) is read again only when the cached count falls below that.
	 */
	uint32_t free_slots = xsk_prod_nb_free(&q->fill, AFXDP_FILL_BATCH / 2);

	if (bump_unlikely(bump_pool_destroyed(q->pool))) {  /* the port holds it: safe to ask */
		AFXDP_STAT_ADD(q->st.nombuf, free_slots);
		bump_port_rx_pool_gone(q->port_id, 0, q->pool, &q->pool_gone);
		return;
	}
	while (free_slots >= AFXDP_FILL_BATCH / 2) {
		unsigned want = BUMP_MIN(free_slots, AFXDP_FILL_BATCH);
		unsigned got = bump_pool_alloc_bulk(q->pool, bufs, want);
		uint32_t idx = 0;

		if (got < want)
			AFXDP_STAT_ADD(q->st.nombuf, want - got);
		if (got == 0) {
			afxdp_rx_pool_empty(q);
			return;
		}
		/* free_slots said there is room for @got: reserve cannot fail. */
		xsk_ring_prod__reserve(&q->fill, got, &idx);
		for (unsigned i = 0; i < got; i++) {
			uint64_t addr = (uintptr_t)bufs[i] - q->map.base;

			q->posted[addr >> q->map.frame_shift] = 1;
			*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addr;
		}
		xsk_ring_prod__submit(&q->fill, got);
		AFXDP_STAT_ADD(q->nb_posted, got);
		free_slots -= got;
		q->refill_backoff = 0;
		if (got < want)
			break;
	}
}

uint16_t afxdp_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct afxdp_rxq *q = queue;
	const uint8_t shift = q->map.frame_shift;
	const uint64_t off_mask = ((uint64_t)1 << shift) - 1;
	uint32_t idx, rcvd, consumed = 0;
	uint64_t bytes = 0;
	uint16_t out = 0;

	rcvd = xsk_ring_cons__peek(&q->rx, n, &idx);
	for (uint32_t i = 0; i < rcvd; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint64_t frame = d->addr >> shift;
		uint64_t off = d->addr & off_mask;

		/* The kernel only returns frames we posted; check anyway, never trust an index. */
		if (bump_unlikely(frame >= q->map.nframes || !q->posted[frame])) {
			AFXDP_STAT_ADD(q->st.bad_desc, 1);
			continue;
		}
		q->posted[frame] = 0;
		consumed++;
		/*
		 * Without XDP_USE_SG the kernel drops frames larger than a buffer
		 * itself (XDP_STATISTICS rx_dropped); a descriptor that still
		 * overflows, or a fragment, is dropped here and counted.
		 */
		if (bump_unlikely(off + d->len > off_mask + 1 || (d->options & XDP_PKT_CONTD))) {
			AFXDP_STAT_ADD(q->st.too_long, 1);
			bump_pool_put(q->pool, (void *)(q->map.base + (frame << shift)));
			continue;
		}
		pkts[out].ref = bump_ref_make(q->map.arena_id, (uint32_t)frame);
		pkts[out].off = (uint16_t)off;
		pkts[out].len = (uint16_t)d->len;
		pkts[out].port = q->port_id;
		pkts[out].flags = 0;
		pkts[out].hash = 0;
		bytes += d->len;
		out++;
	}
	if (rcvd) {
		xsk_ring_cons__release(&q->rx, rcvd);
		AFXDP_STAT_SET(q->nb_posted, AFXDP_STAT_GET(q->nb_posted) - consumed);
	}
	/*
	 * The kernel takes fill buffers only for frames it receives, so an
	 * empty poll finds room only when fewer frames than the ring holds are
	 * posted (the first poll, a pool that ran dry): an idle queue then
	 * costs a peek, not a read of the fill ring's consumer index.
	 */
	if (rcvd || AFXDP_STAT_GET(q->nb_posted) + AFXDP_FILL_BATCH / 2 <= q->ring_size) {
		if (bump_likely(!q->refill_skip))
			afxdp_rx_refill(q);
		else
			q->refill_skip--;
	}
	/* A zero-copy driver that ran out of fill buffers stops receiving until woken. */
	if (!rcvd && q->need_wakeup && xsk_ring_prod__needs_wakeup(&q->fill))
		afxdp_rx_wakeup(q);
	if (out) {
		AFXDP_STAT_ADD(q->st.packets, out);
		AFXDP_STAT_ADD(q->st.bytes, bytes);
	}
	return out;
}

/*
 * After the socket is closed the kernel holds no frame: every frame still
 * marked posted (in the fill ring, or received but not yet consumed) goes
 * back to its pool.  Runs on the control thread, so bump_ref_put() picks
 * the recycle ring when that is not the pool's owner.
 */
unsigned afxdp_rx_release_posted(struct afxdp_rxq *q)
{
	uint32_t left = AFXDP_STAT_GET(q->nb_posted);
	unsigned released = 0;

	if (!q->posted)
		return 0;
	for (uint32_t f = 0; f < q->map.nframes && left; f++) {
		if (!q->posted[f])
			continue;
		q->posted[f] = 0;
		left--;
		if (bump_ref_put(bump_ref_make(q->map.arena_id, f)) == 0)
			released++;
	}
	AFXDP_STAT_SET(q->nb_posted, 0);
	return released;
}
