/* SPDX-License-Identifier: MIT */
/*
 * test_afxdp_port - the afxdp driver through the port API on one veth pair:
 * the port on one end, a raw AF_PACKET socket on the other (the "peer").
 *
 *   test_afxdp_port PORT_IF PEER_IF     (run by afxdp_port.sh, in a namespace)
 *
 * Covers what the forwarding tests cannot reach: RX handles pointing into
 * the pool's own pages, TX of buffers in the UMEM without a copy, of another
 * arena's buffers and of a multi-page buffer's bytes across a frame edge (a
 * copy each), of a frame longer than a UMEM frame (dropped and counted), of
 * one buffer twice (a clone), stop with TX and RX frames still in the
 * kernel's hands, restart, stats reset, and a pool of the wrong buffer size.
 * After each case every pool has nothing in flight.
 */
#include "test_frame.h"
#include "bump.h"
#include "bump_afxdp.h"
#include "bump_port.h"
#include "bump_test.h"
#include "bump_tx_check.h"

#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>

#define RUN_ID 7
#define WAIT_MS 2000

static const char *port_if, *peer_if;
static struct bump_region *region, *other_region;
static struct bump_arena *arena, *other_arena;
static struct bump_pool *rx_pool, *big_pool, *other_pool;
static int peer_fd = -1;
static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct bump_port *port_open_started(void)
{
	char devargs[64];
	struct bump_port *port = NULL;
	struct bump_rxq_conf rc = { .ring_size = 256, .pool = rx_pool };
	struct bump_txq_conf tc = { .ring_size = 256 };

	snprintf(devargs, sizeof(devargs), "afxdp:%s,mode=native", port_if);
	if (bump_port_open(devargs, &port) || bump_port_rxq_setup(port, 0, &rc) ||
	    bump_port_txq_setup(port, 0, &tc) || bump_port_start(port)) {
		fprintf(stderr, "  port %s: %s\n", devargs, bump_last_error());
		if (port)
			bump_port_close(port);
		return NULL;
	}
	return port;
}

static uint64_t pool_inflight(struct bump_pool *pool)
{
	struct bump_pool_stats st;

	bump_pool_get_stats(pool, &st);
	return st.inflight;
}

static void peer_send(unsigned n, size_t len, uint64_t first_seq)
{
	uint8_t frame[TF_MAX_LEN];

	for (unsigned i = 0; i < n; i++) {
		tf_build(frame, len, dst_mac, src_mac, RUN_ID, first_seq + i, 0);
		CHECK(send(peer_fd, frame, len, 0) == (ssize_t)len);
	}
}

/* Frames of ours the peer receives within WAIT_MS; each must check out. */
static unsigned peer_recv(unsigned want)
{
	uint8_t frame[TF_MAX_LEN + 64];
	unsigned got = 0;
	uint64_t end = bump_time_ns() + WAIT_MS * 1000000ull;

	while (got < want && bump_time_ns() < end) {
		struct pollfd pfd = { .fd = peer_fd, .events = POLLIN };
		struct tf_hdr h;
		ssize_t r;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		r = recv(peer_fd, frame, sizeof(frame), MSG_DONTWAIT);
		if (r <= 0)
			continue;
		enum tf_verdict v = tf_check(frame, (size_t)r, RUN_ID, &h);

		if (v == TF_NOT_OURS)
			continue;
		CHECK_EQ(v, TF_OK);
		got++;
	}
	return got;
}

/* Receive up to @want packets within WAIT_MS. */
static unsigned port_recv(struct bump_port *port, struct bump_pkt *pkts, unsigned want)
{
	unsigned got = 0;
	uint64_t end = bump_time_ns() + WAIT_MS * 1000000ull;

	while (got < want && bump_time_ns() < end)
		got += bump_port_rx_burst(port, 0, pkts + got, (uint16_t)BUMP_MIN(want - got, 32));
	return got;
}

/* A packet handle for a test frame of @len bytes at @off in @buf (from @pool). */
static struct bump_pkt make_pkt(struct bump_pool *pool, uint8_t *buf, uint16_t off, uint16_t len,
				uint64_t seq)
{
	struct bump_pkt p = { .ref = bump_pool_ref(pool, buf), .off = off, .len = len };

	tf_build(buf + off, len, src_mac, dst_mac, RUN_ID, seq, 0);
	return p;
}

/* Stop, then reclaim nothing more: everything must be back in the pools. */
static void stop_and_check(struct bump_port *port)
{
	CHECK_EQ(bump_port_stop(port), 0);
	CHECK_EQ(pool_inflight(rx_pool), 0);
	CHECK_EQ(pool_inflight(big_pool), 0);
	CHECK_EQ(pool_inflight(other_pool), 0);
	CHECK_EQ(bump_port_close(port), 0);
}

