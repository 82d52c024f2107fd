/* SPDX-License-Identifier: MIT */
/*
 * uring_udp_client - the load for bump-udp: numbered, checksummed datagrams
 * (apps/bump-udp/udp.h's format) from several sockets, so SO_REUSEPORT
 * spreads them over the server's threads; paced or flat out.
 *
 *   uring_udp_client --to ADDR:PORT [-n COUNT] [-d SECONDS] [-r PPS]
 *                    [--sockets K] [--echo] [--size-max B] [--stall-ms M]
 *
 * Flat out (no -r, no --echo) it sends batches of 64 with sendmmsg(2),
 * the same 64 datagrams again and again (the server checks each intact).
 * --echo waits for every reply and checks it, with at most a window of
 * requests unanswered: as many replies as one socket's receive buffer
 * holds at the most a reply may be charged (CLIENT_REPLY_COST), so a
 * client that is not scheduled for a while loses nothing.  A datagram the
 * kernel refuses for lack of room (ENOBUFS, EAGAIN) is sent again, so what
 * the server misses was lost after the send.  Prints one "client:" line,
 * with the datagrams the client's own sockets dropped (rcvbuf-drops).
 * --stall-ms (with -n): halfway, neither send nor read for M ms, as a
 * client that is not scheduled does; the paced send then catches up in a
 * burst.
 * Exit 0 when (with --echo) every reply came back intact.
 */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_MAX_SOCKETS 64
/* Receive buffer asked for each socket (SO_RCVBUFFORCE; the kernel doubles it). */
#define CLIENT_RCVBUF (32 << 20)
/*
 * The most receive buffer one reply may take.  A zero-copy reply sent from
 * a hugepage arena and delivered to a local socket is charged (truesize)
 * its buffer's offset within the 2 MiB page plus its length, page-aligned:
 * up to 2 MiB for a datagram of 1400 bytes (measured on 6.18: +4 KiB per
 * pair of 2 KiB buffers along the page).  A copy is charged ~2.3 KiB.
 */
#define CLIENT_REPLY_COST ((2u << 20) + (16u << 10))

