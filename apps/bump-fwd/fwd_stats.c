/* SPDX-License-Identifier: MIT */
/*
 * fwd_stats.c - what bump-fwd prints: a line per port every stats period,
 * the summary, and the check that every pool got all its buffers back.
 *
 * The main thread reads counters that the lcores (and drivers' device
 * threads) keep writing: port stats and pool stats come from getters built
 * on relaxed atomic loads, the forwarder's own counters are relaxed atomics
 * with one writer each, so a read is never a data race, only a snapshot a
 * few packets old.
 *
 * Allocator shares.  bump counts every buffer its owner cache hands out as
 * alloc.fast, and every allocation is served from that cache; what differs
 * is how the buffer got there, which is what an allocation cost:
 *   fast    the owner recycled it straight into the cache (recycle.cached):
 *           no atomic operation on either side
 *   refill  it came from the recycle ring (alloc.refill): another thread
 *           returned it, one ring dequeue per refill batch
 *   slow    it came from the arena (alloc.slow): the pool grew, under the
 *           arena lock
 * The shares are of the three together, over the interval.  Recycling is
 * split as cached (owner, into the cache) vs ring (any other thread).
 */
#include "fwd.h"
#include "bump_sim.h"
#include "bump_telemetry.h"
#ifdef BUMP_HAVE_URING_PORT
#include "bump_uring_port.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fwd_port_snap {
	struct bump_queue_stats q;  /* the port's totals */
	uint64_t tx_drop;           /* TX refusals the forwarder freed, on this port */
	uint64_t fwd_rx, fwd_tx;    /* forwarder counters of streams reading this port */
	uint64_t nobuf;             /* txonly allocation failures */
	uint64_t a_fast, a_slow, a_refill, r_cached, r_ring;
	uint64_t inflight;          /* now, not a counter */
};

struct fwd_snap {
	uint64_t t_ns;
	uint64_t cycles;            /* fwd_cycles() at t_ns */
	struct fwd_port_snap port[FWD_MAX_PORTS];
	struct {
		uint64_t busy_cycles, packets, passes, idle_passes;
	} lcore[FWD_MAX_LCORES];
};

struct fwd_stats {
	const struct fwd_app *app;
	struct fwd_snap begin, prev, now;
};

/* Whether the pool of port @p's RX queue @q is an earlier queue's too (--rx-pools lcore). */
static bool fwd_pool_counted(const struct fwd_app *app, unsigned p, unsigned q)
{
	const struct bump_pool *pool = app->ports[p].pools[q];

	for (unsigned i = 0; i <= p; i++)
		for (unsigned j = 0; j < (i < p ? app->cfg.nb_rxq : q); j++)
			if (app->ports[i].pools[j] == pool)
				return true;
	return false;
}

static void fwd_stats_snap(const struct fwd_app *app, struct fwd_snap *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned p = 0; p < app->nb_ports; p++) {
		const struct fwd_port *fp = &app->ports[p];
		struct fwd_port_snap *ps = &s->port[p];
		struct bump_port_stats pst;

		if (bump_port_get_stats(fp->port, &pst) == 0)
			ps->q = pst.total;
		for (unsigned q = 0; q < app->cfg.nb_rxq; q++) {
			struct bump_pool_stats st;

			/* A shared pool's stats go with the first port that has it. */
			if (!fp->pools[q] || fwd_pool_counted(app, p, q))
				continue;
			bump_pool_get_stats(fp->pools[q], &st);
			ps->a_fast += st.alloc.fast;
			ps->a_slow += st.alloc.slow + st.alloc.slow_high_order;
			ps->a_refill += st.alloc.refill;
			ps->r_cached += st.recycle.cached;
			ps->r_ring += st.recycle.ring;
			ps->inflight += st.inflight;
		}
	}
	for (unsigned i = 0; i < app->nb_streams; i++) {
		const struct fwd_stream *fs = &app->streams[i];

		s->port[fs->tx->idx].tx_drop += FWD_STAT_GET(fs->cnt.tx_drop);
		s->port[fs->rx->idx].fwd_rx += FWD_STAT_GET(fs->cnt.rx);
		s->port[fs->rx->idx].fwd_tx += FWD_STAT_GET(fs->cnt.tx);
		s->port[fs->rx->idx].nobuf += FWD_STAT_GET(fs->cnt.nobuf);
	}
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		s->lcore[l].busy_cycles = FWD_STAT_GET(app->lcores[l].busy_cycles);
		s->lcore[l].packets = FWD_STAT_GET(app->lcores[l].packets);
		s->lcore[l].passes = FWD_STAT_GET(app->lcores[l].passes);
		s->lcore[l].idle_passes = FWD_STAT_GET(app->lcores[l].idle_passes);
	}
	s->t_ns = bump_time_ns();
	s->cycles = fwd_cycles();
}

