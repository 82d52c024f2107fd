/* SPDX-License-Identifier: MIT */
/*
 * vfio_peer.c - the host side of the QEMU vfio tests.  QEMU's
 * "-netdev socket,udp=127.0.0.1:RX,localaddr=127.0.0.1:TX" puts every UDP
 * datagram sent to TX on the guest NIC's wire as one frame, and sends every
 * frame the guest transmits to RX.  The peer:
 *
 *   1. sends PROBE frames every 200 ms until one comes back: the guest's
 *      forwarder is up (frames before that are lost by design);
 *   2. sends --count DATA frames, at most --window outstanding, and checks
 *      each one that comes back (MACs swapped, length, every payload byte);
 *   3. sends --hold HOLD frames (the guest keeps them), then STOP frames.
 *
 * Strict mode: every DATA frame must come back intact.  --lossy: frames
 * missing for --loss-ms are counted lost (a test that makes the guest drop
 * some), but every frame that does come back must still be intact.
 * Prints "PEER: sent N returned R lost L bad B dup D" and exits 0 on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vfio_frame.h"

static struct {
	int rx_port, tx_port;
	unsigned count, window, hold;
	bool lossy;
	unsigned loss_ms;
	double timeout;
} opt = { .count = 2000, .window = 32, .loss_ms = 500, .timeout = 100 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sock = -1;
static struct sockaddr_in to;

static void send_frame(enum vf_kind kind, uint32_t seq)
{
	uint8_t f[VF_MAX_LEN];
	unsigned len = vf_build(f, kind, seq);

	if (sendto(sock, f, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
		perror("vfio_peer: sendto");
		exit(1);
	}
}

/* Receive one frame, waiting up to @ms; its length, 0 on timeout. */
static unsigned recv_frame(uint8_t *f, int ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recv(sock, f, VF_MAX_LEN + 64, 0);
	if (n < 0) {
		perror("vfio_peer: recv");
		exit(1);
	}
	return (unsigned)n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rx-port", required_argument, NULL, 'r' },
		{ "tx-port", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "hold", required_argument, NULL, 'h' },
		{ "lossy", no_argument, NULL, 'l' },
		{ "loss-ms", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in me = { .sin_family = AF_INET };
	uint8_t f[VF_MAX_LEN + 64];
	unsigned sent = 0, returned = 0, lost = 0, bad = 0, dup = 0, probes = 0, stray = 0;
	double *sent_at, t_start, t_ready, deadline;
	uint8_t *state;  /* per DATA frame: 0 not sent, 1 out, 2 back, 3 lost */
	int o, one = 1;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 'r': opt.rx_port = atoi(optarg); break;
		case 't': opt.tx_port = atoi(optarg); break;
		case 'c': opt.count = (unsigned)atoi(optarg); break;
		case 'w': opt.window = (unsigned)atoi(optarg); break;
		case 'h': opt.hold = (unsigned)atoi(optarg); break;
		case 'l': opt.lossy = true; break;
		case 'L': opt.loss_ms = (unsigned)atoi(optarg); break;
		case 'T': opt.timeout = atof(optarg); break;
		default:
			fprintf(stderr, "usage: vfio_peer --rx-port P --tx-port P [--count N] "
				"[--window W] [--hold H] [--lossy] [--loss-ms MS] [--timeout S]\n");
			return 2;
		}
	}
	if (!opt.rx_port || !opt.tx_port || !opt.window) {
		fprintf(stderr, "vfio_peer: --rx-port and --tx-port are required\n");
		return 2;
	}
	sent_at = calloc(opt.count + 1, sizeof(*sent_at));
	state = calloc(opt.count + 1, 1);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!sent_at || !state || sock < 0) {
		perror("vfio_peer: setup");
		return 1;
	}
	setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	me.sin_port = htons((uint16_t)opt.rx_port);
	if (bind(sock, (struct sockaddr *)&me, sizeof(me))) {
		perror("vfio_peer: bind");
		return 1;
	}
	to = me;
	to.sin_port = htons((uint16_t)opt.tx_port);
	t_start = now_s();
	deadline = t_start + opt.timeout;

	/* 1. Probe until the forwarder answers. */
	for (;;) {
		unsigned len;
		uint32_t seq;
		double next = now_s() + 0.2;

		if (now_s() > deadline) {
			printf("PEER: FAIL the guest never answered a probe within %.0f s\n", opt.timeout);
			return 1;
		}
		send_frame(VF_PROBE, probes++);
		while (now_s() < next) {
			len = recv_frame(f, 50);
			if (len && vf_parse(f, len, &seq) == VF_PROBE && !vf_check(f, len, true))
				goto ready;
		}
	}
ready:
	t_ready = now_s();
	printf("PEER: guest answered after %.1f s (%u probes)\n", t_ready - t_start, probes);

	/* 2. DATA frames under a window. */
	double progress = now_s();

	while ((returned + lost < opt.count) && now_s() < deadline) {
		unsigned len;
		uint32_t seq;
		int kind;

		while (sent < opt.count && sent - returned - lost < opt.window) {
			sent_at[sent] = now_s();
			state[sent] = 1;
			send_frame(VF_DATA, sent++);
		}
		len = recv_frame(f, 20);
		if (!len && !opt.lossy && now_s() - progress > 10) {
			printf("PEER: nothing came back for 10 s; giving up\n");
			break;
		}
		if (len) {
			progress = now_s();
			kind = vf_parse(f, len, &seq);
			if (kind == VF_PROBE)
				continue;  /* late answers to probes */
			if (kind != VF_DATA || seq >= sent) {
				stray++;
				continue;
			}
			if (vf_check(f, len, true)) {
				if (bad++ < 5)
					printf("PEER: frame %u came back damaged: %s\n", seq,
					       vf_check(f, len, true));
			}
			if (state[seq] == 2) {
				dup++;
			} else {
				if (state[seq] == 3)
					lost--;  /* late, not lost */
				state[seq] = 2;
				returned++;
			}
		}
		if (opt.lossy) {
			double t = now_s();

			for (unsigned i = 0; i < sent; i++)
				if (state[i] == 1 && t - sent_at[i] > opt.loss_ms / 1000.0) {
					state[i] = 3;
					lost++;
				}
		}
	}
	printf("PEER: %u DATA frames in %.2f s (%.0f frames/s)\n", sent, now_s() - t_ready,
	       sent / (now_s() - t_ready + 1e-9));

	/* 3. HOLD frames, then STOP (a few times: STOP is not answered). */
	for (unsigned i = 0; i < opt.hold; i++)
		send_frame(VF_HOLD, i);
	for (unsigned i = 0; i < 5; i++) {
		send_frame(VF_STOP, i);
		while (recv_frame(f, 100))
			;
	}
	if (!opt.lossy)
		lost = opt.count - returned;
	printf("PEER: sent %u returned %u lost %u bad %u dup %u stray %u\n", sent, returned, lost,
	       bad, dup, stray);
	if (bad || dup || (!opt.lossy && returned != opt.count) || returned == 0) {
		printf("PEER: FAIL\n");
		return 1;
	}
	printf("PEER: ok\n");
	return 0;
}
