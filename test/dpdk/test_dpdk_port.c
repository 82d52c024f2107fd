/* SPDX-License-Identifier: MIT */
/*
 * test_dpdk_port.c - the dpdk: port driver on DPDK virtual devices:
 * net_ring (loopback: what a port sends comes back on its RX) and
 * net_null (RX makes frames, TX drops them).
 *
 *   test_dpdk_port nohuge|huge
 *
 * nohuge runs EAL with --no-huge and bump's pools on 4 KiB pages; huge
 * runs both on 2 MiB hugepages (skipped, exit 77, when too few are free).
 * Every case ends with its pools destroyed holding 0 buffers and the
 * arena whole: no page may stay with DPDK.
 */
#include <unistd.h>

#include <rte_mbuf.h>

#include "bump_dpdk.h"
#include "fwd_fixture.h"

#define PAGES 16384           /* 64 MiB of 4 KiB buffers */
#define ODD_PAGE 2368         /* DPDK's default mbuf object: pages indexed by a multiply */
#define FRAME 128

static bool huge;
static struct bump_region *region;
static struct bump_arena *arena;

/* A second arena, when the odd-page cases run: test_ring_mixed's second pool is there. */
static struct bump_arena *arena2;

static struct bump_pool *pool_new_in(struct bump_arena *a, const char *name)
{
	struct bump_pool_params pp = {
		.name = name, .arena = a, .nid = BUMP_NUMA_ANY, .ring_size = 8192,
	};
	struct bump_pool *pool = NULL;

	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	return pool;
}

static struct bump_pool *pool_new(const char *name)
{
	return pool_new_in(arena, name);
}

static struct bump_port *port_up_hr(const char *devargs, struct bump_pool *pool, uint16_t ring,
				    uint16_t headroom)
{
	struct bump_port *port = NULL;
	struct bump_rxq_conf rc = { .ring_size = ring, .pool = pool, .headroom = headroom };
	struct bump_txq_conf tc = { .ring_size = ring };

	if (bump_port_open(devargs, &port)) {
		fprintf(stderr, "  open %s: %s\n", devargs, bump_last_error());
		CHECK(port != NULL);
		return NULL;
	}
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(bump_port_start(port), 0);
	return port;
}

static struct bump_port *port_up(const char *devargs, struct bump_pool *pool, uint16_t ring)
{
	return port_up_hr(devargs, pool, ring, FX_HEADROOM);
}

static struct bump_dpdk_stats dstats(const struct bump_port *port)
{
	struct bump_dpdk_stats s;

	CHECK_EQ(bump_dpdk_get_stats(port, &s), 0);
	return s;
}

/* Send @n frames with sequence numbers from @seq0, retrying what the PMD refuses. */
static void send_frames(struct bump_port *port, struct bump_pool *pool, unsigned n, uint64_t seq0)
{
	struct bump_pkt pkts[32];

	for (unsigned done = 0; done < n;) {
		uint16_t k = (uint16_t)BUMP_MIN(32u, n - done), sent;

		for (uint16_t i = 0; i < k; i++)
			CHECK(fx_frame_pkt(pool, &pkts[i], FRAME, 0, seq0 + done + i));
		sent = bump_port_tx_burst(port, 0, pkts, k);
		bump_pkt_free_bulk(pkts + sent, k - sent);  /* resent with the same numbers */
		done += sent;
		if (!sent)
			usleep(100);
	}
}

/* Receive @n intact frames in order on @port, forwarding them to @fwd (or freeing them). */
static void recv_frames(struct bump_port *port, struct bump_port *fwd, unsigned n,
			struct fx_seq *seq)
{
	struct bump_pkt pkts[32];

	for (unsigned got = 0, idle = 0; got < n && idle < 100000;) {
		uint16_t k = bump_port_rx_burst(port, 0, pkts, 32), sent = 0;

		idle = k ? 0 : idle + 1;
		for (uint16_t i = 0; i < k; i++)
			fx_seq_rx(seq, &pkts[i], 0);
		if (fwd)
			sent = bump_port_tx_burst(fwd, 0, pkts, k);
		bump_pkt_free_bulk(pkts + sent, k - sent);
		got += k;
	}
}

