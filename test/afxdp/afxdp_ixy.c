/* SPDX-License-Identifier: MIT */
/*
 * afxdp_ixy - the benchmark's peer: a plain AF_XDP forwarder with no bump
 * in it, its UMEM managed as ixy manages its mempool: one anonymous
 * mapping cut into 4 KiB frames and a stack of free frame addresses, no
 * refcount, no descriptor, single-threaded.
 *
 *   afxdp_ixy --if A [--if B] [--mode native|skb] [--fwd io|macswap]
 *             [--burst N] [--duration S] [--frames N] [--ring N] [--cpu N]
 *
 * Both sockets share the one UMEM (XDP_SHARED_UMEM, each with its own fill
 * and completion rings), so a frame received on A is sent on B where it
 * lies: the same zero-copy forwarding bump's driver does with one arena.
 * Prints "ready", "ixy: X Mpps" every second, and "ixy: forwarded=N
 * seconds=S mpps=M" at exit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <xdp/xsk.h>

#define IXY_FRAME 4096u
#define IXY_BURST_MAX 256

struct ixy_port {
	const char *ifname;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
	int fd;
	uint64_t rx_pkts, tx_pkts, drops;
};

/* ixy's mempool: a stack of free frames. */
struct ixy_stack {
	uint64_t *addr;
	uint32_t top, size;
};

static volatile sig_atomic_t ixy_stop;

static void ixy_on_signal(int sig)
{
	(void)sig;
	ixy_stop = 1;
}

static uint64_t ixy_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void ixy_push(struct ixy_stack *s, uint64_t addr)
{
	s->addr[s->top++] = addr & ~(uint64_t)(IXY_FRAME - 1);
}

static void ixy_refill(struct ixy_port *p, struct ixy_stack *s, uint32_t ring)
{
	uint32_t n = xsk_prod_nb_free(&p->fill, ring), idx;

	n = n < s->top ? n : s->top;
	if (n < 16 || xsk_ring_prod__reserve(&p->fill, n, &idx) != n)
		return;
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&p->fill, idx + i) = s->addr[--s->top];
	xsk_ring_prod__submit(&p->fill, n);
}

static void ixy_reclaim(struct ixy_port *p, struct ixy_stack *s)
{
	uint32_t idx, n = xsk_ring_cons__peek(&p->comp, IXY_BURST_MAX * 2, &idx);

	for (uint32_t i = 0; i < n; i++)
		ixy_push(s, *xsk_ring_cons__comp_addr(&p->comp, idx + i));
	if (n)
		xsk_ring_cons__release(&p->comp, n);
}

