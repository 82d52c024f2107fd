/* SPDX-License-Identifier: MIT */
/*
 * bump_frag.c - many fragments per buffer (page_pool_alloc_frag).
 *
 * The buffer being carved is CARVING: its refcount holds BUMP_FRAG_BIAS,
 * from which other threads' puts (and to which clones) count atomically,
 * while the owner counts the fragments it handed out and has not had back
 * in pool->frag.users, with plain stores.  So the owner's alloc and put of
 * a fragment of that buffer cost no atomic, where page_pool pays one per
 * put.  When carving ends, the two counts are folded into the refcount
 * (refcount -= BIAS - users); from then on every put counts there, and the
 * buffer is recycled with its last reference, from whichever thread.  When
 * the owner had every fragment back and nobody else touched the refcount,
 * it is exactly the bias: the buffer is recycled without an atomic.
 *
 * The owner's bulk put gathers its puts of fragments of buffers no longer
 * carved, per buffer, and drops each buffer's count with one atomic at the
 * end of the burst (bump_frag_unref): 32 fragments of 256 bytes are two.
 */
#include "bump_priv.h"

#include <errno.h>

/*
 * Drop @n references of the fragment buffer @d (owner thread), with one
 * atomic.  More puts than references left means some fragment was put
 * twice: the extra ones are counted as double puts, and the buffer is
 * recycled once, never lost.  Returns how many puts were extra.
 */
uint32_t bump_frag_unref(struct bump_pool *pool, struct bump_desc *d, uint32_t n)
{
	uint32_t ref = atomic_load_explicit(&d->refcount, memory_order_acquire);

	for (;;) {
		uint32_t next = ref >= n ? ref - n : 0;

		if (atomic_compare_exchange_weak_explicit(&d->refcount, &ref, next,
							  memory_order_acq_rel,
							  memory_order_acquire))
			break;
	}
	if (ref < n) {
		void *buf = bump_desc_page(pool->priv->arena, d);

		for (uint32_t extra = n - ref; extra; extra--)
			bump_report_double_put(pool, buf);
	}
	if (ref && ref <= n) {  /* the others were back already */
		atomic_store_explicit(&d->refcount, bump_pool_idle_ref(pool), memory_order_relaxed);
		bump_pool_recycle(pool, d, true);
	}
	return ref < n ? n - ref : 0;
}

/*
 * End carving: fold the owner's count into the refcount.  Other threads'
 * puts cannot be checked while the buffer is carved (only the owner knows
 * how many fragments are out); here they are: when they outnumber the
 * fragments they could have held, some fragment was put twice.
 */
void bump_pool_frag_finish(struct bump_pool *pool)
{
	struct bump_desc *d = pool->frag.desc;
	uint32_t drop = BUMP_FRAG_BIAS - pool->frag.users;

	if (!d)
		return;
	pool->frag.buf = NULL;
	pool->frag.desc = NULL;
	pool->frag.users = 0;
	/* Exactly the bias, none out: nobody else holds a reference to race us. */
	if (drop == BUMP_FRAG_BIAS &&
	    atomic_load_explicit(&d->refcount, memory_order_acquire) == BUMP_FRAG_BIAS) {
		atomic_store_explicit(&d->refcount, bump_pool_idle_ref(pool), memory_order_relaxed);
		bump_pool_recycle(pool, d, true);
		return;
	}
	bump_frag_unref(pool, d, drop);
}

/* Start carving a fresh buffer; false when the pool has none. */
static bool frag_start(struct bump_pool *pool)
{
	uint8_t *buf = bump_pool_alloc(pool);
	struct bump_desc *d;

	if (!buf)
		return false;
	d = bump_pool_page_desc(pool, buf);
	d->type = BUMP_DESC_FRAG;
	atomic_store_explicit(&d->refcount, BUMP_FRAG_BIAS, memory_order_relaxed);
	pool->frag.buf = buf;
	pool->frag.desc = d;
	pool->frag.offset = 0;
	pool->frag.users = 0;
	return true;
}

void *bump_pool_alloc_frag_slow(struct bump_pool *pool, unsigned *size)
{
	uint32_t buf_size = (uint32_t)bump_pool_buf_size(pool);
	uint32_t want, left;
	uint8_t *frag;

	if (bump_unlikely(*size > buf_size)) {
		bump_error(EINVAL, "pool '%s': a %u-byte fragment does not fit a %u-byte buffer",
			   bump_pool_name(pool), *size, buf_size);
		return NULL;
	}
	want = BUMP_ALIGN_UP(*size ? *size : 1u, (uint32_t)BUMP_CACHE_LINE);
	if (pool->frag.buf && pool->frag.offset + want > buf_size)
		bump_pool_frag_finish(pool);
	if (!pool->frag.buf && !frag_start(pool))
		return NULL;
	frag = pool->frag.buf + pool->frag.offset;
	pool->frag.offset += want;
	pool->frag.users++;
	/* The last fragment absorbs a tail too small for another of its size. */
	left = buf_size - pool->frag.offset;
	if (left < want) {
		want += left;
		bump_pool_frag_finish(pool);
	}
	*size = want;
	return frag;
}
