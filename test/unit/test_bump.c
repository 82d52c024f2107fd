/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump: arenas, pools, puts from every direction, the
 * errors each path must reject, frags, multi-page bumps, DMA and destroy.
 */
#include "bump.h"
#include "bump_test.h"

#include <pthread.h>
#include <stdlib.h>

#define TEST_PAGES 64

struct fixture {
	struct bump_region *region;
	struct bump_arena *arena;
};

static struct test_log tlog;

static void fixture_up(struct fixture *f, size_t pages)
{
	struct bump_region_params rp = {
		.name = "test", .size = pages * 4096, .numa_node = BUMP_NUMA_ANY,
		.flags = BUMP_REGION_F_NO_HUGE,
	};
	struct bump_arena_params ap = { .name = "test-arena" };

	memset(f, 0, sizeof(*f));
	CHECK_EQ(bump_region_create(&rp, &f->region), 0);
	ap.region = f->region;
	CHECK_EQ(bump_arena_create(&ap, &f->arena), 0);
}

static void fixture_down(struct fixture *f)
{
	CHECK_EQ(bump_arena_destroy(f->arena), 0);
	bump_region_destroy(f->region);
}

static struct bump_pool *pool_new(struct fixture *f, const char *name, unsigned order)
{
	struct bump_pool_params pp = { .name = name, .arena = f->arena, .order = order,
				       .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool = NULL;

	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	return pool;
}

/* Take every buffer out of the cache, so the next allocation must refill. */
static unsigned drain_cache(struct bump_pool *pool, void **keep)
{
	unsigned n = pool->cache_count;

	CHECK_EQ(bump_pool_alloc_bulk(pool, keep, n), n);
	return n;
}

static void test_desc_layout(void)
{
	CHECK_EQ(sizeof(struct bump_desc), 32);
	CHECK_EQ(bump_desc_make_tag(7, BUMP_DESC_HEAD, 3), 7u | 2u << 16 | 3u << 24);
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
	CHECK_ERROR_SAYS("page shift");
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
	CHECK_EQ(bump_desc_of(a)->refcount, 0);
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
	CHECK_ERROR_SAYS("max_buffers");
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES - 10);
	bump_pool_put_bulk(pool, bufs, 10);
	bump_pool_destroy(pool);
	fixture_down(&f);
}

static void test_double_put_detected_once(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct bump_error_stats e0, e1;
	void *a, *bufs[TEST_PAGES];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "double", 0);
	memset(&tlog, 0, sizeof(tlog));
	bump_log_set_handler(test_log_handler, &tlog);
	bump_get_error_stats(&e0);
	a = bump_pool_alloc(pool);
	CHECK_EQ(bump_pool_put(pool, a), 0);
	CHECK_EQ(bump_pool_put(pool, a), -EALREADY);
	CHECK_ERROR_SAYS("double put");
	CHECK_EQ(bump_put(a), -EALREADY);
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(tlog.lines[BUMP_LOG_ERR], 1);  /* reported once, then counted */
	bump_get_error_stats(&e1);
	CHECK_EQ(e1.double_put - e0.double_put, 2);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.double_put, 2);
	CHECK_EQ(s.recycle.cached, 1);
	/* The free list is intact: every page comes out exactly once. */
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, TEST_PAGES), TEST_PAGES);
	for (int i = 0; i < TEST_PAGES; i++)
		for (int j = i + 1; j < TEST_PAGES; j++)
			CHECK(bufs[i] != bufs[j]);
	bump_pool_put_bulk(pool, bufs, TEST_PAGES);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void test_foreign_and_unallocated_pointers(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_error_stats e0, e1;
	int on_stack;
	void *heap = malloc(64);
	char *unallocated;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "foreign", 0);
	bump_log_set_handler(test_log_handler, &tlog);
	bump_get_error_stats(&e0);
	CHECK_EQ(bump_put(&on_stack), -EINVAL);
	CHECK_ERROR_SAYS("not a bump buffer");
	CHECK_EQ(bump_pool_put(pool, heap), -EINVAL);
	CHECK_EQ(bump_get(heap), -EINVAL);
	CHECK_EQ(bump_refcount(heap), -EINVAL);
	CHECK(bump_desc_of(heap) == NULL);
	CHECK(bump_desc_of(NULL) == NULL);
	/* Inside the arena, but no pool owns that page. */
	unallocated = (char *)bump_region_base(f.region) + (TEST_PAGES - 1) * 4096;
	CHECK_EQ(bump_put(unallocated), -EINVAL);
	CHECK_ERROR_SAYS("belongs to no pool");
	CHECK_EQ(bump_pool_put(pool, unallocated), -EINVAL);
	bump_log_set_handler(NULL, NULL);
	bump_get_error_stats(&e1);
	CHECK_EQ(e1.foreign - e0.foreign, 6);
	CHECK_EQ(e1.not_allocated - e0.not_allocated, 2);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	free(heap);
	bump_pool_destroy(pool);
	fixture_down(&f);
}

