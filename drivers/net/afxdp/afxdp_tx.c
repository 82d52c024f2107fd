/* SPDX-License-Identifier: MIT */
/*
 * afxdp_tx.c - transmit: a packet in the UMEM's arena is sent where it lies
 * (its descriptor address is the buffer's offset in the region, plus the
 * packet's offset), and the completion ring hands each buffer back to its
 * pool with bump_ref_put_bulk(): direct when this thread owns the pool,
 * through the pool's recycle ring otherwise.
 *
 * A packet from another arena cannot be named in this UMEM: it is copied
 * into a frame of a small driver-owned "bounce" pool on the UMEM's arena,
 * counted in tx_copied, and freed.  The bounce pool belongs to whichever
 * thread sends on the queue (one at a time, as for any TX queue).
 *
 * The kernel may hold a frame more than once (clones sent twice), so what
 * it holds is counted per frame, not flagged: stop returns exactly that many
 * references when the socket is gone.
 */
#include "afxdp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Give completed buffers back; returns how many.  A frame's bump_ref is its
 * index with the arena's id on top, so one bump_ref_put_bulk() per batch
 * finds each pool without searching, and buffers of a pool this thread does
 * not own go to its recycle ring with one claim per run.
 */
static uint32_t afxdp_tx_reclaim(struct afxdp_txq *q, uint32_t max)
{
	const uint8_t shift = q->map.frame_shift;
	bump_ref_t refs[AFXDP_COMP_BATCH];
	uint32_t idx, k = 0, n;

	n = xsk_ring_cons__peek(&q->comp, BUMP_MIN(max, AFXDP_COMP_BATCH), &idx);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t frame = *xsk_ring_cons__comp_addr(&q->comp, idx + i) >> shift;

		if (bump_unlikely(frame >= q->map.nframes || q->held[frame] == 0)) {
			AFXDP_STAT_ADD(q->st.put_errors, 1);
			continue;
		}
		q->held[frame]--;
		refs[k++] = bump_ref_make(q->map.arena_id, (uint32_t)frame);
	}
	if (n)
		xsk_ring_cons__release(&q->comp, n);
	AFXDP_STAT_SET(q->nb_held, AFXDP_STAT_GET(q->nb_held) - k);
	if (k) {
		unsigned bad = bump_ref_put_bulk(refs, k, sizeof(refs[0]));

		if (bump_unlikely(bad))
			AFXDP_STAT_ADD(q->st.put_errors, bad);
	}
	return n;
}

/* Descriptors submitted that the kernel has not consumed yet. */
static inline uint32_t afxdp_tx_pending(const struct afxdp_txq *q)
{
	return q->tx.cached_prod - __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE);
}

/*
 * In copy mode the kernel transmits only inside sendto(), at most a budget
 * (32) of descriptors per call, and says EAGAIN when some are left or the
 * completion ring is full: reclaim and poke again, a few times, so that a
 * burst never sits in the ring waiting for a next tx_burst that may not come.
 */
static void afxdp_tx_kick(struct afxdp_txq *q)
{
	for (int tries = 0; tries < 8 && afxdp_tx_pending(q); tries++) {
		AFXDP_STAT_ADD(q->st.kicks, 1);
		if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			continue;
		if (errno == EAGAIN || errno == EBUSY || errno == EINTR) {
			afxdp_tx_reclaim(q, AFXDP_COMP_BATCH);
			continue;
		}
		/* ENOBUFS and ENETDOWN: the kernel dropped and completed; the rest is news. */
		if (errno != ENOBUFS && errno != ENETDOWN) {
			if (AFXDP_STAT_GET(q->st.kick_errors) == 0)
				bump_log(BUMP_LOG_WARN, "afxdp: %s: TX wakeup failed: %s (counted "
					 "in tx_kick_errors)", q->port->args.ifname, strerror(errno));
			AFXDP_STAT_ADD(q->st.kick_errors, 1);
		}
		break;
	}
}

#define AFXDP_NO_ADDR UINT64_MAX

/* The UMEM address of a bounce frame holding a copy of @p; AFXDP_NO_ADDR when none is free. */
static uint64_t afxdp_tx_copy(struct afxdp_txq *q, const struct bump_pkt *p)
{
	uint8_t *buf;

	if (bump_unlikely(atomic_load_explicit(&q->bounce->owner, memory_order_relaxed) !=
			  bump_thread_token()))
		bump_pool_set_owner(q->bounce);
	buf = bump_pool_alloc(q->bounce);
	if (!buf)
		return AFXDP_NO_ADDR;
	memcpy(buf, bump_pkt_data(p), p->len);
	if (!q->copy_warned) {
		q->copy_warned = true;
		bump_log(BUMP_LOG_INFO, "afxdp: %s: sending packets of another arena: each is "
			 "copied into the UMEM (tx_copied); put the pools of ports that forward "
			 "to each other on one arena to avoid it", q->port->args.ifname);
	}
	AFXDP_STAT_ADD(q->st.copied, 1);
	return (uintptr_t)buf - q->map.base;
}

