/* SPDX-License-Identifier: MIT */
/*
 * What a NIC writes back, against the vfio drivers' real completion code
 * (virtio_rx.c, e1000e_rx.c) on rings in ordinary memory (drv_rings.h):
 * the test plays the device.  Each bad completion is dropped, counted in
 * the queue's stats, its buffer back in the pool; nothing is lost.  The
 * fuzz harnesses fuzz_virtio_rx and fuzz_e1000e_rx do the same at random.
 */
#include "bump_fixture.h"
#include "bump_pkt.h"
#include "drv_rings.h"

#define HDR ((uint32_t)sizeof(struct virtio_net_hdr_v1))

static uint64_t inflight(const struct bump_pool *pool)
{
	struct bump_pool_stats s;

	bump_pool_get_stats(pool, &s);
	return s.inflight;
}

/* The device takes the next available descriptor: its id. */
static uint16_t virtio_take(struct virtio_rxq *q, uint16_t *avail_seen)
{
	return q->vq.avail->ring[(*avail_seen)++ & q->vq.mask];
}

/*
 * Buffers of 128 KiB: a descriptor offering more than 65535 frame bytes let
 * a device report a 70000-byte frame, handed up as 70000 & 0xffff = 4464
 * bytes (bump_pkt.len is 16 bits).  The driver now offers at most 65535.
 */
static void test_virtio_rx_len_fits_pkt(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct virtio_rxq *q;
	struct bump_pkt pkts[4];
	uint16_t seen = 0, id;

	fixture_up(&f, 16 * 32 + 64);
	pool = pool_new(&f, "virtio-big", 5);
	q = virtio_mem_rxq_new(pool, 16, 128);
	id = virtio_take(q, &seen);
	CHECK(q->vq.desc[id].len <= HDR + 65535);
	virtio_mem_used(q, id, HDR + 70000);
	CHECK_EQ(virtio_rx_burst(q, pkts, 4), 0);
	CHECK_EQ(atomic_load(&q->stats.bad), 1);
	/* The largest frame offered arrives whole. */
	id = virtio_take(q, &seen);
	virtio_mem_used(q, id, q->vq.desc[id].len);
	CHECK_EQ(virtio_rx_burst(q, pkts, 4), 1);
	CHECK_EQ(pkts[0].len, q->posted_len[id] - HDR);
	CHECK_EQ(bump_pkt_check(&pkts[0]), 0);
	CHECK_EQ(bump_pkt_free(&pkts[0]), 0);
	virtio_mem_rxq_free(q);
	CHECK_EQ(inflight(pool), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/* An id out of range, one never posted, a duplicate, a length past the buffer or too short. */
static void test_virtio_rx_bad_used(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct virtio_rxq *q;
	struct bump_pkt pkts[8];
	uint16_t seen = 0, a, b;

	fixture_up(&f, 64);
	pool = pool_new(&f, "virtio", 0);
	q = virtio_mem_rxq_new(pool, 16, 128);
	a = virtio_take(q, &seen);
	b = virtio_take(q, &seen);
	virtio_mem_used(q, 16, 100);                    /* out of range */
	virtio_mem_used(q, 0xffffffffu, 100);
	virtio_mem_used(q, a, 100);                     /* good */
	virtio_mem_used(q, a, 100);                     /* duplicate: a holds no buffer now */
	virtio_mem_used(q, b, q->posted_len[b] + 1);    /* past the buffer */
	CHECK_EQ(virtio_rx_burst(q, pkts, 8), 1);
	CHECK_EQ(pkts[0].len, 100 - HDR);
	CHECK_EQ(atomic_load(&q->stats.bad), 4);
	b = virtio_take(q, &seen);
	virtio_mem_used(q, b, HDR + 13);                /* shorter than an Ethernet header */
	CHECK_EQ(virtio_rx_burst(q, pkts + 1, 7), 0);
	CHECK_EQ(atomic_load(&q->stats.bad), 5);
	CHECK_EQ(bump_pkt_free(&pkts[0]), 0);
	virtio_mem_rxq_free(q);
	CHECK_EQ(inflight(pool), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/* Lengths outside [14, BSIZE], no EOP, a frame error, DD missing; the good one's flags. */
static void test_e1000e_rx_writeback(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct e1000e_rxq *q;
	struct bump_pkt pkts[8];
	const uint8_t ok = E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP;

	fixture_up(&f, 128);
	pool = pool_new(&f, "e1000e", 0);
	q = e1000e_mem_rxq_new(pool, 64, 128);
	CHECK_EQ(*q->rdt, 63);
	CHECK_EQ(q->buf_len, 2048);
	e1000e_mem_writeback(q, 0, 13, ok, 0);
	e1000e_mem_writeback(q, 1, 2049, ok, 0);
	e1000e_mem_writeback(q, 2, 60, E1000E_RXD_STAT_DD, 0);
	e1000e_mem_writeback(q, 3, 60, ok, E1000E_RXD_ERR_CE);
	e1000e_mem_writeback(q, 4, 2048, ok | E1000E_RXD_STAT_TCPCS, E1000E_RXD_ERR_TCPE);
	e1000e_mem_writeback(q, 6, 60, ok, 0);          /* after a slot not done yet */
	CHECK_EQ(e1000e_rx_burst(q, pkts, 8), 1);
	CHECK_EQ(pkts[0].len, 2048);
	CHECK_EQ(pkts[0].flags, BUMP_PKT_F_L4_CSUM_BAD);
	CHECK_EQ(atomic_load(&q->stats.bad_desc), 4);
	CHECK_EQ(q->next, 5);
	/* Written back twice: the slot was reposted (status cleared) before the second write. */
	e1000e_mem_writeback(q, 0, 60, ok, 0);
	CHECK_EQ(e1000e_rx_burst(q, pkts + 1, 7), 0);   /* slot 5 is not done: nothing read */
	CHECK_EQ(bump_pkt_free(&pkts[0]), 0);
	e1000e_mem_rxq_free(q);
	CHECK_EQ(inflight(pool), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

int main(void)
{
	TEST_RUN(test_virtio_rx_len_fits_pkt);
	TEST_RUN(test_virtio_rx_bad_used);
	TEST_RUN(test_e1000e_rx_writeback);
	return test_exit();
}
