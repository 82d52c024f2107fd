/* SPDX-License-Identifier: MIT */
/*
 * bump_put.c - the put path, in one direction.  Each entry point finds the
 * buffer once (its pool, its head descriptor, whether the caller owns the
 * pool) and hands that to bump_desc_put(), which every put that leaves a
 * fast path reaches exactly once:
 *
 *   bump_pool_put() miss: __bump_pool_put_slow    by the pool's geometry
 *   bump_put, bump_put_bulk                       by address (arena search)
 *   bump_ref_put, bump_ref_put_bulk               by reference (arena table)
 *   the owner's burst misses (bump_pool_put_own)  by the pool's geometry
 *        |
 *   bump_desc_put: the owner's fast path by that head, the owner's own
 *                  fragment counts, else drop the reference
 *        |
 *   the owner: bump_pool_recycle (cache, ring, arena; bump_recycle.c)
 *   others:    bump_stash_put (stash, then ring; bump_stash.c)
 *
 * Bursts try their fast runs first (bump_pool_put_own, bump_pool_put_refs,
 * bump_stash_put_run), which take whole buffers with their last reference
 * and leave the rest here.  What is refused is reported and counted by
 * bump_put_error.c, which calls nothing back.
 */
#include "bump_priv.h"

#include <errno.h>
#include <string.h>

/*
 * The steps of the entry points below are inlined into each: with calls
 * between them, and the single puts not folding away their burst branches,
 * another thread's bump_put() took 15 more instructions than before the
 * put path was one (callgrind, bump-bench xthread); inlined, 8 fewer.
 */
#define PUT_INLINE static inline __attribute__((always_inline))

/*
 * Drop one reference.  Returns 1 when it was the last (the caller recycles
 * the buffer, whose refcount already says what the pool keeps: 0 or 1), 0
 * when others remain, or -EALREADY for a double put, which is counted and
 * reported and changes nothing.  The last reference is dropped without an
 * atomic read-modify-write: when the count is 1, nobody else can race us
 * for it (and unchecked pools keep the 1, as page_pool does).
 * @owner: the caller is the pool's owner, whose counters need no RMW.
 */
static int desc_unref(struct bump_pool *pool, struct bump_desc *d, const void *buf, bool owner)
{
	uint32_t ref = atomic_load_explicit(&d->refcount, memory_order_acquire);

	if (bump_likely(ref == 1)) {
		if (pool->checked)
			atomic_store_explicit(&d->refcount, 0, memory_order_relaxed);
		return 1;
	}
	if (ref != 0) {
		ref = atomic_fetch_sub_explicit(&d->refcount, 1, memory_order_acq_rel);
		if (ref == 1) {
			/* Raced down to 0 with another put: ours was the last. */
			if (!pool->checked)
				atomic_store_explicit(&d->refcount, 1, memory_order_relaxed);
			return 1;
		}
		if (ref != 0) {
			if (owner)
				__BUMP_STAT_ADD(pool->recycle.released_refcnt, 1);
			else
				atomic_fetch_add_explicit(&pool->recycle_any.released_refcnt, 1,
							  memory_order_relaxed);
			return 0;
		}
		/* Lost a race with another put of the same reference: undo. */
		atomic_fetch_add_explicit(&d->refcount, 1, memory_order_relaxed);
	}
	return bump_report_double_put(pool, buf);
}

/*
 * The owner's put on the buffer it carves, with none of its fragments out:
 * a clone's reference, taken from the refcount, or a double put when only
 * the bias is left there.
 */
static int desc_unref_frag(struct bump_pool *pool, struct bump_desc *d, const void *buf)
{
	uint32_t ref = atomic_load_explicit(&d->refcount, memory_order_relaxed);

	while (ref > BUMP_FRAG_BIAS)
		if (atomic_compare_exchange_weak_explicit(&d->refcount, &ref, ref - 1,
							  memory_order_acq_rel,
							  memory_order_relaxed)) {
			__BUMP_STAT_ADD(pool->recycle.released_refcnt, 1);
			return 0;
		}
	return bump_report_double_put(pool, buf);
}