static void pool_done(struct bump_pool *pool)
{
	CHECK_EQ(fx_inflight(pool), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
}

/* ---- Cases ----------------------------------------------------------------- */

static void test_open_errors(void)
{
	struct bump_port *port = NULL, *again = NULL;

	CHECK(bump_port_open("dpdk:", &port) < 0);
	CHECK_ERROR_SAYS("give DPDK devargs");
	CHECK(bump_port_open("dpdk:net_nosuchpmd0", &port) < 0);
	CHECK_ERROR_SAYS("could not probe");
	CHECK(bump_port_open("dpdk:net_ring0;rx=sideways", &port) < 0);
	CHECK_ERROR_SAYS("rx=auto, rx=zerocopy or rx=copy");
	CHECK_EQ(bump_port_open("dpdk:net_ring0", &port), 0);
	CHECK(bump_dpdk_port_id(port) >= 0);
	CHECK(bump_port_open("dpdk:net_ring0", &again) < 0);
	CHECK_ERROR_SAYS("close that one first");
	CHECK_EQ(bump_port_close(port), 0);
	/* Closed and removed: the same devargs open again. */
	CHECK_EQ(bump_port_open("dpdk:net_ring0", &port), 0);
	CHECK_EQ(bump_port_close(port), 0);
}

/*
 * net_ring hands the very mbuf back: TX sent each packet as its buffer's own
 * mbuf, RX hands that buffer on as it is: no conversion either way.
 */
static void test_ring_loopback(void)
{
	struct bump_pool *pool = pool_new("ring-loop");
	struct bump_port *port = port_up("dpdk:net_ring0", pool, 0);
	struct fx_seq seq = { 0 };
	struct bump_dpdk_stats s;

	if (!port)
		return;
	send_frames(port, pool, 500, 0);
	recv_frames(port, NULL, 500, &seq);
	CHECK_EQ(seq.frames, 500);
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	s = dstats(port);
	CHECK_EQ(s.tx_as_is, 500);
	CHECK_EQ(s.rx_as_is, 500);
	CHECK_EQ(s.tx_attached + s.rx_zerocopy + s.rx_copied + s.rx_pinned, 0);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/* Handles that name no buffer stop at the port boundary, before DPDK (issue 10 item 6). */
static void test_tx_invalid(void)
{
	struct bump_pool *pool = pool_new("ring-invalid");
	struct bump_port *port = port_up("dpdk:net_ring0", pool, 0);
	struct fx_seq seq = { 0 };
	struct bump_pkt good[3];

	if (!port)
		return;
	for (unsigned i = 0; i < 3; i++)
		CHECK(fx_frame_pkt(pool, &good[i], FRAME, 0, i));
	bump_tx_check_invalid(port, pool, good);
	recv_frames(port, NULL, 3, &seq);
	CHECK_EQ(seq.frames, 3);
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/* ring0 -> ring1 with a forward between: two ports, every frame intact. */
static void test_ring_forward(void)
{
	struct bump_pool *p0 = pool_new("ring-fwd0"), *p1 = pool_new("ring-fwd1");
	struct bump_port *a = port_up("dpdk:net_ring0", p0, 0);
	struct bump_port *b = port_up("dpdk:net_ring1", p1, 0);
	struct fx_seq s0 = { 0 }, s1 = { 0 };

	if (!a || !b)
		return;
	for (unsigned round = 0; round < 20; round++) {
		send_frames(a, p0, 500, round * 500);
		recv_frames(a, b, 500, &s0);
		recv_frames(b, NULL, 500, &s1);
	}
	CHECK_EQ(s1.frames, 10000);
	CHECK_EQ(s1.gaps + s1.reorders, 0);
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_close(b), 0);
	pool_done(p0);
	pool_done(p1);
}

/*
 * Bursts that mix what the as-is loops take with what they must leave:
 * 45 frames a burst (not a multiple of the vector loops' 8), a clone pair
 * and a frame with no room for the mbuf before it (attached) in the middle,
 * one frame written over junk before it, and the last 15 from a second
 * pool of the arena (TX changes pools mid-burst), or of a second arena
 * when there is one (TX changes arenas mid-burst).  Every frame must come
 * back intact, in order, as the very buffer it left in when it left as it
 * was, with its exact length; the counters say which way each went.
 */
#define MIXED 45

/*
 * What TX wrote before the frames of packet @p, sent as its buffer's own
 * mbuf (in net_ring's ring now, untouched): every field a fresh mbuf has.
 * @identity: the pool is mapped for the identity DMA device (else unmapped).
 */
static void check_tx_header_of(const struct bump_pkt *p, bool identity)
{
	const struct rte_mbuf *m = bump_ref_page(p->ref);
	char *addr = (char *)bump_ref_page(p->ref) + sizeof(*m);
	rte_iova_t iova = identity || rte_eal_iova_mode() == RTE_IOVA_VA
				  ? (rte_iova_t)(uintptr_t)addr : RTE_BAD_IOVA;

	CHECK(m->buf_addr == addr);
	CHECK_EQ(m->buf_iova, iova);
	CHECK_EQ(m->data_off, p->off - sizeof(*m));
	CHECK_EQ(rte_mbuf_refcnt_read(m), 1);
	CHECK_EQ(m->nb_segs, 1);
	CHECK_EQ(m->port, RTE_MBUF_PORT_INVALID);
	CHECK_EQ(m->ol_flags, 0);
	CHECK_EQ(m->packet_type, 0);
	CHECK_EQ(m->pkt_len, p->len);
	CHECK_EQ(m->data_len, p->len);
	CHECK_EQ(m->vlan_tci, 0);
	CHECK_EQ(m->hash.rss, 0);
	CHECK_EQ(m->vlan_tci_outer, 0);
	CHECK_EQ(m->buf_len, bump_pkt_room(&(struct bump_pkt){ .ref = p->ref, .off = sizeof(*m) }));
	CHECK(m->pool != NULL && !strncmp(m->pool->name, "bmp_", 4));
	CHECK(m->next == NULL);
	CHECK_EQ(m->tx_offload, 0);
	CHECK(m->shinfo == NULL);
	CHECK_EQ(m->priv_size, 0);
}

static void check_tx_header(const struct bump_pkt *p)
{
	check_tx_header_of(p, false);
}

static void test_ring_mixed(void)
{
	struct bump_pool *pa = pool_new("ring-mixed-a");
	struct bump_pool *pb = pool_new_in(arena2 ? arena2 : arena, "ring-mixed-b");
	struct bump_port *port = port_up("dpdk:net_ring0", pa, 0);
	struct bump_pkt pkts[MIXED + 1], back[MIXED + 1];
	bump_ref_t sent_ref[MIXED + 1];
	struct bump_port_info info;
	unsigned rounds = 20;

	if (!port)
		return;
	CHECK_EQ(bump_port_info_get(port, &info), 0);
	for (unsigned r = 0; r < rounds; r++) {
		unsigned n = 0, got = 0, done = 0;
		uint64_t seq0 = (uint64_t)r * (MIXED + 1);

		for (unsigned i = 0; i < MIXED; i++, n++) {
			CHECK(fx_frame_pkt(i >= 30 ? pb : pa, &pkts[n], FRAME, 0, seq0 + n));
			if (i == 5) {  /* a clone: refcount 2, both attached */
				CHECK_EQ(bump_pkt_clone(&pkts[n], &pkts[n + 1]), 0);
				n++;
			}
			if (i == 9)  /* written over junk: the header is rewritten */
				memset(bump_ref_page(pkts[n].ref), 0x5a, FX_HEADROOM);
			if (i == 20) {  /* no room for the header: attached */
				memmove(bump_ref_page(pkts[n].ref) + 64, bump_pkt_data(&pkts[n]),
					pkts[n].len);
				pkts[n].off = 64;
			}
		}
		CHECK_EQ(n, MIXED + 1);
		for (unsigned i = 0; i < n; i++)
			sent_ref[i] = pkts[i].ref;
		{
			struct bump_pkt sent[MIXED + 1];

			memcpy(sent, pkts, sizeof(sent));
			while (done < n) {
				uint16_t k = bump_port_tx_burst(port, 0, pkts + done,
								(uint16_t)(n - done));

				done += k;
				if (!k)
					usleep(100);
			}
			/* Those that went as they were: all but the clone pair and the one at 64. */
			for (unsigned i = 0; i < n; i++)
				if (i != 5 && i != 6 && i != 21)
					check_tx_header(&sent[i]);
		}
		for (unsigned tries = 0; got < n && tries < 100000; tries++)
			got += bump_port_rx_burst(port, 0, back + got, (uint16_t)BUMP_MIN(32u, n - got));
		CHECK_EQ(got, n);
		for (unsigned i = 0; i < got; i++) {
			/* The clone pair is one frame twice: seq0 + 5 both times. */
			unsigned want = i == 6 ? 5 : i;

			CHECK_EQ(fx_check_pkt(&back[i]).seq, seq0 + want);
			CHECK_EQ(back[i].len, FRAME);
			CHECK_EQ(back[i].ref, sent_ref[i]);
			CHECK_EQ(back[i].off, i == 21 ? 64 : FX_HEADROOM);
			CHECK_EQ(back[i].port, info.id);
		}
		bump_pkt_free_bulk(back, got);
	}
	{
		struct bump_dpdk_stats s = dstats(port);

		CHECK_EQ(s.tx_attached, 3 * rounds);
		CHECK_EQ(s.tx_as_is, (MIXED - 2) * rounds);
		CHECK_EQ(s.rx_as_is, (MIXED - 2) * rounds);
		CHECK_EQ(s.rx_zerocopy, 3 * rounds);
	}
	{
		/* Bytes as the loops count them (the AVX-512 TX loop sums them in a vector). */
		struct bump_port_stats st;

		CHECK_EQ(bump_port_get_stats(port, &st), 0);
		CHECK_EQ(st.total.opackets, (MIXED + 1) * rounds);
		CHECK_EQ(st.total.obytes, (uint64_t)(MIXED + 1) * FRAME * rounds);
		CHECK_EQ(st.total.ibytes, (uint64_t)(MIXED + 1) * FRAME * rounds);
	}
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pa);
	pool_done(pb);
}

/*
 * A pool mapped for the port's DMA device, the identity device of a virtual
 * one: its buffers' IOVA is their address in either IOVA mode, and TX
 * writes it from the view, not from each descriptor's DMA address (the
 * huge variant runs in IOVA-as-PA mode, where an unmapped page has none).
 * A clone pair mid-burst goes attached; the view is made again after it.
 */
static void test_ring_mapped(void)
{
	struct bump_port *port = NULL;
	struct bump_port_info info;
	struct bump_pool *pool = NULL;
	struct bump_pkt pkts[41], sent[41], back[41];
	unsigned n = 0, done = 0, got = 0;

	if (bump_port_open("dpdk:net_ring0", &port)) {
		fprintf(stderr, "  open dpdk:net_ring0: %s\n", bump_last_error());
		CHECK(port != NULL);
		return;
	}
	CHECK_EQ(bump_port_info_get(port, &info), 0);
	CHECK(info.dma_dev != NULL);
	{
		struct bump_pool_params pp = {
			.name = "ring-mapped", .arena = arena, .nid = BUMP_NUMA_ANY,
			.ring_size = 8192, .flags = BUMP_POOL_F_DMA_MAP, .dma_dev = info.dma_dev,
		};
		struct bump_rxq_conf rc = { .ring_size = 512, .pool = NULL, .headroom = FX_HEADROOM };
		struct bump_txq_conf tc = { .ring_size = 512 };

		CHECK_EQ(bump_pool_create(&pp, &pool), 0);
		rc.pool = pool;
		CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
		CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
		CHECK_EQ(bump_port_start(port), 0);
	}
	for (unsigned i = 0; i < 40; i++, n++) {
		CHECK(fx_frame_pkt(pool, &pkts[n], FRAME, 0, n));
		CHECK(bump_pool_dma_addr(pool, bump_ref_page(pkts[n].ref)) != 0);
		if (i == 20) {
			CHECK_EQ(bump_pkt_clone(&pkts[n], &pkts[n + 1]), 0);
			n++;
		}
	}
	memcpy(sent, pkts, sizeof(sent));
	for (unsigned tries = 0; done < n && tries < 1000; tries++)
		done += bump_port_tx_burst(port, 0, pkts + done, (uint16_t)(n - done));
	CHECK_EQ(done, n);
	for (unsigned i = 0; i < n; i++)
		if (i != 20 && i != 21)
			check_tx_header_of(&sent[i], true);
	for (unsigned tries = 0; got < n && tries < 100000; tries++)
		got += bump_port_rx_burst(port, 0, back + got, (uint16_t)BUMP_MIN(32u, n - got));
	CHECK_EQ(got, n);
	for (unsigned i = 0; i < got; i++)
		CHECK_EQ(fx_check_pkt(&back[i]).seq, i == 21 ? 20 : i);
	bump_pkt_free_bulk(back, got);
	CHECK_EQ(dstats(port).tx_as_is, n - 2);
	CHECK_EQ(dstats(port).tx_attached, 2);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/*
 * net_null writes frames into mbufs that are the pool's buffers: each leaves
 * as a packet on its own buffer and goes out to the other port as that very
 * mbuf, which the PMD frees back into the pool.
 */
static void test_null_as_is(void)
{
	struct bump_pool *pool = pool_new("null-as-is"), *txpool = pool_new("null-as-is-tx");
	struct bump_port *rx = port_up("dpdk:net_null0", pool, 512);
	struct bump_port *tx = port_up("dpdk:net_null1", txpool, 512);
	struct bump_pkt pkts[32];
	struct bump_dpdk_stats s, t;
	unsigned got = 0, sent = 0;

	if (!rx || !tx)
		return;
	while (got < 100000) {
		uint16_t k = bump_port_rx_burst(rx, 0, pkts, 32), n;

		for (uint16_t i = 0; i < k; i++) {
			CHECK_EQ(bump_ref_arena_id(pkts[i].ref), arena->id);
			/* The frame 256 bytes into its buffer, the mbuf before it. */
			CHECK_EQ(pkts[i].off, 256);
			CHECK(pkts[i].len > 0);
			CHECK_EQ(bump_refcount(bump_pkt_data(&pkts[i])), 1);
		}
		n = bump_port_tx_burst(tx, 0, pkts, k);
		bump_pkt_free_bulk(pkts + n, k - n);
		got += k;
		sent += n;
	}
	s = dstats(rx);
	t = dstats(tx);
	CHECK_EQ(s.rx_as_is, got);
	CHECK_EQ(s.rx_zerocopy + s.rx_copied + s.rx_pinned, 0);
	CHECK_EQ(t.tx_as_is, sent);
	CHECK_EQ(t.tx_attached, 0);
	/* Forwarded mbufs came back into the RX mempool's DPDK cache: stop returns them all. */
	CHECK(s.rx_mbufs_cached > 0);
	CHECK_EQ(bump_port_stop(rx), 0);
	CHECK_EQ(dstats(rx).rx_mbufs_cached, 0);
	CHECK_EQ(fx_inflight(pool), 0);
	CHECK_EQ(bump_port_close(rx), 0);
	CHECK_EQ(bump_port_close(tx), 0);
	pool_done(pool);
	pool_done(txpool);
}

/* Buffers the pool got back from anyone (its cache, its ring): the ops' enqueues. */
static uint64_t pool_puts(struct bump_pool *pool)
{
	struct bump_pool_stats st;

	bump_pool_get_stats(pool, &st);
	return st.recycle.cached + st.recycle.cache_full + st.recycle.ring + st.recycle.ring_full;
}

/*
 * Two ports whose RX queues have one pool, as a DPDK program's ports have
 * one mbuf pool: they share one queue mempool, so what one port's TX frees
 * refills the other's RX from one DPDK cache, and no buffer goes through
 * bump per packet (with a mempool each, the frees of both went to one of
 * them: the other refilled from bump every burst).  Stopping one leaves the
 * other forwarding; once both are stopped, every buffer is home.
 */
static void test_null_shared(void)
{
	struct bump_pool *pool = pool_new("null-shared");
	struct bump_port *a = port_up("dpdk:net_null0", pool, 512);
	struct bump_port *b = port_up("dpdk:net_null1", pool, 512);
	struct bump_pkt pkts[32];
	uint64_t puts0 = 0;
	unsigned moved = 0;

	if (!a || !b)
		return;
	for (unsigned i = 0; i < 8000; i++) {
		struct bump_port *from = i & 1 ? b : a, *to = i & 1 ? a : b;
		uint16_t k = bump_port_rx_burst(from, 0, pkts, 32), n;

		n = bump_port_tx_burst(to, 0, pkts, k);
		bump_pkt_free_bulk(pkts + n, k - n);
		if (i == 1000)
			puts0 = pool_puts(pool);  /* warmed up: the cache holds what circulates */
		moved += i > 1000 ? n : 0;
	}
	CHECK(moved > 100000);
	CHECK(pool_puts(pool) - puts0 < moved / 100);
	CHECK_EQ(dstats(a).rx_as_is + dstats(b).rx_as_is, dstats(a).tx_as_is + dstats(b).tx_as_is);
	/* One DPDK cache, seen from both ports. */
	CHECK(dstats(a).rx_mbufs_cached > 0);
	CHECK_EQ(dstats(a).rx_mbufs_cached, dstats(b).rx_mbufs_cached);
	/* a stopped, b forwards to itself from the same cache. */
	CHECK_EQ(bump_port_stop(a), 0);
	CHECK_EQ(dstats(a).rx_mbufs_cached, 0);
	for (unsigned i = 0; i < 1000; i++) {
		uint16_t k = bump_port_rx_burst(b, 0, pkts, 32), n = bump_port_tx_burst(b, 0, pkts, k);

		bump_pkt_free_bulk(pkts + n, k - n);
		CHECK_EQ(n, k);
	}
	CHECK(dstats(b).rx_mbufs_cached > 0);
	CHECK_EQ(bump_port_stop(b), 0);
	CHECK_EQ(dstats(b).rx_mbufs_cached, 0);
	CHECK_EQ(fx_inflight(pool), 0);
	/* Started again, both share a fresh mempool. */
	CHECK_EQ(bump_port_start(a), 0);
	CHECK_EQ(bump_port_start(b), 0);
	for (unsigned i = 0; i < 1000; i++) {
		uint16_t k = bump_port_rx_burst(i & 1 ? b : a, 0, pkts, 32);
		uint16_t n = bump_port_tx_burst(i & 1 ? a : b, 0, pkts, k);

		bump_pkt_free_bulk(pkts + n, k - n);
	}
	CHECK_EQ(dstats(a).rx_mbufs_cached, dstats(b).rx_mbufs_cached);
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_close(b), 0);
	pool_done(pool);
}

/*
 * A headroom over 256 bytes leaves no room for the mbuf before the frame:
 * net_null writes into pinned pages, each leaves as a packet, a fresh page
 * goes in.
 */
static void test_null_pinned(void)
{
	struct bump_pool *pool = pool_new("null-zc"), *txpool = pool_new("null-zc-tx");
	struct bump_port *rx = port_up_hr("dpdk:net_null0", pool, 512, 384);
	struct bump_port *tx = port_up("dpdk:net_null1", txpool, 512);
	struct bump_pkt pkts[32];
	struct bump_dpdk_stats s;
	unsigned got = 0;

	if (!rx || !tx)
		return;
	while (got < 100000) {
		uint16_t k = bump_port_rx_burst(rx, 0, pkts, 32), sent;

		for (uint16_t i = 0; i < k; i++) {
			CHECK_EQ(bump_ref_arena_id(pkts[i].ref), arena->id);
			CHECK(pkts[i].off >= 384);
			CHECK(pkts[i].len > 0);
		}
		sent = bump_port_tx_burst(tx, 0, pkts, k);
		bump_pkt_free_bulk(pkts + sent, k - sent);
		got += k;
	}
	s = dstats(rx);
	/* start ran on the pool's owner: every RX mbuf had a page before the first frame. */
	CHECK_EQ(s.rx_copied, 0);
	CHECK_EQ(s.rx_as_is, 0);
	CHECK_EQ(s.rx_zerocopy, got);
	CHECK(s.rx_pinned >= got);
	/* The frames have 384 bytes before them: sent as their buffers' mbufs. */
	CHECK(dstats(tx).tx_as_is > 0);
	/* Started, the RX mbufs hold pages; stopped, they are all back. */
	CHECK(fx_inflight(pool) > 0);
	CHECK_EQ(bump_port_stop(rx), 0);
	CHECK_EQ(fx_inflight(pool), 0);
	CHECK(dstats(rx).rx_pages_released > 0);
	CHECK_EQ(dstats(rx).rx_mbufs_held, 0);
	CHECK_EQ(bump_port_close(rx), 0);
	CHECK_EQ(bump_port_close(tx), 0);
	pool_done(pool);
	pool_done(txpool);
}

/* rx=copy: frames copied into pages, no page ever pinned to an mbuf. */
static void test_null_copy(void)
{
	struct bump_pool *pool = pool_new("null-copy");
	struct bump_port *rx = port_up("dpdk:net_null0;rx=copy", pool, 512);
	struct bump_pkt pkts[32];
	struct bump_dpdk_stats s;
	unsigned got = 0;

	if (!rx)
		return;
	while (got < 10000) {
		uint16_t k = bump_port_rx_burst(rx, 0, pkts, 32);

		bump_pkt_free_bulk(pkts, k);
		got += k;
	}
	s = dstats(rx);
	CHECK_EQ(s.rx_copied, got);
	CHECK_EQ(s.rx_zerocopy, 0);
	CHECK_EQ(s.rx_pinned, 0);
	CHECK_EQ(bump_port_close(rx), 0);
	pool_done(pool);
}

/* rx=copy on net_ring: every frame copied into a page of the RX pool, intact. */
static void test_ring_copy(void)
{
	struct bump_pool *pool = pool_new("ring-copy");
	struct bump_port *port = port_up("dpdk:net_ring0;rx=copy", pool, 0);
	struct fx_seq seq = { 0 };
	struct bump_dpdk_stats s;

	if (!port)
		return;
	send_frames(port, pool, 1000, 0);
	recv_frames(port, NULL, 1000, &seq);
	CHECK_EQ(seq.frames, 1000);
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	s = dstats(port);
	CHECK_EQ(s.rx_copied, 1000);
	CHECK_EQ(s.rx_zerocopy, 0);
	CHECK_EQ(s.rx_pinned, 0);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/* A full ring refuses packets: they stay the caller's, intact, to free or resend. */
static void test_tx_refused(void)
{
	struct bump_pool *pool = pool_new("refused");
	struct bump_port *port = port_up("dpdk:net_ring0", pool, 0);
	struct bump_pkt pkts[32];
	struct fx_seq seq = { 0 };
	unsigned sent = 0, refused = 0;

	if (!port)
		return;
	for (unsigned round = 0; round < 100; round++) {
		uint16_t k;

		for (uint16_t i = 0; i < 32; i++)
			CHECK(fx_frame_pkt(pool, &pkts[i], FRAME, 0, sent + i));
		k = bump_port_tx_burst(port, 0, pkts, 32);
		for (uint16_t i = k; i < 32; i++) {
			fx_check_pkt(&pkts[i]);  /* still the caller's frame */
			CHECK_EQ(bump_refcount(bump_pkt_data(&pkts[i])), 1);
		}
		bump_pkt_free_bulk(pkts + k, 32 - k);
		refused += 32 - k;
		sent += k;
	}
	CHECK(refused > 0);
	CHECK_EQ(dstats(port).tx_unsent, refused);
	recv_frames(port, NULL, sent, &seq);
	CHECK_EQ(seq.frames, sent);
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/*
 * One page sent twice (a clone): not as its own mbuf (two references), but
 * attached, each mbuf with its own shared info; RX takes the page back from
 * those foreign mbufs, once per mbuf.
 */
static void test_tx_clone(void)
{
	struct bump_pool *pool = pool_new("clone");
	struct bump_port *port = port_up("dpdk:net_ring0", pool, 0);
	struct bump_pkt pkts[2], back[4];
	unsigned got = 0;

	if (!port)
		return;
	CHECK(fx_frame_pkt(pool, &pkts[0], FRAME, 0, 7));
	CHECK_EQ(bump_pkt_clone(&pkts[0], &pkts[1]), 0);
	CHECK_EQ(bump_refcount(bump_pkt_data(&pkts[0])), 2);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 2), 2);
	for (unsigned tries = 0; got < 2 && tries < 1000; tries++)
		got += bump_port_rx_burst(port, 0, back + got, 2);
	CHECK_EQ(got, 2);
	CHECK_EQ(back[0].ref, back[1].ref);
	CHECK_EQ(fx_check_pkt(&back[0]).seq, 7);
	CHECK_EQ(fx_check_pkt(&back[1]).seq, 7);
	CHECK_EQ(bump_refcount(bump_pkt_data(&back[0])), 2);
	CHECK_EQ(dstats(port).tx_attached, 2);
	CHECK_EQ(dstats(port).tx_as_is, 0);
	CHECK_EQ(dstats(port).rx_zerocopy, 2);
	CHECK_EQ(dstats(port).rx_as_is, 0);
	bump_pkt_free_bulk(back, 2);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/*
 * A packet with less than an mbuf header's room before it goes out attached;
 * one with room goes as its own mbuf, the header written over whatever the
 * application left there.  Both arrive intact.
 */
static void test_tx_headroom(void)
{
	struct bump_pool *pool = pool_new("tx-headroom");
	struct bump_port *port = port_up("dpdk:net_ring0", pool, 0);
	struct bump_pkt pkts[2], back[2];
	unsigned got = 0;

	if (!port)
		return;
	for (unsigned i = 0; i < 2; i++) {
		CHECK(fx_frame_pkt(pool, &pkts[i], FRAME, 0, 40 + i));
		memset(bump_ref_page(pkts[i].ref), 0xa5, FX_HEADROOM);  /* junk before the frame */
	}
	memmove(bump_ref_page(pkts[0].ref), bump_pkt_data(&pkts[0]), pkts[0].len);
	pkts[0].off = 0;  /* the frame at the buffer's first byte */
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 2), 2);
	for (unsigned tries = 0; got < 2 && tries < 1000; tries++)
		got += bump_port_rx_burst(port, 0, back + got, (uint16_t)(2 - got));
	CHECK_EQ(got, 2);
	CHECK_EQ(fx_check_pkt(&back[0]).seq, 40);
	CHECK_EQ(fx_check_pkt(&back[1]).seq, 41);
	CHECK_EQ(dstats(port).tx_attached, 1);
	CHECK_EQ(dstats(port).tx_as_is, 1);
	bump_pkt_free_bulk(back, 2);
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
}

