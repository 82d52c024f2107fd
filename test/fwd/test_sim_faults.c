/* SPDX-License-Identifier: MIT */
/*
 * Fault injection on the sim NIC: every fault is rejected by the driver,
 * counted where the brief says (ierrors, oerrors, bump_sim_stats), and
 * leaks nothing: each case ends with every pool at zero in flight and every
 * arena page free again.
 */
#include "fwd_fixture.h"

#define PAGES 4096
#define BURST 32

static struct test_log tlog;

struct rig {
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	uint64_t seq;         /* next sequence number to send on queue 0 */
	struct fx_seq rx;
};

static void rig_up(struct rig *r, const char *devargs)
{
	memset(r, 0, sizeof(*r));
	fx_up(&r->fx, PAGES);
	r->rxp = fx_pool(&r->fx, "rx", true);
	r->txp = fx_pool(&r->fx, "tx", true);
	r->port = fx_port(devargs, &r->rxp, 1, true);
}

static void rig_down(struct rig *r)
{
	CHECK_EQ(bump_port_stop(r->port), 0);
	/* Stopped: nothing of either pool may be anywhere but back in it. */
	CHECK_EQ(fx_inflight(r->rxp), 0);
	CHECK_EQ(fx_inflight(r->txp), 0);
	CHECK_EQ(bump_port_close(r->port), 0);
	fx_pool_done(r->rxp);
	fx_pool_done(r->txp);
	fx_down(&r->fx);
}

/* Send @n new frames on queue 0; returns how many tx_burst accepted (the rest are freed). */
static uint16_t rig_send(struct rig *r, uint16_t n)
{
	struct bump_pkt pkts[BURST];
	uint16_t k;

	for (uint16_t i = 0; i < n; i++)
		CHECK(fx_frame_pkt(r->txp, &pkts[i], 200, 0, r->seq++));
	k = bump_port_tx_burst(r->port, 0, pkts, n);
	bump_pkt_free_bulk(pkts + k, n - k);
	return k;
}

/* Receive whatever is there on queue 0, checking integrity and order. */
static uint16_t rig_recv(struct rig *r)
{
	struct bump_pkt pkts[BURST];
	uint16_t total = 0, n;

	while ((n = bump_port_rx_burst(r->port, 0, pkts, BURST))) {
		for (uint16_t i = 0; i < n; i++)
			fx_seq_rx(&r->rx, &pkts[i], 0);
		CHECK_EQ(bump_pkt_free_bulk(pkts, n), 0);
		total += n;
	}
	return total;
}

static struct bump_sim_stats rig_sim(const struct rig *r)
{
	struct bump_sim_stats s;

	CHECK_EQ(bump_sim_get_stats(r->port, &s), 0);
	return s;
}

static struct bump_port_stats rig_stats(const struct rig *r)
{
	struct bump_port_stats s;

	CHECK_EQ(bump_port_get_stats(r->port, &s), 0);
	return s;
}

/* A completion whose length exceeds the buffer: dropped, buffer recycled, ierrors. */
static void test_rx_bad_length(void)
{
	struct rig r;
	int warns = tlog.lines[BUMP_LOG_WARN];

	rig_up(&r, "sim");
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_BAD_LEN, 3), 0);
	CHECK_EQ(rig_send(&r, 10), 10);
	CHECK_EQ(rig_recv(&r), 7);
	CHECK_EQ(r.rx.gaps, 3);  /* the first three completions were the bad ones */
	CHECK_EQ(r.rx.reorders, 0);
	CHECK_EQ(rig_stats(&r).q[0].ierrors, 3);
	CHECK_EQ(rig_sim(&r).rx_bad_len, 3);
	CHECK_EQ(rig_sim(&r).faults_injected, 3);
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], warns + 1);  /* reported once, then counted */
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "bad completion"));
	/* The queue keeps working. */
	CHECK_EQ(rig_send(&r, 20), 20);
	CHECK_EQ(rig_recv(&r), 20);
	CHECK_EQ(r.rx.gaps, 3);
	rig_down(&r);
}

/*
 * A device that lies in ways the address check must catch: another
 * descriptor's (mapped) address, a completion written twice, a completion
 * before the data; and one it cannot: a wrong length that still fits,
 * delivered as such.  Each is dropped or delivered with its buffer
 * recycled, and nothing is lost (rig_down).
 */
