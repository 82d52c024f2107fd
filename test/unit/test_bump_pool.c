/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 1: arenas, pool creation, the owner's alloc
 * and put, exhaustion, frags, multi-page bumps, and the page holding packet
 * bytes only.
 */
#include "bump_fixture.h"

static void test_desc_layout(void)
{
	CHECK_EQ(sizeof(struct bump_desc), 32);
	CHECK_EQ(__bump_desc_make_tag(7, BUMP_DESC_HEAD, 3), 7u | 2u << 16 | 3u << 24);
}

static void test_arena_create_and_errors(void)
{
	struct fixture f;
	struct bump_arena_params ap = { .name = "bad" };
	struct bump_arena *a;

	fixture_up(&f, TEST_PAGES);
	CHECK_EQ(f.arena->npages, TEST_PAGES);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	CHECK(!strcmp(bump_arena_name(f.arena), "test-arena"));
	CHECK(bump_arena_of(bump_region_base(f.region)) == f.arena);
	CHECK(bump_arena_of((char *)bump_region_base(f.region) + TEST_PAGES * 4096) == NULL);
	/* The descriptor table is not inside the region. */
	CHECK(!bump_region_contains(f.region, f.arena->descs));
	CHECK_EQ(bump_arena_create(NULL, &a), -EINVAL);
	ap.region = f.region;
	ap.page_shift = 5;
	CHECK_EQ(bump_arena_create(&ap, &a), -EINVAL);
	CHECK_ERROR_SAYS("page_shift");
	/* Each descriptor knows the node the kernel put its page on. */
	CHECK_EQ(f.arena->descs[0].nid, bump_region_page_node(f.region, bump_region_base(f.region)));
	fixture_down(&f);
}

static void test_pool_create_errors(void)
{
	struct fixture f;
	struct bump_pool_params pp = { .name = "bad", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;

	fixture_up(&f, TEST_PAGES);
	pp.arena = f.arena;
	CHECK_EQ(bump_pool_create(NULL, &pool), -EINVAL);
	pp.order = 7; /* 128 pages > 64 */
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("order 7");
	pp.order = 0;
	pp.flags = BUMP_POOL_F_DMA_MAP;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("dma_dev");
	pp.flags = BUMP_POOL_F_DMA_SYNC_DEV;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	pp.flags = 0;
	pp.offset = 4000;
	pp.max_len = 200;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_ERROR_SAYS("exceed");
	pp.offset = pp.max_len = 0;
	pp.ring_size = 1000;
	CHECK_EQ(bump_pool_create(&pp, &pool), -EINVAL);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

static void test_alloc_put_owner(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *a, *b;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "owner", 0);
	CHECK_EQ(bump_pool_buf_size(pool), 4096);
	a = bump_pool_alloc(pool);
	b = bump_pool_alloc(pool);
	CHECK(a && b && a != b);
	CHECK(bump_region_contains(f.region, a));
	CHECK_EQ((uintptr_t)a % 4096, 0);
	CHECK_EQ(bump_refcount(a), 1);
	CHECK_EQ(bump_desc_of(a)->pool_id, bump_pool_id(pool));
	CHECK_EQ(bump_desc_of(a)->type, BUMP_DESC_PAGE);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.fast, 2);
	CHECK_EQ(s.alloc.slow, BUMP_POOL_CACHE_REFILL);
	CHECK_EQ(s.alloc.empty, 1);
	CHECK_EQ(s.inflight, 2);
	CHECK_EQ(s.inflight_bytes, 8192);
	CHECK_EQ(bump_pool_put(pool, a), 0);
	/* A pointer anywhere inside the buffer returns it. */
	CHECK_EQ(bump_pool_put(pool, (char *)b + 100), 0);
	CHECK_EQ(bump_desc_of(a)->refcount, __bump_pool_idle_ref(pool));  /* 1, or 0 when checked */
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.cached, 2);
	CHECK_EQ(s.inflight, 0);
	/* LIFO cache: the last buffer put is the next handed out. */
	CHECK(bump_pool_alloc(pool) == b);
	CHECK_EQ(bump_pool_put(pool, b), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

/* A pool names its own arena, also once destroyed with a buffer still out (detached). */
static void test_pool_arena(void)
{
	struct fixture f, g;
	struct bump_pool *pool;
	void *buf;

	fixture_up(&f, TEST_PAGES);
	fixture_up(&g, TEST_PAGES);
	pool = pool_new(&g, "second-arena", 0);
	CHECK(bump_pool_arena(pool) == g.arena);
	CHECK(bump_pool_arena(pool) != f.arena);
	buf = bump_pool_alloc(pool);
	CHECK(buf != NULL);
	bump_pool_hold(pool);
	CHECK_EQ(bump_pool_destroy(pool), 1);
	CHECK(bump_pool_arena(pool) == g.arena);
	CHECK_EQ(bump_put(buf), 0);
	bump_pool_unhold(pool);
	fixture_down(&g);
	fixture_down(&f);
}

static void test_bulk_and_exhaustion(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[TEST_PAGES + 8];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "bulk", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, TEST_PAGES + 8), TEST_PAGES);
	CHECK_ERROR_SAYS("exhausted");
	CHECK(bump_pool_alloc(pool) == NULL);
	bump_pool_get_stats(pool, &s);
	CHECK(s.alloc.fail >= 1);
	CHECK_EQ(s.inflight, TEST_PAGES);
	for (int i = 0; i < TEST_PAGES; i++)
		for (int j = i + 1; j < TEST_PAGES; j++)
			CHECK(bufs[i] != bufs[j]);
	CHECK_EQ(bump_arena_free_pages(f.arena), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, TEST_PAGES), 0);
	bump_pool_get_stats(pool, &s);
	/* 64 fit the cache of 128; nothing reached the ring. */
	CHECK_EQ(s.recycle.cached, TEST_PAGES);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void test_max_buffers(void)
{
	struct fixture f;
	struct bump_pool_params pp = { .name = "capped", .max_buffers = 10, .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	void *bufs[16];

	fixture_up(&f, TEST_PAGES);
	pp.arena = f.arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 16), 10);
	CHECK_ERROR_SAYS("holds its max_buffers (10)");
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES - 10);
	bump_pool_put_bulk(pool, bufs, 10);
	bump_pool_destroy(pool);
	fixture_down(&f);
}