static double client_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t client_build(uint8_t *b, uint32_t seq, unsigned size_max)
{
	struct udp_dg_hdr h = { UDP_DG_MAGIC, seq, 0, 0 };

	h.len = (uint32_t)(sizeof(h) + (seq * 37u) % (size_max - sizeof(h) + 1));
	for (size_t i = sizeof(h); i < h.len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	h.csum = udp_dg_fnv(b + sizeof(h), h.len - sizeof(h));
	memcpy(b, &h, sizeof(h));
	return h.len;
}

/* Datagrams the sockets dropped for want of receive buffer (SO_MEMINFO). */
static uint64_t client_drops(const int *fds, unsigned k)
{
	uint64_t drops = 0;

	for (unsigned i = 0; i < k; i++) {
		uint32_t mem[SK_MEMINFO_VARS];
		socklen_t len = sizeof(mem);

		if (getsockopt(fds[i], SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    len >= sizeof(mem))
			drops += mem[SK_MEMINFO_DROPS];
	}
	return drops;
}

/* Take every reply waiting on the sockets; returns how many were intact. */
static uint64_t client_drain(const int *fds, unsigned k, uint64_t *bad, int timeout_ms)
{
	uint8_t b[2048];
	uint64_t ok = 0;
	struct pollfd pfd[CLIENT_MAX_SOCKETS];

	for (unsigned i = 0; i < k; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (timeout_ms && poll(pfd, k, timeout_ms) <= 0)
		return 0;
	for (unsigned i = 0; i < k; i++) {
		ssize_t n;

		while ((n = recv(fds[i], b, sizeof(b), MSG_DONTWAIT)) >= 0) {
			if (udp_dg_ok(b, (size_t)n))
				ok++;
			else
				(*bad)++;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "sockets", required_argument, NULL, 'k' },
		{ "echo", no_argument, NULL, 'e' },
		{ "size-max", required_argument, NULL, 's' },
		{ "stall-ms", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint64_t count = 0, sent = 0, echoed = 0, bad = 0, retries = 0, window = UINT64_MAX;
	unsigned k = 4, size_max = 1400, stall_ms = 0;
	double rate = 0, duration = 0, start, now;
	bool echo = false, have_to = false;
	int fds[CLIENT_MAX_SOCKETS], c;
	uint8_t b[2048];

	while ((c = getopt_long(argc, argv, "n:d:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char host[64];
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(host))
				break;
			memcpy(host, optarg, (size_t)(colon - optarg));
			host[colon - optarg] = '\0';
			to.sin_port = htons((uint16_t)atoi(colon + 1));
			have_to = inet_pton(AF_INET, host, &to.sin_addr) == 1;
			break;
		}
		case 'k': k = (unsigned)atoi(optarg); break;
		case 'e': echo = true; break;
		case 's': size_max = (unsigned)atoi(optarg); break;
		case 'S': stall_ms = (unsigned)atoi(optarg); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'd': duration = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		default: have_to = false; count = duration = 0; break;
		}
	}
	if (!have_to || (!count && !duration) || k == 0 || k > CLIENT_MAX_SOCKETS ||
	    size_max < sizeof(struct udp_dg_hdr) || size_max > sizeof(b)) {
		fprintf(stderr, "usage: uring_udp_client --to ADDR:PORT [-n COUNT] [-d SECONDS] "
			"[-r PPS] [--sockets 1..%d] [--echo] [--size-max 16..%zu] [--stall-ms M]\n",
			CLIENT_MAX_SOCKETS, sizeof(b));
		return 2;
	}
	for (unsigned i = 0; i < k; i++) {
		int big = CLIENT_RCVBUF;
		socklen_t len = sizeof(big);

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "uring_udp_client: socket/connect: %s\n", strerror(errno));
			return 1;
		}
		if (setsockopt(fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
			setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		/* Every unanswered reply may come back to this one socket. */
		if (getsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &big, &len) < 0) {
			fprintf(stderr, "uring_udp_client: getsockopt SO_RCVBUF: %s\n",
				strerror(errno));
			return 1;
		}
		window = BUMP_MIN(window, BUMP_MAX((uint64_t)big / CLIENT_REPLY_COST, 1));
	}
	start = client_now();
	if (!rate && !echo) {
		static uint8_t dgs[64][2048];
		struct mmsghdr mm[64];
		struct iovec iov[64];

		memset(mm, 0, sizeof(mm));
		for (unsigned i = 0; i < 64; i++) {
			iov[i].iov_base = dgs[i];
			iov[i].iov_len = client_build(dgs[i], i, size_max);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		for (unsigned s = 0;; s++) {
			int n;

			now = client_now();
			if ((count && sent >= count) || (duration && now - start >= duration))
				break;
			n = sendmmsg(fds[s % k], mm, 64, 0);
			if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
				fprintf(stderr, "uring_udp_client: sendmmsg: %s\n", strerror(errno));
				return 1;
			}
			if (n < 64)
				retries++;
			sent += n > 0 ? (uint64_t)n : 0;
		}
	}
	for (;;) {
		size_t len;

		now = client_now();
		if ((count && sent >= count) || (duration && now - start >= duration) ||
		    (!rate && !echo))
			break;
		if (stall_ms && count && sent == count / 2) {
			usleep(stall_ms * 1000u);
			stall_ms = 0;
			continue;
		}
		if (echo && sent - echoed >= window) {
			uint64_t got = client_drain(fds, k, &bad, 2000);

			if (!got)
				break;  /* 2 s without a reply: the rest are lost */
			echoed += got;
			continue;
		}
		if (rate && (double)sent > (now - start) * rate) {
			if (echo)
				echoed += client_drain(fds, k, &bad, 0);
			continue;
		}
		len = client_build(b, (uint32_t)sent, size_max);
		if (send(fds[sent % k], b, len, 0) != (ssize_t)len) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
				fprintf(stderr, "uring_udp_client: send: %s\n", strerror(errno));
				return 1;
			}
			retries++;
			continue;
		}
		sent++;
		if (echo && sent % 32 == 0)
			echoed += client_drain(fds, k, &bad, 0);
	}
	now = client_now();
	/* The last replies: until all came back, or 2 s without one. */
	while (echo && echoed < sent) {
		uint64_t got = client_drain(fds, k, &bad, 2000);

		if (!got)
			break;
		echoed += got;
	}
	printf("client: sent=%" PRIu64 " echoed=%" PRIu64 " bad=%" PRIu64 " retries=%" PRIu64
	       " seconds=%.3f pps=%.0f window=%" PRIu64 " rcvbuf-drops=%" PRIu64 "\n", sent,
	       echoed, bad, retries, now - start, (double)sent / (now - start),
	       echo ? window : 0, client_drops(fds, k));
	return echo && (echoed != sent || bad) ? 1 : 0;
}
