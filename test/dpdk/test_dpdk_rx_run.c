/* SPDX-License-Identifier: MIT */
/*
 * test_dpdk_rx_run.c - the as-is RX loop of the dpdk: driver
 * (drivers/net/dpdk/dpdk_rx_run.c) on mbufs written by hand into bump
 * buffers, field by field: what no virtual device exercises (an RSS hash,
 * data_off and lengths that differ per mbuf, an mbuf with two references
 * or two segments or an external buffer mid-burst, one outside the arena).
 * The loop this process picks is under test: the AVX-512 one where the CPU
 * has it, the portable one under BUMP_NO_AVX512=1 (the -portable variant).
 * No EAL: the loop reads and writes memory only.
 */
#include "dpdk_priv.h"
#include "bump_test.h"

#define N 45

static void run_on(unsigned page_size)
{
	struct bump_region_params rp = {
		.name = "rx-run", .size = 8u << 20, .page_size = BUMP_PAGE_4K,
		.numa_node = BUMP_NUMA_ANY, .flags = BUMP_REGION_F_NO_HUGE,
	};
	struct bump_arena_params ap = { .name = "rx-run", .page_size = page_size };
	struct bump_pool_params pp = { .name = "rx-run", .nid = BUMP_NUMA_ANY, .ring_size = 64 };
	struct bump_region *region = NULL;
	struct bump_arena *arena = NULL;
	struct bump_pool *pool = NULL;
	struct rte_mbuf *mb[N], outside, *inside37;
	struct bump_pkt pkts[N];
	uint64_t bytes = 0, want_bytes = 0;
	struct dpdk_rx_pool view;
	unsigned got = 0;

	CHECK_EQ(bump_region_create(&rp, &region), 0);
	ap.region = region;
	CHECK_EQ(bump_arena_create(&ap, &arena), 0);
	pp.arena = arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	view = (struct dpdk_rx_pool){
		.base = pool->base, .span = pool->span, .magic = pool->page_magic,
		.shift = pool->page_shift, .arena_id = pool->arena_id, .bport = 7,
		.vec_shift = pool->vec_shift, .vec_magic = pool->vec_magic,
	};
	for (unsigned i = 0; i < N; i++) {
		struct rte_mbuf *m = bump_pool_alloc(pool);

		CHECK(m != NULL);
		memset(m, 0xa5, DPDK_MBUF_HDR);  /* every field not set below is junk */
		m->data_off = (uint16_t)(RTE_PKTMBUF_HEADROOM + i);
		rte_mbuf_refcnt_set(m, 1);
		m->nb_segs = 1;
		m->data_len = (uint16_t)(60 + i);
		m->hash.rss = 0x1000 + i;
		m->ol_flags = i % 3 ? 0 : RTE_MBUF_F_RX_RSS_HASH;
		mb[i] = m;
	}
	/* Where the loop must stop: each is taken another way by rx_burst. */
	rte_mbuf_refcnt_set(mb[13], 2);
	mb[21]->nb_segs = 2;
	mb[29]->ol_flags |= RTE_MBUF_F_EXTERNAL;
	memset(&outside, 0, sizeof(outside));
	outside.refcnt = 1;
	outside.nb_segs = 1;
	inside37 = mb[37];
	mb[37] = &outside;

	for (unsigned i = 0; i < N;) {
		unsigned k = dpdk_rx_run_pick(pool)(&view, mb + i, N - i, pkts + i, &bytes);

		for (unsigned j = i; j < i + k; j++) {
			const struct rte_mbuf *m = mb[j];

			CHECK_EQ(pkts[j].ref, bump_pool_ref(pool, (void *)m));
			CHECK_EQ(pkts[j].off, DPDK_MBUF_HDR + RTE_PKTMBUF_HEADROOM + j);
			CHECK_EQ(pkts[j].len, 60 + j);
			CHECK_EQ(pkts[j].port, 7);
			CHECK_EQ(pkts[j].flags, 0);
			CHECK_EQ(pkts[j].hash, j % 3 ? 0 : 0x1000 + j);
			want_bytes += 60 + j;
			got++;
		}
		i += k;
		if (i < N) {
			CHECK(i == 13 || i == 21 || i == 29 || i == 37);
			i++;  /* rx_burst takes it its own way */
		}
	}
	CHECK_EQ(got, N - 4);
	CHECK_EQ(bytes, want_bytes);
	mb[37] = inside37;
	rte_mbuf_refcnt_set(mb[13], 1);
	for (unsigned i = 0; i < N; i++)
		bump_pool_put(pool, mb[i]);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_destroy(arena), 0);
	bump_region_destroy(region);
}

static void test_pages_4k(void)
{
	run_on(4096);
}

static void test_pages_2368(void)
{
	run_on(2368);
}

int main(void)
{
	printf("as-is RX loop: %s\n", bump_bulk_impl());
	TEST_RUN(test_pages_4k);
	TEST_RUN(test_pages_2368);
	return test_exit();
}
