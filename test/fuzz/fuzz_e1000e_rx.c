/* SPDX-License-Identifier: MIT */
/*
 * fuzz_e1000e_rx.c - libFuzzer harness: the RX write-back descriptors an
 * 82574 hands the driver.  The harness plays the device on a ring in
 * ordinary memory (test/lib/drv_rings.h) and the driver's own refill and
 * e1000e_rx_burst run on it: the device writes back the slots it owns with
 * any length, status and error bits, writes back slots it does not own
 * (already completed, or not posted yet) and writes one twice.  Every
 * packet handed up must be a buffer of the queue's pool, not one handed up
 * already, from a slot written back with DD and EOP, no frame error, the
 * length written there and inside [14, RCTL.BSIZE]; at the end the pool
 * must have every buffer back and the arena every page.
 */
#include <stdio.h>

#include "bump_pkt.h"
#include "drv_rings.h"
#include "fuzz_common.h"

#define PAGES 4096
#define HELD_MAX 64

static struct bump_arena *arena;
static uint32_t arena_free0;

static void setup(void)
{
	arena = fuzz_arena_create("fuzz-e1000e", PAGES);
	arena_free0 = bump_arena_free_pages(arena);
}

struct writeback {
	uint16_t len;
	uint8_t status, errors;
};

/* A packet handed up: its slot's last write-back said a good frame of this length. */
static void check_pkt(struct e1000e_rxq *q, const struct bump_pkt *p, const uint64_t *addr,
		      const struct writeback *wb, struct bump_pkt *held, unsigned nheld)
{
	uint64_t at = (uint64_t)(uintptr_t)bump_pkt_data(p);
	unsigned slot;

	FUZZ_ASSERT(bump_pkt_check(p) == 0);
	FUZZ_ASSERT(bump_ref_desc(p->ref)->pool_id == bump_pool_id(q->pool));
	for (unsigned i = 0; i < nheld; i++)
		FUZZ_ASSERT(held[i].ref != p->ref);   /* handed up twice */
	for (slot = 0; slot < q->nb_desc && addr[slot] != at; slot++)
		;
	FUZZ_ASSERT(slot < q->nb_desc);
	FUZZ_ASSERT((wb[slot].status & E1000E_RXD_STAT_DD) && (wb[slot].status & E1000E_RXD_STAT_EOP));
	FUZZ_ASSERT(!(wb[slot].errors & E1000E_RXD_ERR_FRAME));
	FUZZ_ASSERT(p->len == wb[slot].len && p->len >= 14 && p->len <= q->buf_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct bump_pool_params pp = { .name = "fuzz-e1000e", .nid = BUMP_NUMA_ANY,
				       .flags = BUMP_POOL_F_CHECKED };
	struct bump_pool *pool;
	struct e1000e_rxq *q;
	struct bump_pkt held[HELD_MAX], pkts[32];
	struct writeback wb[256] = { { 0 } };
	uint64_t addr[256];
	unsigned nheld = 0;
	uint16_t head = 0;   /* RDH: the device owns [head, RDT) */

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	/* First byte: buffers of 1..4 pages (BSIZE 2048..8192), 64..256 slots, headroom. */
	pp.arena = arena;
	pp.order = data[0] % 3;
	if (bump_pool_create(&pp, &pool))
		abort();
	q = e1000e_mem_rxq_new(pool, (uint16_t)(64u << ((data[0] >> 2) % 3)),
			       (uint16_t)(64u << ((data[0] >> 4) % 3)));
	for (size_t at = 1; at + 4 <= size; at += 4) {
		const uint8_t *a = data + at;
		uint16_t n = (uint16_t)(1 + a[1] % 32), k, slot, len;
		uint8_t status = a[2], errors = a[3] & 0x0f ? 0 : a[3];

		/* Mostly a good frame: DD and EOP, no error. */
		if (a[2] & 1)
			status |= E1000E_RXD_STAT_DD | E1000E_RXD_STAT_EOP;
		switch (a[0] % 5) {
		case 0:  /* write back the oldest slot the device owns */
		case 1:
			if (head == *q->rdt)
				break;
			slot = head;
			head = (uint16_t)((head + 1) & q->mask);
			len = a[0] & 0x80 ? (uint16_t)(a[1] | a[3] << 8) : (uint16_t)(a[1] * 9u);
			goto write;
		case 2:  /* write back a slot it does not own: completed already, or not posted */
			slot = (uint16_t)(a[1] % q->nb_desc);
			len = (uint16_t)(60 + a[3]);
write:
			wb[slot] = (struct writeback){ .len = len, .status = status, .errors = errors };
			e1000e_mem_writeback(q, slot, len, status, errors);
			break;
		case 3:  /* the driver polls */
			/* Posted slots only: one consumed keeps its old address. */
			for (unsigned i = 0; i < q->nb_desc; i++)
				addr[i] = q->bufs[i] ? q->ring[i].addr : 0;
			k = e1000e_rx_burst(q, pkts, n);
			FUZZ_ASSERT(k <= n);
			for (uint16_t i = 0; i < k; i++) {
				check_pkt(q, &pkts[i], addr, wb, held, nheld);
				if (nheld < HELD_MAX && (a[2] & 2))
					held[nheld++] = pkts[i];
				else
					FUZZ_ASSERT(bump_pkt_free(&pkts[i]) == 0);
			}
			/* Refilled slots start over: what the device wrote there is gone. */
			for (unsigned i = 0; i < q->nb_desc; i++)
				if (q->ring[i].addr != addr[i] || !q->ring[i].status)
					wb[i] = (struct writeback){ 0 };
			break;
		case 4:
			FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
			nheld = 0;
			break;
		}
	}
	FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
	e1000e_mem_rxq_free(q);
	fuzz_pool_end(pool);
	FUZZ_ASSERT(bump_arena_free_pages(arena) == arena_free0);
	return 0;
}
