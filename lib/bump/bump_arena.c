/* SPDX-License-Identifier: MIT */
/*
 * bump_arena.c - the descriptor table and the page allocator under pools.
 *
 * The table holds one 32-byte descriptor per page of the region, in memory
 * of its own on the region's NUMA node: address -> descriptor is a subtract
 * and a shift.  Free pages are kept by a buddy allocator whose free lists are
 * linked through the descriptors, so multi-page bumps (jumbo frames) come out
 * naturally aligned and contiguous, and no metadata ever touches a page.
 */
#include "bump_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

BUMP_ATOMIC(struct bump_arena *) __bump_arenas[BUMP_ARENA_MAX];
static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;

void bump_arena_lock(struct bump_arena *arena)
{
	pthread_mutex_lock(&arena->priv->lock);
}

void bump_arena_unlock(struct bump_arena *arena)
{
	pthread_mutex_unlock(&arena->priv->lock);
}

static void freelist_push(struct bump_arena *a, uint32_t idx, unsigned order)
{
	struct bump_desc *d = &a->descs[idx];
	uint32_t head = a->priv->free_head[order];

	d->type = BUMP_DESC_FREE;
	d->order = (uint8_t)order;
	d->flags |= BUMP_DESC_F_BUDDY;
	d->prev = BUMP_IDX_NONE;
	d->next = head;
	if (head != BUMP_IDX_NONE)
		a->descs[head].prev = idx;
	a->priv->free_head[order] = idx;
}

static void freelist_remove(struct bump_arena *a, uint32_t idx, unsigned order)
{
	struct bump_desc *d = &a->descs[idx];

	if (d->prev != BUMP_IDX_NONE)
		a->descs[d->prev].next = d->next;
	else
		a->priv->free_head[order] = d->next;
	if (d->next != BUMP_IDX_NONE)
		a->descs[d->next].prev = d->prev;
	d->flags &= (uint8_t)~BUMP_DESC_F_BUDDY;
	d->next = d->prev = BUMP_IDX_NONE;
}

/* One block of 2^order pages, split from the smallest larger free block. */
static uint32_t buddy_alloc(struct bump_arena *a, unsigned order)
{
	unsigned k = order;
	uint32_t idx;

	while (k <= BUMP_MAX_ORDER && a->priv->free_head[k] == BUMP_IDX_NONE)
		k++;
	if (k > BUMP_MAX_ORDER)
		return BUMP_IDX_NONE;
	idx = a->priv->free_head[k];
	freelist_remove(a, idx, k);
	while (k > order) {
		k--;
		freelist_push(a, idx + (1u << k), k);
	}
	a->priv->free_pages -= 1u << order;
	return idx;
}

unsigned bump_arena_alloc_locked(struct bump_arena *arena, unsigned order, uint32_t *idx,
				 unsigned n)
{
	unsigned got = 0;

	while (got < n && (idx[got] = buddy_alloc(arena, order)) != BUMP_IDX_NONE)
		got++;
	return got;
}

/* Give a block back: reset its descriptors, then merge it with free buddies. */
bool bump_arena_free_locked(struct bump_arena *arena, uint32_t idx, unsigned order)
{
	uint32_t npages = 1u << order;
	uint16_t pool_id = arena->descs[idx].pool_id;

	if (bump_unlikely(arena->descs[idx].type == BUMP_DESC_FREE))
		return false;
	for (uint32_t i = idx; i < idx + npages; i++) {
		struct bump_desc *d = &arena->descs[i];

		atomic_store_explicit(&d->state,
				      __bump_desc_make_state(0, __bump_desc_make_tag(0, BUMP_DESC_FREE, 0)),
				      memory_order_relaxed);
		d->dma_addr = 0;
		/* Read without the lock by the report of a late double put. */
		__atomic_store_n(&d->last_pool_id, pool_id, __ATOMIC_RELAXED);
		d->flags = 0;
		d->next = d->prev = BUMP_IDX_NONE;
	}
	arena->priv->free_pages += npages;
	while (order < BUMP_MAX_ORDER) {
		uint32_t buddy = idx ^ (1u << order);
		struct bump_desc *b = &arena->descs[buddy];

		if (buddy + (1u << order) > arena->npages || !(b->flags & BUMP_DESC_F_BUDDY) ||
		    b->order != order)
			break;
		freelist_remove(arena, buddy, order);
		idx &= ~(1u << order);
		order++;
	}
	freelist_push(arena, idx, order);
	return true;
}