static void test_cache_full_spills_to_ring(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	static void *bufs[200];
	uint64_t room;

	fixture_up(&f, 256);
	pool = pool_new(&f, "spill", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 200), 200);
	bump_pool_get_stats(pool, &s);
	room = BUMP_POOL_CACHE_SIZE - s.cached_now;  /* refills come in 64s: some are left */
	CHECK_EQ(s.cached_now, 4 * BUMP_POOL_CACHE_REFILL - 200);
	/*
	 * The burst fills the cache (72), then each time the cache is full its
	 * oldest 64 move to the ring in one claim: every put entered the cache.
	 */
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 200), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.cached, 200);
	CHECK_EQ(s.recycle.cache_full, 2 * BUMP_POOL_CACHE_REFILL);
	CHECK_EQ(s.ring_now, 2 * BUMP_POOL_CACHE_REFILL);
	CHECK_EQ(s.cached_now, BUMP_POOL_CACHE_SIZE);
	CHECK_EQ(room, 72);
	CHECK_EQ(s.inflight, 0);
	/* The ring refills the cache when it runs dry: nothing went to the arena. */
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 200), 200);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.refill, 2 * BUMP_POOL_CACHE_REFILL);
	CHECK_EQ(s.alloc.slow, 4 * BUMP_POOL_CACHE_REFILL);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 200), 0);
	bump_pool_destroy(pool);
	CHECK_EQ(bump_arena_free_pages(f.arena), 256);
	fixture_down(&f);
}

