/* SPDX-License-Identifier: MIT */
/*
 * afxdp_sink - the test sink: receives the generator's frames on one
 * interface (raw AF_PACKET socket) and checks each: checksum, length, and
 * that every sequence number 0..N-1 arrives exactly once.
 *
 *   afxdp_sink -i IF -n EXPECT [--run ID] [--idle-ms MS] [--timeout-ms MS]
 *              [--allow-oversize]
 *
 * Prints "ready" once bound (the test starts the generator after it), then
 * one "sink:" line.  Exits 0 when all EXPECT frames arrived once, intact,
 * and (unless --allow-oversize) no oversized frame got through; 1 otherwise.
 * It stops at EXPECT frames, after --idle-ms without a frame once some came,
 * or at --timeout-ms.
 */
#include "test_frame.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>

#define SINK_BATCH 64

struct sink_counts {
	uint64_t frames, unique, dup, bad_csum, bad_len, out_of_range, oversize, reordered;
	uint64_t not_ours;
};

static uint64_t sink_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int sink_open(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TF_ETHERTYPE) };
	int size = 64 << 20, fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "afxdp_sink: no interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TF_ETHERTYPE));
	if (fd < 0) {
		fprintf(stderr, "afxdp_sink: AF_PACKET socket: %s (needs root)\n", strerror(errno));
		return -1;
	}
	/* A deep socket queue: a loss must be the datapath's, not the sink's. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		fprintf(stderr, "afxdp_sink: SO_RCVBUFFORCE: %s (continuing)\n", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "afxdp_sink: bind to %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void sink_account(struct sink_counts *c, uint8_t *seen, uint64_t expect, uint64_t *next,
			 const uint8_t *frame, size_t len, uint32_t run)
{
	struct tf_hdr h;

	switch (tf_check(frame, len, run, &h)) {
	case TF_NOT_OURS: c->not_ours++; return;
	case TF_BAD_LEN: c->frames++; c->bad_len++; return;
	case TF_BAD_CSUM: c->frames++; c->bad_csum++; return;
	case TF_OK: break;
	}
	c->frames++;
	if (h.flags & TF_FLAG_OVERSIZE) {
		c->oversize++;
		return;
	}
	if (h.seq >= expect) {
		c->out_of_range++;
		return;
	}
	if (seen[h.seq]) {
		c->dup++;
		return;
	}
	seen[h.seq] = 1;
	c->unique++;
	if (h.seq != *next)
		c->reordered++;
	*next = h.seq + 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "run", required_argument, NULL, 'R' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "allow-oversize", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t bufs[SINK_BATCH][TF_MAX_LEN + 64];
	struct mmsghdr msgs[SINK_BATCH];
	struct sockaddr_ll from[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	struct tpacket_stats pst;
	socklen_t plen = sizeof(pst);
	const char *ifname = NULL;
	uint64_t expect = 0, idle_ms = 2000, timeout_ms = 60000, next = 0, t0, last;
	struct sink_counts c = { 0 };
	bool allow_oversize = false;
	uint32_t run = 1;
	uint8_t *seen;
	int fd, opt, ok;

	while ((opt = getopt_long(argc, argv, "i:n:", lo, NULL)) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'n': expect = strtoull(optarg, NULL, 0); break;
		case 'R': run = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'I': idle_ms = strtoull(optarg, NULL, 0); break;
		case 'T': timeout_ms = strtoull(optarg, NULL, 0); break;
		case 'A': allow_oversize = true; break;
		default:
			fprintf(stderr, "usage: afxdp_sink -i IF -n EXPECT [--run ID] [--idle-ms MS] "
				"[--timeout-ms MS] [--allow-oversize]\n");
			return 2;
		}
	}
	if (!ifname || !expect) {
		fprintf(stderr, "afxdp_sink: need -i IF and -n EXPECT\n");
		return 2;
	}
	seen = calloc(expect, 1);
	if (!seen) {
		fprintf(stderr, "afxdp_sink: out of memory for %" PRIu64 " flags\n", expect);
		return 2;
	}
	fd = sink_open(ifname);
	if (fd < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	t0 = last = sink_now_ms();
	while (c.unique < expect) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = sink_now_ms();
		int n;

		if (now - t0 >= timeout_ms || (c.frames && now - last >= idle_ms))
			break;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
			fprintf(stderr, "afxdp_sink: poll: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < SINK_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &from[i],
				.msg_namelen = sizeof(from[i]), .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		n = recvmmsg(fd, msgs, SINK_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "afxdp_sink: recvmmsg: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			/* What this host sends out of the interface is not what arrived. */
			if (from[i].sll_pkttype == PACKET_OUTGOING)
				c.not_ours++;
			else
				sink_account(&c, seen, expect, &next, bufs[i], msgs[i].msg_len, run);
		}
		if (n > 0)
			last = sink_now_ms();
	}
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &pst, &plen) < 0)
		memset(&pst, 0, sizeof(pst));
	ok = c.unique == expect && !c.dup && !c.bad_csum && !c.bad_len && !c.out_of_range &&
	     (allow_oversize || !c.oversize);
	printf("sink: expected=%" PRIu64 " unique=%" PRIu64 " lost=%" PRIu64 " dup=%" PRIu64
	       " bad_csum=%" PRIu64 " bad_len=%" PRIu64 " out_of_range=%" PRIu64 " oversize=%" PRIu64
	       " reordered=%" PRIu64 " socket_drops=%u result=%s\n", expect, c.unique,
	       expect - c.unique, c.dup, c.bad_csum, c.bad_len, c.out_of_range, c.oversize,
	       c.reordered, pst.tp_drops, ok ? "PASS" : "FAIL");
	free(seen);
	if (close(fd) < 0)
		fprintf(stderr, "afxdp_sink: close: %s\n", strerror(errno));
	return ok ? 0 : 1;
}
