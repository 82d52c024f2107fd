/* SPDX-License-Identifier: MIT */
/*
 * uring_tx.c - send: one send SQE per packet, one submission per burst.
 *
 * The packet's buffer must stay put until its send completes, so the SQE
 * carries the buffer's bump_ref as user_data and the completion puts it
 * back to its pool (bump_ref_put: the pool's recycle ring when this thread
 * does not own it).  Sends on a socket complete during the submission
 * unless the socket's send queue is full, so a burst reaps right after
 * submitting and buffers go back at once.
 */
#include "uring.h"

#include <errno.h>
#include <string.h>

/* Take the completed sends: their buffers go back to their pools. */
static void uring_tx_reap(struct uring_txq *q)
{
	struct io_uring_cqe *cqes[256];
	uint64_t bytes = 0, ok = 0;
	unsigned got;

	while ((got = io_uring_peek_batch_cqe(&q->ring, cqes, 256)) > 0) {
		for (unsigned i = 0; i < got; i++) {
			const struct io_uring_cqe *cqe = cqes[i];

			if (bump_unlikely(cqe->user_data > UINT32_MAX)) {
				q->inflight++;  /* the cancel of uring_tx_close: no buffer */
				continue;
			}
			if (bump_likely(cqe->res >= 0)) {
				ok++;
				bytes += (uint32_t)cqe->res;
			} else {
				URING_STAT_ADD(q->errors, 1);
				if (!q->error_warned) {
					q->error_warned = true;
					bump_log(BUMP_LOG_WARN, "uring: %s: a send failed: %s (the "
						 "packet is dropped, counted in oerrors; warned once)",
						 q->port->args.name, strerror(-cqe->res));
				}
			}
			bump_ref_put((bump_ref_t)cqe->user_data);
		}
		io_uring_cq_advance(&q->ring, got);
		q->inflight -= got;
	}
	if (ok) {
		URING_STAT_ADD(q->packets, ok);
		URING_STAT_ADD(q->bytes, bytes);
	}
	atomic_store_explicit(&q->nb_inflight, q->inflight, memory_order_relaxed);
}

uint16_t uring_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	struct uring_txq *q = queue;
	uint16_t k;
	int ret;

	if (q->inflight)
		uring_tx_reap(q);
	/* No more sends out than the CQ (twice the SQ) can hold. */
	k = (uint16_t)BUMP_MIN((uint32_t)n, q->ring_size - q->inflight);
	k = (uint16_t)BUMP_MIN((uint32_t)k, io_uring_sq_space_left(&q->ring));
	for (uint16_t i = 0; i < k; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

		io_uring_prep_send(sqe, q->fd, bump_pkt_data(&pkts[i]), pkts[i].len, 0);
		io_uring_sqe_set_data64(sqe, pkts[i].ref);
	}
	if (k == 0)
		return 0;
	q->inflight += k;
	ret = io_uring_submit(&q->ring);
	/* On an error the SQEs stay in the ring and the next submission carries them. */
	if (bump_unlikely(ret < 0) && !q->error_warned) {
		q->error_warned = true;
		bump_log(BUMP_LOG_WARN, "uring: %s: submitting sends: %s (retried with the next "
			 "burst)", q->port->args.name, strerror(-ret));
	}
	uring_tx_reap(q);
	return k;
}

int uring_tx_open(struct uring_txq *q, int fd)
{
	int ret = bump_uring_queue_init(q->ring_size, &q->ring, 0);

	if (ret)
		return ret;
	q->fd = fd;
	q->inflight = 0;
	q->ring_up = true;
	return 0;
}

/* Wait (200 ms at most) for the sends in flight, cancel what is left, then close the ring. */
void uring_tx_close(struct uring_txq *q)
{
	struct __kernel_timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
	struct io_uring_cqe *cqe;

	io_uring_submit(&q->ring);
	while (q->inflight && io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts) == 0)
		uring_tx_reap(q);
	if (q->inflight) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

		bump_log(BUMP_LOG_WARN, "uring: %s: %u sends still in flight after 200 ms: "
			 "cancelled", q->port->args.name, q->inflight);
		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, URING_TAG_CANCEL);
			io_uring_submit(&q->ring);
		}
		while (q->inflight && io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts) == 0)
			uring_tx_reap(q);
	}
	io_uring_queue_exit(&q->ring);
	q->ring_up = false;
}