static void test_wrong_pool_rejected_not_lost(void)
{
	struct fixture f;
	struct bump_pool *a, *b;
	struct bump_pool_stats s;
	void *buf;

	fixture_up(&f, TEST_PAGES);
	a = pool_new(&f, "pool-a", 0);
	b = pool_new(&f, "pool-b", 0);
	CHECK(bump_pool_id(a) != bump_pool_id(b));
	buf = bump_pool_alloc(b);
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_put(a, buf), -EXDEV);
	CHECK_ERROR_SAYS("belongs to pool 'pool-b'");
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(bump_refcount(buf), 1);  /* still the caller's */
	bump_pool_get_stats(a, &s);
	CHECK_EQ(s.recycle.wrong_pool, 1);
	CHECK_EQ(bump_put(buf), 0);       /* the any-pool put finds the right one */
	bump_pool_get_stats(b, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_pool_destroy(a), 0);
	CHECK_EQ(bump_pool_destroy(b), 0);
	fixture_down(&f);
}

static void test_clone_references(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *buf;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "clone", 0);
	buf = bump_pool_alloc(pool);
	CHECK_EQ(bump_get(buf), 0);
	CHECK_EQ(bump_get((char *)buf + 64), 0);
	CHECK_EQ(bump_refcount(buf), 3);
	CHECK_EQ(bump_pool_put(pool, buf), 0);
	CHECK_EQ(bump_put(buf), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.released_refcnt, 2);
	CHECK_EQ(s.inflight, 1);
	CHECK_EQ(bump_put(buf), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.inflight, 0);
	CHECK_EQ(bump_get(buf), -EINVAL);  /* no references on a free buffer */
	bump_pool_destroy(pool);
	fixture_down(&f);
}

struct remote_put {
	void **bufs;
	unsigned n;
	unsigned rejected;
};

static void *remote_put_thread(void *arg)
{
	struct remote_put *r = arg;

	r->rejected = bump_put_bulk(r->bufs, r->n);
	return NULL;
}

static void put_from_other_thread(void **bufs, unsigned n)
{
	struct remote_put r = { bufs, n, 0 };
	pthread_t t;

	CHECK_EQ(pthread_create(&t, NULL, remote_put_thread, &r), 0);
	pthread_join(t, NULL);
	CHECK_EQ(r.rejected, 0);
}

static void test_remote_put_goes_through_ring(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[32], *again[32];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "remote", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 32), 32);
	/* Drain the cache so the next allocations must come from the ring. */
	CHECK_EQ(bump_pool_alloc_bulk(pool, again, 32), 32);
	put_from_other_thread(bufs, 32);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.ring, 32);
	CHECK_EQ(s.ring_now, 32);
	CHECK_EQ(s.recycle.cached, 0);
	CHECK_EQ(s.inflight, 32);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 32), 32);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.refill, 32);
	CHECK_EQ(s.ring_now, 0);
	bump_pool_put_bulk(pool, bufs, 32);
	bump_pool_put_bulk(pool, again, 32);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void test_ring_full_releases_to_arena(void)
{
	struct fixture f;
	struct bump_pool_params pp = { .name = "tiny-ring", .ring_size = 4, .nid = BUMP_NUMA_ANY };
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[16];

	fixture_up(&f, TEST_PAGES);
	pp.arena = f.arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 16), 16);
	put_from_other_thread(bufs, 16);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.ring, 4);
	CHECK_EQ(s.recycle.ring_full, 12);
	CHECK_EQ(s.held, BUMP_POOL_CACHE_REFILL - 12);
	CHECK_EQ(s.inflight, 0);
	bump_pool_destroy(pool);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
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
	CHECK_EQ(bump_pool_put_bulk(pool, bufs, 200), 0);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.recycle.cached, room);
	CHECK_EQ(s.recycle.cache_full, 200 - room);
	CHECK_EQ(s.ring_now, 200 - room);
	CHECK_EQ(s.inflight, 0);
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
	/* Sixteen 256-byte frags fill the page: carving ended, the bias is gone. */
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