/* Stop returns every page, start takes them again; a queue set up again gets a new pool. */
static void test_stop_start(void)
{
	struct bump_pool *pool = pool_new("restart"), *other = pool_new("restart2");
	struct bump_port *port = port_up("dpdk:net_null0", pool, 256);
	struct bump_rxq_conf rc = { .pool = other, .headroom = 256 };
	struct bump_pkt pkts[32];

	if (!port)
		return;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 100; i++)
			bump_pkt_free_bulk(pkts, bump_port_rx_burst(port, 0, pkts, 32));
		CHECK_EQ(bump_port_stop(port), 0);
		CHECK_EQ(fx_inflight(pool), 0);
		CHECK_EQ(bump_port_start(port), 0);
	}
	/* The queue moves to another pool with more headroom. */
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_start(port), 0);
	for (unsigned i = 0; i < 100; i++) {
		uint16_t k = bump_port_rx_burst(port, 0, pkts, 32);

		for (uint16_t j = 0; j < k; j++)
			CHECK(pkts[j].off >= 256);
		bump_pkt_free_bulk(pkts, k);
	}
	CHECK_EQ(bump_port_close(port), 0);
	pool_done(pool);
	pool_done(other);
}

/* Pools for physical ports are mapped with the dpdk DMA device: DPDK learns the IOVAs. */
static void test_dma_dev(void)
{
	struct bump_dma_dev *dev = bump_dpdk_dma_dev();
	struct bump_pool_params pp = {
		.name = "dpdk-dma", .arena = arena, .nid = BUMP_NUMA_ANY,
		.flags = BUMP_POOL_F_DMA_MAP, .dma_dev = dev,
	};
	struct bump_pool *pool = NULL;
	void *buf;

	CHECK(dev != NULL);
	if (!dev)
		return;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	if (!pool)
		return;
	CHECK_EQ(bump_pool_dma_dev(pool), dev);
	buf = bump_pool_alloc(pool);
	CHECK(buf != NULL);
	CHECK(bump_pool_dma_addr(pool, buf) != 0);
	bump_pool_put(pool, buf);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(atomic_load(&dev->maps), atomic_load(&dev->unmaps));
}

