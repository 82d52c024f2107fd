/* SPDX-License-Identifier: MIT */
/*
 * afxdp_gen - the test generator: numbered, checksummed frames (test/lib/test_frame.h)
 * out of one interface through a raw AF_PACKET socket, paced or flat out.
 *
 *   afxdp_gen -i IF [-n COUNT] [-r PPS] [-s SIZE] [-d SECONDS] [--run ID]
 *             [--dst MAC] [--oversize-every K] [--oversize-len LEN] [--batch B]
 *
 * A frame the kernel refuses for lack of room (ENOBUFS: the veth peer's
 * queue is full) is sent again, so the generator itself never loses one:
 * whatever the sink misses was lost downstream.  Every K-th frame may be an
 * oversized one (flag TF_FLAG_OVERSIZE, outside the sequence) that the
 * forwarder is expected to drop.  Prints one "gen:" line of counts at exit.
 */
#include "test_frame.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>

#define GEN_BATCH_MAX 256

struct gen_opts {
	const char *ifname;
	uint64_t count;          /* 0: until the duration ends */
	double rate;             /* frames per second; 0: as fast as possible */
	unsigned size;
	double duration;         /* seconds; 0: until count */
	uint32_t run;
	uint8_t dst[6];
	unsigned oversize_every; /* 0: none */
	unsigned oversize_len;
	unsigned batch;
};

static volatile sig_atomic_t gen_stop;

static void gen_on_signal(int sig)
{
	(void)sig;
	gen_stop = 1;
}

static double gen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int gen_parse_mac(const char *s, uint8_t mac[6])
{
	struct ether_addr ea;

	if (!ether_aton_r(s, &ea))
		return -1;
	memcpy(mac, ea.ether_addr_octet, 6);
	return 0;
}

static void gen_usage(void)
{
	fprintf(stderr, "usage: afxdp_gen -i IF [-n COUNT] [-r PPS] [-s SIZE] [-d SECONDS] "
		"[--run ID] [--dst MAC] [--oversize-every K] [--oversize-len LEN] "
		"[--batch B]\n");
}

static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option lo[] = {
		{ "run", required_argument, NULL, 'R' },
		{ "dst", required_argument, NULL, 'D' },
		{ "oversize-every", required_argument, NULL, 'O' },
		{ "oversize-len", required_argument, NULL, 'L' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct gen_opts){ .size = 64, .run = 1, .oversize_len = 5000, .batch = 64,
				.dst = { 0x02, 0, 0, 0, 0, 0x01 } };
	while ((c = getopt_long(argc, argv, "i:n:r:s:d:", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 'r': o->rate = strtod(optarg, NULL); break;
		case 's': o->size = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'R': o->run = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'O': o->oversize_every = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'L': o->oversize_len = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'b': o->batch = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'D':
			if (gen_parse_mac(optarg, o->dst)) {
				fprintf(stderr, "afxdp_gen: --dst %s is not a MAC address\n", optarg);
				return -1;
			}
			break;
		default: gen_usage(); return -1;
		}
	}
	if (!o->ifname || (!o->count && !o->duration) || o->size < TF_MIN_LEN ||
	    o->size > TF_MAX_LEN || o->oversize_len < TF_MIN_LEN || o->oversize_len > TF_MAX_LEN ||
	    o->batch == 0 || o->batch > GEN_BATCH_MAX) {
		fprintf(stderr, "afxdp_gen: need -i, and -n or -d; sizes %d..%d; batch 1..%d\n",
			TF_MIN_LEN, TF_MAX_LEN, GEN_BATCH_MAX);
		gen_usage();
		return -1;
	}
	return 0;
}

static int gen_open(const struct gen_opts *o, uint8_t src[6])
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned idx = if_nametoindex(o->ifname);
	int one = 1, fd;
	struct ifreq ifr;

	if (!idx) {
		fprintf(stderr, "afxdp_gen: no interface %s: %s\n", o->ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0: a send-only socket that never queues received frames. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "afxdp_gen: AF_PACKET socket: %s (needs root)\n", strerror(errno));
		return -1;
	}
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "afxdp_gen: bind to %s: %s\n", o->ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* Straight to the driver: the qdisc would only add a queue to overflow. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		fprintf(stderr, "afxdp_gen: PACKET_QDISC_BYPASS: %s (continuing)\n", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "afxdp_gen: MAC of %s: %s\n", o->ifname, strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t frames[GEN_BATCH_MAX][TF_MAX_LEN];
	struct mmsghdr msgs[GEN_BATCH_MAX];
	struct iovec iov[GEN_BATCH_MAX];
	uint64_t seq = 0, sent = 0, oversize = 0, retries = 0, slot = 0;
	struct gen_opts o;
	uint8_t src[6];
	double start, end;
	int fd;

	if (gen_parse(argc, argv, &o))
		return 2;
	fd = gen_open(&o, src);
	if (fd < 0)
		return 1;
	signal(SIGINT, gen_on_signal);
	signal(SIGTERM, gen_on_signal);
	start = gen_now();
	end = o.duration ? start + o.duration : 0;
	while (!gen_stop && (!o.count || seq < o.count) && (!end || gen_now() < end)) {
		unsigned n = o.batch, done = 0;

		if (o.rate > 0) {
			/* Pace: send only what the clock allows, at most a batch. */
			double due = (gen_now() - start) * o.rate - (double)(seq + oversize);

			if (due < 1) {
				struct timespec ts = { 0, 50000 };

				nanosleep(&ts, NULL);
				continue;
			}
			n = (unsigned)(due < n ? due : n);
		}
		for (unsigned i = 0; i < n; i++) {
			bool big = o.oversize_every && ++slot % o.oversize_every == 0;
			size_t len = big ? o.oversize_len : o.size;

			if (!big && o.count && seq >= o.count) {
				n = i;
				break;
			}
			tf_build(frames[i], len, o.dst, src, o.run, big ? oversize : seq,
				 big ? TF_FLAG_OVERSIZE : 0);
			big ? oversize++ : seq++;
			iov[i] = (struct iovec){ frames[i], len };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		while (done < n) {
			int r = sendmmsg(fd, msgs + done, n - done, 0);

			if (r > 0) {
				done += (unsigned)r;
				continue;
			}
			if (r < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
				/* The receiver's queue is full: wait a little and send it again. */
				struct timespec ts = { 0, 20000 };

				retries++;
				nanosleep(&ts, NULL);
				if (gen_stop)
					break;
				continue;
			}
			fprintf(stderr, "afxdp_gen: sendmmsg: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		sent += done;
	}
	end = gen_now();
	printf("gen: sent=%" PRIu64 " seq=%" PRIu64 " oversize=%" PRIu64 " retries=%" PRIu64
	       " seconds=%.3f pps=%.0f\n", sent, seq, oversize, retries, end - start,
	       (double)sent / (end - start));
	if (close(fd) < 0)
		fprintf(stderr, "afxdp_gen: close: %s\n", strerror(errno));
	return 0;
}
