/* SPDX-License-Identifier: MIT */
/*
 * uring_rx.c - receive: one multishot receive on the socket, its buffers
 * from the RX queue's pool through a provided-buffer ring.
 *
 * A burst reaps completions (each a filled buffer: a packet handle, no
 * copy), tops the ring up from the pool, and re-arms the receive when it
 * ended: with -ENOBUFS when the ring ran dry (the application held every
 * buffer), which loses nothing, since frames wait in the socket meanwhile.
 * An idle burst makes no system call: completions appear in the CQ ring as
 * the kernel's task work runs.  Runs on the pool's owner thread.
 */
#include "uring.h"

#include <errno.h>
#include <string.h>

/* Submit a multishot receive; it stays pending across any number of packets. */
static void uring_rx_arm(struct uring_rxq *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	int ret;

	/* Without a buffer in the ring the receive would end at once with ENOBUFS. */
	if (!sqe || bump_uring_bufring_posted(q->br) == 0)
		return;
	/* MSG_TRUNC: a packet socket then reports a frame's real length, so one too long is seen. */
	bump_uring_prep_recv_multishot(sqe, q->br, q->fd, MSG_TRUNC);
	io_uring_sqe_set_data64(sqe, URING_TAG_RECV);
	ret = io_uring_submit(&q->ring);
	if (ret < 0) {
		/* The SQE stays queued: the next submit carries it. */
		if (!q->error_warned)
			bump_log(BUMP_LOG_WARN, "uring: %s: submitting the receive: %s (retried)",
				 q->port->args.name, strerror(-ret));
		q->error_warned = true;
	}
	if (q->armed_once)
		URING_STAT_ADD(q->rearms, 1);
	q->armed_once = true;
	q->armed = true;
}

/* A receive completion without a buffer: why the receive stopped, or an error. */
static void uring_rx_no_buffer(struct uring_rxq *q, const struct io_uring_cqe *cqe)
{
	if (cqe->res == -ENOBUFS) {
		URING_STAT_ADD(q->enobufs, 1);
		return;
	}
	if (cqe->res >= 0 || cqe->res == -ECANCELED)
		return;
	URING_STAT_ADD(q->errors, 1);
	if (!q->error_warned) {
		q->error_warned = true;
		bump_log(BUMP_LOG_WARN, "uring: %s: receive failed: %s (re-armed; counted in "
			 "ierrors, warned once)", q->port->args.name, strerror(-cqe->res));
	}
}

uint16_t uring_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct uring_rxq *q = queue;
	struct io_uring_cqe *cqes[256];
	unsigned got, i;
	uint64_t bytes = 0;
	uint16_t out = 0;

	if (bump_unlikely(!q->armed)) {
		/* The first burst (the pool's owner fills the ring), or after ENOBUFS. */
		bump_uring_bufring_refill(q->br);
		uring_rx_arm(q);
	}
	got = io_uring_peek_batch_cqe(&q->ring, cqes, BUMP_MIN(n, (uint16_t)256));
	for (i = 0; i < got; i++) {
		const struct io_uring_cqe *cqe = cqes[i];
		int r = bump_uring_bufring_complete(q->br, cqe, &pkts[out]);

		if (bump_likely(r == 1)) {
			if (bump_unlikely((uint32_t)cqe->res > q->max_len)) {
				/* Truncated into the buffer: drop it, counted. */
				URING_STAT_ADD(q->too_long, 1);
				bump_pkt_free(&pkts[out]);
			} else {
				bytes += pkts[out].len;
				out++;
			}
		} else if (r == 0 && cqe->user_data == URING_TAG_RECV) {
			uring_rx_no_buffer(q, cqe);
		}
		if (cqe->user_data == URING_TAG_RECV && !(cqe->flags & IORING_CQE_F_MORE))
			q->armed = false;
	}
	if (got) {
		io_uring_cq_advance(&q->ring, got);
		bump_uring_bufring_refill(q->br);
	}
	if (out) {
		URING_STAT_ADD(q->packets, out);
		URING_STAT_ADD(q->bytes, bytes);
	}
	return out;
}

int uring_rx_open(struct uring_rxq *q, int fd)
{
	struct bump_uring_bufring_params p = {
		.pool = q->pool, .bgid = URING_RX_BGID, .entries = q->ring_size,
		.headroom = q->headroom, .port = q->port_id,
	};
	int ret = bump_uring_queue_init(BUMP_MIN(q->ring_size, 4096u), &q->ring, 0);

	if (ret)
		return ret;
	p.ring = &q->ring;
	ret = bump_uring_bufring_attach(&p, &q->br);
	if (ret) {
		io_uring_queue_exit(&q->ring);
		return ret;
	}
	q->max_len = bump_uring_bufring_buf_len(q->br);
	q->fd = fd;
	q->armed = q->armed_once = false;
	q->ring_up = true;
	return 0;
}

/*
 * Cancel the receive and take its last completions (their packets go back
 * to the pool), then unregister the buffer ring: every buffer still posted
 * goes back too.  Control thread, after the bursts stopped.
 */
void uring_rx_close(struct uring_rxq *q)
{
	struct __kernel_timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct bump_uring_bufring_stats st;
	bool cancel_done = false;
	long back;

	if (sqe) {
		io_uring_prep_cancel64(sqe, URING_TAG_RECV, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, URING_TAG_CANCEL);
		io_uring_submit(&q->ring);
	}
	while (sqe && (!cancel_done || q->armed)) {
		struct io_uring_cqe *cqe;
		struct bump_pkt pkt;

		if (io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts) != 0) {
			bump_log(BUMP_LOG_WARN, "uring: %s: the receive did not end within 200 ms "
				 "of its cancel", q->port->args.name);
			break;
		}
		if (cqe->user_data == URING_TAG_CANCEL)
			cancel_done = true;
		else if (bump_uring_bufring_complete(q->br, cqe, &pkt) == 1)
			bump_pkt_free(&pkt);
		if (cqe->user_data == URING_TAG_RECV && !(cqe->flags & IORING_CQE_F_MORE))
			q->armed = false;
		io_uring_cqe_seen(&q->ring, cqe);
	}
	bump_uring_bufring_get_stats(q->br, &st);
	q->port->nombuf_acc += st.nombuf;
	back = bump_uring_bufring_detach(q->br);
	if (back < 0)
		bump_log(BUMP_LOG_ERR, "uring: %s: %s", q->port->args.name, bump_last_error());
	else
		bump_log(BUMP_LOG_DEBUG, "uring: %s: stop returned %ld posted buffers",
			 q->port->args.name, back);
	q->br = NULL;
	io_uring_queue_exit(&q->ring);
	q->armed = q->ring_up = false;
}