/*
 * net_af_xdp on the two ends of a veth pair (dpdk_afxdp.sh runs it in a
 * namespace of its own): its UMEM is the arena, so RX hands on the buffer
 * the kernel wrote as it is and TX gives the PMD the very buffer, which it
 * sends where it lies.  Numbered frames a -> b, forwarded back b -> a: every
 * one intact and in order, none copied (rx_as_is, tx_umem, rx_copied 0); the
 * PMD's fill queue holds buffers until close, exactly those the pools miss
 * (rx_mbufs_held), and every one is back after close.  Then frames circle
 * as in bump-fwd's forwarding pair (b RX -> a TX -> b RX, one thread): a's
 * TX completions overflow its mempool's cache into b's RX refill
 * (rx_umem_passed), and still nothing is lost or freed twice.
 */
static const char *xdp_if[2];  /* the veth ends: argv */

/*
 * 64 frames sent on @a circle b RX -> a TX (the veth brings them back to b)
 * until 20,000 were forwarded; what still circles is then received and
 * freed.  Returns how many were forwarded.
 */
static unsigned afxdp_circle(struct bump_port *a, struct bump_port *b, struct bump_pool *pool)
{
	struct bump_pkt pkts[32];
	unsigned fwd = 0, idle = 0;

	send_frames(a, pool, 64, 0);
	while (fwd < 20000 && idle < 100000) {
		uint16_t k = bump_port_rx_burst(b, 0, pkts, 32), sent;

		idle = k ? 0 : idle + 1;
		sent = bump_port_tx_burst(a, 0, pkts, k);
		bump_pkt_free_bulk(pkts + sent, k - sent);
		fwd += sent;
	}
	CHECK(fwd >= 20000);
	for (idle = 0; idle < 10000; idle++)
		bump_pkt_free_bulk(pkts, bump_port_rx_burst(b, 0, pkts, 32));
	return fwd;
}