static void test_rx_device_lies(void)
{
	struct rig r;
	struct bump_pkt p;
	uint64_t gaps;

	rig_up(&r, "sim");
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_OTHER_ADDR, 2), 0);
	CHECK_EQ(rig_send(&r, 10), 10);
	CHECK_EQ(rig_recv(&r), 8);
	CHECK_EQ(r.rx.gaps, 2);
	CHECK_EQ(rig_sim(&r).rx_bad_addr, 2);
	/* Written twice: the frame arrives, its copy in the next descriptor is refused. */
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_DUP, 1), 0);
	CHECK_EQ(rig_send(&r, 4), 4);
	CHECK_EQ(rig_recv(&r), 4);
	CHECK_EQ(r.rx.gaps, 2);
	CHECK_EQ(rig_sim(&r).rx_bad_addr, 3);
	/* Done before the data: length 0, refused, that frame lost. */
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_EARLY, 1), 0);
	CHECK_EQ(rig_send(&r, 4), 4);
	CHECK_EQ(rig_recv(&r), 3);
	CHECK_EQ(r.rx.gaps, 3);
	CHECK_EQ(rig_sim(&r).rx_bad_len, 1);
	/* A wrong length inside the buffer cannot be told: delivered as the device says. */
	gaps = r.rx.gaps;
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_WRONG_LEN, 1), 0);
	CHECK_EQ(rig_send(&r, 1), 1);
	CHECK_EQ(bump_port_rx_burst(r.port, 0, &p, 1), 1);
	CHECK_EQ(p.len, 201);
	CHECK_EQ(bump_pkt_check(&p), 0);
	CHECK_EQ(bump_pkt_free(&p), 0);
	CHECK_EQ(r.rx.gaps, gaps);
	CHECK_EQ(rig_sim(&r).faults_injected, 5);
	rig_down(&r);
}

/* A completion for an address the driver never posted (outside every arena). */
static void test_rx_bad_address(void)
{
	struct rig r;

	rig_up(&r, "sim");
	CHECK_EQ(rig_send(&r, 4), 4);
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_BAD_ADDR, 2), 0);
	CHECK_EQ(rig_send(&r, 6), 6);
	CHECK_EQ(rig_recv(&r), 8);
	CHECK_EQ(r.rx.gaps, 2);
	CHECK_EQ(rig_stats(&r).q[0].ierrors, 2);
	CHECK_EQ(rig_sim(&r).rx_bad_addr, 2);
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "0xdead0000dead0000"));
	CHECK_EQ(rig_send(&r, 10), 10);
	CHECK_EQ(rig_recv(&r), 10);
	rig_down(&r);
}

/* A lost TX completion is detected as soon as the device's head passes it. */
static void test_tx_lost_detected(void)
{
	struct rig r;
	int warns;

	rig_up(&r, "sim");
	warns = tlog.lines[BUMP_LOG_WARN];
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_LOST, 2), 0);
	CHECK_EQ(rig_send(&r, 10), 10);
	/* Said once, naming the port and queue, then counted. */
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], warns + 1);
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], " TX queue 0: the device passed descriptor "));
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "without completing it"));
	CHECK_EQ(fx_inflight(r.txp), 0);  /* all ten reclaimed, the lost two included */
	CHECK_EQ(rig_recv(&r), 10);       /* the frames went out; only the write-back was lost */
	CHECK_EQ(rig_sim(&r).tx_lost, 2);
	CHECK_EQ(rig_stats(&r).q[0].oerrors, 2);
	rig_down(&r);
}

