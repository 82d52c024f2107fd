/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/port (every public function and its error paths, with
 * the sim driver and a test driver that records which ops lib/port calls)
 * and for the packet handle helpers of bump_pkt.h.
 */
#include "fwd_fixture.h"

#include <stdlib.h>

#define PAGES 2048

/* ---- A driver that only records calls: lib/port's checks in isolation ---- */

static struct {
	int open, rxq_setup, txq_setup, start, stop, close;
	int fail_open;
} dummy;

static int dummy_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);

	dummy.open++;
	if (dummy.fail_open)
		return bump_error(EIO, "dummy: open refused (test)");
	info->max_rx_queues = 2;
	info->max_tx_queues = 3;
	bump_port_set_priv(port, (void *)args);
	return 0;
}

static int dummy_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	dummy.rxq_setup++;
	if (conf->ring_size == 1)
		return bump_error(EINVAL, "dummy: ring_size 1 refused (test)");
	bump_port_set_queue(port, true, qid, port);
	return 0;
}

static int dummy_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	(void)conf;
	dummy.txq_setup++;
	bump_port_set_queue(port, false, qid, port);
	return 0;
}

static int dummy_start(struct bump_port *port)
{
	(void)port;
	dummy.start++;
	return 0;
}

static int dummy_stop(struct bump_port *port)
{
	(void)port;
	dummy.stop++;
	return 0;
}

static void dummy_close(struct bump_port *port)
{
	(void)port;
	dummy.close++;
}

/* Returns n for a queue that exists, so a test sees which function ran. */
static uint16_t dummy_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	(void)pkts;
	return queue ? n : 0;
}

static const struct bump_port_driver dummy_driver = {
	.name = "dummy",
	.open = dummy_open,
	.rxq_setup = dummy_rxq_setup,
	.txq_setup = dummy_txq_setup,
	.start = dummy_start,
	.stop = dummy_stop,
	.close = dummy_close,
	.rx_burst = dummy_burst,
	.tx_burst = dummy_burst,
};

static struct fx fx;
static struct bump_pool *mapped_pool;

static void test_driver_registry(void)
{
	struct bump_port_driver bad = dummy_driver;

	CHECK_EQ(bump_port_driver_register(&dummy_driver), 0);
	CHECK_EQ(bump_port_driver_register(&dummy_driver), -EEXIST);
	CHECK_ERROR_SAYS("already registered");
	CHECK_EQ(bump_port_driver_register(NULL), -EINVAL);
	bad.name = "bad:name";
	CHECK_EQ(bump_port_driver_register(&bad), -EINVAL);
	CHECK_ERROR_SAYS("no ':'");
	bad.name = "noburst";
	bad.rx_burst = NULL;
	CHECK_EQ(bump_port_driver_register(&bad), -EINVAL);
}

/*
 * A bus (drivers/bus/vfio's shape): open alone, handing each port to the
 * device driver's ops; "nohand" forgets to.
 */
static int dummy_bus_open(struct bump_port *port, const char *args)
{
	int ret = dummy_open(port, args);

	if (ret || !strcmp(args, "nohand"))
		return ret;
	return bump_port_set_ops(port, &dummy_driver);
}

static const struct bump_port_driver dummy_bus = { .name = "dummybus", .open = dummy_bus_open };

static void test_bus_driver(void)
{
	struct bump_port_driver partial = { .name = "partial", .open = dummy_open,
					    .close = dummy_close };
	struct bump_rxq_conf rc = { .pool = mapped_pool };
	struct bump_txq_conf tc = { 0 };
	struct bump_port_info info;
	struct bump_port *port = NULL;
	struct bump_pkt pkts[4];

	CHECK_EQ(bump_port_driver_register(&dummy_bus), 0);
	CHECK_EQ(bump_port_driver_register(&partial), -EINVAL);  /* neither a driver nor a bus */
	CHECK_ERROR_SAYS("a bus: open alone");

	/* A bus that opens without handing the port on is refused, not called later. */
	CHECK_EQ(bump_port_open("dummybus:nohand", &port), -EPROTO);
	CHECK_ERROR_SAYS("without handing it to a device driver");

	memset(&dummy, 0, sizeof(dummy));
	CHECK_EQ(bump_port_open("dummybus:x", &port), 0);
	CHECK_EQ(bump_port_info_get(port, &info), 0);
	CHECK(strcmp(info.driver, "dummybus") == 0);  /* the bus's name stays */
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(dummy.rxq_setup, 1);
	CHECK_EQ(dummy.txq_setup, 1);
	/* Ops are handed over in open only. */
	CHECK_EQ(bump_port_set_ops(port, &dummy_driver), -EBUSY);
	CHECK_EQ(bump_port_start(port), 0);
	/* The device driver's bursts themselves: no call of the bus's in between. */
	CHECK(__bump_port_fast(port)->rx_burst == dummy_burst);
	CHECK(__bump_port_fast(port)->tx_burst == dummy_burst);
	memset(pkts, 0, sizeof(pkts));
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 4), 4);
	CHECK_EQ(bump_port_close(port), 0);
	CHECK_EQ(dummy.stop, 1);
	CHECK_EQ(dummy.close, 1);
}