static void test_frags(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *frag[16];
	unsigned size;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "frag", 0);
	for (int i = 0; i < 16; i++) {
		size = 200;  /* rounded up to 256 */
		frag[i] = bump_pool_alloc_frag(pool, &size);
		CHECK(frag[i] != NULL);
		CHECK_EQ(size, 256);
		CHECK_EQ((uintptr_t)frag[i] % 64, 0);
		if (i)
			CHECK((char *)frag[i] == (char *)frag[i - 1] + 256);
	}
	/* Sixteen 256-byte frags fill the page; the owner sees 16 references. */
	CHECK_EQ(bump_refcount(frag[0]), 16);
	CHECK_EQ(bump_desc_of(frag[0])->type, BUMP_DESC_FRAG);
	for (int i = 0; i < 15; i++)
		CHECK_EQ(bump_put(frag[i]), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 1);
	CHECK_EQ(bump_pool_put(pool, frag[15]), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_desc_of(frag[0])->type, BUMP_DESC_PAGE);

	/* 1500 -> 1536: two fit, and the second absorbs the 1024-byte tail. */
	size = 1500;
	frag[0] = bump_pool_alloc_frag(pool, &size);
	CHECK_EQ(size, 1536);
	size = 1500;
	frag[1] = bump_pool_alloc_frag(pool, &size);
	CHECK_EQ(size, 4096 - 1536);
	CHECK((char *)frag[1] == (char *)frag[0] + 1536);
	size = 1500;
	frag[2] = bump_pool_alloc_frag(pool, &size);
	CHECK(((uintptr_t)frag[2] & ~4095ul) != ((uintptr_t)frag[0] & ~4095ul));
	/* Frags put before carving ends: the page comes back only with the last. */
	CHECK_EQ(bump_put(frag[2]), 0);
	CHECK_EQ(bump_put(frag[0]), 0);
	CHECK_EQ(bump_put(frag[1]), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 1);  /* frag[2]'s page is still being carved */
	size = 5000;
	CHECK(bump_pool_alloc_frag(pool, &size) == NULL);
	CHECK_ERROR_SAYS("does not fit");
	/* Destroy ends carving; the page goes back with the pool. */
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

/*
 * Carving: the owner's puts count in the pool, other threads' and clones' in
 * the refcount; either way the buffer comes back once, with its last
 * reference, and never while one is out.
 */