/* Lost completions still in the ring at stop are reclaimed there. */
static void test_tx_lost_reclaimed_by_stop(void)
{
	struct rig r;

	rig_up(&r, "sim:step=manual");
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_LOST, 5), 0);
	CHECK_EQ(rig_send(&r, 5), 5);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 5);
	CHECK_EQ(rig_recv(&r), 5);
	CHECK_EQ(fx_inflight(r.txp), 5);  /* the driver has not looked yet */
	CHECK_EQ(bump_port_stop(r.port), 0);
	CHECK_EQ(fx_inflight(r.txp), 0);
	CHECK_EQ(rig_sim(&r).tx_reclaimed, 5);
	CHECK_EQ(bump_port_start(r.port), 0);
	/* One lost in the middle: the ones after it complete, the lost one is found. */
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_LOST, 1), 0);
	CHECK_EQ(rig_send(&r, 3), 3);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 3);
	CHECK_EQ(rig_send(&r, 0), 0);  /* reclaims */
	CHECK_EQ(fx_inflight(r.txp), 0);
	CHECK_EQ(rig_sim(&r).tx_lost, 1);
	CHECK_EQ(rig_recv(&r), 3);
	rig_down(&r);
}

/*
 * TX completions the driver must not trust: written twice (also into the
 * next descriptor, not sent yet), written before the frame was read, written
 * into a descriptor never posted.  Freeing on such a DD would hand the
 * device a buffer back in the pool (a DMA fault, or another packet's bytes
 * sent); the driver waits for the device's head, counts, and loses nothing.
 */
static void test_tx_dup_early_bogus(void)
{
	struct rig r;
	int warns;

	rig_up(&r, "sim:step=manual,check=1");
	warns = tlog.lines[BUMP_LOG_WARN];
	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_DUP, 1), 0);
	CHECK_EQ(rig_send(&r, 3), 3);
	CHECK_EQ(bump_sim_device_step(r.port, 1), 1);   /* sends one, DD on the next too */
	CHECK_EQ(rig_send(&r, 0), 0);                   /* reclaims */
	CHECK_EQ(fx_inflight(r.txp), 2);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 2);
	CHECK_EQ(rig_recv(&r), 3);
	CHECK_EQ(rig_sim(&r).tx_early, 1);

	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_EARLY, 1), 0);
	CHECK_EQ(rig_send(&r, 2), 2);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 0);  /* DD only */
	CHECK_EQ(rig_send(&r, 0), 0);
	CHECK_EQ(fx_inflight(r.txp), 2);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 2);
	CHECK_EQ(rig_recv(&r), 2);
	CHECK_EQ(rig_sim(&r).tx_early, 2);
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], warns + 1);  /* once per queue and kind */
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], " TX queue 0: descriptor 1 completed before the "
		     "device passed it"));

	CHECK_EQ(bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_BOGUS, 1), 0);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 0);  /* DD where nothing was posted */
	CHECK_EQ(rig_send(&r, 2), 2);
	CHECK_EQ(rig_send(&r, 0), 0);
	CHECK_EQ(fx_inflight(r.txp), 2);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 2);
	CHECK_EQ(rig_recv(&r), 2);
	CHECK_EQ(rig_sim(&r).tx_bogus, 1);
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], warns + 2);
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], " TX queue 0: descriptor "));
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "was completed before it was posted"));

	CHECK_EQ(rig_send(&r, 0), 0);
	CHECK_EQ(fx_inflight(r.txp), 0);
	CHECK_EQ(r.rx.gaps, 0);
	CHECK_EQ(rig_sim(&r).dma_faults, 0);
	CHECK_EQ(rig_sim(&r).sink_bad_csum, 0);
	CHECK_EQ(rig_stats(&r).q[0].oerrors, 0);
	CHECK_EQ(rig_sim(&r).faults_injected, 3);
	rig_down(&r);
}