static void test_afxdp(void)
{
	struct bump_pool *pa = pool_new("xdp-a"), *pb = pool_new("xdp-b");
	struct bump_port *a, *b;
	struct fx_seq sa = { 0 }, sb = { 0 };
	struct bump_dpdk_stats s;
	struct bump_error_stats err0, err1;
	char da[128], db[128];
	const unsigned n = 2000;

	bump_get_error_stats(&err0);
	snprintf(da, sizeof(da), "dpdk:net_af_xdp0,iface=%s", xdp_if[0]);
	snprintf(db, sizeof(db), "dpdk:net_af_xdp1,iface=%s", xdp_if[1]);
	a = port_up(da, pa, 0);
	b = port_up(db, pb, 0);
	if (!a || !b || test_failed_checks)
		return;  /* (no traffic through ports that did not start) */
	for (unsigned round = 0; round < n / 100; round++) {
		send_frames(a, pa, 100, round * 100);
		recv_frames(b, b, 100, &sb);
		recv_frames(a, NULL, 100, &sa);
	}
	CHECK_EQ(sb.frames, n);
	CHECK_EQ(sa.frames, n);
	CHECK_EQ(sa.gaps + sa.reorders + sb.gaps + sb.reorders, 0);
	s = dstats(b);
	CHECK_EQ(s.rx_as_is, n);
	CHECK_EQ(s.tx_umem, n);
	CHECK_EQ(s.rx_copied + s.rx_zerocopy + s.rx_pinned + s.tx_attached, 0);
	s = dstats(a);
	CHECK_EQ(s.tx_umem, n);
	CHECK_EQ(s.rx_as_is, n);
	CHECK_EQ(s.rx_copied + s.rx_zerocopy + s.rx_pinned + s.tx_attached, 0);
	CHECK_EQ(bump_port_stop(a), 0);
	CHECK_EQ(bump_port_stop(b), 0);
	/* Every frame was freed: what the pools miss is what the PMDs hold, and they hold some. */
	s = dstats(a);
	CHECK(s.rx_mbufs_held > 0);
	CHECK_EQ(s.rx_mbufs_held, fx_inflight(pa));
	CHECK_EQ(dstats(b).rx_mbufs_held, fx_inflight(pb));
	/* Started again, the same queues carry on. */
	CHECK_EQ(bump_port_start(a), 0);
	CHECK_EQ(bump_port_start(b), 0);
	send_frames(a, pa, 100, n);
	recv_frames(b, b, 100, &sb);
	recv_frames(a, NULL, 100, &sa);
	CHECK_EQ(sa.frames, n + 100);
	CHECK_EQ(sa.gaps + sa.reorders + sb.gaps + sb.reorders, 0);
	CHECK_EQ(dstats(b).rx_umem_passed + dstats(a).rx_umem_passed, 0);
	afxdp_circle(a, b, pa);
	CHECK(dstats(b).rx_umem_passed > 0);
	CHECK_EQ(dstats(a).rx_umem_passed, 0);
	CHECK_EQ(bump_port_stop(a), 0);
	CHECK_EQ(bump_port_stop(b), 0);
	/* What the pools miss is what the PMDs hold: a's mempool holds pb's buffers too. */
	CHECK_EQ(dstats(a).rx_mbufs_held + dstats(b).rx_mbufs_held,
		 fx_inflight(pa) + fx_inflight(pb));
	/* The PMD cannot set its queue up again before close: refused, saying so. */
	{
		struct bump_rxq_conf rc = { .pool = pa, .headroom = FX_HEADROOM };

		CHECK(bump_port_rxq_setup(a, 0, &rc) < 0);
		CHECK_ERROR_SAYS("close the port and open it again");
	}
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_close(b), 0);
	/* Each came back once: close returned what the PMDs held, nothing twice. */
	bump_get_error_stats(&err1);
	CHECK_EQ(err1.double_put + err1.not_allocated, err0.double_put + err0.not_allocated);
	pool_done(pa);
	pool_done(pb);
}

