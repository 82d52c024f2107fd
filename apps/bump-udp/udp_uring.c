/* SPDX-License-Identifier: MIT */
/*
 * udp_uring.c - an I/O thread on io_uring: one multishot receive on its
 * socket, buffers from a provided-buffer ring.
 *
 * The ring is fed by the thread's bump pool (bump_uring.h): a completion is
 * a buffer the thread owns, handed on with no copy and freed by whoever
 * ends up with it.  For comparison (--backend malloc), the same loop with
 * the ring fed by malloc, as liburing's examples do: each buffer taken is
 * replaced by a fresh malloc() and freed with free() on the consumer.
 *
 * Echo (bump only): a multishot recvmsg puts the sender's address in the
 * buffer ahead of the payload, and the send of the reply names it there,
 * so the buffer is the whole request's state until the send completes.
 */
#include "udp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A reply's user_data is its buffer's address: never 1 or 2. */
#define UDP_TAG_RECV 1ull
#define UDP_TAG_CANCEL 2ull
#define UDP_BGID 0
/* Kernel 6.2 uapi, newer than liburing 2.3's header: report whether a zero-copy send copied. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

/* liburing's own ring fed by malloc: the baseline bump is compared with. */
struct udp_mring {
	struct io_uring_buf_ring *br;
	void **bufs;               /* per buffer id: the malloc'd block */
	unsigned entries;
	size_t map_len;
};

struct udp_io {
	struct udp_worker *w;
	const struct udp_cfg *cfg;
	struct io_uring ring;
	struct udp_mring m;
	struct msghdr msg;         /* echo: what recvmsg leaves room for (the name) */
	bool armed, armed_once;
	bool zc;                   /* the arena is registered and SEND_ZC works */
	unsigned pending_sends;
};

static int udp_mring_setup(struct udp_io *io)
{
	struct udp_mring *m = &io->m;
	struct io_uring_buf_reg reg = { .ring_entries = io->cfg->ring, .bgid = UDP_BGID };
	int mask = io_uring_buf_ring_mask(io->cfg->ring);
	int ret;

	m->entries = io->cfg->ring;
	m->map_len = BUMP_ALIGN_UP((size_t)m->entries * sizeof(struct io_uring_buf), (size_t)4096);
	m->br = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m->bufs = calloc(m->entries, sizeof(*m->bufs));
	if (m->br == MAP_FAILED || !m->bufs) {
		fprintf(stderr, "bump-udp: out of memory for a buffer ring\n");
		return -ENOMEM;
	}
	io_uring_buf_ring_init(m->br);
	reg.ring_addr = (uintptr_t)m->br;
	ret = io_uring_register_buf_ring(&io->ring, &reg, 0);
	if (ret) {
		fprintf(stderr, "bump-udp: io_uring_register_buf_ring: %s\n", strerror(-ret));
		return ret;
	}
	for (unsigned bid = 0; bid < m->entries; bid++) {
		m->bufs[bid] = malloc(io->cfg->buf_size);
		if (!m->bufs[bid])
			return -ENOMEM;
		io_uring_buf_ring_add(m->br, (uint8_t *)m->bufs[bid] + UDP_HEADROOM,
				      io->cfg->buf_size - UDP_HEADROOM, (uint16_t)bid, mask, (int)bid);
	}
	io_uring_buf_ring_advance(m->br, (int)m->entries);
	return 0;
}

static void udp_mring_teardown(struct udp_io *io)
{
	struct udp_mring *m = &io->m;

	if (m->br && m->br != MAP_FAILED) {
		io_uring_unregister_buf_ring(&io->ring, UDP_BGID);
		munmap(m->br, m->map_len);
	}
	for (unsigned bid = 0; m->bufs && bid < m->entries; bid++)
		free(m->bufs[bid]);
	free(m->bufs);
}

