/* SPDX-License-Identifier: MIT */
/*
 * dpdk_plain.c - a plain DPDK program that knows nothing of bump: the
 * mempool plugin's customer.  It creates its mbuf pool the usual way
 * (rte_pktmbuf_pool_create, so with the ops EAL's --mbuf-pool-ops-name
 * chose), and either checks DPDK's mempool guarantees or measures
 * forwarding:
 *
 *   dpdk_plain <EAL args> -- test [--ops NAME] [--mbufs N] [--cache N] [--packets N]
 *       two lcores get and free mbufs across each other, checking
 *       rte_mempool_avail_count/in_use_count exactly at each step, then the
 *       main lcore sends N numbered, checksummed frames over net_ring0 (a
 *       loopback --vdev) and the worker receives, checks and frees them
 *   dpdk_plain <EAL args> -- bench null|ring|ring-gen [--seconds S] [--cache N] [--mbufs N]
 *       one lcore forwards between two ports (net_null0/1 or net_ring0/1)
 *       and prints Mpps; ring-gen allocates, sends, receives and frees
 *   dpdk_plain <EAL args> -- foreign
 *       a ring_mp_mc pool (as dpdk-dumpcap and dpdk-pdump make theirs) got
 *       through the ops of plain_pool, as a primary does when its ops table
 *       gives the creator's index to another driver: refused, nothing lost
 *
 * Exit 0 when every check passed, 1 otherwise; each failure says what.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#define DPDK_CHECK_NAME "dpdk_plain"
#include "dpdk_check.h"

#define BURST 32
#define FRAME_LEN 64
#define ETHERTYPE_LOCAL 0x88b5  /* IEEE local experimental */

struct opts {
	const char *mode;
	const char *arg;
	const char *ops;
	unsigned mbufs;
	unsigned cache;
	uint64_t packets;
	double seconds;
};

static struct rte_mempool *mp;

/* ---- Frames ------------------------------------------------------------ */

static uint32_t frame_sum(const uint8_t *p, unsigned len)
{
	uint32_t a = 1, b = 0;

	for (unsigned i = 0; i < len; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* Ethernet header, sequence number, a pattern from it, and a checksum of both. */
static void frame_fill(struct rte_mbuf *m, uint64_t seq)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t sum;

	memset(p, 0xff, 6);
	memcpy(p + 6, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	p[12] = ETHERTYPE_LOCAL >> 8;
	p[13] = ETHERTYPE_LOCAL & 0xff;
	memcpy(p + 14, &seq, sizeof(seq));
	for (unsigned i = 22; i < FRAME_LEN - 4; i++)
		p[i] = (uint8_t)(seq * 31 + i);
	sum = frame_sum(p + 14, FRAME_LEN - 18);
	memcpy(p + FRAME_LEN - 4, &sum, sizeof(sum));
	m->data_len = m->pkt_len = FRAME_LEN;
}

/* 0 when @m is frame @seq intact. */
static int frame_check(const struct rte_mbuf *m, uint64_t want)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t seq;
	uint32_t sum;

	if (m->pkt_len != FRAME_LEN || m->nb_segs != 1)
		return -EPROTO;
	memcpy(&seq, p + 14, sizeof(seq));
	memcpy(&sum, p + FRAME_LEN - 4, sizeof(sum));
	if (sum != frame_sum(p + 14, FRAME_LEN - 18))
		return -EBADMSG;
	return seq == want ? 0 : -ERANGE;
}

/* ---- Ports ------------------------------------------------------------- */

static int port_start(const char *name, uint16_t *out)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t port;
	int ret = rte_eth_dev_get_port_by_name(name, &port);

	if (ret) {
		fprintf(stderr, "dpdk_plain: no port %s: give EAL --vdev=%s\n", name, name);
		return ret;
	}
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (!ret)
		ret = rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL, mp);
	if (!ret)
		ret = rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL);
	if (!ret)
		ret = rte_eth_dev_start(port);
	if (ret)
		fprintf(stderr, "dpdk_plain: port %s did not start: %s\n", name, rte_strerror(-ret));
	*out = port;
	return ret;
}

/* ---- test: two lcores and exact counts ---------------------------------- */

static void expect_counts(const char *step, unsigned in_use)
{
	unsigned avail = rte_mempool_avail_count(mp), used = rte_mempool_in_use_count(mp);

	CHECK(used == in_use && avail == mp->size - in_use,
	      "after %s: in_use %u (want %u), avail %u (want %u)", step, used, in_use, avail,
	      mp->size - in_use);
}