struct fwd_stats *fwd_stats_new(const struct fwd_app *app)
{
	struct fwd_stats *st = calloc(1, sizeof(*st));

	if (st)
		st->app = app;
	return st;
}

void fwd_stats_free(struct fwd_stats *st)
{
	free(st);
}

void fwd_stats_begin(struct fwd_stats *st)
{
	fwd_stats_snap(st->app, &st->begin);
	st->prev = st->begin;
}

/*
 * Every RX queue has been polled once: the RX rings' first fill, all from
 * the arena, is setup rather than forwarding, so the pools' counters start
 * here (else a sink's pool, which allocates nothing more, shows "slow
 * 100%").  Packet counters still start at fwd_stats_begin, so the summary
 * counts every frame a checking sim port saw.
 */
void fwd_stats_rings_filled(struct fwd_stats *st)
{
	fwd_stats_snap(st->app, &st->now);
	for (unsigned p = 0; p < st->app->nb_ports; p++) {
		const struct fwd_port_snap *n = &st->now.port[p];
		struct fwd_port_snap *b = &st->begin.port[p];

		b->a_fast = n->a_fast;
		b->a_slow = n->a_slow;
		b->a_refill = n->a_refill;
		b->r_cached = n->r_cached;
		b->r_ring = n->r_ring;
	}
	st->prev = st->begin;  /* no stats line yet: the main thread prints them */
}

/* Gigabits per second from bytes in @ns: the frames' bytes, without preamble and gap. */
static double fwd_gbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 8 / (double)ns : 0.0;
}

static double fwd_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static double fwd_rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e3 / (double)ns : 0.0;  /* per microsecond: millions/s */
}

/* One port's line for the interval [a, b]. */
static void fwd_stats_port_line(unsigned p, const struct fwd_snap *a, const struct fwd_snap *b,
				const char *prefix)
{
	const struct fwd_port_snap *x = &a->port[p], *y = &b->port[p];
	uint64_t ns = b->t_ns - a->t_ns;
	uint64_t rx = y->q.ipackets - x->q.ipackets, tx = y->q.opackets - x->q.opackets;
	uint64_t drops = (y->q.imissed - x->q.imissed) + (y->tx_drop - x->tx_drop);
	uint64_t nombuf = (y->q.rx_nombuf - x->q.rx_nombuf) + (y->nobuf - x->nobuf);
	uint64_t alloc = y->a_fast - x->a_fast, slow = y->a_slow - x->a_slow;
	uint64_t refill = y->a_refill - x->a_refill;
	uint64_t cached = y->r_cached - x->r_cached, ring = y->r_ring - x->r_ring;
	uint64_t fed = cached + refill + slow;
	char shares[96] = "alloc none", recycled[64] = "recycle none";

	/* A sink's pools allocate nothing after the RX ring's fill: no shares to show. */
	if (fed)
		snprintf(shares, sizeof(shares), "alloc %.2fM/s fast %.1f%% slow %.1f%% refill %.1f%%",
			 fwd_rate(alloc, ns), fwd_pct(cached, fed), fwd_pct(slow, fed),
			 fwd_pct(refill, fed));
	if (cached + ring)
		snprintf(recycled, sizeof(recycled), "recycle cached %.1f%% ring %.1f%%",
			 fwd_pct(cached, cached + ring), fwd_pct(ring, cached + ring));
	printf("%sport %u rx %7.3f Mpps tx %7.3f Mpps drop %" PRIu64 " nombuf %" PRIu64
	       " | %s | %s | inflight %" PRIu64 "\n", prefix, p, fwd_rate(rx, ns), fwd_rate(tx, ns),
	       drops, nombuf, shares, recycled, y->inflight);
}

/*
 * An lcore's share of busy time and its cycles per packet over [a, b]; the
 * clock's rate comes from the interval itself, so ns per packet needs no
 * calibration (on x86 the TSC runs at a constant nominal rate).
 */