/* The malloc ring's completion: the data pointer, and a fresh buffer in the slot. */
static void *udp_mring_take(struct udp_io *io, const struct io_uring_cqe *cqe, unsigned *added)
{
	struct udp_mring *m = &io->m;
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	uint8_t *buf = m->bufs[bid];

	m->bufs[bid] = malloc(io->cfg->buf_size);
	if (!m->bufs[bid]) {
		/* Keep the old one in the ring; this datagram is lost (counted bad). */
		m->bufs[bid] = buf;
		buf = NULL;
	}
	io_uring_buf_ring_add(m->br, (uint8_t *)m->bufs[bid] + UDP_HEADROOM,
			      io->cfg->buf_size - UDP_HEADROOM, (uint16_t)bid,
			      io_uring_buf_ring_mask(m->entries), (int)(*added)++);
	return buf ? buf + UDP_HEADROOM : NULL;
}

static void udp_arm(struct udp_io *io)
{
	struct io_uring_sqe *sqe;

	if (io->cfg->backend == UDP_BACKEND_BUMP && bump_uring_bufring_posted(io->w->br) == 0)
		return;  /* nothing to receive into: the next refill may change that */
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe)
		return;
	if (io->cfg->mode == UDP_MODE_ECHO) {
		bump_uring_prep_recvmsg_multishot(sqe, io->w->br, io->w->fd, &io->msg, 0);
	} else {
		io_uring_prep_recv_multishot(sqe, io->w->fd, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = UDP_BGID;
	}
	io_uring_sqe_set_data64(sqe, UDP_TAG_RECV);
	if (io->armed_once)
		__BUMP_STAT_ADD(io->w->st.rearms, 1);
	io->armed = io->armed_once = true;
}

/* Echo: the reply goes to the address recvmsg left in the buffer. */
static void udp_echo(struct udp_io *io, uint8_t *data, unsigned len)
{
	struct udp_worker *w = io->w;
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(data, (int)len, &io->msg);
	struct io_uring_sqe *sqe;

	if (!o || o->namelen > io->msg.msg_namelen) {
		__BUMP_STAT_ADD(w->st.bad, 1);
		bump_put(data);
		return;
	}
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe) {
		io_uring_submit(&io->ring);
		sqe = io_uring_get_sqe(&io->ring);
	}
	if (!sqe) {
		__BUMP_STAT_ADD(w->st.tx_errors, 1);
		bump_put(data);
		return;
	}
	{
		void *payload = io_uring_recvmsg_payload(o, &io->msg);
		unsigned plen = io_uring_recvmsg_payload_length(o, (int)len, &io->msg);
		int idx = io->zc ? bump_uring_fixed_index(w->app->arena, payload, plen) : -1;

		if (idx >= 0) {
			/* The buffer stays the kernel's until the notification CQE. */
			io_uring_prep_send_zc_fixed(sqe, w->fd, payload, plen, 0,
						    IORING_SEND_ZC_REPORT_USAGE, (unsigned)idx);
		} else {
			io_uring_prep_send(sqe, w->fd, payload, plen, 0);
			if (io->cfg->zc)
				__BUMP_STAT_ADD(w->st.zc_fallback, 1);
		}
	}
	io_uring_prep_send_set_addr(sqe, io_uring_recvmsg_name(o), (uint16_t)o->namelen);
	io_uring_sqe_set_data64(sqe, (uintptr_t)data);
	io->pending_sends++;
}

/*
 * A reply's completion.  A copying send has one CQE; a zero-copy send has
 * its result (with IORING_CQE_F_MORE) and later a notification
 * (IORING_CQE_F_NOTIF) when the kernel is done with the buffer: only then
 * is the buffer free.
 */
