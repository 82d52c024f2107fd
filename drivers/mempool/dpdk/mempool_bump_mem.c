/* SPDX-License-Identifier: MIT */
/*
 * mempool_bump_mem.c - where a bump mempool's objects live: alloc (region,
 * arena, DPDK registration), populate (one object per arena page, each at
 * the IOVA DPDK now knows), calc_mem_size, and free.
 *
 * DPDK's rte_mempool_populate_default() reserves a memzone of the size
 * calc_mem_size asks for and hands it to populate.  Objects live in the
 * bump region instead, so calc_mem_size asks for one cache line, and that
 * memzone stays unused (as does any chunk a program populates with).
 */
#include "mempool_bump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

int bmp_pool_new(struct bmp *b, const char *what, struct bump_pool **out)
{
	char name[32];
	struct bump_pool_params pp = {
		.name = name,
		.arena = b->arena,
		.ring_size = b->ring_size,
		.nid = BUMP_NUMA_ANY,
	};
	const char *checked = getenv("BUMP_MEMPOOL_CHECKED");

	/*
	 * Unchecked by default, as DPDK's own ops check nothing per object;
	 * BUMP_MEMPOOL_CHECKED=1 (debugging) refuses and counts a double put at
	 * the put, for one descriptor store per get and put.
	 */
	if (checked && strcmp(checked, "0"))
		pp.flags = BUMP_POOL_F_CHECKED;
	snprintf(name, sizeof(name), "%.20s-%s", b->mp->name, what);
	return bump_pool_create(&pp, out);
}

/*
 * The arena page, one object per page: @total bytes rounded up to a cache
 * line, as ring_mp_mc packs its objects (an arena indexes pages of any such
 * size by a multiply).  A region over 4 GiB, which an arena of odd pages
 * cannot index, gets the next power of two.
 */
static size_t bmp_page_size(size_t total, uint32_t nobj)
{
	size_t page = RTE_ALIGN_CEIL(total, (size_t)RTE_CACHE_LINE_SIZE);

	if ((uint64_t)page * nobj <= BUMP_ARENA_ODD_SPAN_MAX / 2)
		return page;
	page = 64;  /* a cache line: bump's smallest page */
	while (page < total)
		page <<= 1;
	return page;
}

/*
 * Objects all at one offset in their pages would put every mbuf header in
 * the same L1 set (DPDK pads its objects for the same reason): shift each
 * by a multiple of a cache line chosen by the page index, as far as the
 * slack in the page allows, in a power-of-two count so the choice is a mask.
 */
static uint32_t bmp_color_mask(size_t page, size_t total)
{
	size_t colors = (page - total) / 64 + 1;
	uint32_t mask = 0;

	while (((size_t)mask + 1) * 2 <= colors)
		mask = mask * 2 + 1;
	return mask;
}

/* Whether the object in page @idx crosses a boundary of @backing-byte pages (0: none count). */
static bool bmp_straddles(const struct bmp *b, uint32_t idx, size_t backing)
{
	uint64_t first = (uint64_t)idx * b->page;

	return backing && first / backing != (first + b->page - 1) / backing;
}

/*
 * Hold every page of the arena out of every pool until populate places an
 * object in it: a pool takes them all and is destroyed holding them, so
 * they stay in flight under its ID.  Populate returns a page to the arena
 * as it places its object (a pool may be populated in several chunks, and
 * until then no get may find a page without an object); those it never
 * places (past the last object, and with physical IOVAs, @backing: the
 * region's page size, those that cross a backing page, whose neighbour need
 * not follow it in physical memory) stay held until bmp_destroy().
 */
static int bmp_reserve(struct bmp *b, size_t backing)
{
	struct bump_pool_params pp = {
		.name = "bmp-reserve",
		.arena = b->arena,
		.ring_size = 64,
		.nid = BUMP_NUMA_ANY,
		.flags = BUMP_POOL_F_CHECKED,
	};
	uint32_t npages = b->arena->npages, good = 0, n = 0;
	struct bump_pool *p;
	void *bufs[64];
	int ret;

	b->backing = backing;
	for (uint32_t idx = 0; idx < npages; idx++)
		good += !bmp_straddles(b, idx, backing);
	if (good < b->nobj)
		return -ENOMEM;
	ret = bump_pool_create(&pp, &p);
	if (ret)
		return ret;
	while (n < npages) {
		unsigned k = bump_pool_alloc_bulk(p, bufs, BUMP_MIN(npages - n, 64u));

		if (!k)
			break;
		n += k;
	}
	/* The pages in flight: no warning, on purpose. */
	bump_log_set_level(BUMP_LOG_ERR);
	bump_pool_destroy(p);
	bump_log_set_level(BUMP_LOG_DEBUG);  /* the plugin's level: DPDK's filters (bmp_init_log) */
	return n < npages ? -ENOMEM : 0;
}

