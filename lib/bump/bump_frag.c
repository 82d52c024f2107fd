/* SPDX-License-Identifier: MIT */
/*
 * bump_frag.c - many fragments per buffer (page_pool_alloc_frag).
 *
 * While the owner may still put fragments of a buffer, that buffer's
 * refcount holds BUMP_FRAG_BIAS, from which other threads' puts (and to
 * which clones) count atomically, and the owner counts the fragments it
 * handed out and has not had back itself, with plain stores: in
 * pool->frag.users for the buffer being carved, then in pool->frag.pend
 * once carving ended.  The references are the owner's count plus the
 * refcount less the bias.  When the owner's count reaches zero and the
 * refcount is exactly the bias, nobody else holds a reference: the buffer
 * is recycled without an atomic.  So fragments cost no atomic while the
 * owner gets them back within BUMP_FRAG_PENDING buffers, where page_pool
 * pays one per put.
 *
 * Otherwise the owner folds its count into the refcount with one atomic
 * (the bias less its count): when a pending slot is needed for a newer
 * buffer, when the others' puts already bring the references to zero, and
 * at destroy.  From then on every put counts in the refcount, and the
 * buffer is recycled with its last reference, from whichever thread; the
 * owner's bulk put drops each such buffer's count once per burst.
 *
 * Only the owner can tell that its count and the others' puts add up to
 * zero: when another thread puts a pending buffer's last fragment, the
 * buffer is recycled when the owner needs its slot, or reads the pool's
 * stats (bump_frag_reap), and counts in flight until then.
 */
#include "bump_priv.h"

#include <errno.h>
#include <string.h>

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
	if (ref && ref <= n)  /* the others were back already */
		bump_pool_recycle(pool, d);
	return ref < n ? n - ref : 0;
}

/*
 * The owner stops counting @d's fragments itself, @users of them still out
 * by its count.  Other threads' puts cannot be checked while the owner
 * counts (only it knows how many fragments it handed out); here they are:
 * when they outnumber the fragments they could have held, some fragment
 * was put twice (bump_frag_unref).
 */
static void frag_fold(struct bump_pool *pool, struct bump_desc *d, uint32_t users)
{
	/* Exactly the bias, none out: nobody else holds a reference to race us. */
	if (!users && atomic_load_explicit(&d->refcount, memory_order_acquire) == BUMP_FRAG_BIAS) {
		bump_pool_recycle(pool, d);
		return;
	}
	bump_frag_unref(pool, d, BUMP_FRAG_BIAS - users);
}

void bump_frag_pend_fold(struct bump_pool *pool, uint32_t i)
{
	struct bump_desc *d = pool->frag.pend[i];
	uint32_t users = d->frag_users;

	d->frag_users = 0;
	pool->frag.pend[i] = pool->frag.pend[--pool->frag.npend];
	pool->frag.pend[i]->frag_slot = i;
	frag_fold(pool, d, users);
}

/*
 * The owner's count and the refcount add up to the bias or less: every
 * fragment is back (less: one came back twice, which the fold reports).
 */
static bool pend_all_back(const struct bump_desc *d)
{
	return d->frag_users + atomic_load_explicit(&d->refcount, memory_order_acquire) <=
	       BUMP_FRAG_BIAS;
}

void bump_frag_reap(struct bump_pool *pool)
{
	for (uint32_t i = pool->frag.npend; i-- > 0;)
		if (pend_all_back(pool->frag.pend[i]))
			bump_frag_pend_fold(pool, i);
}

/* End carving: the owner keeps counting the fragments it still has out. */
void bump_pool_frag_finish(struct bump_pool *pool)
{
	struct bump_desc *d = pool->frag.desc;
	uint32_t users = pool->frag.users;

	if (!d)
		return;
	pool->frag.buf = NULL;
	pool->frag.desc = NULL;
	pool->frag.users = 0;
	/* Every fragment back already, or one back twice: settle it now. */
	if (!users || users + atomic_load_explicit(&d->refcount, memory_order_acquire) <=
			      BUMP_FRAG_BIAS) {
		frag_fold(pool, d, users);
		return;
	}
	if (pool->frag.npend == BUMP_FRAG_PENDING) {
		bump_frag_reap(pool);  /* those whose last fragments others put */
		if (pool->frag.npend == BUMP_FRAG_PENDING)
			bump_frag_pend_fold(pool, 0);
	}
	d->frag_users = users;
	d->frag_slot = pool->frag.npend;
	pool->frag.pend[pool->frag.npend++] = d;
}

void bump_pool_frag_release(struct bump_pool *pool)
{
	bump_pool_frag_finish(pool);
	while (pool->frag.npend)
		bump_frag_pend_fold(pool, pool->frag.npend - 1);
}

/* Start carving a fresh buffer; false when the pool has none. */
static bool frag_start(struct bump_pool *pool)
{
	uint8_t *buf = bump_pool_alloc(pool);
	struct bump_desc *d;

	if (!buf)
		return false;
	d = __bump_pool_page_desc(pool, buf);
	atomic_store_explicit(&d->state,
			      __bump_desc_make_state(BUMP_FRAG_BIAS,
						   __bump_desc_make_tag(pool->id, BUMP_DESC_FRAG,
								      pool->order)),
			      memory_order_relaxed);
	d->frag_users = 0;  /* the arena's free-list link before */
	pool->frag.buf = buf;
	pool->frag.desc = d;
	pool->frag.offset = 0;
	pool->frag.users = 0;
	return true;
}

void *__bump_pool_alloc_frag_slow(struct bump_pool *pool, unsigned *size)
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