/*
 * Both ports' RX queues on one pool: one mempool is both PMDs' UMEM pool,
 * so a frame received on b and sent on a comes back to b's fill queue
 * through one DPDK cache (no pass between mempools: rx_umem_passed stays 0).
 * Both PMDs hold buffers of it: closing a returns nothing while b may still
 * use them; closing b returns all, each once.
 */
static void test_afxdp_shared(void)
{
	struct bump_pool *pool = pool_new("xdp-shared");
	struct bump_port *a, *b;
	struct fx_seq sa = { 0 }, sb = { 0 };
	struct bump_error_stats err0, err1;
	char da[128], db[128];
	unsigned fwd;
	uint64_t held;

	bump_get_error_stats(&err0);
	snprintf(da, sizeof(da), "dpdk:net_af_xdp0,iface=%s", xdp_if[0]);
	snprintf(db, sizeof(db), "dpdk:net_af_xdp1,iface=%s", xdp_if[1]);
	a = port_up(da, pool, 0);
	b = port_up(db, pool, 0);
	if (!a || !b || test_failed_checks)
		return;
	for (unsigned round = 0; round < 10; round++) {
		send_frames(a, pool, 100, round * 100);
		recv_frames(b, b, 100, &sb);
		recv_frames(a, NULL, 100, &sa);
	}
	CHECK_EQ(sa.frames, 1000);
	CHECK_EQ(sa.gaps + sa.reorders + sb.gaps + sb.reorders, 0);
	fwd = afxdp_circle(a, b, pool);
	CHECK_EQ(dstats(a).tx_umem, 1000 + 64 + fwd);  /* the rounds, the 64 that circle, their trips */
	CHECK_EQ(dstats(a).rx_umem_passed + dstats(b).rx_umem_passed, 0);
	CHECK_EQ(bump_port_stop(a), 0);
	CHECK_EQ(bump_port_stop(b), 0);
	/* What the pool misses is what the two PMDs hold, counted once in the one mempool. */
	held = dstats(a).rx_mbufs_held;
	CHECK(held > 0);
	CHECK_EQ(held, fx_inflight(pool));
	CHECK_EQ(dstats(b).rx_mbufs_held, held);
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(fx_inflight(pool), held);
	CHECK_EQ(bump_port_close(b), 0);
	bump_get_error_stats(&err1);
	CHECK_EQ(err1.double_put + err1.not_allocated, err0.double_put + err0.not_allocated);
	pool_done(pool);
}

