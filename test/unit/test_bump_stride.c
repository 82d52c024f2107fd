/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 6: arenas of pages whose size is not a
 * power of two (one descriptor per object of, say, a DPDK mbuf's 2368
 * bytes), where address -> descriptor is a multiply by a precomputed
 * reciprocal: exactness of that index, and every path on such an arena.
 */
#include "bump_fixture.h"

#define MBUF 2368  /* DPDK's default mbuf: 128 + 128 headroom + 2048 + 64, rounded to 64 */

/* The reciprocal index equals the division for every size and offsets up to 4 GiB. */
static void test_page_index_exact(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, wrong = 0;

	for (uint64_t size = 64; size <= (1u << 20); size += 64) {
		uint64_t magic = UINT64_MAX / size + 1;
		uint64_t last = ((1ull << 32) / size) * size;  /* the last page of a 4 GiB arena */
		const uint64_t probe[] = { 0, size - 1, size, 2 * size - 1, last - 1, last,
					   (1ull << 32) - 1 };
		/* The arena's 32-bit lane form (bump_arena_create) of the same division. */
		uint64_t d = size / 64;
		unsigned vshift = 26 + (d > 1 ? 64 - (unsigned)__builtin_clzll(d - 1) : 0);
		uint64_t vmagic = ((1ull << vshift) + d - 1) / d;

		CHECK(vmagic < (1ull << 32));
		for (size_t i = 0; i < BUMP_ARRAY_SIZE(probe) + 64; i++) {
			uint64_t off = i < BUMP_ARRAY_SIZE(probe) ? probe[i] : 0;

			if (i >= BUMP_ARRAY_SIZE(probe)) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				off = x & 0xffffffffull;
			}
			wrong += __bump_page_index(off, magic) != off / size;
			wrong += (((off >> 6) * vmagic) >> vshift) != off / size;
		}
	}
	/* Powers of two: exact at any offset of the largest arena (2^24 pages, 1 GiB each). */
	for (unsigned shift = 6; shift <= 30; shift++) {
		uint64_t magic = UINT64_MAX / (1ull << shift) + 1;
		uint64_t end = (uint64_t)BUMP_ARENA_PAGES_MAX << shift;

		wrong += __bump_page_index(end - 1, magic) != (end - 1) >> shift;
		wrong += __bump_page_index(end / 3, magic) != (end / 3) >> shift;
	}
	CHECK_EQ(wrong, 0);
}

static void test_stride_params(void)
{
	struct fixture f;
	struct bump_arena_params ap = { .name = "stride" };
	struct bump_arena *a;

	fixture_up(&f, TEST_PAGES);
	ap.region = f.region;
	ap.page_size = 100;
	CHECK_EQ(bump_arena_create(&ap, &a), -EINVAL);
	CHECK_ERROR_SAYS("multiple of 64");
	ap.page_size = 4096;
	ap.page_shift = 11;
	CHECK_EQ(bump_arena_create(&ap, &a), -EINVAL);
	CHECK_ERROR_SAYS("disagree");
	ap.page_shift = 12;  /* agreeing is fine, but the region has an arena already */
	CHECK_EQ(bump_arena_create(&ap, &a), -EEXIST);
	CHECK_ERROR_SAYS("overlaps arena 'test-arena'");
	ap.page_shift = 0;
	ap.page_size = TEST_PAGES * 4096 + 64;
	CHECK_EQ(bump_arena_create(&ap, &a), -EINVAL);
	CHECK_ERROR_SAYS("do not fit");
	fixture_down(&f);
}

/* An arena of 2368-byte objects over a region of TEST_PAGES * 4 KiB. */
static struct bump_arena *stride_arena(struct bump_region **region)
{
	struct bump_region_params rp = { .name = "mbufs", .size = TEST_PAGES * 4096,
					 .numa_node = BUMP_NUMA_ANY, .flags = BUMP_REGION_F_NO_HUGE };
	struct bump_arena_params ap = { .name = "mbufs", .page_size = MBUF };
	struct bump_arena *a = NULL;

	CHECK_EQ(bump_region_create(&rp, region), 0);
	ap.region = *region;
	CHECK_EQ(bump_arena_create(&ap, &a), 0);
	return a;
}

static void stride_arena_down(struct bump_arena *a, struct bump_region *region)
{
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(region);
}

static struct bump_pool *stride_pool(struct bump_arena *a, const char *name, unsigned order,
				     unsigned flags)
{
	struct bump_pool_params pp = { .name = name, .arena = a, .order = order,
				       .nid = BUMP_NUMA_ANY, .flags = flags };
	struct bump_pool *pool = NULL;

	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	return pool;
}