/* Worker: take every mbuf, prove the pool is then empty, hand them all over. */
static int worker_take_all(void *arg)
{
	unsigned n = mp->size, got = 0;
	struct rte_mbuf *m, **all = arg;

	while (got < n && (all[got] = rte_pktmbuf_alloc(mp)))
		got++;
	CHECK(got == n, "the worker got %u mbufs of %u", got, n);
	m = rte_pktmbuf_alloc(mp);
	CHECK(!m, "an mbuf past the pool's size was handed out");
	expect_counts("the worker took all", got);
	return 0;
}

struct mbuf_run {
	struct rte_mbuf **m;
	unsigned n;
};

static int worker_free(void *arg)
{
	const struct mbuf_run *run = arg;

	rte_pktmbuf_free_bulk(run->m, run->n);
	return 0;
}

static int worker_alloc(void *arg)
{
	const struct mbuf_run *run = arg;

	CHECK(rte_pktmbuf_alloc_bulk(mp, run->m, run->n) == 0, "the worker got no %u mbufs",
	      run->n);
	return 0;
}

/*
 * One put of the main lcore's and the worker's mbufs interleaved in runs of
 * 1 to 5: with no cache, one enqueue that switches between the caller's
 * pool and another's both ways, past a batch of 64.
 */
static void put_interleaved(unsigned worker)
{
	enum { N = 48 };
	struct rte_mbuf *own[N], *other[N];
	void *mix[2 * N];
	struct mbuf_run run = { other, N };
	unsigned n = 0, a = 0, b = 0, k = 1;

	CHECK(rte_pktmbuf_alloc_bulk(mp, own, N) == 0, "the main lcore got no %u mbufs", N);
	rte_eal_remote_launch(worker_alloc, &run, worker);
	rte_eal_wait_lcore(worker);
	expect_counts("both lcores took some", 2 * N);
	while (a < N || b < N) {
		for (unsigned i = 0; i < k && a < N; i++)
			mix[n++] = own[a++];
		for (unsigned i = 0; i < k && b < N; i++)
			mix[n++] = other[b++];
		k = k % 5 + 1;
	}
	rte_mempool_put_bulk(mp, mix, n);
	expect_counts("one put of both lcores' mbufs interleaved", 0);
}

/* A thread EAL knows nothing of (no lcore id): no cache, straight to the ops. */
static void *plain_thread(void *arg)
{
	struct mbuf_run *run = arg;

	for (unsigned i = 0; i < run->n; i++) {
		run->m[i] = rte_pktmbuf_alloc(mp);
		CHECK(run->m[i] != NULL, "a non-EAL thread got no mbuf (%u of %u)", i, run->n);
	}
	/* Half freed here, half on the main lcore. */
	rte_pktmbuf_free_bulk(run->m, run->n / 2);
	return NULL;
}

static int worker_receive(void *arg)
{
	const struct opts *o = arg;
	uint16_t port;
	uint64_t next = 0, bad = 0;
	uint64_t deadline = rte_get_timer_cycles() + 60 * rte_get_timer_hz();

	if (rte_eth_dev_get_port_by_name("net_ring0", &port))
		return -1;
	while (next < o->packets && rte_get_timer_cycles() < deadline) {
		struct rte_mbuf *pkts[BURST];
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);

		for (uint16_t i = 0; i < n; i++) {
			int ret = frame_check(pkts[i], next);

			if (ret && bad++ < 5)
				fprintf(stderr, "dpdk_plain: frame %" PRIu64 ": %s\n", next,
					ret == -EBADMSG ? "checksum mismatch" :
					ret == -ERANGE ? "out of sequence" : "bad length");
			next++;
		}
		/* Frees of mbufs the main lcore allocated. */
		rte_pktmbuf_free_bulk(pkts, n);
	}
	CHECK(next == o->packets && !bad, "received %" PRIu64 " frames of %" PRIu64 ", %" PRIu64
	      " bad", next, o->packets, bad);
	return 0;
}

static void send_frames(uint16_t port, uint64_t packets)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t seq = 0;
	uint16_t held = 0;

	while (seq < packets || held) {
		uint16_t want = (uint16_t)RTE_MIN((uint64_t)BURST - held, packets - seq);

		if (want && rte_pktmbuf_alloc_bulk(mp, pkts + held, want) == 0) {
			for (uint16_t i = 0; i < want; i++)
				frame_fill(pkts[held + i], seq + i);
			seq += want;
			held += want;
		}
		uint16_t sent = rte_eth_tx_burst(port, 0, pkts, held);

		/* The ring is full: keep the rest, in order, for the next burst. */
		memmove(pkts, pkts + sent, (held - sent) * sizeof(pkts[0]));
		held -= sent;
	}
}

