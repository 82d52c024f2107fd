/* SPDX-License-Identifier: MIT */
/*
 * bump_tx_check.h - issue 10 item 6 for any port driver: handles that name
 * no buffer stop at the port boundary (bump_port_tx_burst), never reaching
 * the driver.  Header-only, like bump_test.h (its CHECK counters are per
 * translation unit).
 */
#ifndef BUMP_TX_CHECK_H
#define BUMP_TX_CHECK_H

#include "bump.h"
#include "bump_port.h"
#include "bump_test.h"

/*
 * Send @good[0..3) (sendable frames of the caller's) with four handles
 * between them: BUMP_REF_NONE, a page past the arena, two buffers of
 * @pool with an offset past the buffer and with no bytes.  tx_burst must
 * take the three, in order, and leave the four behind them to the caller,
 * counted in tx_invalid (and oerrors); the caller then frees those (two are
 * refused: they name no buffer) and receives the three frames.
 */
static inline void bump_tx_check_invalid(struct bump_port *port, struct bump_pool *pool,
					 const struct bump_pkt good[3])
{
	struct bump_pkt pkts[7], bad[4];
	struct bump_port_stats s0, s1;
	void *b2 = bump_pool_alloc(pool), *b3 = bump_pool_alloc(pool);
	uint16_t k;

	CHECK(b2 && b3);
	if (!b2 || !b3)
		return;
	bad[0] = (struct bump_pkt){ .ref = BUMP_REF_NONE, .off = 0, .len = 60 };
	bad[1] = (struct bump_pkt){ .ref = bump_ref_make(bump_ref_arena_id(good[0].ref),
						       bump_ref_arena(good[0].ref)->npages),
				    .off = 0, .len = 60 };
	bad[2] = (struct bump_pkt){ .ref = bump_pool_ref(pool, b2), .off = 65000, .len = 60 };
	bad[3] = (struct bump_pkt){ .ref = bump_pool_ref(pool, b3), .off = 0, .len = 0 };
	if (bump_pool_buf_size(pool) < 65000)  /* past the buffer: no room, not a wrap-around */
		CHECK_EQ(bump_pkt_room(&bad[2]), 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(bump_pkt_check(&bad[i]), -EINVAL);
	/* good0 bad0 good1 bad1 good2 bad2 bad3 */
	pkts[0] = good[0], pkts[1] = bad[0], pkts[2] = good[1], pkts[3] = bad[1];
	pkts[4] = good[2], pkts[5] = bad[2], pkts[6] = bad[3];
	CHECK_EQ(bump_port_get_stats(port, &s0), 0);
	k = bump_port_tx_burst(port, 0, pkts, 7);
	CHECK_EQ(k, 3);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(pkts[i].ref, good[i].ref);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(pkts[3 + i].ref, bad[i].ref);
	CHECK_EQ(bump_port_get_stats(port, &s1), 0);
	CHECK_EQ(s1.total.tx_invalid - s0.total.tx_invalid, 4);
	CHECK_EQ(s1.q[0].tx_invalid - s0.q[0].tx_invalid, 4);
	CHECK(s1.total.oerrors - s0.total.oerrors >= 4);
	/* A burst of refused handles only: none taken. */
	CHECK_EQ(bump_port_tx_burst(port, 0, bad, 2), 0);
	/* Still the caller's: the two real buffers free, the two non-buffers are refused. */
	CHECK_EQ(bump_pkt_free_bulk(pkts + 3, 4), 2);
}

#endif /* BUMP_TX_CHECK_H */
