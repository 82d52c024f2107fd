/* SPDX-License-Identifier: MIT */
/*
 * bump_frag.c - many sub-buffer fragments per buffer (page_pool_alloc_frag).
 *
 * A buffer being carved carries BUMP_FRAG_BIAS in its refcount, so that the
 * owner hands out fragments without atomics while other threads may already
 * put earlier ones.  When carving ends, the unused part of the bias is
 * subtracted in one atomic; the buffer is recycled with its last fragment.
 */
#include "bump_priv.h"

#include <errno.h>

/* Stop carving the current buffer: drop the bias fragments did not take. */
void bump_pool_frag_finish(struct bump_pool *pool)
{
	struct bump_pool_priv *p = pool->priv;
	struct bump_desc *d = p->frag_desc;
	uint32_t drop;

	if (!d)
		return;
	p->frag_desc = NULL;
	p->frag_buf = NULL;
	drop = BUMP_FRAG_BIAS - p->frag_users;
	if (atomic_fetch_sub_explicit(&d->refcount, drop, memory_order_acq_rel) == drop)
		bump_pool_recycle(pool, d, true);  /* every fragment is back already */
}

void *bump_pool_alloc_frag(struct bump_pool *pool, unsigned *size)
{
	struct bump_pool_priv *p = pool->priv;
	uint32_t buf_size = (uint32_t)bump_pool_buf_size(pool);
	uint32_t want = BUMP_ALIGN_UP(*size ? *size : 1u, (uint32_t)BUMP_CACHE_LINE);
	uint8_t *frag;

	if (bump_unlikely(*size > buf_size)) {
		bump_error(EINVAL, "pool '%s': a %u-byte fragment does not fit a %u-byte buffer",
			   p->name, *size, buf_size);
		return NULL;
	}
	if (!p->frag_desc || p->frag_offset + want > buf_size) {
		uint8_t *buf;

		bump_pool_frag_finish(pool);
		buf = bump_pool_alloc(pool);
		if (!buf)
			return NULL;
		p->frag_buf = buf;
		p->frag_desc = bump_pool_page_desc(pool, buf);
		p->frag_desc->type = BUMP_DESC_FRAG;
		atomic_store_explicit(&p->frag_desc->refcount, BUMP_FRAG_BIAS, memory_order_relaxed);
		p->frag_offset = 0;
		p->frag_users = 0;
	}
	frag = p->frag_buf + p->frag_offset;
	p->frag_offset += want;
	p->frag_users++;
	/* The last fragment absorbs a tail too small for another of its size. */
	if (buf_size - p->frag_offset < want) {
		want += buf_size - p->frag_offset;
		p->frag_offset = buf_size;
		bump_pool_frag_finish(pool);
	}
	*size = want;
	return frag;
}
