/* SPDX-License-Identifier: MIT */
/*
 * afxdp_fwd - a small forwarder on the port API, for the afxdp tests and
 * benchmark: one thread polls every port and sends what it receives to the
 * peer port (0<->1; a single port forwards to itself).
 *
 *   afxdp_fwd --port DEVARGS [--port DEVARGS] [--fwd io|macswap] [--burst N]
 *             [--duration S] [--arena shared|port] [--bufs N] [--ring N]
 *             [--cpu N] [--no-huge] [--stats]
 *
 * --arena shared puts every port's pool on one arena, so forwarding needs
 * no copy (the TX port's UMEM is the RX port's arena); --arena port gives
 * each port its own, as bump-fwd does, and the driver copies on TX.
 * Prints "ready" once the ports are started, a "port<N>:" line of counters
 * per port and a "fwd:" summary at exit.  Exits 0, 2 when a port cannot be
 * opened or started (the driver's message on stderr), 3 when buffers are
 * still in flight after the pools are destroyed.
 */
#include "bump.h"
#include "bump_afxdp.h"
#include "bump_port.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FWD_PORTS 2
#define FWD_BURST_MAX 256

struct fwd_opts {
	const char *devargs[FWD_PORTS];
	unsigned nb_ports;
	bool macswap;
	unsigned burst;
	double duration;
	bool shared;
	unsigned bufs;
	unsigned ring;
	int cpu;
	bool no_huge;
	bool stats;
};

struct fwd_port {
	struct bump_port *port;
	struct bump_region *region;
	struct bump_arena *arena;
	struct bump_pool *pool;
	uint64_t rx, tx, drop;
};

static volatile sig_atomic_t fwd_stop;

static void fwd_on_signal(int sig)
{
	(void)sig;
	fwd_stop = 1;
}

static int fwd_parse(int argc, char **argv, struct fwd_opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' }, { "fwd", required_argument, NULL, 'f' },
		{ "burst", required_argument, NULL, 'b' }, { "duration", required_argument, NULL, 'd' },
		{ "arena", required_argument, NULL, 'a' }, { "bufs", required_argument, NULL, 'n' },
		{ "ring", required_argument, NULL, 'r' }, { "cpu", required_argument, NULL, 'c' },
		{ "no-huge", no_argument, NULL, 'H' }, { "stats", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct fwd_opts){ .burst = 32, .shared = true, .bufs = 8192, .cpu = -1 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->nb_ports == FWD_PORTS) {
				fprintf(stderr, "afxdp_fwd: at most %d ports\n", FWD_PORTS);
				return -1;
			}
			o->devargs[o->nb_ports++] = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "io") && strcmp(optarg, "macswap")) {
				fprintf(stderr, "afxdp_fwd: --fwd io or --fwd macswap\n");
				return -1;
			}
			o->macswap = !strcmp(optarg, "macswap");
			break;
		case 'b': o->burst = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'a':
			if (strcmp(optarg, "shared") && strcmp(optarg, "port")) {
				fprintf(stderr, "afxdp_fwd: --arena shared or --arena port\n");
				return -1;
			}
			o->shared = !strcmp(optarg, "shared");
			break;
		case 'n': o->bufs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': o->ring = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': o->cpu = atoi(optarg); break;
		case 'H': o->no_huge = true; break;
		case 's': o->stats = true; break;
		default: return -1;
		}
	}
	if (!o->nb_ports || o->burst == 0 || o->burst > FWD_BURST_MAX || o->bufs < 256) {
		fprintf(stderr, "usage: afxdp_fwd --port DEVARGS [--port DEVARGS] [--fwd io|macswap] "
			"[--burst 1..%d] [--duration S] [--arena shared|port] [--bufs N>=256] "
			"[--ring N] [--cpu N] [--no-huge] [--stats]\n", FWD_BURST_MAX);
		return -1;
	}
	return 0;
}