/* Link down while traffic runs: rx returns 0, tx refuses, in-flight frames drop; then back. */
static void test_link_down_under_traffic(void)
{
	struct rig r;
	struct bump_port_link link;
	struct bump_sim_stats ss;
	uint64_t before;

	rig_up(&r, "sim:step=manual");
	CHECK_EQ(rig_send(&r, 10), 10);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 10);  /* ten frames wait in the RX ring */
	CHECK_EQ(rig_send(&r, 4), 4);                    /* four wait in the TX ring */
	CHECK_EQ(bump_sim_link_set(r.port, false), 0);
	CHECK_EQ(bump_port_link_get(r.port, &link), 0);
	CHECK(!link.up);
	CHECK_EQ(rig_recv(&r), 0);
	before = rig_stats(&r).q[0].oerrors;
	CHECK_EQ(rig_send(&r, 6), 0);                    /* refused: the caller freed them */
	CHECK_EQ(rig_stats(&r).q[0].oerrors, before + 6);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 4);   /* the device drops what was queued */
	ss = rig_sim(&r);
	CHECK_EQ(ss.tx_link_refused, 6);
	CHECK_EQ(ss.link_drops, 4);
	CHECK_EQ(rig_send(&r, 0), 0);                    /* their completions reclaimed */
	CHECK_EQ(fx_inflight(r.txp), 0);

	CHECK_EQ(bump_sim_link_set(r.port, true), 0);
	CHECK_EQ(bump_port_link_get(r.port, &link), 0);
	CHECK(link.up);
	CHECK_EQ(rig_recv(&r), 10);  /* what had arrived before the link went down */
	CHECK_EQ(rig_send(&r, 8), 8);
	CHECK_EQ(bump_sim_device_step(r.port, 64), 8);
	CHECK_EQ(rig_recv(&r), 8);
	CHECK_EQ(r.rx.gaps, 10);     /* the 4 dropped and 6 refused */
	CHECK_EQ(r.rx.reorders, 0);
	rig_down(&r);
}

/* Frames for a port whose link is down are dropped on its side and counted as missed. */
static void test_link_down_receiver(void)
{
	struct fx fx;
	struct bump_pool *rxa, *rxb, *txp;
	struct bump_port *a, *b;
	struct bump_port_info ib;
	struct bump_port_stats st;
	struct bump_pkt pkts[8];
	char args[32];

	fx_up(&fx, PAGES);
	rxa = fx_pool(&fx, "rxa", true);
	rxb = fx_pool(&fx, "rxb", true);
	txp = fx_pool(&fx, "tx", true);
	b = fx_port("sim", &rxb, 1, true);
	bump_port_info_get(b, &ib);
	snprintf(args, sizeof(args), "sim:peer=%u", ib.id);
	a = fx_port(args, &rxa, 1, true);
	CHECK_EQ(bump_sim_link_set(b, false), 0);
	for (uint64_t i = 0; i < 8; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, i));
	CHECK_EQ(bump_port_tx_burst(a, 0, pkts, 8), 8);
	CHECK_EQ(bump_port_get_stats(b, &st), 0);
	CHECK_EQ(st.q[0].imissed, 8);
	CHECK_EQ(bump_sim_link_set(b, true), 0);
	CHECK_EQ(bump_port_rx_burst(b, 0, pkts, 8), 0);
	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_close(b), 0);
	fx_pool_done(rxa);
	fx_pool_done(rxb);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* A DMA device whose IOVAs are not the sim's (VA + 1 TiB): the sim's IOMMU refuses them. */
static int offset_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	m->iova_base = (uint64_t)(uintptr_t)m->va + (1ull << 40);
	m->linear = true;
	m->contig = m->len;
	return 0;
}

static int offset_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	(void)m;
	return 0;
}

static int offset_iova(const struct bump_dma_map *m, const void *va, size_t len, uint64_t *iova)
{
	(void)len;
	*iova = m->iova_base + ((uintptr_t)va - (uintptr_t)m->va);
	return 0;
}

static const struct bump_dma_ops offset_ops = {
	.name = "offset", .map = offset_map, .unmap = offset_unmap, .iova = offset_iova,
};

