/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bump, part 2: puts from every direction and the errors
 * each path must reject, references, the recycle ring, DMA, NUMA waive and
 * destroy with buffers in flight.
 */
#include "bump_fixture.h"
#include "bump_priv.h"  /* the arena's node, to fake a two-node placement */

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

static void test_double_put_detected_once(void)
{
	struct fixture f;
	struct bump_pool *pool;
	struct bump_pool_stats s;
	struct bump_error_stats e0, e1;
	void *a, *bufs[TEST_PAGES];

	fixture_up(&f, TEST_PAGES);
	pool = pool_new_checked(&f, "double", 0);
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
	pool = pool_new_checked(&f, "clone", 0);
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
	CHECK_EQ(bump_put(held[0]), -EALREADY); /* and a late double put is caught */
	CHECK_EQ(bump_pool_destroy(next), 0);
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
	/*
	 * As on a two-node machine where the kernel put these eight pages on
	 * the other node (this machine may have one node, and a pool accepts
	 * only nodes that exist): the arena is mixed, the pool checks on refill.
	 */
	for (int i = 0; i < 8; i++)
		bump_desc_of(bufs[i])->nid = (uint8_t)(bump_region_numa_node(f.region) + 1);
	f.arena->priv->node = -1;
	CHECK_EQ(bump_pool_set_nid(pool, BUMP_NUMA_ANY), 0);
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

int main(void)
{
	TEST_RUN(test_double_put_detected_once);
	TEST_RUN(test_foreign_and_unallocated_pointers);
	TEST_RUN(test_wrong_pool_rejected_not_lost);
	TEST_RUN(test_clone_references);
	TEST_RUN(test_remote_put_goes_through_ring);
	TEST_RUN(test_ring_full_releases_to_arena);
	TEST_RUN(test_dma_map_sync_and_unmap_once);
	TEST_RUN(test_destroy_with_inflight_detaches);
	TEST_RUN(test_numa_waive_on_refill);
	return test_exit();
}