/* One region + arena per port, or one for all (then ports[0] holds it). */
static int fwd_memory(const struct fwd_opts *o, struct fwd_port *ports)
{
	unsigned nmem = o->shared ? 1 : o->nb_ports;

	for (unsigned i = 0; i < nmem; i++) {
		struct bump_region_params rp = {
			.name = "afxdp-fwd",
			.size = (size_t)o->bufs * 4096 * (o->shared ? o->nb_ports : 1),
			.numa_node = BUMP_NUMA_ANY,
			.flags = o->no_huge ? BUMP_REGION_F_NO_HUGE : 0,
		};
		struct bump_arena_params ap = { .name = "afxdp-fwd", .page_shift = 12 };

		if (bump_region_create(&rp, &ports[i].region))
			return -1;
		ap.region = ports[i].region;
		if (bump_arena_create(&ap, &ports[i].arena))
			return -1;
	}
	for (unsigned i = 0; i < o->nb_ports; i++) {
		char name[32];
		struct bump_pool_params pp = {
			.name = name,
			.arena = ports[o->shared ? 0 : i].arena,
			.nid = BUMP_NUMA_ANY,
		};

		snprintf(name, sizeof(name), "afxdp-fwd-rx%u", i);
		if (bump_pool_create(&pp, &ports[i].pool))
			return -1;
	}
	return 0;
}

static int fwd_ports_start(const struct fwd_opts *o, struct fwd_port *ports)
{
	for (unsigned i = 0; i < o->nb_ports; i++) {
		struct bump_rxq_conf rc = { .ring_size = (uint16_t)o->ring, .pool = ports[i].pool };
		struct bump_txq_conf tc = { .ring_size = (uint16_t)o->ring };

		if (bump_port_open(o->devargs[i], &ports[i].port) ||
		    bump_port_rxq_setup(ports[i].port, 0, &rc) ||
		    bump_port_txq_setup(ports[i].port, 0, &tc) || bump_port_start(ports[i].port)) {
			fprintf(stderr, "afxdp_fwd: port %u '%s': %s\n", i, o->devargs[i],
				bump_last_error());
			return -1;
		}
	}
	return 0;
}

static void fwd_macswap(struct bump_pkt *pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *eth = bump_pkt_data(&pkts[i]), tmp[6];

		if (pkts[i].len < 14)
			continue;
		memcpy(tmp, eth, 6);
		memcpy(eth, eth + 6, 6);
		memcpy(eth + 6, tmp, 6);
	}
}

/* Forward until stopped; returns the seconds from the first packet to the end. */
static double fwd_loop(const struct fwd_opts *o, struct fwd_port *ports)
{
	struct bump_pkt pkts[FWD_BURST_MAX];
	uint64_t start = bump_time_ns(), first = 0, next_stats = start + 1000000000ull, prev = 0;
	uint64_t end = o->duration > 0 ? start + (uint64_t)(o->duration * 1e9) : UINT64_MAX;
	uint64_t iter = 0;

	while (!fwd_stop) {
		for (unsigned p = 0; p < o->nb_ports; p++) {
			struct fwd_port *in = &ports[p], *out = &ports[p ^ (o->nb_ports == 2)];
			uint16_t n = bump_port_rx_burst(in->port, 0, pkts, (uint16_t)o->burst), sent;

			if (!n)
				continue;
			if (bump_unlikely(!first))
				first = bump_time_ns();
			in->rx += n;
			if (o->macswap)
				fwd_macswap(pkts, n);
			sent = bump_port_tx_burst(out->port, 0, pkts, n);
			out->tx += sent;
			if (sent < n) {
				bump_pkt_free_bulk(pkts + sent, n - sent);
				out->drop += n - sent;
			}
		}
		/* Look at the clock only now and then: it is not free. */
		if (bump_unlikely(++iter % 1024 == 0)) {
			uint64_t now = bump_time_ns();

			if (now >= end)
				break;
			if (o->stats && now >= next_stats) {
				uint64_t tx = ports[0].tx + (o->nb_ports == 2 ? ports[1].tx : 0);

				printf("fwd: %.3f Mpps\n", (double)(tx - prev) / 1e6);
				fflush(stdout);
				prev = tx;
				next_stats += 1000000000ull;
			}
		}
	}
	return first ? (double)(bump_time_ns() - first) / 1e9 : 0;
}

