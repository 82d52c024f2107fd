/* SPDX-License-Identifier: MIT */
/*
 * udp_mmsg.c - an I/O thread on recvmmsg(2), the comparison without
 * io_uring: up to UDP_BURST datagrams per system call into malloc'd
 * buffers, handed on like the io_uring threads' and replaced by new ones.
 */
#include "udp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void *udp_mmsg_thread(void *arg)
{
	struct udp_worker *w = arg;
	const struct udp_cfg *cfg = &w->app->cfg;
	struct mmsghdr msgs[UDP_BURST];
	struct iovec iov[UDP_BURST];
	uint8_t *bufs[UDP_BURST];
	void *out[UDP_BURST];

	memset(msgs, 0, sizeof(msgs));
	for (unsigned i = 0; i < UDP_BURST; i++) {
		bufs[i] = malloc(cfg->buf_size);
		if (!bufs[i]) {
			fprintf(stderr, "bump-udp: thread %u: out of memory\n", w->idx);
			w->error = -ENOMEM;
			atomic_store(&w->app->stop, true);
			while (i--)
				free(bufs[i]);
			udp_consumer_stop(w);
			return NULL;
		}
		iov[i].iov_base = bufs[i] + UDP_HEADROOM;
		iov[i].iov_len = cfg->buf_size - UDP_HEADROOM;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!atomic_load_explicit(&w->app->stop, memory_order_relaxed)) {
		/* The socket has a 50 ms receive timeout: the stop flag is seen. */
		int n = recvmmsg(w->fd, msgs, UDP_BURST, MSG_WAITFORONE, NULL);
		uint64_t bytes = 0, bad = 0;

		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			uint32_t len = msgs[i].msg_len;
			uint8_t *data = bufs[i] + UDP_HEADROOM;

			bytes += len;
			memcpy(data - sizeof(len), &len, sizeof(len));
			out[i] = data;
			/* The buffer now belongs to whoever frees it: a fresh one for the next call. */
			bufs[i] = malloc(cfg->buf_size);
			if (!bufs[i]) {
				bufs[i] = data - UDP_HEADROOM;
				out[i] = NULL;
				bad++;
				continue;
			}
			iov[i].iov_base = bufs[i] + UDP_HEADROOM;
		}
		if (cfg->self_return) {
			for (int i = 0; i < n; i++) {
				uint32_t len;

				if (!out[i])
					continue;
				memcpy(&len, (uint8_t *)out[i] - sizeof(len), sizeof(len));
				bad += !udp_dg_ok(out[i], len);
				free((uint8_t *)out[i] - UDP_HEADROOM);
			}
		} else {
			unsigned k = 0;

			for (int i = 0; i < n; i++)
				if (out[i])
					out[k++] = out[i];
			udp_consumer_hand(w, out, k);
		}
		__BUMP_STAT_ADD(w->st.rx, (uint64_t)n);
		__BUMP_STAT_ADD(w->st.rx_bytes, bytes);
		if (bad)
			__BUMP_STAT_ADD(w->st.bad, bad);
	}
	udp_consumer_stop(w);
	for (unsigned i = 0; i < UDP_BURST; i++)
		free(bufs[i]);
	return NULL;
}