static int run_test(const struct opts *o)
{
	unsigned worker = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	struct rte_mbuf **all = calloc(mp->size, sizeof(*all));
	uint16_t port;

	if (worker >= RTE_MAX_LCORE || !all) {
		fprintf(stderr, "dpdk_plain: test needs two lcores: give EAL -l with two CPUs\n");
		return 1;
	}
	expect_counts("create", 0);

	/* Every object to one lcore, freed on another, then every object again. */
	rte_eal_remote_launch(worker_take_all, all, worker);
	rte_eal_wait_lcore(worker);
	rte_pktmbuf_free_bulk(all, mp->size);
	expect_counts("the main lcore freed the worker's mbufs", 0);
	rte_mempool_cache_flush(NULL, mp);
	rte_eal_remote_launch(worker_take_all, all, worker);
	rte_eal_wait_lcore(worker);
	/* Half freed on the other lcore, half where they were taken. */
	rte_pktmbuf_free_bulk(all, mp->size / 2);
	expect_counts("the main lcore freed half", mp->size - mp->size / 2);
	struct mbuf_run rest = { all + mp->size / 2, mp->size - mp->size / 2 };

	rte_eal_remote_launch(worker_free, &rest, worker);
	rte_eal_wait_lcore(worker);
	expect_counts("both lcores freed", 0);

	/* A non-EAL thread: gets, frees, and frees of its mbufs elsewhere. */
	struct mbuf_run plain = { all, 1000 };
	pthread_t t;

	pthread_create(&t, NULL, plain_thread, &plain);
	pthread_join(t, NULL);
	expect_counts("a non-EAL thread freed half", plain.n - plain.n / 2);
	rte_pktmbuf_free_bulk(all + plain.n / 2, plain.n - plain.n / 2);
	expect_counts("the main lcore freed the non-EAL thread's", 0);

	/* Forwarding: allocate on main, free on the worker. */
	if (port_start("net_ring0", &port))
		return 1;
	rte_eal_remote_launch(worker_receive, (void *)o, worker);
	send_frames(port, o->packets);
	rte_eal_wait_lcore(worker);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	expect_counts("forwarding", 0);
	put_interleaved(worker);
	free(all);
	printf("dpdk_plain: ops %s, %u mbufs, cache %u: %" PRIu64 " frames over net_ring0, %s\n",
	       rte_mempool_get_ops(mp->ops_index)->name, mp->size, o->cache, o->packets,
	       failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}

/* ---- bench: one lcore forwarding ---------------------------------------- */

static uint64_t fwd_pass(uint16_t from, uint16_t to)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(from, 0, pkts, BURST), sent;

	if (!n)
		return 0;
	sent = rte_eth_tx_burst(to, 0, pkts, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return n;
}

/* Allocate, send on @port (a loopback ring), receive and free: the mempool every packet. */
static uint64_t gen_pass(uint16_t port)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, sent;

	if (rte_pktmbuf_alloc_bulk(mp, pkts, BURST))
		return 0;
	for (unsigned i = 0; i < BURST; i++)
		pkts[i]->data_len = pkts[i]->pkt_len = FRAME_LEN;
	sent = rte_eth_tx_burst(port, 0, pkts, BURST);
	if (sent < BURST)
		rte_pktmbuf_free_bulk(pkts + sent, BURST - sent);
	n = rte_eth_rx_burst(port, 0, pkts, BURST);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static int run_bench(const struct opts *o)
{
	bool null = !strcmp(o->arg, "null"), gen = !strcmp(o->arg, "ring-gen");
	uint16_t p0, p1;
	uint64_t packets = 0, start, stop;

	if (!null && !gen && strcmp(o->arg, "ring")) {
		fprintf(stderr, "dpdk_plain: bench %s: use null, ring or ring-gen\n", o->arg);
		return 1;
	}
	if (port_start(null ? "net_null0" : "net_ring0", &p0) ||
	    port_start(null ? "net_null1" : "net_ring1", &p1))
		return 1;
	if (!null && !gen) {
		/* Frames that circulate: ring0 -> ring1 -> ring0; the pool is not touched. */
		struct rte_mbuf *seed[512];

		if (rte_pktmbuf_alloc_bulk(mp, seed, RTE_DIM(seed)))
			return 1;
		for (unsigned i = 0; i < RTE_DIM(seed); i++)
			seed[i]->data_len = seed[i]->pkt_len = FRAME_LEN;
		rte_eth_tx_burst(p0, 0, seed, RTE_DIM(seed));
	}
	start = rte_get_timer_cycles();
	stop = start + (uint64_t)(o->seconds * (double)rte_get_timer_hz());
	while (rte_get_timer_cycles() < stop)
		for (unsigned i = 0; i < 256; i++)
			packets += gen ? gen_pass(p0) : fwd_pass(p0, p1) + fwd_pass(p1, p0);
	double secs = (double)(rte_get_timer_cycles() - start) / (double)rte_get_timer_hz();

	printf("dpdk_plain bench %s: ops %s, cache %u: %" PRIu64 " packets in %.2f s: "
	       "%.2f Mpps on one lcore\n", o->arg, rte_mempool_get_ops(mp->ops_index)->name,
	       o->cache, packets, secs, (double)packets / secs / 1e6);
	for (uint16_t p = 0; p < 2; p++) {
		uint16_t port = p ? p1 : p0;
		struct rte_mbuf *pkts[BURST];
		uint16_t n;

		/* The frames still in the rings go back before the counts are checked. */
		while (!null && (n = rte_eth_rx_burst(port, 0, pkts, BURST)))
			rte_pktmbuf_free_bulk(pkts, n);
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static int parse(int argc, char **argv, struct opts *o)
{
	if (argc < 1) {
		fprintf(stderr, "usage: dpdk_plain <EAL args> -- test|bench MODE|serve|show|foreign|double "
			"[--ops NAME] "
			"[--mbufs N] [--cache N] [--packets N] [--seconds S]\n");
		return -1;
	}
	o->mode = argv[0];
	int i = 1;

	if (!strcmp(o->mode, "bench")) {
		if (argc < 2) {
			fprintf(stderr, "dpdk_plain: bench needs a mode: null, ring or ring-gen\n");
			return -1;
		}
		o->arg = argv[i++];
	} else if (strcmp(o->mode, "test") && strcmp(o->mode, "serve") && strcmp(o->mode, "show") &&
		   strcmp(o->mode, "foreign") && strcmp(o->mode, "double")) {
		fprintf(stderr, "dpdk_plain: %s: the first argument after -- is test, bench, serve, "
			"show, foreign or double\n", o->mode);
		return -1;
	}
	for (; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ops"))
			o->ops = argv[i + 1];
		else if (!strcmp(argv[i], "--mbufs"))
			o->mbufs = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--cache"))
			o->cache = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--packets"))
			o->packets = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			o->seconds = strtod(argv[i + 1], NULL);
		else
			break;
	}
	if (i != argc) {
		fprintf(stderr, "dpdk_plain: %s: unknown option or missing value\n", argv[i]);
		return -1;
	}
	return 0;
}

/*
 * serve (a primary): hold @o->packets mbufs of the pool for @o->seconds, so
 * that a secondary can look; then put them back.
 */
static int run_serve(const struct opts *o)
{
	unsigned n = (unsigned)o->packets;
	struct rte_mbuf **m = calloc(n, sizeof(*m));

	if (!m || rte_pktmbuf_alloc_bulk(mp, m, n)) {
		fprintf(stderr, "dpdk_plain: serve: no %u mbufs\n", n);
		free(m);
		return 1;
	}
	printf("dpdk_plain: serving pool %s: %u mbufs out\n", mp->name, n);
	fflush(stdout);
	usleep((useconds_t)(o->seconds * 1e6));
	rte_pktmbuf_free_bulk(m, n);
	free(m);
	return 0;
}

/*
 * show (a secondary, as dpdk-proc-info --show-mempool): the primary's pool,
 * its ops and counts; a get must fail (or work), never crash.
 */
static int run_show(void)
{
	struct rte_mempool *p = rte_mempool_lookup("plain_pool");
	struct rte_mbuf *m;

	if (!p) {
		fprintf(stderr, "dpdk_plain: show: no mempool plain_pool: start a primary with serve\n");
		return 1;
	}
	printf("dpdk_plain: pool %s ops %s size %u avail %u in_use %u\n", p->name,
	       rte_mempool_get_ops(p->ops_index)->name, p->size, rte_mempool_avail_count(p),
	       rte_mempool_in_use_count(p));
	m = rte_pktmbuf_alloc(p);
	printf("dpdk_plain: get in the secondary: %s\n", m ? "an mbuf" : "refused");
	rte_pktmbuf_free(m);
	return 0;
}

/*
 * foreign (a primary): DPDK finds a pool's ops by index in each process's
 * table; where a secondary's ring_mp_mc index is plain_pool's ops here, the
 * primary's pdump copy gets from the secondary's pool through them.  They
 * must refuse it (not read its ring as their own) and leave its objects.
 */
static int run_foreign(void)
{
	struct rte_mempool *f = rte_pktmbuf_pool_create_by_ops("foreign_pool", 255, 0, 0,
							       RTE_MBUF_DEFAULT_BUF_SIZE,
							       (int)rte_socket_id(), "ring_mp_mc");
	int32_t own;
	void *obj;
	unsigned count;
	int ret;

	if (!f) {
		fprintf(stderr, "dpdk_plain: foreign: no ring_mp_mc pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	own = f->ops_index;
	f->ops_index = mp->ops_index;
	ret = rte_mempool_generic_get(f, &obj, 1, NULL);  /* no cache: the ops' dequeue */
	count = rte_mempool_avail_count(f);
	f->ops_index = own;
	printf("dpdk_plain: a ring_mp_mc pool through %s's ops: get %s, count %u\n",
	       rte_mempool_get_ops(mp->ops_index)->name, ret ? "refused" : "an object", count);
	if (!ret) {
		fprintf(stderr, "dpdk_plain: foreign: a get from another driver's pool worked\n");
		failures++;
	}
	if (rte_mempool_avail_count(f) != f->size) {
		fprintf(stderr, "dpdk_plain: foreign: the ring_mp_mc pool has %u of its %u objects\n",
			rte_mempool_avail_count(f), f->size);
		failures++;
	}
	rte_mempool_free(f);
	return 0;
}

/*
 * double: one mbuf got and put twice with no cache (the ops' own get and
 * put).  BUMP_MEMPOOL_CHECKED=1: the second put is refused, so the pool has
 * every object once.
 */
static int run_double(void)
{
	void *obj;

	if (rte_mempool_generic_get(mp, &obj, 1, NULL)) {
		fprintf(stderr, "dpdk_plain: double: no object\n");
		return 1;
	}
	rte_mempool_generic_put(mp, &obj, 1, NULL);
	rte_mempool_generic_put(mp, &obj, 1, NULL);
	printf("dpdk_plain: double: %u of %u objects available\n", rte_mempool_avail_count(mp),
	       mp->size);
	if (rte_mempool_avail_count(mp) != mp->size) {
		fprintf(stderr, "dpdk_plain: double: the pool counts %u objects, not %u: the second "
			"put was taken\n", rte_mempool_avail_count(mp), mp->size);
		failures++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .mbufs = 8191, .cache = 256, .packets = 1000000, .seconds = 5 };
	const char *ops;
	int n = rte_eal_init(argc, argv), ret;

	if (n < 0) {
		fprintf(stderr, "dpdk_plain: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse(argc - n - 1, argv + n + 1, &o))
		return 2;
	if (!strcmp(o.mode, "show")) {
		ret = run_show();
		rte_eal_cleanup();
		return ret;
	}
	/* The ops EAL was told to use (--mbuf-pool-ops-name), as any DPDK program. */
	mp = rte_pktmbuf_pool_create("plain_pool", o.mbufs, o.cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "dpdk_plain: no mbuf pool with ops %s: %s\n",
			rte_mbuf_best_mempool_ops(), rte_strerror(rte_errno));
		return 1;
	}
	ops = rte_mempool_get_ops(mp->ops_index)->name;
	if (o.ops && strcmp(ops, o.ops)) {
		fprintf(stderr, "dpdk_plain: the pool uses ops %s, not %s: give EAL "
			"--mbuf-pool-ops-name=%s (and -d <plugin> for an external one)\n", ops, o.ops,
			o.ops);
		return 1;
	}
	ret = !strcmp(o.mode, "serve") ? run_serve(&o) :
	      !strcmp(o.mode, "foreign") ? run_foreign() :
	      !strcmp(o.mode, "double") ? run_double() :
	      !strcmp(o.mode, "test") ? run_test(&o) : run_bench(&o);
	if (ret == 0 && !strcmp(o.mode, "bench"))
		expect_counts("the benchmark", 0);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return ret || failures ? 1 : 0;
}