/*
 * A headroom over 256 bytes: net_af_xdp cannot receive into the pool's
 * buffers, so the queues copy every frame (rx_copied, with a warning) and
 * nothing is sent from a UMEM; frames still arrive intact, nothing is lost.
 */
static void test_afxdp_copy(void)
{
	struct bump_pool *pa = pool_new("xdp-ca"), *pb = pool_new("xdp-cb");
	struct bump_port *a, *b;
	struct fx_seq sb = { 0 };
	struct bump_dpdk_stats s;
	char da[128], db[128];

	snprintf(da, sizeof(da), "dpdk:net_af_xdp0,iface=%s", xdp_if[0]);
	snprintf(db, sizeof(db), "dpdk:net_af_xdp1,iface=%s", xdp_if[1]);
	a = port_up_hr(da, pa, 0, 384);
	b = port_up_hr(db, pb, 0, 384);
	if (!a || !b || test_failed_checks)
		return;
	for (unsigned round = 0; round < 5; round++) {
		send_frames(a, pa, 100, round * 100);
		recv_frames(b, NULL, 100, &sb);
	}
	CHECK_EQ(sb.frames, 500);
	CHECK_EQ(sb.gaps + sb.reorders, 0);
	s = dstats(b);
	CHECK_EQ(s.rx_copied, 500);
	CHECK_EQ(s.rx_as_is + s.rx_mbufs_held, 0);
	CHECK_EQ(dstats(a).tx_umem, 0);
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_close(b), 0);
	pool_done(pa);
	pool_done(pb);
}

