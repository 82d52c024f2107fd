/* SPDX-License-Identifier: MIT */
/*
 * The sim NIC, one thread, inline or manual stepping: frames, loopback
 * integrity and order over several queues, peers, the generator, the sink,
 * ring and pool exhaustion, deferred RX fill, jumbo buffers, and stop/close
 * handing every buffer back.  Each case builds its own arena and ends with
 * every pool at zero in flight and every arena page free again.
 */
#include "fwd_fixture.h"

#include <pthread.h>
#include <time.h>

#define PAGES 4096
#define BURST 32
#define RING_POSTED 480  /* a 512-entry ring holds 511, posted 32 at a time */

static void test_frame_format(void)
{
	static const uint8_t a[6] = { 2, 0, 0, 0, 0, 1 }, b[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t f[1600];
	struct bump_frame_tag tag;

	CHECK_EQ(bump_frame_build(f, BUMP_FRAME_MIN - 1, a, b, 0, 0, 0), -EINVAL);
	CHECK_EQ(bump_frame_build(f, BUMP_FRAME_MAX + 1, a, b, 0, 0, 0), -EINVAL);
	for (uint16_t size = BUMP_FRAME_MIN; size <= 1514; size = (uint16_t)(size * 3 / 2 + 1)) {
		CHECK_EQ(bump_frame_build(f, size, a, b, 3, 7, 123456789), 0);
		CHECK_EQ(bump_frame_check(f, size, &tag), 0);
		CHECK_EQ(tag.queue, 3);
		CHECK_EQ(tag.flow, 7);
		CHECK_EQ(tag.seq, 123456789);
	}
	CHECK_EQ(bump_frame_build(f, 200, a, b, 1, 2, 42), 0);
	CHECK(!memcmp(f, a, 6) && !memcmp(f + 6, b, 6));
	CHECK_EQ(f[12], 0x08);
	CHECK_EQ(f[23], 17);  /* IPv4 protocol: UDP */
	/* Padding after the IP length is not payload. */
	CHECK_EQ(bump_frame_check(f, 260, NULL), 0);
	/* Headers may be rewritten (a MAC swap): the checksum covers the payload. */
	memcpy(f, b, 6);
	CHECK_EQ(bump_frame_check(f, 200, NULL), 0);
	/* Any payload byte, or the sequence number, changed: caught. */
	f[150] ^= 0x10;
	CHECK_EQ(bump_frame_check(f, 200, NULL), -EBADMSG);
	f[150] ^= 0x10;
	f[BUMP_FRAME_HDR_LEN + 8] ^= 1;
	CHECK_EQ(bump_frame_check(f, 200, NULL), -EBADMSG);
	f[BUMP_FRAME_HDR_LEN + 8] ^= 1;
	/* Not a sim frame: type, truncation, magic. */
	CHECK_EQ(bump_frame_check(f, 199, NULL), -EPROTO);
	f[12] = 0x86;
	CHECK_EQ(bump_frame_check(f, 200, NULL), -EPROTO);
	f[12] = 0x08;
	f[BUMP_FRAME_HDR_LEN] ^= 0xff;
	CHECK_EQ(bump_frame_check(f, 200, NULL), -EPROTO);
	CHECK_EQ(bump_frame_csum("abcd", 4) == bump_frame_csum("abdc", 4), 0);
}

/* Send @total frames per queue over @nq queues, receiving as we go; check everything. */
static void loopback_run(const char *devargs, unsigned nq, uint64_t total, uint16_t size)
{
	struct fx fx;
	struct bump_pool *rxp[4], *txp;
	struct bump_port *port;
	struct fx_seq seq = { 0 };
	uint64_t sent[4] = { 0 };
	struct bump_pkt pkts[BURST];
	struct bump_port_stats st;
	struct bump_sim_stats ss;
	uint64_t received = 0;

	fx_up(&fx, PAGES);
	for (unsigned q = 0; q < nq; q++)
		rxp[q] = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port(devargs, rxp, nq, true);
	if (!port)
		return;
	for (int idle = 0; received < total * nq && idle < 1000;) {
		for (uint16_t q = 0; q < nq; q++) {
			uint16_t n = 0, got;

			while (n < BURST && sent[q] < total && fx_frame_pkt(txp, &pkts[n], size, q, sent[q]))
				n++, sent[q]++;
			got = bump_port_tx_burst(port, q, pkts, n);
			CHECK_EQ(got, n);
			got = bump_port_rx_burst(port, q, pkts, BURST);
			for (uint16_t i = 0; i < got; i++) {
				fx_seq_rx(&seq, &pkts[i], q);
				CHECK_EQ(pkts[i].len, size);
			}
			CHECK_EQ(bump_pkt_free_bulk(pkts, got), 0);
			received += got;
			idle = got ? 0 : idle + 1;
		}
	}
	CHECK_EQ(received, total * nq);
	CHECK_EQ(seq.gaps, 0);
	CHECK_EQ(seq.reorders, 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.ipackets, total * nq);
	CHECK_EQ(st.total.opackets, total * nq);
	CHECK_EQ(st.total.ibytes, total * nq * size);
	CHECK_EQ(st.total.imissed + st.total.ierrors + st.total.oerrors + st.total.rx_nombuf, 0);
	for (unsigned q = 0; q < nq; q++)
		CHECK_EQ(st.q[q].ipackets, total);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.rx_frames, total * nq);
	CHECK_EQ(ss.tx_frames, total * nq);
	CHECK_EQ(ss.dma_faults, 0);
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK(ss.rx_reclaimed > 0);  /* the posted ring came back */
	CHECK_EQ(ss.tx_reclaimed, 0);
	CHECK_EQ(bump_port_close(port), 0);
	for (unsigned q = 0; q < nq; q++)
		fx_pool_done(rxp[q]);
	fx_pool_done(txp);
	fx_down(&fx);
}