static void fwd_stats_lcore_line(const struct fwd_app *app, unsigned l, const struct fwd_snap *a,
				 const struct fwd_snap *b, const char *prefix)
{
	uint64_t busy = b->lcore[l].busy_cycles - a->lcore[l].busy_cycles;
	uint64_t pkts = b->lcore[l].packets - a->lcore[l].packets;
	uint64_t cycles = b->cycles - a->cycles, ns = b->t_ns - a->t_ns;
	double per_pkt = pkts ? (double)busy / (double)pkts : 0;
	double ghz = ns ? (double)cycles / (double)ns : 0;

	uint64_t passes = b->lcore[l].passes - a->lcore[l].passes;
	uint64_t idle = b->lcore[l].idle_passes - a->lcore[l].idle_passes;

	printf("%slcore %u (CPU %d) busy %.1f%% %.1f cycles/packet (%.1f ns at %.2f GHz) "
	       "packets %" PRIu64 " passes %" PRIu64 " idle %" PRIu64 "\n",
	       prefix, l, app->lcores[l].cpu, fwd_pct(busy, cycles), per_pkt,
	       ghz > 0 ? per_pkt / ghz : 0, ghz, pkts, passes, idle);
}

void fwd_stats_print_interval(struct fwd_stats *st)
{
	char prefix[32];

	fwd_stats_snap(st->app, &st->now);
	snprintf(prefix, sizeof(prefix), "[%7.2f s] ",
		 (double)(st->now.t_ns - st->begin.t_ns) / 1e9);
	for (unsigned p = 0; p < st->app->nb_ports; p++)
		fwd_stats_port_line(p, &st->prev, &st->now, prefix);
	for (unsigned l = 0; l < st->app->nb_lcores; l++)
		fwd_stats_lcore_line(st->app, l, &st->prev, &st->now, prefix);
	fflush(stdout);
	st->prev = st->now;
}

/*
 * What a sim port checked in the frames it was sent (sink and gen modes):
 * since open, so every frame of the run counts.  Gaps are upstream drops;
 * checksum and sequence errors mean a buffer was reused while in flight.
 */
static void fwd_stats_sim_line(const struct bump_port *port, unsigned p)
{
	struct bump_sim_stats s;

	if (bump_sim_get_stats(port, &s))
		return;
	printf("      sim port %u: sink frames %" PRIu64 " bad_format %" PRIu64 " bad_csum %" PRIu64
	       " seq_gaps %" PRIu64 " seq_errors %" PRIu64 " dma_faults %" PRIu64
	       " tx_unmapped %" PRIu64 "\n", p, s.sink_frames, s.sink_bad_format, s.sink_bad_csum,
	       s.sink_seq_gaps, s.sink_seq_errors, s.dma_faults, s.tx_unmapped);
}

#ifdef BUMP_HAVE_URING_PORT
/* The io_uring port's own counters, since open: how often its buffer ring ran dry. */
static void fwd_stats_uring_line(struct bump_port *port, unsigned p)
{
	struct bump_uring_port_counters c;

	if (bump_uring_port_counters_get(port, &c))
		return;
	printf("uring port %u: rx_enobufs=%" PRIu64 " rx_rearms=%" PRIu64 " rx_nombuf=%" PRIu64
	       " rx_drops=%" PRIu64 " rx_too_long=%" PRIu64 " rx_errors=%" PRIu64
	       " tx_errors=%" PRIu64 "\n", p, c.rx_enobufs, c.rx_rearms, c.rx_nombuf, c.rx_drops,
	       c.rx_too_long, c.rx_errors, c.tx_errors);
}
#endif