static void test_open_errors(void)
{
	struct bump_port *port = NULL;

	CHECK_EQ(bump_port_open(NULL, &port), -EINVAL);
	CHECK_EQ(bump_port_open("", &port), -EINVAL);
	CHECK_EQ(bump_port_open("sim:", NULL), -EINVAL);
	CHECK_EQ(bump_port_open("nosuch:eth0", &port), -ENOENT);
	CHECK_ERROR_SAYS("no driver named 'nosuch'");
	CHECK_ERROR_SAYS("registered drivers: ");
	CHECK_ERROR_SAYS("sim");
	CHECK_ERROR_SAYS("dummy");
	CHECK_EQ(bump_port_open("si:x", &port), -ENOENT);  /* a prefix of a name is not the name */
	CHECK_EQ(bump_port_open("sim:mode=warp", &port), -EINVAL);
	CHECK_ERROR_SAYS("mode=loopback");
	CHECK_EQ(bump_port_open("sim:colour=blue", &port), -EINVAL);
	CHECK_ERROR_SAYS("unknown devargs key 'colour'");
	CHECK_EQ(bump_port_open("sim:queues=17", &port), -EINVAL);
	CHECK_ERROR_SAYS("from 1 to 16");
	CHECK_EQ(bump_port_open("sim:queues", &port), -EINVAL);
	CHECK_ERROR_SAYS("key=value");
	CHECK_EQ(bump_port_open("sim:mac=01:00:00:00:00:01", &port), -EINVAL);
	CHECK_ERROR_SAYS("multicast");
	CHECK_EQ(bump_port_open("sim:mac=02:00", &port), -EINVAL);
	CHECK_EQ(bump_port_open("sim:thread=1,step=manual", &port), -EINVAL);
	CHECK_ERROR_SAYS("exclude each other");
	CHECK_EQ(bump_port_open("sim:mode=gen,peer=1", &port), -EINVAL);
	CHECK_EQ(bump_port_open("sim:cpu=1", &port), -EINVAL);
	CHECK_ERROR_SAYS("thread=1");
	CHECK_EQ(bump_port_open("sim:mode=gen,size=20", &port), -EINVAL);
	/* A key given twice is a mistake, not last-wins (issue 10 item 10), in every parser. */
	{
		static const struct { const char *devargs, *says; } twice[] = {
			{ "sim:mode=gen,mode=sink", "'mode' is given twice" },
			{ "vfio:0000:ff:1f.7,noiommu=1,noiommu=0", "'noiommu' is given twice" },
			{ "afxdp:lo,queue=0,queue=0", "'queue' is given twice" },
			{ "afxdp:lo,iface=lo", "'iface' is given twice" },
		};

		for (unsigned i = 0; i < BUMP_ARRAY_SIZE(twice); i++) {
			int ret = bump_port_open(twice[i].devargs, &port);

			if (ret == -ENOENT && !strncmp(twice[i].devargs, "afxdp:", 6))
				continue;  /* built without AF_XDP */
			CHECK_EQ(ret, -EINVAL);
			CHECK_ERROR_SAYS(twice[i].says);
			if (!ret)
				bump_port_close(port);
			port = NULL;
		}
	}
	dummy.fail_open = 1;
	CHECK_EQ(bump_port_open("dummy:", &port), -EIO);
	dummy.fail_open = 0;
	CHECK(port == NULL);
	/* Failed opens gave their ids back: a whole table can still be opened. */
}