static void test_loopback_one_queue(void)
{
	loopback_run("sim:mode=loopback", 1, 20000, 64);
}

static void test_loopback_four_queues(void)
{
	loopback_run("sim:mode=loopback,queues=4", 4, 5000, 333);
}

static void test_loopback_big_frames(void)
{
	loopback_run("sim:queues=2", 2, 3000, 1514);
}

/* TX on one port arrives on its peer; a peer that is not open swallows frames, counted. */
static void test_peer(void)
{
	struct fx fx;
	struct bump_pool *rxa, *rxb, *txp;
	struct bump_port *a, *b, *c;
	struct bump_port_info ib;
	struct bump_port_stats st;
	struct bump_sim_stats ss;
	struct bump_pkt pkts[BURST];
	struct fx_seq seq = { 0 };
	char args[64];
	uint16_t n;

	fx_up(&fx, PAGES);
	rxa = fx_pool(&fx, "rxa", true);
	rxb = fx_pool(&fx, "rxb", true);
	txp = fx_pool(&fx, "tx", true);
	b = fx_port("sim:mode=loopback,queues=2", (struct bump_pool *[]){ rxb, rxb }, 2, true);
	CHECK_EQ(bump_port_info_get(b, &ib), 0);
	snprintf(args, sizeof(args), "sim:peer=%u", ib.id);
	a = fx_port(args, &rxa, 1, true);
	for (uint64_t i = 0; i < 20; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 80, 0, i));
	CHECK_EQ(bump_port_tx_burst(a, 0, pkts, 20), 20);
	CHECK_EQ(bump_port_rx_burst(a, 0, pkts, BURST), 0);  /* not to itself */
	CHECK_EQ(bump_port_rx_burst(b, 1, pkts, BURST), 0);  /* TX queue 0 -> RX queue 0 */
	n = bump_port_rx_burst(b, 0, pkts, BURST);
	CHECK_EQ(n, 20);
	for (uint16_t i = 0; i < n; i++)
		fx_seq_rx(&seq, &pkts[i], 0);
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	bump_pkt_free_bulk(pkts, n);

	/* A stopped peer takes nothing: its imissed counts the frames. */
	CHECK_EQ(bump_port_stop(b), 0);
	for (uint64_t i = 0; i < 5; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 80, 0, i));
	CHECK_EQ(bump_port_tx_burst(a, 0, pkts, 5), 5);
	CHECK_EQ(bump_port_get_stats(b, &st), 0);
	CHECK_EQ(st.total.imissed, 5);
	CHECK_EQ(bump_port_close(b), 0);
	/* A closed peer: the sender's oerrors count them. */
	for (uint64_t i = 0; i < 7; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 80, 0, i));
	CHECK_EQ(bump_port_tx_burst(a, 0, pkts, 7), 7);
	CHECK_EQ(bump_port_get_stats(a, &st), 0);
	CHECK_EQ(st.total.oerrors, 7);
	CHECK_EQ(st.total.opackets, 32);
	CHECK_EQ(bump_sim_get_stats(a, &ss), 0);
	CHECK_EQ(ss.tx_no_peer, 7);
	/* A peer id nobody has yet. */
	CHECK_EQ(bump_port_open("sim:peer=31", &c), 0);
	CHECK_EQ(bump_port_close(c), 0);
	CHECK_EQ(bump_port_close(a), 0);
	fx_pool_done(rxa);
	fx_pool_done(rxb);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* The generator fills RX with checked frames; what the port sends back is sunk and checked. */