static void test_dma_faults(void)
{
	struct fx fx;
	struct bump_dma_dev *dev;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[8];
	struct bump_port_stats st;
	struct bump_sim_stats ss;
	struct bump_pool_params pp;

	fx_up(&fx, PAGES);
	CHECK_EQ(bump_dma_dev_open(&offset_ops, "offset", NULL, &dev), 0);
	pp = (struct bump_pool_params){ .name = "foreign-rx", .arena = fx.arena,
					.nid = BUMP_NUMA_ANY, .flags = BUMP_POOL_F_DMA_MAP,
					.dma_dev = dev };
	CHECK_EQ(bump_pool_create(&pp, &rxp), 0);
	pp.name = "foreign-tx";
	CHECK_EQ(bump_pool_create(&pp, &txp), 0);
	port = fx_port("sim", &rxp, 1, true);
	for (uint64_t i = 0; i < 8; i++)
		CHECK(fx_frame_pkt(txp, &pkts[i], 64, 0, i));
	/* TX: the device cannot read them: completed with an error, freed, oerrors. */
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 8), 8);
	CHECK_EQ(fx_inflight(txp), 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].oerrors, 8);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.dma_faults, 8);
	CHECK_EQ(ss.tx_tx_errors, 8);
	CHECK_EQ(ss.rx_frames, 0);
	CHECK_EQ(bump_port_close(port), 0);

	/* RX: frames from a good pool land on descriptors the device cannot write. */
	struct bump_pool *good = fx_pool(&fx, "good-tx", true);

	port = fx_port("sim", &rxp, 1, true);
	for (uint64_t i = 0; i < 8; i++)
		CHECK(fx_frame_pkt(good, &pkts[i], 64, 0, i));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 8), 8);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 8), 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].ierrors, 8);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.rx_desc_errors, 8);
	CHECK_EQ(ss.dma_faults, 8);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(good);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	CHECK_EQ(bump_dma_dev_close(dev), 0);  /* every mapping undone */
	fx_down(&fx);
}

/* A packet from a pool without DMA mapping cannot be sent: dropped, counted, freed. */
static void test_tx_unmapped(void)
{
	struct rig r;
	struct bump_pool *plain;
	struct bump_pkt p;

	rig_up(&r, "sim");
	plain = fx_pool(&r.fx, "plain", false);
	CHECK(fx_frame_pkt(plain, &p, 64, 0, 0));
	CHECK_EQ(bump_port_tx_burst(r.port, 0, &p, 1), 1);
	CHECK_EQ(fx_inflight(plain), 0);
	CHECK_EQ(rig_sim(&r).tx_unmapped, 1);
	CHECK_EQ(rig_stats(&r).q[0].oerrors, 1);
	CHECK_EQ(rig_recv(&r), 0);
	fx_pool_done(plain);
	rig_down(&r);
}

/* Every fault, over and over, during a long run: each frame arrives intact or is counted. */
static void test_faults_under_traffic(void)
{
	struct rig r;
	struct bump_port_stats st;
	struct bump_sim_stats ss;
	uint64_t received = 0, sent = 0;

	rig_up(&r, "sim");
	for (int round = 0; round < 2000; round++) {
		if (round % 7 == 0)
			bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_BAD_LEN, 1);
		if (round % 11 == 0)
			bump_sim_inject(r.port, BUMP_SIM_FAULT_RX_BAD_ADDR, 1);
		if (round % 5 == 0)
			bump_sim_inject(r.port, BUMP_SIM_FAULT_TX_LOST, 1);
		if (round % 97 == 0)
			bump_sim_link_set(r.port, false);
		if (round % 97 == 3)
			bump_sim_link_set(r.port, true);
		sent += rig_send(&r, 16);
		received += rig_recv(&r);
	}
	bump_sim_link_set(r.port, true);
	received += rig_recv(&r);
	st = rig_stats(&r);
	ss = rig_sim(&r);
	CHECK_EQ(r.rx.reorders, 0);
	CHECK_EQ(received + ss.rx_bad_len + ss.rx_bad_addr, sent);
	CHECK_EQ(st.total.ierrors, ss.rx_bad_len + ss.rx_bad_addr);
	CHECK(ss.rx_bad_len > 200 && ss.rx_bad_addr > 100 && ss.tx_lost > 300);
	CHECK(ss.tx_link_refused > 0);
	CHECK_EQ(fx_inflight(r.txp), 0);
	rig_down(&r);
}

int main(void)
{
	bump_log_set_handler(test_log_handler, &tlog);  /* expected warnings, asserted on */
	TEST_RUN(test_rx_bad_length);
	TEST_RUN(test_rx_bad_address);
	TEST_RUN(test_rx_device_lies);
	TEST_RUN(test_tx_lost_detected);
	TEST_RUN(test_tx_lost_reclaimed_by_stop);
	TEST_RUN(test_tx_dup_early_bogus);
	TEST_RUN(test_link_down_under_traffic);
	TEST_RUN(test_link_down_receiver);
	TEST_RUN(test_dma_faults);
	TEST_RUN(test_tx_unmapped);
	TEST_RUN(test_faults_under_traffic);
	return test_exit();
}
