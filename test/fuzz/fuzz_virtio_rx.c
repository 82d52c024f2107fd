/* SPDX-License-Identifier: MIT */
/*
 * fuzz_virtio_rx.c - libFuzzer harness: the used-ring entries a virtio-net
 * device hands the driver.  The harness plays the device on rings in
 * ordinary memory (test/lib/drv_rings.h) and the driver's own posting and
 * virtio_rx_burst run on them: the device takes available descriptors and
 * completes them with any length, names ids out of range, never posted,
 * or used already, repeats entries, writes GSO headers we did not
 * negotiate.  Every packet handed up must be a buffer of the queue's pool,
 * not one handed up already, with its bytes inside it and exactly the
 * length a used entry for its descriptor gave; at the end, with the queue
 * stopped, the pool must have every buffer back and the arena every page.
 */
#include <stdio.h>

#include "bump_pkt.h"
#include "drv_rings.h"
#include "fuzz_common.h"

#define PAGES 8192
#define HELD_MAX 64
#define HDR ((uint32_t)sizeof(struct virtio_net_hdr_v1))

static struct bump_arena *arena;
static uint32_t arena_free0;

static void setup(void)
{
	arena = fuzz_arena_create("fuzz-virtio", PAGES);
	arena_free0 = bump_arena_free_pages(arena);
}

struct device {
	uint16_t avail_seen;       /* next available entry the device reads */
	uint16_t owned[64];        /* descriptors taken and not completed */
	unsigned nowned;
	uint32_t last_id, last_len;
};

/* Take available descriptors: each one offers a whole buffer of the pool. */
static void dev_take(struct virtio_rxq *q, struct device *dv, unsigned n, uint8_t gso)
{
	size_t buf_size = bump_pool_buf_size(q->pool);

	while (n-- && dv->avail_seen != q->vq.avail->idx && dv->nowned < 64) {
		uint16_t id = q->vq.avail->ring[dv->avail_seen++ & q->vq.mask];
		uint8_t *at;

		FUZZ_ASSERT(id < q->vq.size);
		at = (uint8_t *)(uintptr_t)q->vq.desc[id].addr;   /* IOVA == VA here */
		FUZZ_ASSERT(bump_pool_owns(q->pool, at));
		FUZZ_ASSERT(q->vq.desc[id].flags == VRING_DESC_F_WRITE);
		FUZZ_ASSERT(q->vq.desc[id].len <= HDR + VIRTIO_RX_MAX_LEN);
		FUZZ_ASSERT(((uintptr_t)at & (buf_size - 1)) + q->vq.desc[id].len <= buf_size);
		memset(at, 0, HDR);
		((struct virtio_net_hdr_v1 *)at)->gso_type = gso;
		dv->owned[dv->nowned++] = id;
	}
}

static void dev_used(struct virtio_rxq *q, struct device *dv, uint32_t id, uint32_t len)
{
	virtio_mem_used(q, id, len);
	dv->last_id = id;
	dv->last_len = len;
}

/* A packet handed up: a used entry consumed by this burst named its descriptor with its length. */
static void check_pkt(struct virtio_rxq *q, const struct bump_pkt *p, const uint64_t *addr,
		      uint16_t from, uint16_t to, struct bump_pkt *held, unsigned nheld)
{
	uint64_t hdr = (uint64_t)(uintptr_t)bump_pkt_data(p) - HDR;
	bool found = false;

	FUZZ_ASSERT(bump_pkt_check(p) == 0);
	FUZZ_ASSERT(bump_ref_desc(p->ref)->pool_id == bump_pool_id(q->pool));
	FUZZ_ASSERT(p->len >= ETH_HLEN && p->off == q->headroom);
	for (unsigned i = 0; i < nheld; i++)
		FUZZ_ASSERT(held[i].ref != p->ref);   /* handed up twice */
	for (uint16_t u = from; u != to && !found; u++) {
		volatile struct vring_used_elem *e = &q->vq.used->ring[u & q->vq.mask];

		found = e->id < q->vq.size && addr[e->id] == hdr && e->len == p->len + HDR;
	}
	FUZZ_ASSERT(found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct bump_pool_params pp = { .name = "fuzz-virtio", .nid = BUMP_NUMA_ANY,
				       .flags = BUMP_POOL_F_CHECKED };
	struct bump_pool *pool;
	struct virtio_rxq *q;
	struct device dv = { 0 };
	struct bump_pkt held[HELD_MAX], pkts[32];
	uint64_t addr[64];
	unsigned nheld = 0;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	/* First byte: buffers of 1..32 pages (over 64 KiB: more than a packet can say), 16..64 slots. */
	pp.arena = arena;
	pp.order = data[0] % 6;
	if (bump_pool_create(&pp, &pool))
		abort();
	q = virtio_mem_rxq_new(pool, (uint16_t)(16u << ((data[0] >> 4) % 3)), 128);
	for (size_t at = 1; at + 4 <= size; at += 4) {
		const uint8_t *a = data + at;
		uint16_t n = (uint16_t)(1 + a[1] % 32), k, from;
		uint32_t len;

		switch (a[0] % 6) {
		case 0:  /* the device takes descriptors; mostly no GSO in the header */
			dev_take(q, &dv, 1 + a[1] % 8, a[2] < 240 ? VIRTIO_NET_HDR_GSO_NONE : a[2]);
			break;
		case 1:  /* it completes one it took, with a length good or not */
			if (dv.nowned) {
				unsigned i = a[1] % dv.nowned;
				uint16_t id = dv.owned[i];

				switch (a[2] % 4) {
				case 0: len = HDR + ETH_HLEN + a[3] * 23u; break;
				case 1: len = q->vq.desc[id].len; break;
				case 2: len = q->vq.desc[id].len + 1u + a[3]; break;
				default: len = (uint32_t)a[3] << (a[2] % 24); break;
				}
				dv.owned[i] = dv.owned[--dv.nowned];
				dev_used(q, &dv, id, len);
			}
			break;
		case 2:  /* an entry for any id: out of range, not posted, not taken, used already */
			dev_used(q, &dv, a[2] & 0x80 ? (uint32_t)a[1] << 24 | a[2] : a[1] % 80u,
				 HDR + a[3] * 7u);
			break;
		case 3:  /* the last entry again */
			dev_used(q, &dv, dv.last_id, dv.last_len);
			break;
		case 4:  /* the driver polls */
			/* Posted descriptors only: one consumed keeps its old address. */
			for (unsigned i = 0; i < q->vq.size; i++)
				addr[i] = q->bufs[i] ? q->vq.desc[i].addr : 0;
			from = q->vq.used_idx;
			k = virtio_rx_burst(q, pkts, n);
			FUZZ_ASSERT(k <= n);
			for (uint16_t i = 0; i < k; i++) {
				check_pkt(q, &pkts[i], addr, from, q->vq.used_idx, held, nheld);
				if (nheld < HELD_MAX && (a[2] & 1))
					held[nheld++] = pkts[i];
				else
					FUZZ_ASSERT(bump_pkt_free(&pkts[i]) == 0);
			}
			break;
		case 5:
			FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
			nheld = 0;
			break;
		}
	}
	FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
	virtio_mem_rxq_free(q);
	fuzz_pool_end(pool);
	FUZZ_ASSERT(bump_arena_free_pages(arena) == arena_free0);
	return 0;
}