static void test_open_info_close(void)
{
	struct bump_port *a = NULL, *b = NULL, *c = NULL;
	struct bump_port_info info;
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	CHECK_EQ(bump_port_open("sim:queues=4,mac=02:11:22:33:44:55", &a), 0);
	CHECK_EQ(bump_port_open("sim", &b), 0);  /* no args at all */
	CHECK_EQ(bump_port_info_get(a, &info), 0);
	CHECK(!strcmp(info.driver, "sim"));
	CHECK(!strcmp(info.name, "sim:queues=4,mac=02:11:22:33:44:55"));
	CHECK_EQ(info.max_rx_queues, 4);
	CHECK_EQ(info.max_tx_queues, 4);
	CHECK_EQ(info.nb_rx_queues, 0);
	CHECK_EQ(info.nb_tx_queues, 0);
	CHECK(!memcmp(info.mac, mac, 6));
	CHECK_EQ(info.mtu, 1500);
	CHECK(info.max_rx_pktlen >= 1518);
	CHECK(info.dma_dev == bump_sim_dma_dev());
	CHECK(info.dma_dev != NULL);
	uint16_t id_a = info.id;

	CHECK_EQ(bump_port_info_get(b, &info), 0);
	CHECK(info.id != id_a);
	CHECK_EQ(info.max_rx_queues, 1);
	CHECK_EQ(info.mac[5], (uint8_t)info.id);  /* default MAC: 02:53:49:4d:00:<id> */
	CHECK_EQ(bump_port_info_get(NULL, &info), -EINVAL);
	CHECK_EQ(bump_port_info_get(a, NULL), -EINVAL);

	CHECK_EQ(bump_port_close(a), 0);
	CHECK_EQ(bump_port_open("sim", &c), 0);  /* the lowest free id comes back */
	CHECK_EQ(bump_port_info_get(c, &info), 0);
	CHECK_EQ(info.id, id_a);
	CHECK_EQ(bump_port_close(b), 0);
	CHECK_EQ(bump_port_close(c), 0);
	CHECK_EQ(bump_port_close(NULL), -EINVAL);
}

static void test_port_table_full(void)
{
	struct bump_port *ports[BUMP_PORT_MAX], *extra = NULL;

	for (int i = 0; i < BUMP_PORT_MAX; i++)
		CHECK_EQ(bump_port_open("dummy:", &ports[i]), 0);
	CHECK_EQ(bump_port_open("sim", &extra), -ENOSPC);
	CHECK_ERROR_SAYS("close one");
	for (int i = 0; i < BUMP_PORT_MAX; i++)
		CHECK_EQ(bump_port_close(ports[i]), 0);
	CHECK_EQ(bump_port_open("sim", &extra), 0);
	CHECK_EQ(bump_port_close(extra), 0);
}

