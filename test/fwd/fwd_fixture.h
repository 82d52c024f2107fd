/* SPDX-License-Identifier: MIT */
/*
 * fwd_fixture.h - what the datapath tests share: packet memory (a 4 KiB-page
 * region and arena), DMA-mapped pools, sim ports set up and started, frames
 * carried in packets, and the leak checks every test ends with.
 *
 * Header-only with static inline functions: the CHECK counters of
 * bump_test.h are per translation unit, so checks must live in the test's.
 */
#ifndef FWD_FIXTURE_H
#define FWD_FIXTURE_H

#include "bump.h"
#include "bump_port.h"
#include "bump_sim.h"
#include "bump_test.h"
#include "bump_tx_check.h"

#define FX_HEADROOM 128

struct fx {
	struct bump_region *region;
	struct bump_arena *arena;
	uint32_t free_pages0;
};

static inline void fx_up(struct fx *f, size_t pages)
{
	struct bump_region_params rp = {
		.name = "fwd-test", .size = pages * 4096, .numa_node = BUMP_NUMA_ANY,
		.flags = BUMP_REGION_F_NO_HUGE,
	};
	struct bump_arena_params ap = { .name = "fwd-test" };

	memset(f, 0, sizeof(*f));
	CHECK_EQ(bump_region_create(&rp, &f->region), 0);
	ap.region = f->region;
	CHECK_EQ(bump_arena_create(&ap, &f->arena), 0);
	f->free_pages0 = bump_arena_free_pages(f->arena);
}

/* Every pool is destroyed by now: the arena must have every page back. */
static inline void fx_down(struct fx *f)
{
	CHECK_EQ(bump_arena_free_pages(f->arena), f->free_pages0);
	CHECK_EQ(bump_arena_destroy(f->arena), 0);
	bump_region_destroy(f->region);
}

static inline struct bump_pool *fx_pool_flags(struct fx *f, const char *name, bool mapped,
					      unsigned flags)
{
	struct bump_pool_params pp = {
		.name = name, .arena = f->arena, .nid = BUMP_NUMA_ANY,
		.ring_size = 4096,  /* room for every buffer: returns never overflow to the arena */
		.flags = flags | (mapped ? BUMP_POOL_F_DMA_MAP : 0),
		.dma_dev = mapped ? bump_sim_dma_dev() : NULL,
		.dma_dir = BUMP_DMA_BIDIRECTIONAL,
	};
	struct bump_pool *pool = NULL;

	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	return pool;
}

static inline struct bump_pool *fx_pool(struct fx *f, const char *name, bool mapped)
{
	return fx_pool_flags(f, name, mapped, 0);
}

static inline uint64_t fx_inflight(const struct bump_pool *pool)
{
	struct bump_pool_stats s;

	bump_pool_get_stats(pool, &s);
	return s.inflight;
}

/* Destroy a pool that must have nothing in flight. */
static inline void fx_pool_done(struct bump_pool *pool)
{
	CHECK_EQ(fx_inflight(pool), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
}

/* Open @devargs, set up @nq RX queues on @pools[] (NULL: none) and @nq TX queues, start. */
static inline struct bump_port *fx_port(const char *devargs, struct bump_pool **pools,
					unsigned nq, bool start)
{
	struct bump_port *port = NULL;
	struct bump_txq_conf tc = { .ring_size = 0 };

	if (bump_port_open(devargs, &port)) {
		fprintf(stderr, "  open %s: %s\n", devargs, bump_last_error());
		CHECK(port != NULL);
		return NULL;
	}
	for (unsigned q = 0; q < nq; q++) {
		struct bump_rxq_conf rc = { .ring_size = 0, .pool = pools ? pools[q] : NULL,
					    .headroom = FX_HEADROOM };

		if (pools)
			CHECK_EQ(bump_port_rxq_setup(port, (uint16_t)q, &rc), 0);
		CHECK_EQ(bump_port_txq_setup(port, (uint16_t)q, &tc), 0);
	}
	if (start)
		CHECK_EQ(bump_port_start(port), 0);
	return port;
}

/* A packet from @pool carrying a sim frame (queue @q, sequence @seq). */
static inline bool fx_frame_pkt(struct bump_pool *pool, struct bump_pkt *pkt, uint16_t size,
				uint16_t q, uint64_t seq)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 }, src[6] = { 0x02, 0, 0, 0, 0, 2 };
	void *buf = bump_pool_alloc(pool);

	if (!buf)
		return false;
	*pkt = (struct bump_pkt){ .ref = bump_pool_ref(pool, buf), .off = FX_HEADROOM,
				  .len = size };
	CHECK_EQ(bump_frame_build(bump_pkt_data(pkt), size, dst, src, q, (uint16_t)(seq % 16),
				      seq), 0);
	return true;
}

/* Check a received packet is an intact sim frame; returns its tag. */
static inline struct bump_frame_tag fx_check_pkt(const struct bump_pkt *pkt)
{
	struct bump_frame_tag tag = { 0 };

	CHECK_EQ(bump_frame_check(bump_pkt_data(pkt), pkt->len, &tag), 0);
	return tag;
}

/* Per-queue order of received frames: each must be newer than the last. */
struct fx_seq {
	uint64_t next[BUMP_PORT_QUEUE_MAX];
	uint64_t frames;
	uint64_t gaps;      /* frames skipped (dropped on the way) */
	uint64_t reorders;  /* frames older than one already seen */
};

/* Check one received packet (tag.queue must be @qid) and account for its order. */
static inline void fx_seq_rx(struct fx_seq *s, const struct bump_pkt *p, uint16_t qid)
{
	struct bump_frame_tag tag = fx_check_pkt(p);

	CHECK_EQ(tag.queue, qid);
	if (tag.queue >= BUMP_PORT_QUEUE_MAX)
		return;
	s->frames++;
	if (tag.seq < s->next[tag.queue]) {
		s->reorders++;
		return;
	}
	s->gaps += tag.seq - s->next[tag.queue];
	s->next[tag.queue] = tag.seq + 1;
}

#endif /* FWD_FIXTURE_H */