int main(int argc, char **argv)
{
	/* No --file-prefix: bump's own (bump-<pid>) is private and removed at exit. */
	const char *eal_nohuge[] = { "--no-huge", "-m", "256", "--no-shconf" };
	const char *eal_huge[] = { "--in-memory" };
	struct bump_region_params rp = {
		.name = "dpdk-test", .size = (size_t)PAGES * 4096, .numa_node = BUMP_NUMA_ANY,
	};
	struct bump_arena_params ap = { .name = "dpdk-test" };
	uint32_t free0;

	/* Ports check TX handles in checked mode only: the cases here need it. */
	setenv("BUMP_CHECKED", "1", 0);
	if ((argc != 2 && !(argc == 5 && (!strcmp(argv[2], "afxdp") ||
					   !strcmp(argv[2], "afxdp-shared") ||
					   !strcmp(argv[2], "afxdp-copy")))) ||
	    (strcmp(argv[1], "huge") && strcmp(argv[1], "nohuge"))) {
		fprintf(stderr, "usage: test_dpdk_port nohuge|huge [afxdp|afxdp-shared|afxdp-copy IFACE_A IFACE_B]\n");
		return 2;
	}
	huge = !strcmp(argv[1], "huge");
	if (huge && bump_mem_free_hugepages(BUMP_PAGE_2M, BUMP_NUMA_ANY) < 128) {
		printf("SKIP: needs 128 free 2 MiB hugepages (run scripts/hugepages.sh as root); the "
		       "nohuge variant runs without\n");
		return 77;
	}
	rp.page_size = huge ? BUMP_PAGE_2M : BUMP_PAGE_4K;
	rp.flags = huge ? BUMP_REGION_F_HUGE_ONLY : BUMP_REGION_F_NO_HUGE;
	if (huge)
		bump_dpdk_eal_args(1, eal_huge);
	else
		bump_dpdk_eal_args(4, eal_nohuge);
	/* bump's own EAL start is under test: its failure is a failure, not a skip. */
	if (bump_dpdk_eal_init()) {
		fprintf(stderr, "FAIL: bump_dpdk_eal_init: %s\n", bump_last_error());
		return 1;
	}
	CHECK_EQ(bump_dpdk_eal_hugepages(), huge);
	if (bump_region_create(&rp, &region) || (ap.region = region, bump_arena_create(&ap, &arena))) {
		fprintf(stderr, "no packet memory: %s\n", bump_last_error());
		return 1;
	}
	free0 = bump_arena_free_pages(arena);

	if (argc == 5) {
		/* The veth ends of dpdk_afxdp.sh: that case alone. */
		xdp_if[0] = argv[3];
		xdp_if[1] = argv[4];
		/*
		 * One case per process: DPDK 22.11's net_af_xdp cannot create a
		 * socket again on an interface it closed one on in this process.
		 */
		if (!strcmp(argv[2], "afxdp"))
			TEST_RUN(test_afxdp);
		else if (!strcmp(argv[2], "afxdp-shared"))
			TEST_RUN(test_afxdp_shared);
		else
			TEST_RUN(test_afxdp_copy);
	} else {
		TEST_RUN(test_open_errors);
		TEST_RUN(test_ring_loopback);
		TEST_RUN(test_tx_invalid);
		TEST_RUN(test_ring_forward);
		TEST_RUN(test_ring_mixed);
		TEST_RUN(test_ring_mapped);
		TEST_RUN(test_null_as_is);
		TEST_RUN(test_null_shared);
		TEST_RUN(test_null_pinned);
		TEST_RUN(test_null_copy);
		TEST_RUN(test_ring_copy);
		TEST_RUN(test_tx_refused);
		TEST_RUN(test_tx_clone);
		TEST_RUN(test_tx_headroom);
		TEST_RUN(test_stop_start);
		TEST_RUN(test_dma_dev);

		/* The as-is paths again on pages of an odd size (bump-fwd --buf-size 2368). */
		{
			struct bump_arena *pow2 = arena;
			struct bump_region_params orp = rp;
			struct bump_arena_params oap = { .name = "dpdk-test-odd", .page_size = ODD_PAGE };
			struct bump_region *oreg;
			uint32_t ofree0;

			orp.name = "dpdk-test-odd";
			orp.size = (size_t)PAGES * 4096 / 2;
			if (bump_region_create(&orp, &oreg) ||
			    (oap.region = oreg, bump_arena_create(&oap, &arena))) {
				fprintf(stderr, "no packet memory: %s\n", bump_last_error());
				return 1;
			}
			ofree0 = bump_arena_free_pages(arena);
			arena2 = pow2;
			TEST_RUN(test_ring_forward);
			TEST_RUN(test_ring_mixed);
			arena2 = NULL;
			TEST_RUN(test_null_as_is);
			CHECK_EQ(bump_arena_free_pages(arena), ofree0);
			CHECK_EQ(bump_arena_destroy(arena), 0);
			bump_region_destroy(oreg);
			arena = pow2;
		}
	}

	/* Checks outside the cases fail the program too (test_exit). */
	CHECK_EQ(bump_arena_free_pages(arena), free0);
	CHECK_EQ(bump_arena_destroy(arena), 0);
	bump_region_destroy(region);
	return test_exit();
}