static void bmp_destroy(struct bmp *b);

/*
 * The NUMA node for the region of @mp.  A socket ID of an external heap
 * (rte_malloc_heap_create(): testpmd --mp-alloc=xmem) names no node, and a
 * bump mempool's objects live in its own region, never in that heap's
 * memory: the region goes on the calling thread's node, with a warning.
 */
static int bmp_numa_node(const struct rte_mempool *mp)
{
	if (mp->socket_id == SOCKET_ID_ANY)
		return BUMP_NUMA_ANY;
	if (rte_malloc_heap_socket_is_external(mp->socket_id) != 1)
		return mp->socket_id;
	BMP_LOG(WARNING, "mempool '%s' was created on socket %d, an external memory heap: a bump "
		"mempool's objects live in bump's own region (on this thread's NUMA node), not "
		"in that heap; create it with ring_mp_mc ops to have its objects in the external "
		"memory\n", mp->name, mp->socket_id);
	return BUMP_NUMA_ANY;
}

int bmp_alloc(struct rte_mempool *mp)
{
	size_t total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	size_t page = bmp_page_size(total, mp->size);
	struct bump_region_info ri;
	struct bmp *b;
	bool pa;
	char name[48], err[256];
	int ret;

	if (!bmp_primary(mp, "create"))
		return -EPERM;
	/* In DPDK's shared memory, at the same address in secondary processes. */
	b = rte_zmalloc_socket("bmp", sizeof(*b), RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (!b) {
		BMP_LOG(ERR, "mempool '%s': out of memory for its private data\n", mp->name);
		return -ENOMEM;
	}
	b->magic = BMP_MAGIC;
	b->mp = mp;
	b->page = (uint32_t)page;
	b->hdr = mp->header_size;
	b->nobj = mp->size;
	b->color_mask = bmp_color_mask(page, total);
	b->ring_size = 64;
	/* Big enough for every object: a cross-lcore put never spills to the arena's lock. */
	while (b->ring_size < mp->size && b->ring_size < (1u << 16))
		b->ring_size <<= 1;
	rte_spinlock_init(&b->shared_lock);

	snprintf(name, sizeof(name), "mempool-%s", mp->name);
	struct bump_region_params rp = {
		.name = name,
		/*
		 * With physical IOVAs (as bump_dpdk_mem will see them), room for the
		 * page lost at each 2 MiB boundary of the span, itself longer by
		 * those pages: a 2 MiB page holds (2 MiB - page) / page whole objects.
		 */
		.size = ((size_t)mp->size + 2 +
			 (rte_eal_iova_mode() != RTE_IOVA_VA && page < BUMP_PAGE_2M ?
				  (size_t)mp->size * page / (BUMP_PAGE_2M - page) : 0)) * page,
		.numa_node = bmp_numa_node(mp),
		/* EAL without hugepages (--no-huge) was asked for: no warning then. */
		.flags = rte_eal_has_hugepages() ? 0 : BUMP_REGION_F_NO_HUGE,
	};
	ret = bump_region_create(&rp, &b->region);
	if (ret)
		goto fail;
	struct bump_arena_params ap = { .name = name, .region = b->region, .page_size = (unsigned)page };

	ret = bump_arena_create(&ap, &b->arena);
	if (ret)
		goto fail;
	b->base = b->arena->base;
	bump_region_get_info(b->region, &ri);
	ret = bump_dpdk_mem_register(ri.base, ri.len, ri.page_size, &b->mem, err, sizeof(err));
	if (ret) {
		BMP_LOG(ERR, "mempool '%s': %s\n", mp->name, err);
		goto fail_quiet;
	}
	pa = !bump_dpdk_mem_iova_is_va(b->mem);
	/*
	 * A power of two never crosses a backing page; an odd size crosses some,
	 * kept out of every pool (bmp_reserve): the region has room for one per
	 * 2 MiB, too few on smaller backing pages.
	 */
	if (pa && ((page & (page - 1)) ? (ri.page_size >= BUMP_PAGE_2M ? page >= ri.page_size :
								  64 * page > ri.page_size) :
					  page > ri.page_size)) {
		BMP_LOG(ERR, "mempool '%s': %zu-byte objects in %zu-byte pages would often cross "
			"pages whose physical addresses need not follow each other: give EAL "
			"--iova-mode=va, or free 2 MiB hugepages for the region\n", mp->name, total,
			ri.page_size);
		ret = -EINVAL;
		goto fail_quiet;
	}
	ret = bmp_reserve(b, pa ? ri.page_size : 0);
	if (ret)
		goto fail;
	mp->pool_data = b;
	BMP_LOG(DEBUG, "mempool '%s': %u objects of %zu bytes in %zu-byte pages of region '%s' "
		"(%zu-byte backing pages, NUMA node %d), %u colours, %u pages without an object\n",
		mp->name, mp->size, total, page, name, ri.page_size, ri.numa_node,
		b->color_mask + 1, b->arena->npages - b->nobj);
	return 0;
fail:
	BMP_LOG(ERR, "mempool '%s': %s\n", mp->name, bump_last_error());
fail_quiet:
	bmp_destroy(b);
	return ret < 0 ? ret : -ENOMEM;
}

ssize_t bmp_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
			  size_t *min_chunk_size, size_t *align)
{
	(void)mp;
	(void)obj_num;
	(void)pg_shift;
	/* A token chunk: populate places every object left in the bump region. */
	*min_chunk_size = RTE_CACHE_LINE_SIZE;
	*align = RTE_CACHE_LINE_SIZE;
	return RTE_CACHE_LINE_SIZE;
}