/* bump_desc_put(), inlined into this file's entry points (PUT_INLINE). */
PUT_INLINE int desc_put(struct bump_pool *pool, struct bump_desc *d, const void *buf, bool owner)
{
	int ret;

	if (owner) {
		uint32_t count = pool->cache_count;

		/* The last reference of a whole buffer: bump_pool_put()'s fast path. */
		if (bump_likely(__bump_pool_put_head_fast(pool, (uint32_t)(d - pool->descs),
							  count))) {
			__bump_pool_set_cache_count(pool, count + 1);
			__BUMP_STAT_ADD(pool->recycle.cached, 1);
			return 0;
		}
		/* Fragments the owner counts itself, with plain stores (bump_frag.c). */
		if (d == pool->frag.desc) {  /* the buffer being carved */
			if (pool->frag.users) {
				pool->frag.users--;
				return 0;
			}
			return desc_unref_frag(pool, d, buf);
		}
		if (d->type == BUMP_DESC_FRAG && pool->frag.npend && bump_frag_put_pending(pool, d))
			return 0;
	}
	ret = desc_unref(pool, d, buf, owner);
	if (ret <= 0)
		return ret;
	if (owner)
		bump_pool_recycle(pool, d);
	else
		bump_stash_put(pool, d);
	return 0;
}

int bump_desc_put(struct bump_pool *pool, struct bump_desc *d, const void *buf, bool owner)
{
	return desc_put(pool, d, buf, owner);
}

/* bump_pool_put() of a buffer in @pool's arena whose head is not @pool's. */
static int pool_put_not_ours(struct bump_pool *pool, uintptr_t off, const void *buf)
{
	struct bump_arena *a = pool->priv->arena;
	/* Another pool's buffer may be of another order: its head is found from its own page. */
	uint32_t idx = __bump_page_index_of(off, pool->page_shift, pool->page_magic);
	uint16_t id = bump_tag_pool_id(bump_desc_tag(bump_arena_page_desc(a, idx)));
	struct bump_pool *other = id ? bump_pool_by_id(id) : NULL;

	if (!other)
		return bump_report_unowned(a, buf, "bump_pool_put");
	return bump_report_wrong_pool(pool, other, buf);
}

int __bump_pool_put_slow(struct bump_pool *pool, void *buf)
{
	uintptr_t off = (uintptr_t)buf - pool->base;
	struct bump_desc *d;

	if (off >= pool->span)
		return bump_report_foreign(buf, "bump_pool_put");
	d = &pool->descs[__bump_pool_head_index(pool, off)];
	if (d->pool_id != pool->id)
		return pool_put_not_ours(pool, off, buf);
	return desc_put(pool, d, buf, true);
}

/* A buffer as its entry point found it. */
struct put_buf {
	struct bump_pool *pool;
	struct bump_desc *d;   /* its head descriptor */
	bool owner;            /* the caller is the pool's owner thread */
};

/* Page @idx of arena @a, at @addr: which pool holds it; a negative errno (reported): none. */
PUT_INLINE int put_find(struct bump_arena *a, uint32_t idx, const void *addr, const char *what,
			 struct put_buf *b)
{
	uint16_t id;

	b->d = bump_arena_page_desc(a, idx);
	id = bump_tag_pool_id(bump_desc_tag(b->d));
	b->pool = id ? bump_pool_by_id(id) : NULL;
	b->owner = b->pool && atomic_load_explicit(&b->pool->owner, memory_order_relaxed) ==
				      bump_thread_token();
	return b->pool ? 0 : bump_report_unowned(a, addr, what);
}

/* The same for a byte anywhere in bump's arenas. */
PUT_INLINE int buf_find(const void *addr, const char *what, struct put_buf *b)
{
	struct bump_arena *a = bump_arena_of(addr);

	if (bump_unlikely(!a)) {
		*b = (struct put_buf){ 0 };  /* the compiler cannot see that the errno is < 0 */
		return bump_report_foreign(addr, what);
	}
	return put_find(a, __bump_arena_index(a, (uintptr_t)addr - a->base), addr, what, b);
}

/*
 * Put from the start of @bufs: when its first buffer belongs to a pool the
 * caller owns, the owner's bulk fast path takes the run of buffers that
 * pass it (a forwarder's TX completions are such a run), and another
 * thread's stash the run it can take; otherwise, or when the first one needs
 * more, that one goes by bump_desc_put().  Returns how many buffers were
 * consumed, counting the rejected ones in *@bad.
 */