void fwd_stats_print_summary(struct fwd_stats *st)
{
	const struct fwd_app *app = st->app;
	const struct fwd_snap *a = &st->begin, *b = &st->now;
	uint64_t ns, total = 0, bytes = 0;
	double secs;

	fwd_stats_snap(app, &st->now);
	ns = b->t_ns - a->t_ns;
	secs = (double)ns / 1e9;
	printf("---- summary: %s forwarding, %.2f s, %u lcore%s, burst %u ----\n",
	       app->cfg.engine->name, secs, app->nb_lcores, app->nb_lcores > 1 ? "s" : "",
	       app->cfg.burst);
	for (unsigned p = 0; p < app->nb_ports; p++) {
		const struct fwd_port_snap *x = &a->port[p], *y = &b->port[p];
		uint64_t rx = y->q.ipackets - x->q.ipackets, tx = y->q.opackets - x->q.opackets;
		uint64_t rxb = y->q.ibytes - x->q.ibytes, txb = y->q.obytes - x->q.obytes;

		printf("port %u %s: rx %" PRIu64 " (%.3f Mpps, %" PRIu64 " bytes, %.3f Gbps) tx %"
		       PRIu64 " (%.3f Mpps, %" PRIu64 " bytes, %.3f Gbps) "
		       "imissed %" PRIu64 " tx-dropped %" PRIu64 " rx_nombuf %" PRIu64
		       " ierrors %" PRIu64 " oerrors %" PRIu64 "\n",
		       p, app->ports[p].info.name, rx, fwd_rate(rx, ns), rxb, fwd_gbps(rxb, ns), tx,
		       fwd_rate(tx, ns), txb, fwd_gbps(txb, ns),
		       y->q.imissed - x->q.imissed, y->tx_drop - x->tx_drop,
		       (y->q.rx_nombuf - x->q.rx_nombuf) + (y->nobuf - x->nobuf),
		       y->q.ierrors - x->q.ierrors, y->q.oerrors - x->q.oerrors);
		fwd_stats_port_line(p, a, b, "      ");
		if (!strcmp(app->ports[p].info.driver, "sim"))
			fwd_stats_sim_line(app->ports[p].port, p);
#ifdef BUMP_HAVE_URING_PORT
		if (!strcmp(app->ports[p].info.driver, "uring"))
			fwd_stats_uring_line(app->ports[p].port, p);
#endif
		/* rxonly forwards nothing: what it consumed is its throughput. */
		total += app->cfg.engine->uses_tx ? y->fwd_tx - x->fwd_tx : y->fwd_rx - x->fwd_rx;
		bytes += app->cfg.engine->uses_tx ? txb : rxb;
	}
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		const struct fwd_cpu_usage *u = &app->lcores[l].usage;
		uint64_t pkts = b->lcore[l].packets - a->lcore[l].packets;

		fwd_stats_lcore_line(app, l, a, b, "");
		/*
		 * Below ~99%, other processes took the CPU: rates and busy cycles
		 * are inflated by the wait.  The thread's CPU time per packet is
		 * not (it counts idle passes, so it is exact for a busy lcore).
		 */
		printf("lcore %u ran on its CPU %.1f%% of the time, preempted %" PRIu64 " times, "
		       "%.1f ns CPU time per packet%s\n", l, fwd_pct(u->cpu_ns, u->wall_ns),
		       u->preempted, pkts ? (double)u->cpu_ns / (double)pkts : 0.0,
		       u->wall_ns && u->cpu_ns < u->wall_ns / 100 * 99 ?
		       " (CPU shared with other processes: rates are not the forwarder's own)" : "");
	}
	printf("bump-fwd: %" PRIu64 " packets %s in %.2f s: %.3f Mpps (%.3f Mpps per lcore), "
	       "%" PRIu64 " bytes %s by the ports: %.3f Gbps\n",
	       total, app->cfg.engine->uses_tx ? "forwarded" : "received", secs,
	       fwd_rate(total, ns), fwd_rate(total, ns) / app->nb_lcores, bytes,
	       app->cfg.engine->uses_tx ? "sent" : "received", fwd_gbps(bytes, ns));
	fflush(stdout);
}

/* Per second, from @n over @ns nanoseconds. */
static uint64_t fwd_per_s(uint64_t n, uint64_t ns)
{
	return ns ? (uint64_t)((double)n * 1e9 / (double)ns) : 0;
}

/*
 * The summary's figures as JSON, written with lib/telemetry's builder (the
 * shapes bump's telemetry socket uses): rates in packets and bits per
 * second, as integers.
 */
