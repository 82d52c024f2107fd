/* SPDX-License-Identifier: MIT */
/*
 * bump_put.c - returning buffers from any thread, references, and the
 * checks that keep a bad pointer from ever reaching a free list.
 */
#include "bump_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static struct {
	_Atomic uint64_t foreign;
	_Atomic uint64_t not_allocated;
	_Atomic uint64_t double_put;
	_Atomic uint64_t wrong_pool;
} put_errors;

void bump_get_error_stats(struct bump_error_stats *s)
{
	s->foreign = atomic_load(&put_errors.foreign);
	s->not_allocated = atomic_load(&put_errors.not_allocated);
	s->double_put = atomic_load(&put_errors.double_put);
	s->wrong_pool = atomic_load(&put_errors.wrong_pool);
}

int bump_report_double_put(struct bump_pool *pool, const void *buf)
{
	atomic_fetch_add(&put_errors.double_put, 1);
	/* Reported once per pool; after that only counted. */
	bool first = atomic_fetch_add_explicit(&pool->recycle_any.double_put, 1,
					       memory_order_relaxed) == 0;
	return bump_error_at(first ? BUMP_LOG_ERR : BUMP_LOG_DEBUG, EALREADY,
			     "double put of %p (pool '%s', id %u): the buffer was already "
			     "returned; ignored, nothing freed%s", buf, bump_pool_name(pool),
			     pool->id, first ? " (further double puts on this pool are only "
			     "counted in recycle.double_put)" : "");
}

/*
 * @addr's page is free in arena @a.  Its descriptor remembers the pool that
 * last held it: then the buffer was put already (a double put, reported on
 * that pool while it exists), else it was never allocated.
 */
static int report_free_page(struct bump_arena *a, const void *addr, const char *what)
{
	uint64_t idx = bump_arena_index(a, (uintptr_t)addr - a->base);
	uint16_t last = __atomic_load_n(&a->descs[idx].last_pool_id, __ATOMIC_RELAXED);
	struct bump_pool *pool = last ? bump_pool_by_id(last) : NULL;

	if (pool)
		return bump_report_double_put(pool, addr);
	if (last) {
		atomic_fetch_add(&put_errors.double_put, 1);
		return bump_error_at(BUMP_LOG_WARN, EALREADY,
				     "%s(%p): double put: page %" PRIu64 " of arena '%s' was "
				     "already returned to the arena by pool id %u (now gone); "
				     "ignored, nothing freed", what, addr, idx, bump_arena_name(a),
				     last);
	}
	atomic_fetch_add(&put_errors.not_allocated, 1);
	return bump_error_at(BUMP_LOG_WARN, EINVAL,
			     "%s(%p): page %" PRIu64 " of arena '%s' belongs to no pool and never "
			     "did: it was never allocated; nothing touched", what, addr, idx,
			     bump_arena_name(a));
}

/* @addr is outside the expected arena: say whether it is bump's at all. */
int bump_report_foreign(const void *addr, const char *what)
{
	struct bump_arena *a = bump_arena_of(addr);

	if (a)
		return report_free_page(a, addr, what);
	atomic_fetch_add(&put_errors.foreign, 1);
	return bump_error_at(BUMP_LOG_WARN, EINVAL,
			     "%s(%p): not a bump buffer (outside every arena); it was not "
			     "touched: free it where it was allocated", what, addr);
}

/*
 * Drop one reference.  Returns 1 when it was the last (the caller recycles
 * the buffer, whose refcount already says what the pool keeps: 0 or 1), 0
 * when others remain, or -EALREADY for a double put, which is counted and
 * reported and changes nothing.  The last reference is dropped without an
 * atomic read-modify-write: when the count is 1, nobody else can race us
 * for it (and unchecked pools keep the 1, as page_pool does).
 * @owner: the caller is the pool's owner, whose counters need no RMW.
 */