static void test_gen_and_sink(void)
{
	struct fx fx;
	struct bump_pool *rxp[2];
	struct bump_port *port;
	struct bump_pkt pkts[BURST];
	struct fx_seq seq = { 0 };
	struct bump_sim_stats ss;
	uint64_t got = 0, sent = 0;
	unsigned flows_seen[2] = { 0 };

	fx_up(&fx, PAGES);
	rxp[0] = fx_pool(&fx, "rx0", true);
	rxp[1] = fx_pool(&fx, "rx1", true);
	port = fx_port("sim:mode=gen,size=128,flows=6,queues=2", rxp, 2, true);
	while (got < 20000) {
		for (uint16_t q = 0; q < 2; q++) {
			uint16_t n = bump_port_rx_burst(port, q, pkts, BURST), k;

			for (uint16_t i = 0; i < n; i++) {
				struct bump_frame_tag tag = fx_check_pkt(&pkts[i]);

				fx_seq_rx(&seq, &pkts[i], q);
				CHECK_EQ(pkts[i].len, 128);
				CHECK_EQ(tag.flow % 2, q);  /* RSS-like: flow f on queue f % 2 */
				CHECK(tag.flow < 6);
				flows_seen[q] |= 1u << tag.flow;
			}
			/* Forward back out on the same queue: the port's sink checks it. */
			k = bump_port_tx_burst(port, q, pkts, n);
			CHECK_EQ(k, n);
			got += n;
			sent += k;
		}
	}
	CHECK_EQ(seq.gaps + seq.reorders, 0);
	CHECK_EQ(flows_seen[0], 0x15);  /* flows 0, 2, 4 */
	CHECK_EQ(flows_seen[1], 0x2a);
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.gen_frames, ss.rx_frames);
	CHECK_EQ(ss.sink_frames, sent);
	CHECK_EQ(ss.sink_bytes, sent * 128);
	CHECK_EQ(ss.sink_bad_csum + ss.sink_bad_format + ss.sink_seq_errors + ss.sink_seq_gaps, 0);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp[0]);
	fx_pool_done(rxp[1]);
	fx_down(&fx);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* With a rate, the generator sends no faster than asked. */
static void test_gen_rate(void)
{
	struct fx fx;
	struct bump_pool *rxp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST];
	uint64_t got = 0;
	double t0, el;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	t0 = now_s();  /* before start: the allowance runs from start */
	port = fx_port("sim:mode=gen,rate=20000", &rxp, 1, true);
	while ((el = now_s() - t0) < 0.1) {
		uint16_t n = bump_port_rx_burst(port, 0, pkts, BURST);

		bump_pkt_free_bulk(pkts, n);
		got += n;
	}
	CHECK(got > 0);
	CHECK(got <= (uint64_t)(20000 * (now_s() - t0)) + BURST);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_down(&fx);
}

/* The sink counts exactly what was wrong with what it was sent. */
static void test_sink_checks(void)
{
	struct fx fx;
	struct bump_pool *txp;
	struct bump_port *port;
	struct bump_pkt pkts[8];
	struct bump_sim_stats ss;
	const uint64_t seqs[8] = { 0, 1, 2, 5, 6, 4, 7, 8 };  /* 3 and 4 missing, then 4 late */

	fx_up(&fx, PAGES);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim:mode=sink,queues=2", NULL, 2, true);
	for (int i = 0; i < 8; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 100, 1, seqs[i]));
	bump_pkt_data(&pkts[6])[90] ^= 1;  /* payload corrupted */
	bump_pkt_data(&pkts[7])[12] = 0x86; /* not IPv4: not a sim frame */
	CHECK_EQ(bump_port_tx_burst(port, 1, pkts, 8), 8);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.sink_frames, 8);
	CHECK_EQ(ss.sink_bad_csum, 1);
	CHECK_EQ(ss.sink_bad_format, 1);
	CHECK_EQ(ss.sink_seq_gaps, 2);
	CHECK_EQ(ss.sink_seq_errors, 1);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(txp);
	fx_down(&fx);
}