/* lib/port's state machine, seen through which driver ops it lets through. */
static void test_state_checks(void)
{
	struct bump_port *port = NULL;
	struct bump_rxq_conf rc = { .pool = mapped_pool };
	struct bump_txq_conf tc = { 0 };
	struct bump_port_info info;
	struct bump_pkt pkts[4];
	struct bump_port_link link;
	struct bump_port_stats st;

	memset(&dummy, 0, sizeof(dummy));
	/* Real handles: bump_port_tx_burst() refuses ones that name no buffer (the dummy keeps none). */
	for (unsigned i = 0; i < 4; i++)
		pkts[i] = (struct bump_pkt){ .ref = bump_pool_ref(mapped_pool, bump_pool_alloc(mapped_pool)),
					     .len = 60 };
	CHECK_EQ(bump_port_open("dummy:abc", &port), 0);
	CHECK(!strcmp(bump_port_priv(port), "abc"));  /* the args after the colon */
	CHECK_EQ(bump_port_start(port), -EINVAL);
	CHECK_ERROR_SAYS("no queue is set up");
	CHECK_EQ(dummy.start, 0);
	/* Ids out of range never reach the driver. */
	CHECK_EQ(bump_port_rxq_setup(port, 2, &rc), -EINVAL);
	CHECK_ERROR_SAYS("rx queue 2 does not exist");
	CHECK_ERROR_SAYS("ids 0..1");
	CHECK_EQ(bump_port_txq_setup(port, 3, &tc), -EINVAL);
	CHECK_EQ(bump_port_rxq_setup(port, 0, NULL), -EINVAL);
	CHECK_EQ(bump_port_rxq_setup(NULL, 0, &rc), -EINVAL);
	rc.pool = NULL;
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EINVAL);
	CHECK_ERROR_SAYS("needs a pool");
	rc.pool = mapped_pool;
	CHECK_EQ(dummy.rxq_setup + dummy.txq_setup, 0);
	/* A hole: queue 1 without queue 0. */
	CHECK_EQ(bump_port_rxq_setup(port, 1, &rc), 0);
	CHECK_EQ(bump_port_start(port), -EINVAL);
	CHECK_ERROR_SAYS("rx queue 0 is not");
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 2, &tc), 0);
	CHECK_EQ(bump_port_start(port), -EINVAL);
	CHECK_ERROR_SAYS("tx queue 0 is not");
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 1, &tc), 0);
	CHECK_EQ(bump_port_info_get(port, &info), 0);
	CHECK_EQ(info.nb_rx_queues, 2);
	CHECK_EQ(info.nb_tx_queues, 3);
	/* Stopped: bursts return 0 whatever the driver would do. */
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 4), 0);
	CHECK_EQ(bump_port_start(port), 0);
	CHECK_EQ(dummy.start, 1);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 4), 4);
	CHECK_EQ(bump_port_tx_burst(port, 2, pkts, 3), 3);
	CHECK_EQ(bump_port_tx_burst(port, 5, pkts, 3), 0);  /* not set up: NULL queue */
	CHECK(__bump_port_fast(port)->rxq[1] == port);
	CHECK_EQ(bump_port_start(port), -EALREADY);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EBUSY);
	CHECK_ERROR_SAYS("bump_port_stop()");
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), -EBUSY);
	CHECK_EQ(dummy.rxq_setup, 2);
	/* Ops the driver lacks. */
	CHECK_EQ(bump_port_link_get(port, &link), -ENOTSUP);
	CHECK_EQ(bump_port_get_stats(port, &st), -ENOTSUP);
	CHECK_EQ(bump_port_stats_reset(port), -ENOTSUP);
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(bump_port_stop(port), 0);  /* again: nothing to do */
	CHECK_EQ(dummy.stop, 1);
	CHECK_EQ(bump_port_tx_burst(port, 2, pkts, 3), 0);
	CHECK_EQ(bump_port_start(port), 0);
	CHECK_EQ(bump_port_close(port), 0);  /* stops first */
	CHECK_EQ(dummy.stop, 2);
	CHECK_EQ(dummy.close, 1);
	CHECK_EQ(bump_port_start(NULL), -EINVAL);
	CHECK_EQ(bump_port_stop(NULL), -EINVAL);
	CHECK_EQ(bump_port_link_get(NULL, &link), -EINVAL);
	CHECK_EQ(bump_port_get_stats(NULL, &st), -EINVAL);
	CHECK_EQ(bump_port_stats_reset(NULL), -EINVAL);
	CHECK_EQ(bump_pkt_free_bulk(pkts, 4), 0);
}