uint16_t afxdp_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct afxdp_txq *q = queue;
	const uint8_t shift = q->map.frame_shift;
	const uint32_t frame_size = 1u << shift;
	const uint64_t off_mask = frame_size - 1;
	uint32_t room, idx = 0, written = 0;
	uint64_t bytes = 0;
	uint16_t accepted, reserved;

	if (AFXDP_STAT_GET(q->nb_held))
		afxdp_tx_reclaim(q, AFXDP_COMP_BATCH);
	room = xsk_prod_nb_free(&q->tx, n);
	if (bump_unlikely(room < n)) {
		afxdp_tx_kick(q);
		room = xsk_prod_nb_free(&q->tx, n);
	}
	accepted = (uint16_t)BUMP_MIN(room, n);
	if (!accepted)
		return 0;
	reserved = accepted;
	xsk_ring_prod__reserve(&q->tx, reserved, &idx);
	for (uint16_t i = 0; i < accepted; i++) {
		const struct bump_pkt *p = &pkts[i];
		uint64_t addr = ((uint64_t)bump_ref_index(p->ref) << shift) + p->off;
		struct xdp_desc *d;

		if (bump_unlikely(p->len == 0 || p->len > frame_size)) {
			/* Not sendable anywhere: drop it, as a NIC drops a runt or a giant. */
			AFXDP_STAT_ADD(q->st.errors, 1);
			AFXDP_STAT_ADD(q->st.too_long, p->len != 0);
			bump_pkt_free(p);
			continue;
		}
		if (bump_unlikely(bump_ref_arena_id(p->ref) != q->map.arena_id ||
				  (addr & off_mask) + p->len > frame_size)) {
			/* Another arena, or a multi-page buffer's bytes across a frame edge. */
			addr = afxdp_tx_copy(q, p);
			if (addr == AFXDP_NO_ADDR) {
				/* Bounce pool empty: the rest stays with the caller. */
				accepted = i;
				break;
			}
			bump_pkt_free(p);
		}
		d = xsk_ring_prod__tx_desc(&q->tx, idx + written);
		d->addr = addr;
		d->len = p->len;
		d->options = 0;
		q->held[addr >> shift]++;
		bytes += p->len;
		written++;
	}
	/* Give back the slots of dropped packets: nothing was written there. */
	q->tx.cached_prod -= reserved - written;
	if (written) {
		xsk_ring_prod__submit(&q->tx, written);
		AFXDP_STAT_ADD(q->nb_held, written);
		AFXDP_STAT_ADD(q->st.packets, written);
		AFXDP_STAT_ADD(q->st.bytes, bytes);
	}
	if (q->need_wakeup && xsk_ring_prod__needs_wakeup(&q->tx))
		afxdp_tx_kick(q);
	return accepted;
}

int afxdp_tx_bounce_create(struct afxdp_txq *q)
{
	char name[48];
	struct bump_pool_params pp = {
		.name = name,
		.arena = q->map.arena,
		.order = 0,
		/* Enough for a full TX ring and completion ring, and no more of the arena. */
		.max_buffers = 2 * q->ring_size + BUMP_POOL_CACHE_SIZE,
		.nid = BUMP_NUMA_ANY,
	};
	int ret;

	snprintf(name, sizeof(name), "afxdp-tx-%s-q%u", q->port->args.ifname,
		 q->port->args.queue);
	ret = bump_pool_create(&pp, &q->bounce);
	if (ret)
		return bump_error(-ret, "afxdp: %s: creating the TX bounce pool: %s",
				  q->port->args.ifname, bump_last_error());
	return 0;
}

void afxdp_tx_bounce_destroy(struct afxdp_txq *q)
{
	long inflight;

	if (!q->bounce)
		return;
	/* The sending thread is done with the queue: the control thread takes the pool over. */
	bump_pool_set_owner(q->bounce);
	inflight = bump_pool_destroy(q->bounce);
	if (inflight)
		bump_log(BUMP_LOG_WARN, "afxdp: %s: %ld bounce frames still out at stop",
			 q->port->args.ifname, inflight);
	q->bounce = NULL;
}

void afxdp_tx_drain(struct afxdp_txq *q, uint64_t timeout_ns)
{
	uint64_t end = bump_time_ns() + timeout_ns;

	while (AFXDP_STAT_GET(q->nb_held) && bump_time_ns() < end) {
		afxdp_tx_kick(q);
		afxdp_tx_reclaim(q, AFXDP_COMP_BATCH);
	}
}

/* After the socket is closed: the references the kernel held go back to their pools. */
unsigned afxdp_tx_release_held(struct afxdp_txq *q)
{
	uint32_t left = AFXDP_STAT_GET(q->nb_held);
	unsigned released = 0;

	if (!q->held)
		return 0;
	for (uint32_t f = 0; f < q->map.nframes && left; f++) {
		while (q->held[f]) {
			q->held[f]--;
			left--;
			if (bump_ref_put(bump_ref_make(q->map.arena_id, f)) == 0)
				released++;
		}
	}
	AFXDP_STAT_SET(q->nb_held, 0);
	return released;
}