/* DMA ops that count syncs, to see PP_FLAG_DMA_SYNC_DEV's window. */
static uint64_t last_sync_iova, last_sync_len;

static int counting_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	m->iova_base = 0x100000000ull;
	m->linear = true;
	m->contig = m->len;
	return 0;
}

static int counting_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	(void)m;
	return 0;
}

static int counting_iova(const struct bump_dma_map *m, const void *va, size_t len,
			 uint64_t *iova)
{
	(void)m;
	(void)va;
	(void)len;
	(void)iova;
	return -EINVAL;  /* linear maps translate inline; this is only the out-of-range case */
}

static void counting_sync(struct bump_dma_dev *dev, uint64_t iova, size_t len,
			  enum bump_dma_dir dir)
{
	(void)dev;
	(void)dir;
	last_sync_iova = iova;
	last_sync_len = len;
}

static const struct bump_dma_ops counting_ops = {
	.name = "counting",
	.map = counting_map,
	.unmap = counting_unmap,
	.iova = counting_iova,
	.sync_for_device = counting_sync,
	.sync_for_cpu = counting_sync,
};

static void test_dma_map_sync_and_unmap_once(void)
{
	struct fixture f;
	struct bump_dma_dev *dev;
	struct bump_pool_params pp = {
		.name = "dma", .nid = BUMP_NUMA_ANY,
		.flags = BUMP_POOL_F_DMA_MAP | BUMP_POOL_F_DMA_SYNC_DEV,
		.dma_dir = BUMP_DMA_FROM_DEVICE, .offset = 256, .max_len = 1536,
	};
	struct bump_pool *pool, *second;
	void *buf, *other_thread[4], *drained[BUMP_POOL_CACHE_SIZE];
	unsigned n;

	fixture_up(&f, TEST_PAGES);
	CHECK_EQ(bump_dma_dev_open(&counting_ops, "counting", NULL, &dev), 0);
	pp.arena = f.arena;
	pp.dma_dev = dev;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	CHECK_EQ(bump_pool_create(&pp, &second), 0);
	CHECK_EQ(atomic_load(&dev->maps), 1);  /* one mapping of the arena, shared */
	buf = bump_pool_alloc(pool);
	CHECK_EQ(bump_pool_dma_addr(pool, buf),
		 0x100000000ull + ((uintptr_t)buf - (uintptr_t)bump_region_base(f.region)));
	CHECK_EQ(bump_pool_dma_addr(pool, (char *)buf + 100), bump_pool_dma_addr(pool, buf) + 100);
	bump_pool_sync_for_cpu(pool, buf, 60);
	CHECK_EQ(atomic_load(&dev->syncs_for_cpu), 1);
	CHECK_EQ(last_sync_len, 60);
	CHECK_EQ(bump_pool_put(pool, buf), 0);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 1);
	CHECK_EQ(last_sync_iova, bump_pool_dma_addr(pool, buf) + 256);
	CHECK_EQ(last_sync_len, 1536);
	/* Buffers coming back through the ring are synced when the owner takes them. */
	bump_pool_alloc_bulk(pool, other_thread, 4);
	n = drain_cache(pool, drained);
	put_from_other_thread(other_thread, 4);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 1);
	buf = bump_pool_alloc(pool);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 5);
	CHECK_EQ(bump_pool_put(pool, buf), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, drained, n), 0);
	CHECK_EQ(bump_pool_destroy(second), 0);
	CHECK_EQ(atomic_load(&dev->unmaps), 0);  /* the first pool still uses it */
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(atomic_load(&dev->unmaps), 1);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	fixture_down(&f);
}