/* Every object once, at base + i * 2368; interior pointers find their object. */
static void test_stride_objects(void)
{
	struct bump_region *region;
	struct bump_arena *a;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	static void *bufs[TEST_PAGES * 2];
	uintptr_t base;
	uint32_t n;

	a = stride_arena(&region);
	n = a->npages;
	CHECK_EQ(n, TEST_PAGES * 4096 / MBUF);
	CHECK_EQ(a->page_shift, 0);
	base = a->base;
	for (int mode = 0; mode < 2; mode++) {
		pool = stride_pool(a, "objs", 0, mode ? BUMP_POOL_F_CHECKED : BUMP_POOL_F_UNCHECKED);
		CHECK_EQ(bump_pool_buf_size(pool), MBUF);
		CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, n), n);
		CHECK(bump_pool_alloc(pool) == NULL);  /* every object is out */
		for (uint32_t i = 0; i < n; i++) {
			uintptr_t off = (uintptr_t)bufs[i] - base;

			CHECK_EQ(off % MBUF, 0);
			CHECK_EQ(bump_desc_of((char *)bufs[i] + MBUF - 1), bump_desc_of(bufs[i]));
			CHECK(bump_ref_page(bump_pool_ref(pool, (char *)bufs[i] + 1000)) == bufs[i]);
		}
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < i; j++)
				CHECK(bufs[i] != bufs[j]);
		/* Interior pointers put the object back: its first byte comes out again. */
		for (uint32_t i = 0; i < n; i++)
			bufs[i] = (char *)bufs[i] + (i * 64) % MBUF;
		CHECK_EQ(bump_pool_put_bulk(pool, bufs, n), 0);
		bump_pool_get_stats(pool, &s);
		CHECK_EQ(s.inflight, 0);
		CHECK_EQ(s.inflight_bytes, 0);
		CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 40), 40);
		for (int i = 0; i < 40; i++)
			CHECK_EQ(((uintptr_t)bufs[i] - base) % MBUF, 0);
		bump_pool_get_stats(pool, &s);
		CHECK_EQ(s.inflight_bytes, 40 * MBUF);
		put_from_other_thread(bufs, 40);  /* through the stash and the ring */
		if (mode) {
			bump_log_set_handler(test_log_handler, &tlog);
			CHECK_EQ(bump_put(bufs[0]), -EALREADY);
			bump_log_set_handler(NULL, NULL);
		}
		CHECK_EQ(bump_pool_destroy(pool), 0);
	}
	CHECK_EQ(bump_arena_free_pages(a), n);
	stride_arena_down(a, region);
}

/* Two objects per buffer, fragments, references and DMA addresses on odd strides. */
static void test_stride_orders_frags_dma(void)
{
	struct bump_region *region;
	struct bump_arena *a;
	struct bump_pool *pool;
	struct bump_dma_dev *dev;
	struct bump_pool_params pp = { .name = "dma", .nid = BUMP_NUMA_ANY,
				       .flags = BUMP_POOL_F_DMA_MAP };
	void *bufs[8], *frags[20];
	bump_ref_t refs[8];
	uint64_t dma[8];

	a = stride_arena(&region);
	pool = stride_pool(a, "order1", 1, 0);
	CHECK_EQ(bump_pool_buf_size(pool), 2 * MBUF);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 8), 8);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(((uintptr_t)bufs[i] - a->base) % (2 * MBUF), 0);
		/* The second object of the buffer names the buffer too. */
		refs[i] = bump_pool_ref(pool, (char *)bufs[i] + MBUF + 10);
	}
	CHECK_EQ(bump_ref_put_bulk(refs, 8, sizeof(refs[0])), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);

	pool = stride_pool(a, "frags", 0, 0);
	for (int i = 0; i < 20; i++) {
		unsigned size = 256;

		frags[i] = bump_pool_alloc_frag(pool, &size);
		CHECK(frags[i] != NULL);
		CHECK((uintptr_t)frags[i] % 64 == 0);
	}
	/* 2368 / 256: nine fragments per object, the ninth absorbing the tail. */
	CHECK(bump_desc_of(frags[0]) == bump_desc_of(frags[8]));
	CHECK(bump_desc_of(frags[8]) != bump_desc_of(frags[9]));
	CHECK_EQ(bump_pool_put_bulk(pool, frags, 20), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);

	CHECK_EQ(bump_dma_identity_open(&dev), 0);
	pp.arena = a;
	pp.dma_dev = dev;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk_dma(pool, bufs, refs, dma, 4), 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(dma[i], (uintptr_t)bufs[i]);
		CHECK_EQ(refs[i], bump_pool_ref(pool, bufs[i]));
		CHECK(bump_ref_page(refs[i]) == bufs[i]);
		CHECK_EQ(bump_pool_dma_addr(pool, (char *)bufs[i] + 1234), (uintptr_t)bufs[i] + 1234);
	}
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 4), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	stride_arena_down(a, region);
}

int main(void)
{
	TEST_RUN(test_page_index_exact);
	TEST_RUN(test_stride_params);
	TEST_RUN(test_stride_objects);
	TEST_RUN(test_stride_orders_frags_dma);
	return test_exit();
}