/* Let rte_mempool_mem_iter() users (PMDs registering pool memory) see the region. */
static void bmp_add_memhdr(struct rte_mempool *mp, struct bmp *b)
{
	struct rte_mempool_memhdr *hdr = rte_zmalloc("bmp_memhdr", sizeof(*hdr), 0);

	if (!hdr) {
		BMP_LOG(WARNING, "mempool '%s': no memory to list the region in mem_list; "
			"rte_mempool_mem_iter() will not show it\n", mp->name);
		return;
	}
	hdr->mp = mp;
	hdr->addr = (void *)b->base;
	hdr->iova = bump_dpdk_mem_iova_is_va(b->mem) ? (rte_iova_t)b->base : RTE_BAD_IOVA;
	hdr->len = b->arena->len;
	hdr->free_cb = NULL;  /* bmp_free() unmaps the region */
	STAILQ_INSERT_TAIL(&mp->mem_list, hdr, next);
	mp->nb_mem_chunks++;
}

/* Pages whose objects populate placed, from the reserve to the arena. */
static void bmp_release(struct bmp *b, void *const *bufs, unsigned n)
{
	if (n && bump_put_bulk(bufs, n))
		BMP_LOG(ERR, "mempool '%s': populate could not return pages to the arena: %s\n",
			b->mp->name, bump_last_error());
}

/*
 * Place objects in the next arena pages, each page back to the arena once
 * its object is there.  DPDK's own populate places as many objects as fit
 * in the chunk it is handed; so does this one (in the region, not in the
 * chunk), so a program filling a pool chunk by chunk sees the counts it
 * would on ring_mp_mc.  A chunk smaller than one object is the token that
 * bmp_calc_mem_size() asked for (rte_mempool_populate_default(),
 * populate_anon()): it gets every object left.
 */
int bmp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr, rte_iova_t iova,
		 size_t len, rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	struct bmp *b = mp->pool_data;
	const struct bump_arena *a = b->arena;
	size_t total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	unsigned n = 0, want = max_objs, k = 0;
	bool first = !b->next_idx;
	void *batch[64];
	uint32_t idx;

	(void)vaddr;
	(void)iova;
	if (len >= total)
		want = (unsigned)BUMP_MIN((size_t)max_objs, len / total);
	for (idx = b->next_idx; idx < a->npages && n < want; idx++) {
		void *buf = __bump_arena_page(a, idx);
		void *obj;

		if (bmp_straddles(b, idx, b->backing))
			continue;
		obj = bmp_obj(b, buf);
		obj_cb(mp, obj_cb_arg, obj, bump_dpdk_mem_iova(b->mem, obj));
		n++;
		batch[k++] = buf;
		if (k == BUMP_ARRAY_SIZE(batch)) {
			bmp_release(b, batch, k);
			k = 0;
		}
	}
	/* Objects stay free in the arena: no enqueue, the first get takes them. */
	bmp_release(b, batch, k);
	b->next_idx = idx;
	if (n && first)
		bmp_add_memhdr(mp, b);
	/* As DPDK's populate: a pool that asked for no IOVA-contiguous objects stays NON_IO. */
	if (!(mp->flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG) &&
	    (bump_dpdk_mem_iova_is_va(b->mem) ||
	     bump_dpdk_mem_iova(b->mem, (void *)b->base) != RTE_BAD_IOVA))
		mp->flags &= ~RTE_MEMPOOL_F_NON_IO;
	return (int)n;
}