/* A failed re-setup takes the queue out: start goes without it, bursts on it return 0. */
static void test_failed_resetup(void)
{
	struct bump_port *port = NULL;
	struct bump_rxq_conf rc = { .pool = mapped_pool };
	struct bump_txq_conf tc = { 0 };
	struct bump_port_info info;
	struct bump_pkt pkts[2];

	CHECK_EQ(bump_port_open("dummy:", &port), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 1, &rc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	rc.ring_size = 1;
	CHECK_EQ(bump_port_rxq_setup(port, 1, &rc), -EINVAL);
	CHECK_EQ(bump_port_info_get(port, &info), 0);
	CHECK_EQ(info.nb_rx_queues, 1);
	CHECK(__bump_port_fast(port)->rxq[1] == NULL);
	CHECK_EQ(bump_port_start(port), 0);
	CHECK_EQ(bump_port_rx_burst(port, 0, pkts, 2), 2);
	CHECK_EQ(bump_port_rx_burst(port, 1, pkts, 2), 0);
	CHECK_EQ(bump_port_close(port), 0);
}

/* What the sim driver itself refuses at setup. */
static void test_sim_setup_errors(void)
{
	struct bump_pool *plain = fx_pool(&fx, "unmapped", false);
	struct bump_port *port = NULL, *gen = NULL;
	struct bump_rxq_conf rc = { .pool = plain };
	struct bump_txq_conf tc = { .ring_size = 100 };
	struct bump_sim_stats ss;

	CHECK_EQ(bump_port_open("sim:queues=2", &port), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EINVAL);
	CHECK_ERROR_SAYS("BUMP_POOL_F_DMA_MAP");
	rc.pool = mapped_pool;
	rc.ring_size = 48;
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EINVAL);
	CHECK_ERROR_SAYS("power of two");
	rc.ring_size = 8192;
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EINVAL);
	rc.ring_size = 64;
	rc.headroom = 4090;
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -EINVAL);
	CHECK_ERROR_SAYS("headroom");
	rc.headroom = 0;
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), -EINVAL);
	tc.ring_size = 0;
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);
	CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), 0);  /* a second setup replaces the first */
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(bump_port_txq_setup(port, 0, &tc), 0);
	CHECK_EQ(bump_sim_device_step(port, 8), -EAGAIN);
	CHECK_ERROR_SAYS("bump_port_start()");
	CHECK_EQ(bump_port_close(port), 0);

	/* Generated frames must fit the buffers. */
	CHECK_EQ(bump_port_open("sim:mode=gen,size=4000", &gen), 0);
	rc.ring_size = 0;
	CHECK_EQ(bump_port_rxq_setup(gen, 0, &rc), -EINVAL);
	CHECK_ERROR_SAYS("size=");
	CHECK_EQ(bump_port_close(gen), 0);

	/* The sim functions refuse other ports. */
	CHECK_EQ(bump_port_open("dummy:", &port), 0);
	CHECK_EQ(bump_sim_get_stats(port, &ss), -EINVAL);
	CHECK_ERROR_SAYS("not a sim port");
	CHECK_EQ(bump_sim_inject(port, BUMP_SIM_FAULT_TX_LOST, 1), -EINVAL);
	CHECK_EQ(bump_sim_link_set(port, false), -EINVAL);
	CHECK_EQ(bump_sim_device_step(port, 1), -EINVAL);
	CHECK_EQ(bump_sim_get_stats(NULL, &ss), -EINVAL);
	CHECK_EQ(bump_port_close(port), 0);
	CHECK_EQ(bump_port_open("sim", &port), 0);
	CHECK_EQ(bump_sim_inject(port, BUMP_SIM_FAULT_MAX, 1), -EINVAL);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(plain);
}

static void test_link(void)
{
	struct bump_port *port = fx_port("sim:mode=loopback", &mapped_pool, 1, true);
	struct bump_port_link link;

	CHECK_EQ(bump_port_link_get(port, &link), 0);
	CHECK(link.up);
	CHECK(link.full_duplex);
	CHECK_EQ(link.speed_mbps, 100000);
	CHECK_EQ(bump_sim_link_set(port, false), 0);
	CHECK_EQ(bump_port_link_get(port, &link), 0);
	CHECK(!link.up);
	CHECK_EQ(link.speed_mbps, 0);
	CHECK_EQ(bump_sim_link_set(port, true), 0);
	CHECK_EQ(bump_port_link_get(port, &link), 0);
	CHECK(link.up);
	CHECK_EQ(bump_port_link_get(port, NULL), -EINVAL);
	CHECK_EQ(bump_port_close(port), 0);
	CHECK_EQ(fx_inflight(mapped_pool), 0);
}

/* Send @n frames on queue 0 of a loopback port and receive them. */
static unsigned loop_frames(struct bump_port *port, struct bump_pool *pool, unsigned n,
			    uint64_t *seq)
{
	struct bump_pkt pkts[32];
	unsigned got = 0;

	for (unsigned i = 0; i < n; i++)
		CHECK(fx_frame_pkt(pool, &pkts[i], 100, 0, (*seq)++));
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, (uint16_t)n), n);
	got = bump_port_rx_burst(port, 0, pkts, 32);
	for (unsigned i = 0; i < got; i++)
		fx_check_pkt(&pkts[i]);
	CHECK_EQ(bump_pkt_free_bulk(pkts, got), 0);
	return got;
}