/*
 * Record where the kernel placed each backing page (for the NUMA check on
 * refill), and whether they all share one node: pools on that node then
 * skip the check, and with it a read of each recycled buffer's descriptor.
 */
static void arena_record_nodes(struct bump_arena *a)
{
	size_t backing = bump_region_page_size(a->priv->region);

	/* One query per backing page: the arena's pages of it share its node. */
	for (uint32_t i = 0; i < a->npages;) {
		uint64_t first = (uint64_t)i * a->page_size;
		uint64_t next = (first / backing + 1) * backing;
		uint32_t per = (uint32_t)BUMP_MAX((next - first + a->page_size - 1) / a->page_size, 1);
		int node = bump_region_page_node(a->priv->region, __bump_arena_page(a, i));
		uint8_t nid = node >= 0 && node < BUMP_NID_UNKNOWN ? (uint8_t)node : BUMP_NID_UNKNOWN;

		if (i == 0)
			a->priv->node = nid == BUMP_NID_UNKNOWN ? -1 : nid;
		else if (a->priv->node != nid)
			a->priv->node = -1;

		for (uint32_t j = i; j < i + per && j < a->npages; j++)
			a->descs[j].nid = nid;
		i += per;
	}
}

/* The descriptor table: on the region's node, on hugepages when it fills one. */
static int arena_alloc_table(struct bump_arena *a, const struct bump_region_info *ri)
{
	size_t len = (size_t)a->npages * sizeof(struct bump_desc);
	char name[48];
	struct bump_region_params rp = {
		.name = name,
		.size = len,
		.numa_node = ri->numa_node,
		.flags = BUMP_REGION_F_NO_HUGE,
	};
	int ret;

	snprintf(name, sizeof(name), "%s-descs", a->priv->name);
	/* Only ask for hugepages that are there: the table must not fail the arena. */
	if (!ri->fallback_4k && len >= BUMP_PAGE_2M &&
	    bump_mem_free_hugepages(BUMP_PAGE_2M, ri->numa_node) >=
		    (long)(BUMP_ALIGN_UP(len, BUMP_PAGE_2M) / BUMP_PAGE_2M)) {
		rp.page_size = BUMP_PAGE_2M;
		rp.flags = BUMP_REGION_F_HUGE_ONLY;
	}
	ret = bump_region_create(&rp, &a->priv->desc_region);
	if (ret)
		return ret;
	a->descs = bump_region_base(a->priv->desc_region);
	return 0;
}

/* The page size @params ask for, checked against its range and the region's @len. */
static int arena_page_size(const struct bump_arena_params *params, const char *name,
			   uint64_t len, uint64_t *size)
{
	unsigned shift = params->page_shift;

	if (shift && (shift < BUMP_PAGE_SHIFT_MIN || shift > BUMP_PAGE_SHIFT_MAX))
		return bump_error(EINVAL, "arena '%s': page_shift %u: pages must be %d (64 B) to %d "
				  "(1 GiB)", name, shift, BUMP_PAGE_SHIFT_MIN, BUMP_PAGE_SHIFT_MAX);
	*size = params->page_size ? params->page_size : (uint64_t)1 << (shift ? shift : 12);
	if (shift && *size != (uint64_t)1 << shift)
		return bump_error(EINVAL, "arena '%s': page_shift %u and page_size %u disagree: "
				  "give one", name, shift, params->page_size);
	if (*size % BUMP_CACHE_LINE || *size > (1ull << BUMP_PAGE_SHIFT_MAX))
		return bump_error(EINVAL, "arena '%s': page_size %llu: pages must be a multiple of "
				  "%d bytes, at most 1 GiB", name, (unsigned long long)*size,
				  BUMP_CACHE_LINE);
	if (*size > len)
		return bump_error(EINVAL, "arena '%s': %llu-byte pages do not fit the region (%llu "
				  "bytes)", name, (unsigned long long)*size, (unsigned long long)len);
	if ((*size & (*size - 1)) && len > BUMP_ARENA_ODD_SPAN_MAX)
		return bump_error(EINVAL, "arena '%s': pages of %llu bytes (not a power of two) need "
				  "a region of at most 4 GiB (this one has %llu MiB): use several "
				  "regions", name, (unsigned long long)*size,
				  (unsigned long long)(len >> 20));
	if (len / *size > BUMP_ARENA_PAGES_MAX)
		return bump_error(E2BIG, "arena '%s': %llu pages; an arena holds at most %u: use "
				  "larger pages or several regions", name,
				  (unsigned long long)(len / *size), BUMP_ARENA_PAGES_MAX);
	return 0;
}