/*
 * check=1 on a loopback port: every frame it sends is checked on its way
 * round (a bad one still arrives: the forwarder is under test, not the wire);
 * repeated sequence numbers are no error there.  Without check=1, nothing.
 */
static void test_loopback_check(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST];
	struct bump_sim_stats ss;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	for (int checked = 0; checked < 2; checked++) {
		port = fx_port(checked ? "sim:mode=loopback,check=1" : "sim:mode=loopback", &rxp, 1,
			       true);
		for (int i = 0; i < 8; i++)
			CHECK(fx_frame_pkt(txp, &pkts[i], 100, 0, (uint64_t)i % 3));
		bump_pkt_data(&pkts[6])[90] ^= 1;   /* payload corrupted */
		bump_pkt_data(&pkts[7])[12] = 0x86; /* not IPv4: not a sim frame */
		CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 8), 8);
		CHECK_EQ(bump_port_rx_burst(port, 0, pkts, BURST), 8);
		bump_pkt_free_bulk(pkts, 8);
		CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
		CHECK_EQ(ss.sink_frames, checked ? 8 : 0);
		CHECK_EQ(ss.sink_bad_csum, checked);
		CHECK_EQ(ss.sink_bad_format, checked);
		CHECK_EQ(ss.sink_seq_gaps + ss.sink_seq_errors, 0);
		CHECK_EQ(bump_port_close(port), 0);
	}
	CHECK(bump_port_open("sim:mode=sink,check=1", &port) != 0);
	CHECK_ERROR_SAYS("check=1 only applies to mode=loopback");
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* step=manual: nothing moves until the test steps the device, and only as far as asked. */
static void test_manual_step(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST];

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim:step=manual", &rxp, 1, true);
	for (uint64_t i = 0; i < 10; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, i));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 10), 10);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, BURST), 0);
	CHECK_EQ(fx_inflight(txp), 10);
	CHECK_EQ(bump_sim_device_step(port, 4), 4);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, BURST), 4);
	bump_pkt_free_bulk(pkts, 4);
	CHECK_EQ(bump_sim_device_step(port, 100), 6);
	CHECK_EQ(bump_sim_device_step(port, 100), 0);
	/* Completions are reclaimed by the next tx_burst, even an empty one. */
	CHECK_EQ(fx_inflight(txp), 10);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 0), 0);
	CHECK_EQ(fx_inflight(txp), 0);
	/* Six frames sit completed in the RX ring: stop hands them back unread. */
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* A full RX ring and an exhausted pool drop frames, counted; nothing leaks, flow resumes. */
static void test_ring_and_pool_exhaustion(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST], held[64];
	struct bump_rxq_conf rc = { .ring_size = 64, .headroom = FX_HEADROOM };
	struct bump_txq_conf tc = { .ring_size = 64 };
	struct bump_port_stats st;
	struct bump_pool_params pp;
	uint64_t seq = 0, got = 0;
	uint16_t n;

	fx_up(&fx, PAGES);
	txp = fx_pool(&fx, "tx", true);
	pp = (struct bump_pool_params){ .name = "small", .arena = fx.arena, .nid = BUMP_NUMA_ANY,
					.max_buffers = 64, .flags = BUMP_POOL_F_DMA_MAP,
					.dma_dev = bump_sim_dma_dev() };
	CHECK_EQ(bump_pool_create(&pp, &rxp), 0);
	rc.pool = rxp;
	CHECK_EQ(bump_port_open("sim", &port), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(bump_port_start(port), 0);
	/* 63 descriptors can be posted (32 at a time: 32 now), nobody receives: the rest is missed. */
	for (int b = 0; b < 4; b++) {
		for (int i = 0; i < 30; i++)
			CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, seq++));
		CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 30), 30);
	}
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].imissed, 120 - 32);
	/* Receive and hold everything: the pool (64 buffers) runs dry after one more refill. */
	while ((n = bump_port_rx_burst(port, 0, held + got, (uint16_t)BUMP_MIN(64 - got, 32))) && got < 64)
		got += n;
	CHECK_EQ(got, 32);
	for (int i = 0; i < 30; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, seq++));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 30), 30);
	n = bump_port_rx_burst(port, 0, held + got, 32);
	CHECK_EQ(n, 30);
	got += n;
	n = bump_port_rx_burst(port, 0, pkts, 32);  /* refill finds the pool empty */
	CHECK_EQ(n, 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK(st.q[0].rx_nombuf > 0);
	/* Give the buffers back: the ring refills and frames flow again. */
	bump_pkt_free_bulk(held, (unsigned)got);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 32), 0);  /* refills */
	for (int i = 0; i < 5; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, seq++));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 5), 5);
	n = bump_port_rx_burst(port, 0, pkts, 32);
	CHECK_EQ(n, 5);
	bump_pkt_free_bulk(pkts, n);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