int bump_desc_unref(struct bump_pool *pool, struct bump_desc *d, const void *buf, bool owner)
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
				BUMP_STAT_ADD(pool->recycle.released_refcnt, 1);
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
int bump_desc_unref_frag(struct bump_pool *pool, struct bump_desc *d, const void *buf)
{
	uint32_t ref = atomic_load_explicit(&d->refcount, memory_order_relaxed);

	while (ref > BUMP_FRAG_BIAS)
		if (atomic_compare_exchange_weak_explicit(&d->refcount, &ref, ref - 1,
							  memory_order_acq_rel,
							  memory_order_relaxed)) {
			BUMP_STAT_ADD(pool->recycle.released_refcnt, 1);
			return 0;
		}
	return bump_report_double_put(pool, buf);
}

int bump_report_wrong_pool(struct bump_pool *pool, struct bump_pool *other, const void *buf)
{
	atomic_fetch_add(&put_errors.wrong_pool, 1);
	atomic_fetch_add_explicit(&pool->recycle.wrong_pool, 1, memory_order_relaxed);
	return bump_error_at(BUMP_LOG_WARN, EXDEV,
			     "bump_pool_put(%p): the buffer belongs to pool '%s' (id %u), not "
			     "'%s' (id %u); it was not freed: return it with bump_put()",
			     buf, bump_pool_name(other), other->id, bump_pool_name(pool), pool->id);
}

struct bump_desc *bump_desc_of(const void *addr)
{
	struct bump_arena *a = bump_arena_of(addr);

	if (!a) {
		bump_report_foreign(addr, "bump_desc_of");
		return NULL;
	}
	return bump_arena_page_desc(a, bump_arena_index(a, (uintptr_t)addr - a->base));
}

/* The pool that owns @d's buffer (NULL: none), and whether the caller is its owner. */
static inline struct bump_pool *desc_pool(const struct bump_desc *d, bool *owner)
{
	uint16_t id = bump_tag_pool_id(bump_desc_tag(d));
	struct bump_pool *pool = id ? bump_pool_by_id(id) : NULL;

	*owner = pool && atomic_load_explicit(&pool->owner, memory_order_relaxed) ==
				 bump_thread_token();
	return pool;
}

/*
 * Put the buffer at @addr, page @idx of arena @a, from any thread: the
 * owner's put, or a dropped reference whose last one goes to this thread's
 * stash for the pool (bump_stash.c).  0 or a negative errno (reported).
 */
static int put_one(struct bump_arena *a, uint32_t idx, void *addr, const char *what)
{
	struct bump_desc *d = bump_arena_page_desc(a, idx);
	bool owner;
	struct bump_pool *pool = desc_pool(d, &owner);
	int ret;

	if (!pool)
		return bump_report_foreign(addr, what);
	if (owner)
		return bump_pool_put(pool, addr);
	ret = bump_desc_unref(pool, d, addr, false);
	if (ret > 0) {
		bump_stash_put(pool, d);
		ret = 0;
	}
	return ret;
}

/*
 * Put from the start of @bufs: when its first buffer belongs to a pool the
 * caller owns, the owner's bulk fast path takes the run of buffers that
 * pass it (a forwarder's TX completions are such a run); otherwise, or when
 * the first one needs more, that one goes by put_one().  Returns how many
 * buffers were consumed, counting the rejected ones in *@bad.
 */