int bump_arena_create(const struct bump_arena_params *params, struct bump_arena **out)
{
	struct bump_region_info ri;
	struct bump_arena *a;
	const char *name;
	uint64_t size = 0;
	int ret, slot = -1;

	if (!params || !params->region || !out)
		return bump_error(EINVAL, "bump_arena_create: params, region and out are required");
	name = params->name ? params->name : "";
	bump_region_get_info(params->region, &ri);
	ret = arena_page_size(params, name, ri.len, &size);
	if (ret)
		return ret;

	a = calloc(1, sizeof(*a));
	if (!a || !(a->priv = calloc(1, sizeof(*a->priv)))) {
		free(a);
		return bump_error(ENOMEM, "arena: out of memory");
	}
	snprintf(a->priv->name, sizeof(a->priv->name), "%s", params->name ? params->name : "arena");
	a->priv->region = params->region;
	a->base = (uintptr_t)ri.base;
	a->page_size = (uint32_t)size;
	a->page_shift = (size & (size - 1)) ? 0 : (uint8_t)__builtin_ctzll(size);
	/* ceil(2^64 / size): __bump_page_index() exact below 4 GiB, and always for 2^n. */
	a->page_magic = UINT64_MAX / size + 1;
	if (!a->page_shift) {
		/*
		 * floor(off / size) = floor((off >> 6) / (size / 64)), and with
		 * off >> 6 under 2^26: the round-up reciprocal of 26 + L bits,
		 * L = ceil(log2(size / 64)), is exact and fits 27 bits (Granlund
		 * and Montgomery), so the product fits a 64-bit lane.
		 */
		uint64_t d = size / BUMP_CACHE_LINE;
		unsigned l = 64 - (unsigned)__builtin_clzll(d - 1);

		a->vec_shift = (uint8_t)(26 + l);
		a->vec_magic = (uint32_t)(((1ull << a->vec_shift) + d - 1) / d);
	}
	a->npages = (uint32_t)(ri.len / size);
	a->len = (uint64_t)a->npages * size;
	pthread_mutex_init(&a->priv->lock, NULL);

	ret = arena_alloc_table(a, &ri);
	if (ret)
		goto err;
	for (uint32_t i = 0; i < a->npages; i++) {
		a->descs[i].next = a->descs[i].prev = BUMP_IDX_NONE;
		a->descs[i].nid = BUMP_NID_UNKNOWN;
	}
	arena_record_nodes(a);
	for (unsigned k = 0; k <= BUMP_MAX_ORDER; k++)
		a->priv->free_head[k] = BUMP_IDX_NONE;
	/* Carve the pages into the largest naturally aligned blocks. */
	for (uint32_t idx = 0; idx < a->npages;) {
		unsigned order = BUMP_MAX_ORDER;

		while ((idx & ((1u << order) - 1)) || idx + (1u << order) > a->npages)
			order--;
		freelist_push(a, idx, order);
		idx += 1u << order;
	}
	a->priv->free_pages = a->npages;

	pthread_mutex_lock(&arenas_lock);
	for (int i = 0; i < BUMP_ARENA_MAX; i++) {
		struct bump_arena *o = atomic_load(&__bump_arenas[i]);

		if (!o && slot < 0)
			slot = i;
		/* An address must name one arena: two over one memory would disagree. */
		if (o && o->base < a->base + a->len && a->base < o->base + o->len) {
			pthread_mutex_unlock(&arenas_lock);
			ret = bump_error(EEXIST, "arena '%s': its region overlaps arena '%s'; one "
					 "region, one arena (make another region for other page "
					 "sizes)", a->priv->name, o->priv->name);
			goto err;
		}
	}
	if (slot >= 0) {
		a->id = (uint8_t)slot;
		atomic_store_explicit(&__bump_arenas[slot], a, memory_order_release);
	}
	pthread_mutex_unlock(&arenas_lock);
	if (slot < 0) {
		ret = bump_error(ENOSPC, "arena '%s': %d arenas exist already; destroy one first",
				 a->priv->name, BUMP_ARENA_MAX);
		goto err;
	}
	*out = a;
	return 0;
err:
	if (a->priv->desc_region)
		bump_region_destroy(a->priv->desc_region);
	pthread_mutex_destroy(&a->priv->lock);
	free(a->priv);
	free(a);
	return ret;
}