static void test_stats(void)
{
	struct bump_pool *txp = fx_pool(&fx, "tx", true);
	struct bump_port *port = fx_port("sim:mode=loopback", &mapped_pool, 1, true);
	struct bump_port_stats st;
	uint64_t seq = 0;

	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.ipackets + st.total.opackets, 0);
	CHECK_EQ(loop_frames(port, txp, 10, &seq), 10);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].ipackets, 10);
	CHECK_EQ(st.q[0].ibytes, 1000);
	CHECK_EQ(st.q[0].opackets, 10);
	CHECK_EQ(st.q[0].obytes, 1000);
	CHECK_EQ(st.total.ipackets, 10);
	CHECK_EQ(st.total.opackets, 10);
	CHECK_EQ(st.total.ierrors + st.total.oerrors + st.total.imissed + st.total.rx_nombuf, 0);
	CHECK_EQ(bump_port_stats_reset(port), 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.ipackets + st.total.opackets + st.q[0].ibytes, 0);
	CHECK_EQ(loop_frames(port, txp, 3, &seq), 3);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.q[0].ipackets, 3);
	CHECK_EQ(st.total.obytes, 300);
	CHECK_EQ(bump_port_get_stats(port, NULL), -EINVAL);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(txp);
	CHECK_EQ(fx_inflight(mapped_pool), 0);
}

/* ---- bump_pkt.h ----------------------------------------------------------- */

static void test_pkt_helpers(void)
{
	/* Checked: the case asserts that a freed handle is refused. */
	struct bump_pool *pool = fx_pool_flags(&fx, "pkt", true, BUMP_POOL_F_CHECKED);
	uint8_t *buf = bump_pool_alloc(pool);
	struct bump_pkt p = { .ref = bump_pool_ref(pool, buf), .off = 128, .len = 60 }, c, many[3];

	CHECK(bump_pkt_data(&p) == buf + 128);
	CHECK_EQ(bump_pkt_room(&p), 4096 - 128);
	memset(bump_pkt_data(&p), 0xab, 60);
	/* adj strips a header; it cannot strip more than the packet. */
	CHECK(bump_pkt_adj(&p, 14) == buf + 142);
	CHECK_EQ(p.len, 46);
	CHECK(bump_pkt_adj(&p, 47) == NULL);
	CHECK_EQ(p.len, 46);
	CHECK(bump_pkt_adj(&p, 46) == buf + 188);
	CHECK_EQ(p.len, 0);
	/* prepend grows into the headroom, not beyond the buffer's start. */
	CHECK(bump_pkt_prepend(&p, 60) == buf + 128);
	CHECK_EQ(p.len, 60);
	CHECK(bump_pkt_prepend(&p, 129) == NULL);
	CHECK(bump_pkt_prepend(&p, 128) == buf);
	CHECK_EQ(p.off, 0);
	CHECK_EQ(p.len, 188);
	/* clone takes a reference; each handle is freed once. */
	CHECK_EQ(bump_pkt_clone(&p, &c), 0);
	CHECK(!memcmp(&c, &p, sizeof(p)));
	CHECK_EQ(bump_refcount(buf), 2);
	CHECK_EQ(bump_pkt_free(&c), 0);
	CHECK_EQ(bump_refcount(buf), 1);
	CHECK_EQ(bump_pkt_free(&p), 0);
	CHECK_EQ(fx_inflight(pool), 0);
	/* A freed buffer can be neither cloned nor freed again. */
	CHECK(bump_pkt_clone(&p, &c) < 0);
	CHECK(bump_pkt_free(&p) < 0);
	/* free_bulk counts what it rejected. */
	for (int i = 0; i < 3; i++)
		many[i] = (struct bump_pkt){ .ref = bump_pool_ref(pool, bump_pool_alloc(pool)) };
	CHECK_EQ(bump_pkt_free_bulk(many, 3), 0);
	CHECK_EQ(bump_pkt_free_bulk(many, 3), 3);
	fx_pool_done(pool);
}

static void test_setup(void)
{
	fx_up(&fx, PAGES);
	mapped_pool = fx_pool(&fx, "rx", true);
}

static void test_teardown(void)
{
	fx_pool_done(mapped_pool);
	fx_down(&fx);
}

int main(void)
{
	struct test_log quiet = { 0 };

	bump_log_set_handler(test_log_handler, &quiet);  /* expected errors stay off stderr */
	TEST_RUN(test_setup);
	TEST_RUN(test_driver_registry);
	TEST_RUN(test_bus_driver);
	TEST_RUN(test_open_errors);
	TEST_RUN(test_open_info_close);
	TEST_RUN(test_port_table_full);
	TEST_RUN(test_state_checks);
	TEST_RUN(test_failed_resetup);
	TEST_RUN(test_sim_setup_errors);
	TEST_RUN(test_link);
	TEST_RUN(test_stats);
	TEST_RUN(test_pkt_helpers);
	TEST_RUN(test_teardown);
	return test_exit();
}