static void ixy_kick(struct ixy_port *p)
{
	if (!xsk_ring_prod__needs_wakeup(&p->tx))
		return;
	if (sendto(p->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN && errno != EINTR)
		fprintf(stderr, "afxdp_ixy: sendto on %s: %s\n", p->ifname, strerror(errno));
}

static void ixy_forward(struct ixy_port *in, struct ixy_port *out, struct ixy_stack *s,
			uint8_t *umem, unsigned burst, bool macswap)
{
	uint32_t ridx, tidx = 0, n = xsk_ring_cons__peek(&in->rx, burst, &ridx), room;

	if (!n)
		return;
	ixy_reclaim(out, s);
	room = xsk_prod_nb_free(&out->tx, n);
	room = room < n ? room : n;
	if (room && xsk_ring_prod__reserve(&out->tx, room, &tidx) != room)
		room = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&in->rx, ridx + i);

		if (i >= room) {
			ixy_push(s, d->addr);  /* no room on TX: drop */
			out->drops++;
			continue;
		}
		if (macswap && d->len >= 14) {
			uint8_t *eth = umem + d->addr, tmp[6];

			memcpy(tmp, eth, 6);
			memcpy(eth, eth + 6, 6);
			memcpy(eth + 6, tmp, 6);
		}
		*xsk_ring_prod__tx_desc(&out->tx, tidx + i) = *d;
	}
	xsk_ring_cons__release(&in->rx, n);
	in->rx_pkts += n;
	if (room) {
		xsk_ring_prod__submit(&out->tx, room);
		out->tx_pkts += room;
	}
	ixy_kick(out);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "if", required_argument, NULL, 'i' }, { "mode", required_argument, NULL, 'm' },
		{ "fwd", required_argument, NULL, 'f' }, { "burst", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' }, { "frames", required_argument, NULL, 'n' },
		{ "ring", required_argument, NULL, 'r' }, { "cpu", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct ixy_port ports[2] = { 0 };
	struct xsk_umem *umem = NULL;
	struct ixy_stack stack = { 0 };
	unsigned nports = 0, burst = 32, ring = 2048, frames = 16384;
	bool skb = false, macswap = false;
	double duration = 0;
	int cpu = -1, opt, ret;
	uint64_t first = 0, end, fwd = 0, iter = 0, next_stats, prev = 0;
	uint8_t *area;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (nports == 2)
				return fprintf(stderr, "afxdp_ixy: at most two --if\n"), 2;
			ports[nports++].ifname = optarg;
			break;
		case 'm': skb = !strcmp(optarg, "skb"); break;
		case 'f': macswap = !strcmp(optarg, "macswap"); break;
		case 'b': burst = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'n': frames = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': ring = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!nports || !burst || burst > IXY_BURST_MAX || frames < 2 * nports * ring + 1024) {
		fprintf(stderr, "usage: afxdp_ixy --if A [--if B] [--mode native|skb] "
			"[--fwd io|macswap] [--burst 1..%d] [--duration S] [--frames N >= "
			"2*ports*ring+1024] [--ring N] [--cpu N]\n", IXY_BURST_MAX);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "afxdp_ixy: pinning to CPU %d: %s\n", cpu, strerror(errno));
	}
	signal(SIGINT, ixy_on_signal);
	signal(SIGTERM, ixy_on_signal);

	area = mmap(NULL, (size_t)frames * IXY_FRAME, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	stack.addr = calloc(frames, sizeof(*stack.addr));
	if (area == MAP_FAILED || !stack.addr) {
		fprintf(stderr, "afxdp_ixy: out of memory for %u frames\n", frames);
		return 1;
	}
	for (uint32_t f = 0; f < frames; f++)
		ixy_push(&stack, (uint64_t)f * IXY_FRAME);
	{
		struct xsk_umem_config ucfg = { .fill_size = ring, .comp_size = ring,
						.frame_size = IXY_FRAME };
		struct xsk_socket_config scfg = {
			.rx_size = ring, .tx_size = ring,
			.xdp_flags = skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			.bind_flags = XDP_USE_NEED_WAKEUP,
		};

		ret = xsk_umem__create(&umem, area, (uint64_t)frames * IXY_FRAME, &ports[0].fill,
				       &ports[0].comp, &ucfg);
		if (ret) {
			fprintf(stderr, "afxdp_ixy: UMEM: %s\n", strerror(-ret));
			return 1;
		}
		for (unsigned p = 0; p < nports; p++) {
			struct ixy_port *pp = &ports[p];

			ret = p == 0 ? xsk_socket__create(&pp->xsk, pp->ifname, 0, umem, &pp->rx,
							  &pp->tx, &scfg)
				     : xsk_socket__create_shared(&pp->xsk, pp->ifname, 0, umem,
								 &pp->rx, &pp->tx, &pp->fill,
								 &pp->comp, &scfg);
			if (ret) {
				fprintf(stderr, "afxdp_ixy: socket on %s: %s\n", pp->ifname,
					strerror(-ret));
				return 1;
			}
			pp->fd = xsk_socket__fd(pp->xsk);
			ixy_refill(pp, &stack, ring);
		}
	}
	printf("ready\n");
	fflush(stdout);
	end = duration > 0 ? ixy_now_ns() + (uint64_t)(duration * 1e9) : UINT64_MAX;
	next_stats = ixy_now_ns() + 1000000000ull;
	while (!ixy_stop) {
		for (unsigned p = 0; p < nports; p++) {
			struct ixy_port *in = &ports[p], *out = &ports[nports == 2 ? p ^ 1 : p];
			uint64_t before = in->rx_pkts;

			ixy_forward(in, out, &stack, area, burst, macswap);
			if (!first && in->rx_pkts != before)
				first = ixy_now_ns();
			ixy_refill(in, &stack, ring);
		}
		if (++iter % 1024 == 0) {
			uint64_t now = ixy_now_ns(), total = ports[0].tx_pkts + ports[1].tx_pkts;

			if (now >= end)
				break;
			if (now >= next_stats) {
				printf("ixy: %.3f Mpps\n", (double)(total - prev) / 1e6);
				fflush(stdout);
				prev = total;
				next_stats += 1000000000ull;
			}
		}
	}
	for (unsigned p = 0; p < nports; p++)
		fwd += ports[p].tx_pkts;
	{
		double secs = first ? (double)(ixy_now_ns() - first) / 1e9 : 0;

		printf("ixy: forwarded=%" PRIu64 " drops=%" PRIu64 " seconds=%.3f mpps=%.3f\n", fwd,
		       ports[0].drops + ports[1].drops, secs, secs > 0 ? (double)fwd / secs / 1e6 : 0);
	}
	for (unsigned p = 0; p < nports; p++)
		xsk_socket__delete(ports[p].xsk);
	ret = xsk_umem__delete(umem);
	if (ret)
		fprintf(stderr, "afxdp_ixy: UMEM delete: %s\n", strerror(-ret));
	if (munmap(area, (size_t)frames * IXY_FRAME))
		fprintf(stderr, "afxdp_ixy: munmap: %s\n", strerror(errno));
	free(stack.addr);
	return 0;
}
