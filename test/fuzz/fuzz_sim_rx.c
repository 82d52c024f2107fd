/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sim_rx.c - libFuzzer harness: what a device hands the driver.  A sim
 * port in loopback sends and receives frames while the input arms the
 * device's faults: completions with a length beyond the buffer or wrong
 * but in range, an address outside every mapping or posted in another
 * descriptor, completions written twice, completions before the data, TX
 * descriptors never completed, TX completions written twice, early or
 * where nothing was posted; and takes the link down and up, stops and
 * restarts the port.  The first byte picks whether bursts step the device
 * or only the input does (step=manual), so faults land between the
 * driver's looks.  Every packet rx_burst hands up must name a buffer of
 * the RX pool with its bytes inside it, and no frame may arrive twice (a
 * TX buffer freed while posted would carry a later frame); no put may be
 * refused (a driver freeing twice); at the end, with the port closed, both
 * pools must have every buffer back and the arena every page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bump.h"
#include "bump_port.h"
#include "bump_sim.h"
#include "fuzz_common.h"

#define PAGES 2048
#define HELD_MAX 64
#define SEQ_MAX 16384
#define RX_LIES (1u << BUMP_SIM_FAULT_RX_DUP | 1u << BUMP_SIM_FAULT_RX_OTHER_ADDR)

static struct bump_arena *arena;
static uint32_t arena_free0;

static void setup(void)
{
	arena = fuzz_arena_create("fuzz-sim", PAGES);
	arena_free0 = bump_arena_free_pages(arena);
}

static struct bump_pool *pool_new(const char *name)
{
	struct bump_pool_params pp = {
		.name = name, .arena = arena, .nid = BUMP_NUMA_ANY, .ring_size = 1024,
		.flags = BUMP_POOL_F_DMA_MAP | BUMP_POOL_F_CHECKED, .dma_dev = bump_sim_dma_dev(),
		.dma_dir = BUMP_DMA_BIDIRECTIONAL,
	};
	struct bump_pool *pool = NULL;

	if (bump_pool_create(&pp, &pool))
		abort();
	return pool;
}

static uint64_t inflight(const struct bump_pool *pool)
{
	struct bump_pool_stats s;

	bump_pool_get_stats(pool, &s);
	return s.inflight;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct bump_pool *rxp, *txp;
	struct bump_port *port = NULL;
	struct bump_rxq_conf rc = { .ring_size = 64, .headroom = 128 };
	struct bump_txq_conf tc = { .ring_size = 64 };
	struct bump_pkt held[HELD_MAX], pkts[32];
	struct bump_error_stats e0, e1;
	struct bump_frame_tag tag;
	uint8_t seen[SEQ_MAX / 8] = { 0 };
	unsigned armed = 0;   /* faults armed, a bit each */
	unsigned nheld = 0;
	uint64_t seq = 0;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	rxp = pool_new("fuzz-rx");
	txp = pool_new("fuzz-tx");
	rc.pool = rxp;
	bump_get_error_stats(&e0);
	if (bump_port_open(data[0] & 1 ? "sim:mode=loopback,step=manual" : "sim:mode=loopback",
			   &port) ||
	    bump_port_rxq_setup(port, 0, &rc) || bump_port_txq_setup(port, 0, &tc) ||
	    bump_port_start(port))
		abort();
	for (size_t at = 1; at + 3 <= size; at += 3) {
		const uint8_t *a = data + at;
		uint16_t n = (uint16_t)(1 + a[1] % 32), k;

		switch (a[0] % 7) {
		case 0: {  /* send n frames of a size from the input */
			uint16_t len = (uint16_t)(BUMP_FRAME_MIN + a[2] * 7);

			for (k = 0; k < n; k++) {
				void *b = bump_pool_alloc(txp);

				if (!b)
					break;
				pkts[k] = (struct bump_pkt){ .ref = bump_pool_ref(txp, b), .off = 128,
							     .len = len };
				bump_frame_build(bump_pkt_data(&pkts[k]), len,
						     (const uint8_t[6]){ 2, 0, 0, 0, 0, 1 },
						     (const uint8_t[6]){ 2, 0, 0, 0, 0, 2 }, 0, 0, seq++);
			}
			uint16_t sent = bump_port_tx_burst(port, 0, pkts, k);

			FUZZ_ASSERT(sent <= k);
			FUZZ_ASSERT(bump_pkt_free_bulk(pkts + sent, k - sent) == 0);
			break;
		}
		case 1:  /* arm a fault */
			FUZZ_ASSERT(bump_sim_inject(port, (enum bump_sim_fault)(a[1] % BUMP_SIM_FAULT_MAX),
						    1 + a[2] % 4) == 0);
			armed |= 1u << (a[1] % BUMP_SIM_FAULT_MAX);
			break;
		case 2:  /* receive: each packet a buffer of the RX pool, its bytes inside */
			k = bump_port_rx_burst(port, 0, pkts, n);
			FUZZ_ASSERT(k <= n);
			for (uint16_t i = 0; i < k; i++) {
				FUZZ_ASSERT(bump_pkt_check(&pkts[i]) == 0);
				FUZZ_ASSERT(bump_ref_desc(pkts[i].ref)->pool_id == bump_pool_id(rxp));
				/*
				 * Each frame sent arrives once at most (a TX buffer freed while
				 * posted would carry a later frame, sent twice) unless the device
				 * completed a buffer it never wrote in a way no driver can tell:
				 * a duplicate write-back naming its own descriptor's address
				 * (RX_DUP after RX_OTHER_ADDR) hands up whatever the buffer held.
				 */
				if ((armed & RX_LIES) != RX_LIES &&
				    bump_frame_check(bump_pkt_data(&pkts[i]), pkts[i].len, &tag) == 0 &&
				    tag.seq < SEQ_MAX) {
					FUZZ_ASSERT(!(seen[tag.seq / 8] & (1u << tag.seq % 8)));
					seen[tag.seq / 8] |= (uint8_t)(1u << tag.seq % 8);
				}
				if (nheld < HELD_MAX && (a[2] & 1))
					held[nheld++] = pkts[i];
				else
					FUZZ_ASSERT(bump_pkt_free(&pkts[i]) == 0);
			}
			break;
		case 3:  /* free what is held */
			FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
			nheld = 0;
			break;
		case 4:
			FUZZ_ASSERT(bump_sim_link_set(port, a[1] & 1) == 0);
			break;
		case 6:  /* the device runs (with step=manual, only here) */
			FUZZ_ASSERT(bump_sim_device_step(port, a[1] % 8) >= 0);
			break;
		case 5:  /* stop (every posted buffer back), start again */
			FUZZ_ASSERT(bump_port_stop(port) == 0);
			FUZZ_ASSERT(inflight(txp) == 0);
			FUZZ_ASSERT(inflight(rxp) == nheld);
			FUZZ_ASSERT(bump_port_start(port) == 0);
			break;
		}
	}
	FUZZ_ASSERT(bump_pkt_free_bulk(held, nheld) == 0);
	FUZZ_ASSERT(bump_port_close(port) == 0);
	bump_get_error_stats(&e1);
	FUZZ_ASSERT(e1.double_put == e0.double_put && e1.wrong_pool == e0.wrong_pool &&
		    e1.not_allocated == e0.not_allocated && e1.foreign == e0.foreign);
	FUZZ_ASSERT(inflight(rxp) == 0 && inflight(txp) == 0);
	FUZZ_ASSERT(bump_pool_destroy(rxp) == 0 && bump_pool_destroy(txp) == 0);
	FUZZ_ASSERT(bump_arena_free_pages(arena) == arena_free0);
	return 0;
}