static void udp_send_done(struct udp_io *io, const struct io_uring_cqe *cqe)
{
	struct udp_worker *w = io->w;

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		__BUMP_STAT_ADD(*((uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED ?
				&w->st.zc_copied : &w->st.zc), 1);
	} else {
		__BUMP_STAT_ADD(*(cqe->res >= 0 ? &w->st.tx : &w->st.tx_errors), 1);
		if (io->zc && (cqe->res == -EOPNOTSUPP || cqe->res == -EINVAL)) {
			io->zc = false;
			fprintf(stderr, "bump-udp: thread %u: zero-copy send refused (%s): replies "
				"are copied from now on (counted in zc-fallback)\n", w->idx,
				strerror(-cqe->res));
		}
		if (cqe->flags & IORING_CQE_F_MORE)
			return;  /* the notification frees it */
	}
	bump_put((void *)(uintptr_t)cqe->user_data);
	io->pending_sends--;
}

/* Reap what completed; returns the number of CQEs. */
static unsigned udp_reap(struct udp_io *io)
{
	struct udp_worker *w = io->w;
	struct io_uring_cqe *cqes[UDP_BURST];
	void *bufs[UDP_BURST];
	unsigned got = io_uring_peek_batch_cqe(&io->ring, cqes, UDP_BURST);
	unsigned k = 0, added = 0;
	uint64_t rx = 0, bytes = 0, bad = 0;

	for (unsigned i = 0; i < got; i++) {
		const struct io_uring_cqe *cqe = cqes[i];
		uint8_t *data = NULL;
		uint32_t len = 0;

		if (cqe->user_data == UDP_TAG_CANCEL)
			continue;
		if (cqe->user_data != UDP_TAG_RECV) {
			udp_send_done(io, cqe);
			continue;
		}
		if (!(cqe->flags & IORING_CQE_F_MORE))
			io->armed = false;
		if (cqe->res == -ENOBUFS)
			__BUMP_STAT_ADD(w->st.enobufs, 1);
		if (io->cfg->backend == UDP_BACKEND_BUMP) {
			struct bump_pkt pkt;

			if (bump_uring_bufring_complete(w->br, cqe, &pkt) == 1) {
				data = bump_pkt_data(&pkt);
				len = pkt.len;
			}
		} else if (cqe->flags & IORING_CQE_F_BUFFER) {
			data = udp_mring_take(io, cqe, &added);
			len = (uint32_t)BUMP_MAX(cqe->res, 0);
			bad += !data;
		}
		if (!data)
			continue;
		rx++;
		bytes += len;
		if (io->cfg->mode == UDP_MODE_ECHO) {
			udp_echo(io, data, len);
			continue;
		}
		memcpy(data - sizeof(len), &len, sizeof(len));
		bufs[k++] = data;
	}
	if (got)
		io_uring_cq_advance(&io->ring, got);
	if (added)
		io_uring_buf_ring_advance(io->m.br, (int)added);
	if (k) {
		if (io->cfg->self_return) {
			for (unsigned i = 0; i < k; i++) {
				uint32_t len;

				memcpy(&len, (uint8_t *)bufs[i] - sizeof(len), sizeof(len));
				bad += !udp_dg_ok(bufs[i], len);
			}
			if (io->cfg->backend == UDP_BACKEND_BUMP)
				bump_pool_put_bulk(w->pool, bufs, k);
			else
				for (unsigned i = 0; i < k; i++)
					free((uint8_t *)bufs[i] - UDP_HEADROOM);
		} else {
			udp_consumer_hand(w, bufs, k);
		}
	}
	if (rx) {
		__BUMP_STAT_ADD(w->st.rx, rx);
		__BUMP_STAT_ADD(w->st.rx_bytes, bytes);
	}
	if (bad)
		__BUMP_STAT_ADD(w->st.bad, bad);
	return got;
}