static void *start_port(void *port)
{
	return (void *)(intptr_t)bump_port_start(port);
}

/* Started from a thread that does not own the pool: the owner's first rx_burst fills. */
static void test_deferred_fill(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST];
	struct bump_port_stats st;
	pthread_t t;
	void *ret;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim", &rxp, 1, false);
	CHECK_EQ(pthread_create(&t, NULL, start_port, port), 0);
	pthread_join(t, &ret);
	CHECK_EQ((intptr_t)ret, 0);
	CHECK_EQ(fx_inflight(rxp), 0);  /* nothing posted yet */
	CHECK(fx_frame_pkt(txp, &pkts[0], 64, 0, 0));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 1), 1);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].imissed, 1);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, BURST), 0);
	CHECK_EQ(fx_inflight(rxp), RING_POSTED);
	CHECK(fx_frame_pkt(txp, &pkts[0], 64, 0, 1));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 1), 1);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, BURST), 1);
	bump_pkt_free_bulk(pkts, 1);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* Multi-page buffers carry jumbo frames; a frame larger than the RX buffer is dropped. */
static void test_jumbo_and_oversize(void)
{
	struct fx fx;
	struct bump_pool *rxp, *small, *txp;
	struct bump_pool_params pp;
	struct bump_port *port, *port2;
	struct bump_pkt pkts[4];
	struct bump_port_stats st;
	struct bump_sim_stats ss;

	fx_up(&fx, PAGES);
	pp = (struct bump_pool_params){ .name = "jumbo", .arena = fx.arena, .order = 2,
					.nid = BUMP_NUMA_ANY, .flags = BUMP_POOL_F_DMA_MAP,
					.dma_dev = bump_sim_dma_dev() };
	CHECK_EQ(bump_pool_create(&pp, &rxp), 0);
	pp.name = "jumbo-tx";
	CHECK_EQ(bump_pool_create(&pp, &txp), 0);
	port = fx_port("sim", &rxp, 1, true);
	for (uint64_t i = 0; i < 4; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 9000, 0, i));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 4), 4);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 4), 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(pkts[i].len, 9000);
		fx_check_pkt(&pkts[i]);
	}
	/* Into 4 KiB buffers, a 9000-byte frame does not fit: dropped, ierrors. */
	small = fx_pool(&fx, "small", true);
	port2 = fx_port("sim", &small, 1, true);
	CHECK_EQ(bump_port_tx_burst(port2, 0, pkts, 4), 4);
	CHECK_EQ(bump_port_rx_burst(port2, 0, pkts, 4), 0);
	CHECK_EQ(bump_port_get_stats(port2, &st), 0);
	CHECK_EQ(st.total.ierrors, 4);
	CHECK_EQ(bump_sim_get_stats(port2, &ss), 0);
	CHECK_EQ(ss.rx_oversize, 4);
	CHECK_EQ(bump_port_close(port2), 0);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(small);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

int main(void)
{
	struct test_log quiet = { 0 };

	bump_log_set_handler(test_log_handler, &quiet);  /* expected warnings stay off stderr */
	TEST_RUN(test_frame_format);
	TEST_RUN(test_loopback_one_queue);
	TEST_RUN(test_loopback_four_queues);
	TEST_RUN(test_loopback_big_frames);
	TEST_RUN(test_peer);
	TEST_RUN(test_gen_and_sink);
	TEST_RUN(test_gen_rate);
	TEST_RUN(test_sink_checks);
	TEST_RUN(test_loopback_check);
	TEST_RUN(test_manual_step);
	TEST_RUN(test_ring_and_pool_exhaustion);
	TEST_RUN(test_deferred_fill);
	TEST_RUN(test_jumbo_and_oversize);
	return test_exit();
}