int bump_arena_destroy(struct bump_arena *arena)
{
	unsigned pools;

	if (!arena)
		return 0;
	bump_arena_lock(arena);
	pools = arena->priv->pools;
	bump_arena_unlock(arena);
	if (pools)
		return bump_error(EBUSY, "arena '%s': %u pools still use it (bump_pool_list() shows "
				  "them; a detached pool waits for its buffers to be put)",
				  arena->priv->name, pools);
	pthread_mutex_lock(&arenas_lock);
	atomic_store_explicit(&__bump_arenas[arena->id], NULL, memory_order_release);
	pthread_mutex_unlock(&arenas_lock);
	bump_region_destroy(arena->priv->desc_region);
	pthread_mutex_destroy(&arena->priv->lock);
	free(arena->priv);
	free(arena);
	return 0;
}

uint32_t bump_arena_free_pages(const struct bump_arena *arena)
{
	struct bump_arena *a = (struct bump_arena *)arena;
	uint32_t n;

	bump_arena_lock(a);
	n = a->priv->free_pages;
	bump_arena_unlock(a);
	return n;
}

const char *bump_arena_name(const struct bump_arena *arena)
{
	return arena->priv->name;
}

struct bump_region *bump_arena_region(const struct bump_arena *arena)
{
	return arena->priv->region;
}

void bump_arena_pool_attach(struct bump_arena *arena, int delta)
{
	bump_arena_lock(arena);
	arena->priv->pools += delta;
	bump_arena_unlock(arena);
}

/* One mapping of the whole region per device, shared by the pools using it. */
int bump_arena_dma_get(struct bump_arena *arena, struct bump_dma_dev *dev,
		       struct bump_dma_map **map)
{
	struct bump_arena_priv *p = arena->priv;
	struct bump_arena_dma *slot = NULL;
	int ret = 0;

	bump_arena_lock(arena);
	for (int i = 0; i < BUMP_ARENA_DMA_MAX; i++) {
		if (p->dma[i].dev == dev) {
			slot = &p->dma[i];
			break;
		}
		if (!p->dma[i].dev && !slot)
			slot = &p->dma[i];
	}
	if (!slot) {
		ret = bump_error(ENOSPC, "arena '%s' is mapped for %d devices already",
				 p->name, BUMP_ARENA_DMA_MAX);
	} else if (!slot->dev) {
		ret = bump_dma_map(dev, (void *)arena->base, arena->len,
				   bump_region_page_size(p->region), &slot->map);
		if (ret == 0)
			slot->dev = dev;
	}
	if (ret == 0) {
		slot->users++;
		*map = slot->map;
	}
	bump_arena_unlock(arena);
	return ret;
}

void bump_arena_dma_put(struct bump_arena *arena, struct bump_dma_map *map)
{
	struct bump_arena_priv *p = arena->priv;

	bump_arena_lock(arena);
	for (int i = 0; i < BUMP_ARENA_DMA_MAX; i++) {
		struct bump_arena_dma *d = &p->dma[i];

		if (d->map == map && --d->users == 0) {
			bump_dma_unmap(map);
			memset(d, 0, sizeof(*d));
		}
	}
	bump_arena_unlock(arena);
}