void fwd_stats_print_json(struct fwd_stats *st)
{
	const struct fwd_app *app = st->app;
	const struct fwd_snap *a = &st->begin, *b = &st->now;
	uint64_t ns = b->t_ns - a->t_ns, total = 0, bytes = 0;
	static char out[64 * 1024];
	struct bump_tel_json j;
	struct bump_tel t;
	char key[16];

	bump_tel_json_init(&t, &j, out, sizeof(out));
	bump_tel_dict(&t, NULL);
	bump_tel_dict(&t, "bump_fwd_summary");
	bump_tel_str(&t, "version", bump_version());
	bump_tel_str(&t, "mode", app->cfg.engine->name);
	bump_tel_u64(&t, "duration_ns", ns);
	bump_tel_int(&t, "nb_lcores", (int)app->nb_lcores);
	bump_tel_int(&t, "burst", (int)app->cfg.burst);
	bump_tel_dict(&t, "ports");
	for (unsigned p = 0; p < app->nb_ports; p++) {
		const struct fwd_port_snap *x = &a->port[p], *y = &b->port[p];
		uint64_t rx = y->q.ipackets - x->q.ipackets, tx = y->q.opackets - x->q.opackets;
		uint64_t rxb = y->q.ibytes - x->q.ibytes, txb = y->q.obytes - x->q.obytes;

		snprintf(key, sizeof(key), "%u", p);
		bump_tel_dict(&t, key);
		bump_tel_str(&t, "name", app->ports[p].info.name);
		bump_tel_str(&t, "driver", app->ports[p].info.driver);
		bump_tel_u64(&t, "rx_packets", rx);
		bump_tel_u64(&t, "rx_bytes", rxb);
		bump_tel_u64(&t, "rx_pps", fwd_per_s(rx, ns));
		bump_tel_u64(&t, "rx_bps", fwd_per_s(rxb * 8, ns));
		bump_tel_u64(&t, "tx_packets", tx);
		bump_tel_u64(&t, "tx_bytes", txb);
		bump_tel_u64(&t, "tx_pps", fwd_per_s(tx, ns));
		bump_tel_u64(&t, "tx_bps", fwd_per_s(txb * 8, ns));
		bump_tel_u64(&t, "imissed", y->q.imissed - x->q.imissed);
		bump_tel_u64(&t, "tx_dropped", y->tx_drop - x->tx_drop);
		bump_tel_u64(&t, "rx_nombuf", (y->q.rx_nombuf - x->q.rx_nombuf) + (y->nobuf - x->nobuf));
		bump_tel_u64(&t, "ierrors", y->q.ierrors - x->q.ierrors);
		bump_tel_u64(&t, "oerrors", y->q.oerrors - x->q.oerrors);
		bump_tel_u64(&t, "alloc_fast", y->a_fast - x->a_fast);
		bump_tel_u64(&t, "alloc_slow", y->a_slow - x->a_slow);
		bump_tel_u64(&t, "alloc_refill", y->a_refill - x->a_refill);
		bump_tel_u64(&t, "recycle_cached", y->r_cached - x->r_cached);
		bump_tel_u64(&t, "recycle_ring", y->r_ring - x->r_ring);
		bump_tel_u64(&t, "inflight", y->inflight);
		bump_tel_end(&t);
		total += app->cfg.engine->uses_tx ? y->fwd_tx - x->fwd_tx : y->fwd_rx - x->fwd_rx;
		bytes += app->cfg.engine->uses_tx ? txb : rxb;
	}
	bump_tel_end(&t);
	bump_tel_dict(&t, "lcores");
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		snprintf(key, sizeof(key), "%u", l);
		bump_tel_dict(&t, key);
		bump_tel_int(&t, "cpu", app->lcores[l].cpu);
		bump_tel_u64(&t, "packets", b->lcore[l].packets - a->lcore[l].packets);
		bump_tel_u64(&t, "busy_cycles", b->lcore[l].busy_cycles - a->lcore[l].busy_cycles);
		bump_tel_u64(&t, "cycles", b->cycles - a->cycles);
		bump_tel_u64(&t, "cpu_ns", app->lcores[l].usage.cpu_ns);
		bump_tel_u64(&t, "wall_ns", app->lcores[l].usage.wall_ns);
		bump_tel_end(&t);
	}
	bump_tel_end(&t);
	bump_tel_u64(&t, "packets", total);
	bump_tel_u64(&t, "pps", fwd_per_s(total, ns));
	bump_tel_u64(&t, "bytes", bytes);
	bump_tel_u64(&t, "bps", fwd_per_s(bytes * 8, ns));
	bump_tel_end(&t);
	bump_tel_end(&t);
	if (t.err)
		fprintf(stderr, "bump-fwd: the JSON summary did not fit (%s)\n", strerror(-t.err));
	else
		printf("%s\n", out);
	fflush(stdout);
}

unsigned fwd_stats_check_inflight(void)
{
	struct bump_pool_info infos[64];
	unsigned n = bump_pool_list(infos, BUMP_ARRAY_SIZE(infos)), bad = 0;

	if (n > BUMP_ARRAY_SIZE(infos)) {
		fprintf(stderr, "bump-fwd: %u pools remain after teardown; the first %zu:\n", n,
			BUMP_ARRAY_SIZE(infos));
		n = BUMP_ARRAY_SIZE(infos);
		bad++;
	}
	/* Every pool of ours is destroyed by now: one still listed is waiting for buffers. */
	for (unsigned i = 0; i < n; i++) {
		if (!infos[i].inflight && !infos[i].detach_time_ns)
			continue;
		fprintf(stderr, "bump-fwd: pool '%s' (id %u, arena %s): %" PRIu64 " buffers "
			"(%" PRIu64 " KiB) still in flight after the ports stopped: a forwarding "
			"engine or the driver kept packets without freeing them\n",
			infos[i].name, infos[i].id, infos[i].arena, infos[i].inflight,
			infos[i].inflight_bytes >> 10);
		bad++;
	}
	return bad;
}