static void fwd_print_port(unsigned i, struct fwd_port *fp)
{
	struct bump_port_stats st;
	struct bump_afxdp_info ai;
	const struct bump_queue_stats *t = &st.total;

	if (bump_port_get_stats(fp->port, &st))
		memset(&st, 0, sizeof(st));
	printf("port%u: rx=%" PRIu64 " tx=%" PRIu64 " drop=%" PRIu64 " ipackets=%" PRIu64
	       " opackets=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64 " oerrors=%" PRIu64
	       " rx_nombuf=%" PRIu64, i, fp->rx, fp->tx, fp->drop, t->ipackets, t->opackets,
	       t->imissed, t->ierrors, t->oerrors, t->rx_nombuf);
	if (bump_afxdp_info_get(fp->port, &ai) == 0)
		printf(" zero_copy=%d native=%d xdp_rx_dropped=%" PRIu64 " xdp_rx_ring_full=%" PRIu64
		       " xdp_fill_empty=%" PRIu64 " rx_too_long=%" PRIu64 " tx_copied=%" PRIu64
		       " tx_kicks=%" PRIu64 " copy_fallbacks=%" PRIu64, ai.zero_copy, ai.native,
		       ai.c.xdp_rx_dropped, ai.c.xdp_rx_ring_full, ai.c.xdp_rx_fill_ring_empty_descs,
		       ai.c.rx_too_long, ai.c.tx_copied, ai.c.tx_kicks, bump_afxdp_copy_fallbacks());
	printf("\n");
}

int main(int argc, char **argv)
{
	struct fwd_port ports[FWD_PORTS] = { 0 };
	struct fwd_opts o;
	uint64_t tx = 0;
	long inflight = 0;
	double secs;
	int ret = 0;

	if (fwd_parse(argc, argv, &o))
		return 2;
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "afxdp_fwd: pinning to CPU %d: %s\n", o.cpu, strerror(errno));
	}
	signal(SIGINT, fwd_on_signal);
	signal(SIGTERM, fwd_on_signal);
	if (fwd_memory(&o, ports)) {
		fprintf(stderr, "afxdp_fwd: memory: %s\n", bump_last_error());
		ret = 2;
		goto out;
	}
	if (fwd_ports_start(&o, ports)) {
		ret = 2;
		goto out;
	}
	/* A burst of none fills each fill ring: "ready" means frames will find buffers. */
	for (unsigned i = 0; i < o.nb_ports; i++)
		bump_port_rx_burst(ports[i].port, 0, NULL, 0);
	printf("ready\n");
	fflush(stdout);
	secs = fwd_loop(&o, ports);
	for (unsigned i = 0; i < o.nb_ports; i++) {
		if (bump_port_stop(ports[i].port))
			fprintf(stderr, "afxdp_fwd: stop port %u: %s\n", i, bump_last_error());
		fwd_print_port(i, &ports[i]);
		tx += ports[i].tx;
	}
	printf("fwd: forwarded=%" PRIu64 " seconds=%.3f mpps=%.3f\n", tx, secs,
	       secs > 0 ? (double)tx / secs / 1e6 : 0.0);
out:
	for (unsigned i = 0; i < o.nb_ports; i++) {
		if (ports[i].port && bump_port_close(ports[i].port))
			fprintf(stderr, "afxdp_fwd: close port %u: %s\n", i, bump_last_error());
		if (ports[i].pool)
			inflight += bump_pool_destroy(ports[i].pool);
	}
	for (unsigned i = 0; i < o.nb_ports; i++) {
		if (ports[i].arena && bump_arena_destroy(ports[i].arena))
			continue;  /* a detached pool still uses it: reported below */
		if (ports[i].region)
			bump_region_destroy(ports[i].region);
	}
	printf("inflight=%ld\n", inflight);
	if (inflight && !ret)
		ret = 3;
	return ret;
}