PUT_INLINE unsigned put_run(void *const *bufs, unsigned n, unsigned *bad, int *err)
{
	struct put_buf b;
	int ret = buf_find(bufs[0], "bump_put", &b);

	if (!ret) {
		if (n > 1) {
			unsigned t = b.owner ? bump_pool_put_own(b.pool, bufs, n, bad)
					     : bump_stash_put_run(b.pool, bufs, n);

			if (t)
				return t;
		}
		ret = desc_put(b.pool, b.d, bufs[0], b.owner);
	}
	if (ret < 0) {
		(*bad)++;
		*err = ret;
	}
	return 1;
}

int bump_put(void *buf)
{
	unsigned bad = 0;
	int err = 0;

	put_run(&buf, 1, &bad, &err);
	return err;
}

unsigned bump_put_bulk(void *const *bufs, unsigned n)
{
	unsigned bad = 0, done = 0;
	int err = 0;

	while (done < n)
		done += put_run(bufs + done, n - done, &bad, &err);
	return bad;
}

/*
 * References: the arena by index, not by search.  A run of the caller's own
 * pool's buffers goes to its cache straight from the references
 * (bump_pool_put_refs); anything else by bump_desc_put().  @p: the first
 * of @n references @stride bytes apart.  Returns how many were consumed,
 * as put_run().
 */
PUT_INLINE unsigned ref_put_run(const char *p, unsigned n, size_t stride, unsigned *bad,
				int *err)
{
	unsigned id;
	uint32_t idx;
	bump_ref_t ref;
	struct bump_arena *a;
	struct put_buf b;
	void *addr;
	int ret;

	memcpy(&ref, p, sizeof(ref));
	id = bump_ref_arena_id(ref);
	idx = bump_ref_index(ref);
	a = id < BUMP_ARENA_MAX ? atomic_load_explicit(&__bump_arenas[id], memory_order_acquire)
				: NULL;
	if (bump_unlikely(!a || idx >= a->npages)) {
		ret = bump_report_bad_ref(ref);
	} else {
		addr = __bump_arena_page(a, idx);
		ret = put_find(a, idx, addr, "bump_ref_put", &b);
		if (!ret) {
			if (n > 1 && b.owner) {
				unsigned t = bump_pool_put_refs(b.pool, p, stride, n);

				if (t)
					return t;
			}
			ret = desc_put(b.pool, b.d, addr, b.owner);
		}
	}
	if (ret < 0) {
		(*bad)++;
		*err = ret;
	}
	return 1;
}

int bump_ref_put(bump_ref_t ref)
{
	unsigned bad = 0;
	int err = 0;

	ref_put_run((const char *)&ref, 1, sizeof(ref), &bad, &err);
	return err;
}

unsigned bump_ref_put_bulk(const bump_ref_t *refs, unsigned n, size_t stride)
{
	const char *p = (const char *)refs;
	unsigned bad = 0, done = 0;
	int err = 0;

	while (done < n)
		done += ref_put_run(p + done * stride, n - done, stride, &bad, &err);
	return bad;
}

struct bump_desc *bump_desc_of(const void *addr)
{
	struct bump_arena *a = bump_arena_of(addr);

	if (!a) {
		bump_report_foreign(addr, "bump_desc_of");
		return NULL;
	}
	return bump_arena_page_desc(a, __bump_arena_index(a, (uintptr_t)addr - a->base));
}

int bump_get(void *buf)
{
	struct put_buf b;

	if (buf_find(buf, "bump_get", &b))
		return -EINVAL;
	if (atomic_load_explicit(&b.d->refcount, memory_order_relaxed) == 0)
		return bump_error(EINVAL, "bump_get(%p): the buffer is not allocated (refcount 0): "
				  "take references only on buffers you hold", buf);
	atomic_fetch_add_explicit(&b.d->refcount, 1, memory_order_relaxed);
	return 0;
}

long bump_refcount(const void *buf)
{
	struct put_buf b;
	long ref;

	if (buf_find(buf, "bump_refcount", &b))
		return -EINVAL;
	ref = atomic_load_explicit(&b.d->refcount, memory_order_relaxed);
	/* Fragments the owner counts itself: exact on the owner thread only. */
	if (b.d == b.pool->frag.desc)
		ref += (long)b.pool->frag.users - BUMP_FRAG_BIAS;
	else if (bump_tag_type(bump_desc_tag(b.d)) == BUMP_DESC_FRAG && b.d->frag_users)
		ref += (long)b.d->frag_users - BUMP_FRAG_BIAS;
	return ref;
}
