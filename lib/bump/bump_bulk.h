/* SPDX-License-Identifier: MIT */
/*
 * bump_bulk.h - the per-buffer loops of the owner's bulk alloc and put,
 * written twice: portable C (bump_bulk.c) and AVX-512 (bump_bulk_avx512.c),
 * chosen once per process from what the CPU has.  Not installed.
 */
#ifndef BUMP_BULK_H
#define BUMP_BULK_H

#include "bump_priv.h"

/*
 * The pool fields a burst reads, copied into locals once: read through the
 * pool, each would be loaded again after every store to a descriptor or to
 * the cache (the compiler cannot prove they do not alias).
 */
struct bump_bulk_view {
	uintptr_t base;
	uint64_t span;
	struct bump_desc *descs;
	uint64_t cached_state;  /* what a buffer's state says in the cache */
	uint64_t owned_state;   /* ... and with one reference out */
	/*
	 * Offset in the arena -> byte offset of its buffer's head descriptor:
	 * (off >> desc_shift) & desc_mask, one variable shift (the head's page
	 * index times 32, with the order's low bits cleared); and -> the
	 * buffer's first byte: off & buf_mask.
	 */
	uint64_t desc_mask;
	uint64_t buf_mask;
	uint8_t desc_shift;
	/* Pages of an odd size (page_shift 0): the index by multiply. */
	uint8_t vec_shift;      /* page index = ((off >> 6) * vec_magic) >> vec_shift */
	uint32_t vec_magic;
	uint32_t head_mask;     /* page index -> its buffer's head */
	uint32_t page_size;
	uint64_t page_magic;    /* page index = high half of off * page_magic */
};
static_assert(sizeof(struct bump_desc) == 32, "desc_shift counts on 32-byte descriptors");

/* The plain loops: pools that are neither checked nor synced for the device. */
static inline bool bump_pool_plain(const struct bump_pool *pool)
{
	return !pool->checked && !pool->sync_dev;
}

static inline struct bump_bulk_view bump_bulk_view(const struct bump_pool *pool)
{
	return (struct bump_bulk_view){
		.base = pool->base, .span = pool->span, .descs = pool->descs,
		.cached_state = __bump_pool_cached_state(pool),
		.owned_state = __bump_pool_owned_state(pool),
		.desc_mask = ~(((uint64_t)sizeof(struct bump_desc) << pool->order) - 1),
		.buf_mask = ~(((uint64_t)1 << pool->buf_shift) - 1),
		.desc_shift = (uint8_t)(pool->page_shift ? pool->page_shift - 5 : 0),
		.vec_shift = pool->vec_shift,
		.vec_magic = pool->vec_magic,
		.head_mask = ~(((uint32_t)1 << pool->order) - 1),
		.page_size = pool->page_size,
		.page_magic = pool->page_magic,
	};
}

/* The head descriptor of the buffer at offset @off of the arena. */
static inline const struct bump_desc *bump_bulk_desc(const struct bump_bulk_view *v, uintptr_t off)
{
	return (const struct bump_desc *)((const char *)v->descs +
					  ((off >> v->desc_shift) & v->desc_mask));
}

/*
 * take: move up to @k buffers from below @top (the cache's top) into @bufs,
 * newest first, stopping before the first whose descriptor does not say
 * "cached in this pool"; returns how many.
 * give: check @k buffers for the owner's fast put (inside the arena, this
 * pool's tag, one reference) and write their first bytes to @dst, stopping
 * at the first that fails; returns how many.
 * The _plain forms neither store to descriptors nor sync: for pools that
 * are neither checked nor synced for the device, the common case.
 */
unsigned bump_bulk_give_plain(const struct bump_bulk_view *v, void *const *bufs, void **dst,
			      unsigned k);
unsigned bump_bulk_give_plain_avx512(const struct bump_bulk_view *v, void *const *bufs,
				     void **dst, unsigned k);
/* The same for pages of an odd size (the index by multiply). */
unsigned bump_bulk_give_odd(const struct bump_bulk_view *v, void *const *bufs, void **dst,
			    unsigned k);
unsigned bump_bulk_give_odd_avx512(const struct bump_bulk_view *v, void *const *bufs, void **dst,
				   unsigned k);

#endif /* BUMP_BULK_H */