static void test_frag_carving(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *frag[4], *held[3];
	unsigned size;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "carve", 0);

	/* Clones on the buffer being carved, put by the owner. */
	size = 1024;
	frag[0] = bump_pool_alloc_frag(pool, &size);
	CHECK_EQ(bump_get(frag[0]), 0);
	CHECK_EQ(bump_refcount(frag[0]), 2);
	CHECK_EQ(bump_put(frag[0]), 0);
	CHECK_EQ(bump_put(frag[0]), 0);
	CHECK_EQ(bump_refcount(frag[0]), 0);
	/* One put too many: refused, counted, nothing freed. */
	CHECK_EQ(bump_put(frag[0]), -EALREADY);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.double_put, 1);
	CHECK_EQ(s.inflight, 1);  /* still being carved */

	/* Fragments put by another thread while the owner carves; the owner's
	 * put of the last one, after carving ended, recycles the buffer. */
	for (int i = 1; i < 4; i++) {
		size = 1024;
		frag[i] = bump_pool_alloc_frag(pool, &size);
	}
	CHECK(bump_desc_of(frag[1]) == bump_desc_of(frag[3]));
	CHECK(pool->frag.desc == NULL);  /* cut to its end */
	put_from_other_thread(frag + 1, 2);
	CHECK_EQ(bump_refcount(frag[3]), 1);
	CHECK_EQ(bump_put(frag[3]), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_desc_of(frag[0])->type, BUMP_DESC_PAGE);

	/*
	 * The owner puts first, another thread puts the last: only the owner
	 * can see that the buffer is back (it counts its fragments itself), and
	 * does so at its next fragment allocation, bulk put or stats read.
	 */
	size = 2048;
	held[0] = bump_pool_alloc_frag(pool, &size);
	size = 2048;
	held[1] = bump_pool_alloc_frag(pool, &size);
	CHECK_EQ(pool->frag.npend, 1);
	CHECK_EQ(bump_put(held[0]), 0);
	put_from_other_thread(&held[1], 1);
	CHECK_EQ(pool->frag.npend, 1);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(pool->frag.npend, 0);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.ring_now, 0);  /* the owner recycled it, into its cache */

	/* Destroy ends carving; the fragments still out come back later. */
	for (int i = 0; i < 3; i++) {
		size = 2048;
		held[i] = bump_pool_alloc_frag(pool, &size);
	}
	CHECK_EQ(bump_pool_destroy(pool), 2);
	put_from_other_thread(held, 2);
	CHECK_EQ(bump_put(held[2]), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

static void test_multi_page_bumps(void)
{
	struct fixture f;
	struct bump_pool *pool, *small;
	struct bump_pool_stats s;
	void *a, *b, *p;
	struct bump_desc *d;

	fixture_up(&f, 2 * TEST_PAGES);
	small = pool_new(&f, "small", 0);
	p = bump_pool_alloc(small);  /* takes 64 pages: the buddy keeps the rest in big blocks */
	pool = pool_new(&f, "jumbo", 2);
	CHECK_EQ(bump_pool_buf_size(pool), 16384);
	a = bump_pool_alloc(pool);
	b = bump_pool_alloc(pool);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK_EQ(((uintptr_t)a - (uintptr_t)bump_region_base(f.region)) % 16384, 0);
	d = bump_desc_of((char *)a + 3 * 4096 + 17);
	CHECK(d == bump_desc_of(a));
	CHECK_EQ(d->type, BUMP_DESC_HEAD);
	CHECK_EQ(d->order, 2);
	CHECK_EQ(f.arena->descs[d - f.arena->descs + 1].type, BUMP_DESC_TAIL);
	memset(a, 0xee, 16384);
	/* A pointer into a tail page returns the whole bump. */
	CHECK_EQ(bump_pool_put(pool, (char *)a + 2 * 4096), 0);
	CHECK_EQ(bump_put((char *)b + 4096 * 3), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.alloc.slow_high_order, BUMP_POOL_CACHE_REFILL >> 2);
	CHECK_EQ(bump_pool_put(small, p), 0);
	bump_pool_destroy(pool);
	bump_pool_destroy(small);
	CHECK_EQ(bump_arena_free_pages(f.arena), 2 * TEST_PAGES);
	fixture_down(&f);
}

/* No metadata in the page: scribble over every byte of every buffer, then use the pool. */
static void test_every_byte_of_every_page_is_packet_memory(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[TEST_PAGES];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "scribble", 0);
	for (int round = 0; round < 3; round++) {
		CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, TEST_PAGES), TEST_PAGES);
		for (int i = 0; i < TEST_PAGES; i++)
			memset(bufs[i], round == 1 ? 0x00 : 0xff - round, 4096);
		for (int i = 0; i < TEST_PAGES; i++)
			for (int j = i + 1; j < TEST_PAGES; j++)
				CHECK(bufs[i] != bufs[j]);
		CHECK_EQ(bump_pool_put_bulk(pool, bufs, TEST_PAGES), 0);
		bump_pool_get_stats(pool, &s);
		CHECK_EQ(s.inflight, 0);
		CHECK_EQ(s.recycle.double_put + s.recycle.wrong_pool, 0);
	}
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
}

/*
 * A reference's layout, which packet handles carry across drivers and the
 * DPDK plugin: the arena id above a 24-bit page index.  Every id and the
 * edge indices round-trip through the helpers; nothing else builds a ref.
 */
static void test_ref_layout(void)
{
	static const uint32_t idxs[] = { 0, 1, 0x5a5a5a, BUMP_ARENA_PAGES_MAX - 1 };

	CHECK_EQ(BUMP_ARENA_PAGES_MAX, 1u << 24);
	CHECK_EQ(bump_ref_make(3, 5), 3u << 24 | 5u);
	for (unsigned id = 0; id < BUMP_ARENA_MAX; id++)
		for (unsigned i = 0; i < sizeof(idxs) / sizeof(idxs[0]); i++) {
			bump_ref_t ref = bump_ref_make(id, idxs[i]);

			CHECK_EQ(bump_ref_arena_id(ref), id);
			CHECK_EQ(bump_ref_index(ref), idxs[i]);
		}
	/* The last page of one arena and the first of the next stay apart. */
	CHECK(bump_ref_make(1, 0) != bump_ref_make(0, BUMP_ARENA_PAGES_MAX - 1));
	CHECK(bump_ref_arena_id(BUMP_REF_NONE) >= BUMP_ARENA_MAX);
}