/*
 * The lcore pools are unchecked (no descriptor store per get and put, as
 * DPDK's ring does none): a buffer in a pool's cache or ring keeps refcount
 * 1, as a held one.  At free, with no lcore in a call, mark those 0 so the
 * walk below leaves them to the pool's destroy.
 */
static void bmp_mark_cached(struct bump_pool *p)
{
	void *bufs[64];
	uint32_t left;

	if (!p)
		return;
	for (uint32_t i = 0; i < p->cache_count; i++)
		atomic_store_explicit(&__bump_pool_page_desc(p, p->cache[i])->refcount, 0,
				      memory_order_relaxed);
	/* Each ring entry once: dequeued, marked, enqueued behind the others. */
	for (left = bump_ring_count(p->ring); left;) {
		unsigned k = bump_ring_dequeue_burst(p->ring, bufs, BUMP_MIN(left, 64u));

		for (unsigned i = 0; i < k; i++)
			if (bufs[i])
				atomic_store_explicit(&__bump_pool_page_desc(p, bufs[i])->refcount,
						      0, memory_order_relaxed);
		if (!k || bump_ring_enqueue_burst(p->ring, bufs, k) != k) {
			BMP_LOG(ERR, "pool '%s': its ring changed during free\n", bump_pool_name(p));
			return;
		}
		left -= k;
	}
}

/* Put every buffer still held (objects in DPDK caches and users' hands, the reserve). */
static void bmp_reclaim_all(struct bmp *b)
{
	const struct bump_arena *a = b->arena;
	void *batch[64];
	unsigned k = 0;

	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		bmp_mark_cached(atomic_load(&b->lcore[i]));
	bmp_mark_cached(atomic_load(&b->shared));
	for (uint32_t idx = 0; idx < a->npages; idx++) {
		struct bump_desc *d = &a->descs[idx];

		if (!d->pool_id || !atomic_load_explicit(&d->refcount, memory_order_acquire))
			continue;
		batch[k++] = __bump_arena_page(a, idx);
		if (k == BUMP_ARRAY_SIZE(batch)) {
			bump_put_bulk(batch, k);
			k = 0;
		}
	}
	bump_put_bulk(batch, k);
}

static void bmp_pool_drop(struct bump_pool *p)
{
	long inflight;

	if (!p)
		return;
	bump_pool_set_owner(p);  /* the mempool is being freed: no lcore uses it any more */
	inflight = bump_pool_destroy(p);
	if (inflight)
		BMP_LOG(WARNING, "pool '%s' kept %ld buffers at free; the region stays mapped\n",
			bump_pool_name(p), inflight);
}

static void bmp_destroy(struct bmp *b)
{
	if (b->arena) {
		bmp_reclaim_all(b);
		for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
			bmp_pool_drop(atomic_load(&b->lcore[i]));
		bmp_pool_drop(atomic_load(&b->shared));
		if (bump_arena_destroy(b->arena)) {
			/* Buffers would come back to unmapped memory: keep it (bump said why). */
			BMP_LOG(ERR, "mempool '%s': %s; its memory is kept\n", b->mp->name,
				bump_last_error());
			return;
		}
	}
	bump_dpdk_mem_unregister(b->mem);
	if (b->region)
		bump_region_destroy(b->region);
	b->magic = 0;
	rte_free(b);
}

/*
 * rte_mempool_free() has dequeued one object per populated element and
 * leaves whatever sat in the lcore caches where it was: the memory goes
 * away now, so every buffer comes back first, then the pools and the arena.
 */
void bmp_free(struct rte_mempool *mp)
{
	struct bmp *b = mp->pool_data ? bmp_of(mp) : NULL;

	if (!b || !bmp_primary(mp, "free"))
		return;
	mp->pool_data = NULL;
	bmp_destroy(b);
}
