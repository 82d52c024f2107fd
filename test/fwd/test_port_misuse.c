/* SPDX-License-Identifier: MIT */
/*
 * Misuse at the port boundary (issue 10): a pool destroyed under a started
 * port, and packet handles that name no buffer.  Each case ends with every
 * arena page back (fx_down), so nothing is lost on the way.  Run under
 * ASan, the pool case is the use-after-free the port's hold prevents.
 */
#include "fwd_fixture.h"

#define PAGES 4096
#define BURST 32

static struct test_log tlog;
static unsigned warn_destroyed, warn_ran_out, warn_no_buffer;  /* warnings that say so */

static void log_handler(enum bump_log_level level, const char *msg, void *arg)
{
	test_log_handler(level, msg, arg);
	warn_destroyed += level == BUMP_LOG_WARN && strstr(msg, "was destroyed") != NULL;
	warn_ran_out += level == BUMP_LOG_WARN && strstr(msg, "ran out") != NULL;
	warn_no_buffer += level == BUMP_LOG_WARN && strstr(msg, "names no buffer") != NULL;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "log %d: %s\n", level, msg);
}

/* Send @n frames from @pool on queue 0 of @port; the ones refused are freed. */
static void send_frames(struct bump_port *port, struct bump_pool *pool, uint16_t n, uint64_t *seq)
{
	struct bump_pkt pkts[BURST];
	uint16_t k;

	for (uint16_t i = 0; i < n; i++)
		CHECK(fx_frame_pkt(pool, &pkts[i], 200, 0, (*seq)++));
	k = bump_port_tx_burst(port, 0, pkts, n);
	CHECK_EQ(bump_pkt_free_bulk(pkts + k, n - k), 0);
}

/* Receive and free whatever is there; returns how many. */
static unsigned drain(struct bump_port *port)
{
	struct bump_pkt pkts[BURST];
	unsigned total = 0;
	uint16_t n;

	while ((n = bump_port_rx_burst(port, 0, pkts, BURST))) {
		CHECK_EQ(bump_pkt_free_bulk(pkts, n), 0);
		total += n;
	}
	return total;
}

/*
 * Item 1: destroy the RX pool of a started port and keep polling.  The ring's
 * buffers come back as frames arrive and are freed; the pool's memory must
 * stay until the port lets go (the last buffer back used to free it, and the
 * next rx_burst refilled from freed memory), the driver must stop refilling
 * with one warning that says the pool was destroyed, and nothing is lost.
 */
static void test_rx_pool_destroyed_while_started(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_port_stats st;
	uint64_t seq = 0;
	unsigned got = 0;
	long posted;
	int warns;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim:mode=loopback", &rxp, 1, true);
	send_frames(port, txp, BURST, &seq);
	CHECK_EQ(drain(port), BURST);

	/* The RX ring holds rxp's buffers: destroy detaches it. */
	posted = bump_pool_destroy(rxp);
	CHECK(posted >= 511 - BURST);
	warns = tlog.lines[BUMP_LOG_WARN];
	/*
	 * Enough frames to bring every posted buffer back, and more.  Destroy
	 * unmapped the buffers, so the device's writes into them fail: each
	 * comes back as an errored completion (one "bad completion" warning),
	 * and the frames after them find no descriptor.
	 */
	for (unsigned i = 0; i < 40; i++) {
		send_frames(port, txp, BURST, &seq);
		got += drain(port);
	}
	CHECK_EQ(got, 0);
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], warns + 2);
	CHECK_EQ(warn_destroyed, 1);
	CHECK_EQ(warn_ran_out, 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.ierrors, posted);
	CHECK_EQ(st.total.imissed, 40 * BURST - posted);
	CHECK(st.total.rx_nombuf > 0);
	/* Set up again with a destroyed pool: refused, and so is a start. */
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(bump_port_start(port), -ESHUTDOWN);
	CHECK_ERROR_SAYS("destroyed");
	{
		struct bump_rxq_conf rc = { .pool = rxp, .headroom = FX_HEADROOM };

		CHECK_EQ(bump_port_rxq_setup(port, 0, &rc), -ESHUTDOWN);
	}
	CHECK_EQ(bump_port_close(port), 0);  /* lets go of rxp: freed now */
	fx_pool_done(txp);
	fx_down(&fx);
}

/* Item 6 on the sim: handles that name no buffer never reach the driver (it used to crash). */
static void test_tx_invalid_handles(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_pkt pkts[BURST];
	uint16_t n;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim:mode=loopback", &rxp, 1, true);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 3; i++)
			CHECK(fx_frame_pkt(txp, &pkts[i], 200, 0, round * 3 + i));
		bump_tx_check_invalid(port, txp, pkts);
	}
	CHECK_EQ(warn_no_buffer, 1);  /* once per port */
	n = bump_port_rx_burst(port, 0, pkts, BURST);
	CHECK_EQ(n, 6);
	for (uint16_t i = 0; i < n; i++)
		CHECK_EQ(fx_check_pkt(&pkts[i]).seq, i);
	CHECK_EQ(bump_pkt_free_bulk(pkts, n), 0);
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

/* Item 10: arming more faults than a counter holds is refused, not wrapped to a few. */
static void test_sim_inject_no_wrap(void)
{
	struct fx fx;
	struct bump_pool *rxp, *txp;
	struct bump_port *port;
	struct bump_sim_stats ss;
	uint64_t seq = 0;

	fx_up(&fx, PAGES);
	rxp = fx_pool(&fx, "rx", true);
	txp = fx_pool(&fx, "tx", true);
	port = fx_port("sim:mode=loopback", &rxp, 1, true);
	CHECK_EQ(bump_sim_inject(port, BUMP_SIM_FAULT_RX_BAD_LEN, 2), 0);
	CHECK_EQ(bump_sim_inject(port, BUMP_SIM_FAULT_RX_BAD_LEN, UINT32_MAX), -EOVERFLOW);
	CHECK_ERROR_SAYS("exceed 2^32-1");
	send_frames(port, txp, 4, &seq);
	CHECK_EQ(drain(port), 2);
	CHECK_EQ(bump_sim_get_stats(port, &ss), 0);
	CHECK_EQ(ss.rx_bad_len, 2);  /* the two armed, no more, no fewer */
	CHECK_EQ(bump_port_close(port), 0);
	fx_pool_done(rxp);
	fx_pool_done(txp);
	fx_down(&fx);
}

int main(void)
{
	/* Ports check TX handles in checked mode only: the cases here need it. */
	setenv("BUMP_CHECKED", "1", 0);
	bump_log_set_handler(log_handler, &tlog);
	TEST_RUN(test_rx_pool_destroyed_while_started);
	TEST_RUN(test_tx_invalid_handles);
	TEST_RUN(test_sim_inject_no_wrap);
	return test_exit();
}