static void test_rx_handles_point_into_the_pool(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt pkts[64];
	struct bump_afxdp_info info;
	unsigned got;

	if (!port)
		TEST_SKIP("the port did not start");
	bump_port_rx_burst(port, 0, pkts, 0);  /* the first burst fills the fill ring */
	peer_send(64, 200, 0);
	got = port_recv(port, pkts, 64);
	CHECK_EQ(got, 64);
	for (unsigned i = 0; i < got; i++) {
		struct tf_hdr h = { 0 };

		CHECK(bump_ref_arena(pkts[i].ref) == arena);
		CHECK_EQ(bump_refcount(bump_ref_page(pkts[i].ref)), 1);
		CHECK(pkts[i].off >= 128);
		CHECK_EQ(tf_check(bump_pkt_data(&pkts[i]), pkts[i].len, RUN_ID, &h), TF_OK);
		CHECK_EQ(h.seq, i);
	}
	CHECK_EQ(bump_pkt_free_bulk(pkts, got), 0);
	CHECK_EQ(bump_afxdp_info_get(port, &info), 0);
	CHECK_EQ(info.c.rx_packets, 64);
	CHECK(info.rx_posted > 0);
	stop_and_check(port);
}

static void test_tx_of_umem_buffers_is_not_copied(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt pkts[32];
	struct bump_afxdp_info info;

	if (!port)
		TEST_SKIP("the port did not start");
	for (unsigned i = 0; i < 32; i++)
		pkts[i] = make_pkt(rx_pool, bump_pool_alloc(rx_pool), 128, 300, i);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 32), 32);
	CHECK_EQ(peer_recv(32), 32);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 0), 0);  /* reclaims completions */
	CHECK_EQ(bump_afxdp_info_get(port, &info), 0);
	CHECK_EQ(info.c.tx_copied, 0);
	CHECK_EQ(info.c.tx_packets, 32);
	stop_and_check(port);
}

static void test_tx_copies_what_the_umem_cannot_name(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt pkts[2];
	struct bump_afxdp_info info;

	if (!port)
		TEST_SKIP("the port did not start");
	/* Another arena's buffer, and 8 KiB buffer's bytes across the 4 KiB frame edge. */
	pkts[0] = make_pkt(other_pool, bump_pool_alloc(other_pool), 64, 500, 0);
	pkts[1] = make_pkt(big_pool, bump_pool_alloc(big_pool), 4000, 200, 1);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 2), 2);
	CHECK_EQ(pool_inflight(other_pool), 0);  /* freed once copied */
	CHECK_EQ(pool_inflight(big_pool), 0);
	CHECK_EQ(peer_recv(2), 2);
	CHECK_EQ(bump_afxdp_info_get(port, &info), 0);
	CHECK_EQ(info.c.tx_copied, 2);
	stop_and_check(port);
}

static void test_tx_frame_longer_than_a_frame_is_dropped(void)
{
	struct bump_port *port = port_open_started();
	struct bump_port_stats st;
	struct bump_afxdp_info info;
	struct bump_pkt p;

	if (!port)
		TEST_SKIP("the port did not start");
	p = make_pkt(big_pool, bump_pool_alloc(big_pool), 0, 5000, 0);
	/* Accepted (it is the port's now) and dropped, as a NIC drops a giant. */
	CHECK_EQ(bump_port_tx_burst(port, 0, &p, 1), 1);
	CHECK_EQ(pool_inflight(big_pool), 0);
	CHECK_EQ(bump_afxdp_info_get(port, &info), 0);
	CHECK_EQ(info.c.tx_too_long, 1);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.oerrors, 1);
	CHECK_EQ(st.total.opackets, 0);
	CHECK_EQ(peer_recv(1), 0);
	stop_and_check(port);
}

/* Handles that name no buffer stop at the port boundary, before the driver (issue 10 item 6). */
static void test_tx_invalid_handles_are_not_sent(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt good[3];

	if (!port)
		TEST_SKIP("the port did not start");
	for (unsigned i = 0; i < 3; i++)
		good[i] = make_pkt(rx_pool, bump_pool_alloc(rx_pool), 256, 100, i);
	bump_tx_check_invalid(port, rx_pool, good);
	CHECK_EQ(peer_recv(3), 3);
	stop_and_check(port);
}

static void test_tx_of_a_clone_sends_twice(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt pkts[2];

	if (!port)
		TEST_SKIP("the port did not start");
	pkts[0] = make_pkt(rx_pool, bump_pool_alloc(rx_pool), 128, 100, 0);
	CHECK_EQ(bump_pkt_clone(&pkts[0], &pkts[1]), 0);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 2), 2);
	CHECK_EQ(peer_recv(2), 2);
	stop_and_check(port);
}

static void test_stop_returns_frames_the_kernel_holds(void)
{
	struct bump_port *port = port_open_started();
	struct bump_pkt pkts[64];
	struct bump_afxdp_info info;

	if (!port)
		TEST_SKIP("the port did not start");
	bump_port_rx_burst(port, 0, pkts, 0);
	for (unsigned i = 0; i < 64; i++)
		pkts[i] = make_pkt(rx_pool, bump_pool_alloc(rx_pool), 128, 64, i);
	CHECK_EQ(bump_port_tx_burst(port, 0, pkts, 64), 64);
	CHECK_EQ(bump_afxdp_info_get(port, &info), 0);
	CHECK(info.rx_posted > 0);
	CHECK(pool_inflight(rx_pool) >= info.rx_posted);
	stop_and_check(port);  /* no completion reclaimed by us: stop does it all */
	peer_recv(64);
}