static unsigned put_run(void *const *bufs, unsigned n, unsigned *bad, int *err, const char *what)
{
	void *addr = bufs[0];
	struct bump_arena *a = bump_arena_of(addr);
	uint32_t idx;
	int ret;

	if (bump_unlikely(!a)) {
		ret = bump_report_foreign(addr, what);
	} else {
		idx = bump_arena_index(a, (uintptr_t)addr - a->base);
		if (n > 1) {
			bool owner;
			struct bump_pool *pool = desc_pool(bump_arena_page_desc(a, idx), &owner);
			unsigned t = !pool ? 0 : owner ? bump_pool_put_own(pool, bufs, n, bad)
						       : bump_stash_put_run(pool, bufs, n);

			if (t)
				return t;
		}
		ret = put_one(a, idx, addr, what);
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

	put_run(&buf, 1, &bad, &err, "bump_put");
	return err;
}

unsigned bump_put_bulk(void *const *bufs, unsigned n)
{
	unsigned bad = 0, done = 0;
	int err = 0;

	while (done < n)
		done += put_run(bufs + done, n - done, &bad, &err, "bump_put");
	return bad;
}

/* The first byte of the page @ref names, or NULL (reported) when no arena has it. */
static void *ref_addr(bump_ref_t ref)
{
	struct bump_arena *a = bump_ref_arena_id(ref) < BUMP_ARENA_MAX ?
		atomic_load_explicit(&bump_arenas[bump_ref_arena_id(ref)], memory_order_acquire) :
		NULL;

	if (bump_likely(a && bump_ref_index(ref) < a->npages))
		return bump_arena_page(a, bump_ref_index(ref));
	atomic_fetch_add(&put_errors.foreign, 1);
	bump_error_at(BUMP_LOG_WARN, EINVAL, "bump_ref_put(%#x): no arena holds this "
		      "reference; it was not touched", ref);
	return NULL;
}

int bump_ref_put(bump_ref_t ref)
{
	void *addr = ref_addr(ref);

	return addr ? bump_put(addr) : -EINVAL;
}

/*
 * References: a run of the caller's own pool's buffers goes to its cache
 * straight from the references (bump_pool_put_refs); anything else becomes
 * an address and goes the way of bump_put().
 */
unsigned bump_ref_put_bulk(const bump_ref_t *refs, unsigned n, size_t stride)
{
	const char *p = (const char *)refs;
	unsigned bad = 0;

	for (unsigned i = 0; i < n;) {
		bump_ref_t ref;
		void *addr;
		struct bump_arena *a;

		memcpy(&ref, p, sizeof(ref));
		addr = ref_addr(ref);
		if (bump_unlikely(!addr)) {
			bad++;
			i++;
			p += stride;
			continue;
		}
		a = bump_ref_arena(ref);
		if (n - i > 1) {
			bool owner;
			struct bump_pool *pool = desc_pool(bump_arena_page_desc(a, bump_ref_index(ref)),
							   &owner);
			unsigned t = owner ? bump_pool_put_refs(pool, p, stride, n - i) : 0;

			if (t) {
				i += t;
				p += t * stride;
				continue;
			}
		}
		bad += put_one(a, bump_ref_index(ref), addr, "bump_ref_put") != 0;
		i++;
		p += stride;
	}
	return bad;
}

/* The pool owning the buffer at @addr, or NULL after reporting why there is none. */
static struct bump_pool *buf_pool(const void *addr, const char *what, struct bump_desc **desc)
{
	struct bump_arena *a = bump_arena_of(addr);
	struct bump_pool *pool;
	uint16_t id;

	if (!a) {
		bump_report_foreign(addr, what);
		return NULL;
	}
	*desc = bump_arena_page_desc(a, bump_arena_index(a, (uintptr_t)addr - a->base));
	id = bump_tag_pool_id(bump_desc_tag(*desc));
	pool = id ? bump_pool_by_id(id) : NULL;
	if (!pool)
		bump_report_foreign(addr, what);
	return pool;
}

int bump_get(void *buf)
{
	struct bump_desc *d;

	if (!buf_pool(buf, "bump_get", &d))
		return -EINVAL;
	if (atomic_load_explicit(&d->refcount, memory_order_relaxed) == 0)
		return bump_error(EINVAL, "bump_get(%p): the buffer is not allocated (refcount 0): "
				  "take references only on buffers you hold", buf);
	atomic_fetch_add_explicit(&d->refcount, 1, memory_order_relaxed);
	return 0;
}

long bump_refcount(const void *buf)
{
	struct bump_desc *d;
	struct bump_pool *pool = buf_pool(buf, "bump_refcount", &d);
	long ref;

	if (!pool)
		return -EINVAL;
	ref = atomic_load_explicit(&d->refcount, memory_order_relaxed);
	/* Fragments the owner counts itself: exact on the owner thread only. */
	if (d == pool->frag.desc)
		ref += (long)pool->frag.users - BUMP_FRAG_BIAS;
	else if (bump_tag_type(bump_desc_tag(d)) == BUMP_DESC_FRAG && d->frag_users)
		ref += (long)d->frag_users - BUMP_FRAG_BIAS;
	return ref;
}