static void test_refs_name_pages(void)
{
	struct fixture f;
	struct bump_pool *pool;
	void *buf;
	bump_ref_t ref;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "refs", 0);
	buf = bump_pool_alloc(pool);
	ref = bump_pool_ref(pool, (char *)buf + 10);
	CHECK(bump_ref_arena(ref) == f.arena);
	CHECK(bump_ref_page(ref) == buf);
	CHECK(bump_ref_desc(ref) == bump_desc_of(buf));
	CHECK_EQ(bump_ref_arena_id(ref), f.arena->id);
	CHECK(bump_ref_make(f.arena->id, bump_ref_index(ref)) == ref);
	CHECK_EQ(bump_pool_put(pool, buf), 0);
	bump_pool_destroy(pool);
	fixture_down(&f);
}

static void test_ref_put(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct { bump_ref_t ref; uint32_t other[3]; } handles[8];
	void *bufs[8];

	fixture_up(&f, 2 * TEST_PAGES);  /* the pool takes 64: the last pages stay free */
	pool = pool_new_checked(&f, "ref-put", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 8), 8);
	for (int i = 0; i < 8; i++)
		handles[i].ref = bump_pool_ref(pool, (char *)bufs[i] + 64);
	CHECK_EQ(bump_ref_put(handles[0].ref), 0);
	CHECK_EQ(bump_ref_put(handles[0].ref), -EALREADY);
	/* Seven handles 16 bytes apart, as packet handles are. */
	CHECK_EQ(bump_ref_put_bulk(&handles[1].ref, 7, sizeof(handles[0])), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(s.recycle.cached, 8);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_ref_put(0xff000001u), -EINVAL);  /* no such arena */
	CHECK_ERROR_SAYS("no arena holds");
	CHECK_EQ(bump_ref_put(bump_ref_make(f.arena->id, 2 * TEST_PAGES)), -EINVAL);  /* past its end */
	CHECK_EQ(bump_ref_put(bump_ref_make(f.arena->id, 2 * TEST_PAGES - 1)), -EINVAL);
	CHECK_ERROR_SAYS("belongs to no pool");
	/* The report names the call made, not the address it became (issue 13 point 3). */
	CHECK_ERROR_SAYS("bump_ref_put(");
	bump_log_set_handler(NULL, NULL);
	bump_pool_destroy(pool);
	fixture_down(&f);
}

static void test_pool_on_hugepages(void)
{
	struct bump_region_params rp = { .name = "huge", .size = 4ul << 20,
					 .numa_node = BUMP_NUMA_ANY,
					 .flags = BUMP_REGION_F_HUGE_ONLY };
	struct bump_arena_params ap = { .name = "huge-arena" };
	struct bump_region *r;
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "huge", .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	void *bufs[100];

	if (bump_mem_free_hugepages(BUMP_PAGE_2M, BUMP_NUMA_ANY) < 2)
		TEST_SKIP("no 2 free 2 MiB hugepages (echo 64 > /proc/sys/vm/nr_hugepages)");
	CHECK_EQ(bump_region_create(&rp, &r), 0);
	ap.region = r;
	CHECK_EQ(bump_arena_create(&ap, &a), 0);
	pp.arena = a;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 100), 100);
	for (int i = 0; i < 100; i++)
		memset(bufs[i], i, 4096);
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 100), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_destroy(a), 0);
	bump_region_destroy(r);
}

int main(void)
{
	TEST_RUN(test_desc_layout);
	TEST_RUN(test_arena_create_and_errors);
	TEST_RUN(test_pool_create_errors);
	TEST_RUN(test_alloc_put_owner);
	TEST_RUN(test_pool_arena);
	TEST_RUN(test_bulk_and_exhaustion);
	TEST_RUN(test_max_buffers);
	TEST_RUN(test_cache_full_spills_to_ring);
	TEST_RUN(test_frags);
	TEST_RUN(test_frag_carving);
	TEST_RUN(test_multi_page_bumps);
	TEST_RUN(test_every_byte_of_every_page_is_packet_memory);
	TEST_RUN(test_ref_layout);
	TEST_RUN(test_refs_name_pages);
	TEST_RUN(test_ref_put);
	TEST_RUN(test_pool_on_hugepages);
	return test_exit();
}