static void test_destroy_with_inflight_detaches(void)
{
	struct fixture f;
	struct bump_dma_dev *dev;
	struct bump_pool_params pp = { .name = "unbind", .nid = BUMP_NUMA_ANY,
				       .flags = BUMP_POOL_F_DMA_MAP };
	struct bump_pool *pool, *next;
	struct bump_pool_info info[4];
	void *held[10];
	uint16_t id;
	unsigned n;

	fixture_up(&f, TEST_PAGES);
	CHECK_EQ(bump_dma_identity_open(&dev), 0);
	pp.arena = f.arena;
	pp.dma_dev = dev;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	id = bump_pool_id(pool);
	CHECK_EQ(bump_pool_alloc_bulk(pool, held, 10), 10);
	CHECK(bump_pool_dma_addr(pool, held[0]) == (uintptr_t)held[0]);
	memset(&tlog, 0, sizeof(tlog));
	bump_log_set_handler(test_log_handler, &tlog);
	CHECK_EQ(bump_pool_destroy(pool), 10);
	bump_log_set_handler(NULL, NULL);
	CHECK_EQ(tlog.lines[BUMP_LOG_WARN], 1);
	CHECK(strstr(tlog.last[BUMP_LOG_WARN], "10 buffers") != NULL);
	/* Every mapping is undone now, while the application still holds buffers. */
	CHECK_EQ(atomic_load(&dev->unmaps), 1);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(bump_desc_of(held[i])->dma_addr, 0);
	/* Still listed, with its inflight count and detach time. */
	n = bump_pool_list(info, 4);
	CHECK_EQ(n, 1);
	CHECK_EQ(info[0].id, id);
	CHECK_EQ(info[0].inflight, 10);
	CHECK_EQ(info[0].inflight_bytes, 40960);
	CHECK(info[0].detach_time_ns != 0);
	CHECK(!info[0].dma_mapped);
	/* The detached pool's ID is not reused. */
	next = pool_new(&f, "next", 0);
	CHECK(bump_pool_id(next) != id);
	CHECK_EQ(bump_arena_destroy(f.arena), -EBUSY);
	CHECK_ERROR_SAYS("2 pools");
	/* Buffers come back later, from another thread and from this one. */
	put_from_other_thread(held, 5);
	CHECK_EQ(bump_pool_list(info, 4), 2);
	CHECK_EQ(bump_put_bulk(held + 5, 5), 0);
	CHECK_EQ(bump_pool_list(info, 4), 1);  /* freed with its last buffer */
	CHECK_EQ(bump_put(held[0]), -EINVAL);   /* and a late double put is caught */
	CHECK_EQ(bump_pool_destroy(next), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
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

static void test_numa_waive_on_refill(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	void *bufs[8], *drained[BUMP_POOL_CACHE_SIZE];
	unsigned n;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "waive", 0);
	CHECK_EQ(bump_pool_alloc_bulk(pool, bufs, 8), 8);
	n = drain_cache(pool, drained);
	/* The RX queue moved to another node (page_pool_nid_changed). */
	bump_pool_set_nid(pool, f.arena->descs[0].nid + 1);
	put_from_other_thread(bufs, 8);
	CHECK_EQ(bump_arena_free_pages(f.arena), 0);
	/* The refill releases all eight to the arena, then takes fresh pages from it. */
	bufs[0] = bump_pool_alloc(pool);
	CHECK(bufs[0] != NULL);
	bump_pool_get_stats(pool, &s);
	CHECK_EQ(s.alloc.waive, 8);
	CHECK_EQ(s.alloc.refill, 0);
	CHECK_EQ(s.alloc.slow, BUMP_POOL_CACHE_REFILL + 8);
	CHECK_EQ(bump_pool_put(pool, bufs[0]), 0);
	CHECK_EQ(bump_pool_put_bulk(pool, drained, n), 0);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK_EQ(bump_arena_free_pages(f.arena), TEST_PAGES);
	fixture_down(&f);
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
	CHECK_EQ(bump_pool_put(pool, buf), 0);
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
	TEST_RUN(test_bulk_and_exhaustion);
	TEST_RUN(test_max_buffers);
	TEST_RUN(test_double_put_detected_once);
	TEST_RUN(test_foreign_and_unallocated_pointers);
	TEST_RUN(test_wrong_pool_rejected_not_lost);
	TEST_RUN(test_clone_references);
	TEST_RUN(test_remote_put_goes_through_ring);
	TEST_RUN(test_ring_full_releases_to_arena);
	TEST_RUN(test_cache_full_spills_to_ring);
	TEST_RUN(test_frags);
	TEST_RUN(test_multi_page_bumps);
	TEST_RUN(test_dma_map_sync_and_unmap_once);
	TEST_RUN(test_destroy_with_inflight_detaches);
	TEST_RUN(test_every_byte_of_every_page_is_packet_memory);
	TEST_RUN(test_numa_waive_on_refill);
	TEST_RUN(test_refs_name_pages);
	TEST_RUN(test_pool_on_hugepages);
	return test_exit();
}