static int udp_io_setup(struct udp_io *io)
{
	struct udp_worker *w = io->w;
	const struct udp_cfg *cfg = io->cfg;
	int ret = bump_uring_queue_init(256, &io->ring, 0);

	if (ret) {
		fprintf(stderr, "bump-udp: thread %u: %s\n", w->idx, bump_last_error());
		return ret;
	}
	if (cfg->backend == UDP_BACKEND_MALLOC)
		return udp_mring_setup(io);
	{
		char name[32];
		struct bump_pool_params pp = {
			.name = name, .arena = w->app->arena, .nid = BUMP_NUMA_ANY,
			.max_buffers = cfg->bufs,
		};
		struct bump_uring_bufring_params bp = {
			.ring = &io->ring, .bgid = UDP_BGID, .entries = cfg->ring,
			.headroom = UDP_HEADROOM,
		};

		/* Created here: this thread owns the pool, and is the one that allocates. */
		snprintf(name, sizeof(name), "udp%u", w->idx);
		ret = bump_pool_create(&pp, &w->pool);
		if (ret == 0) {
			bp.pool = w->pool;
			ret = bump_uring_bufring_attach(&bp, &w->br);
		}
		if (ret) {
			fprintf(stderr, "bump-udp: thread %u: %s\n", w->idx, bump_last_error());
			return ret;
		}
		bump_uring_bufring_refill(w->br);
	}
	if (cfg->zc) {
		io->zc = bump_uring_register_arena(&io->ring, w->app->arena) == 0;
		if (!io->zc)
			fprintf(stderr, "bump-udp: thread %u: zero-copy replies off: %s; replies are "
				"copied (counted in zc-fallback)\n", w->idx, bump_last_error());
	}
	return 0;
}

/* Cancel the receive, wait for the replies in flight, give every buffer back. */
static void udp_io_teardown(struct udp_io *io)
{
	struct udp_worker *w = io->w;
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
	struct io_uring_cqe *cqe;

	if (sqe && io->armed) {
		io_uring_prep_cancel64(sqe, UDP_TAG_RECV, 0);
		io_uring_sqe_set_data64(sqe, UDP_TAG_CANCEL);
	}
	io_uring_submit(&io->ring);
	while ((io->armed || io->pending_sends) &&
	       io_uring_wait_cqe_timeout(&io->ring, &cqe, &ts) == 0)
		udp_reap(io);
	while (udp_reap(io))
		;
	udp_consumer_stop(w);
	if (io->cfg->backend == UDP_BACKEND_BUMP) {
		if (w->br && bump_uring_bufring_detach(w->br) < 0)
			fprintf(stderr, "bump-udp: thread %u: %s\n", w->idx, bump_last_error());
		w->br = NULL;
		/* Every buffer is back by now: destroy reports what is not. */
		if (w->pool)
			w->inflight_at_exit = bump_pool_destroy(w->pool);
		w->pool = NULL;
	} else {
		udp_mring_teardown(io);
	}
	io_uring_queue_exit(&io->ring);
}

void *udp_uring_thread(void *arg)
{
	struct udp_worker *w = arg;
	struct udp_io io = { .w = w, .cfg = &w->app->cfg };
	struct sockaddr_in name;

	io.msg.msg_namelen = sizeof(name);
	w->error = udp_io_setup(&io);
	if (w->error) {
		atomic_store(&w->app->stop, true);
		udp_consumer_stop(w);
		return NULL;
	}
	while (!atomic_load_explicit(&w->app->stop, memory_order_relaxed)) {
		struct __kernel_timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
		struct io_uring_cqe *cqe;

		if (!io.armed) {
			if (w->br)
				bump_uring_bufring_refill(w->br);
			udp_arm(&io);
		}
		/* Submit the re-arm and the replies; sleep in the kernel while idle. */
		if (io.armed || io.pending_sends)
			io_uring_submit_and_wait_timeout(&io.ring, &cqe, 1, &ts, NULL);
		else
			usleep(100);  /* the pool is dry: wait for buffers to come back */
		if (udp_reap(&io) && w->br)
			bump_uring_bufring_refill(w->br);
	}
	udp_io_teardown(&io);
	return NULL;
}