static void test_restart_and_stats_reset(void)
{
	struct bump_port *port = port_open_started();
	struct bump_port_stats st;
	struct bump_pkt pkts[16];

	if (!port)
		TEST_SKIP("the port did not start");
	for (int round = 0; round < 2; round++) {
		unsigned got;

		bump_port_rx_burst(port, 0, pkts, 0);
		peer_send(16, 100, 0);
		got = port_recv(port, pkts, 16);
		CHECK_EQ(got, 16);
		bump_pkt_free_bulk(pkts, got);
		CHECK_EQ(bump_port_stop(port), 0);
		CHECK_EQ(pool_inflight(rx_pool), 0);
		CHECK_EQ(bump_port_get_stats(port, &st), 0);
		CHECK_EQ(st.total.ipackets, 16u * (unsigned)(round + 1));
		if (round == 0)
			CHECK_EQ(bump_port_start(port), 0);
	}
	CHECK_EQ(bump_port_stats_reset(port), 0);
	CHECK_EQ(bump_port_get_stats(port, &st), 0);
	CHECK_EQ(st.total.ipackets, 0);
	stop_and_check(port);
}

static void test_rxq_setup_rejects_multi_page_buffers(void)
{
	char devargs[64];
	struct bump_port *port;
	struct bump_rxq_conf rc = { .pool = big_pool };

	snprintf(devargs, sizeof(devargs), "afxdp:%s", port_if);
	CHECK_EQ(bump_port_open(devargs, &port), 0);
	CHECK(bump_port_rxq_setup(port, 0, &rc) < 0);
	CHECK_ERROR_SAYS("one arena page");
	CHECK_EQ(bump_port_close(port), 0);
}

/* A region and arena of 16 MiB in 4 KiB pages. */
static int make_arena(const char *name, struct bump_region **region_out,
		      struct bump_arena **arena_out)
{
	struct bump_region_params rp = {
		.name = name, .size = 16 << 20, .numa_node = BUMP_NUMA_ANY,
	};
	struct bump_arena_params ap = { .name = name, .page_shift = 12 };

	if (bump_region_create(&rp, region_out))
		return -1;
	ap.region = *region_out;
	return bump_arena_create(&ap, arena_out);
}

static int make_pool(const char *name, struct bump_arena *a, unsigned order,
		     struct bump_pool **out)
{
	struct bump_pool_params pp = { .name = name, .arena = a, .order = order,
				       .nid = BUMP_NUMA_ANY };

	return bump_pool_create(&pp, out);
}

/*
 * The port's arena holds the RX pool and an 8 KiB-buffer pool; another
 * arena holds buffers the port's UMEM cannot name.
 */
static int setup(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TF_ETHERTYPE) };

	if (make_arena("t-afxdp", &region, &arena) || make_pool("t-rx", arena, 0, &rx_pool) ||
	    make_pool("t-big", arena, 1, &big_pool) ||
	    make_arena("t-other", &other_region, &other_arena) ||
	    make_pool("t-other", other_arena, 0, &other_pool))
		return -1;
	peer_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TF_ETHERTYPE));
	sll.sll_ifindex = (int)if_nametoindex(peer_if);
	if (peer_fd < 0 || !sll.sll_ifindex || bind(peer_fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	/* Ports check TX handles in checked mode only: the cases here need it. */
	setenv("BUMP_CHECKED", "1", 0);
	if (argc != 3) {
		fprintf(stderr, "usage: test_afxdp_port PORT_IF PEER_IF\n");
		return 2;
	}
	port_if = argv[1];
	peer_if = argv[2];
	if (setup()) {
		fprintf(stderr, "setup failed: %s (%m)\n", bump_last_error());
		return 1;
	}
	TEST_RUN(test_rx_handles_point_into_the_pool);
	TEST_RUN(test_tx_of_umem_buffers_is_not_copied);
	TEST_RUN(test_tx_copies_what_the_umem_cannot_name);
	TEST_RUN(test_tx_frame_longer_than_a_frame_is_dropped);
	TEST_RUN(test_tx_invalid_handles_are_not_sent);
	TEST_RUN(test_tx_of_a_clone_sends_twice);
	TEST_RUN(test_stop_returns_frames_the_kernel_holds);
	TEST_RUN(test_restart_and_stats_reset);
	TEST_RUN(test_rxq_setup_rejects_multi_page_buffers);
	CHECK_EQ(close(peer_fd), 0);
	CHECK_EQ(bump_pool_destroy(rx_pool), 0);
	CHECK_EQ(bump_pool_destroy(big_pool), 0);
	CHECK_EQ(bump_pool_destroy(other_pool), 0);
	CHECK_EQ(bump_arena_destroy(arena), 0);
	CHECK_EQ(bump_arena_destroy(other_arena), 0);
	bump_region_destroy(region);
	bump_region_destroy(other_region);
	return test_exit();
}
