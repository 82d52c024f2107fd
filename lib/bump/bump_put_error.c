/* SPDX-License-Identifier: MIT */
/*
 * bump_put_error.c - what a put that is refused reports and counts: the
 * checks that keep a bad pointer from ever reaching a free list end here.
 * Called from every step of the put path (bump_put.c) and of recycling
 * (bump_recycle.c, bump_frag.c); calls nothing of them back.
 */
#include "bump_priv.h"

#include <errno.h>
#include <inttypes.h>

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
int bump_report_unowned(struct bump_arena *a, const void *addr, const char *what)
{
	uint64_t idx = __bump_arena_index(a, (uintptr_t)addr - a->base);
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
		return bump_report_unowned(a, addr, what);
	atomic_fetch_add(&put_errors.foreign, 1);
	return bump_error_at(BUMP_LOG_WARN, EINVAL,
			     "%s(%p): not a bump buffer (outside every arena); it was not "
			     "touched: free it where it was allocated", what, addr);
}

int bump_report_bad_ref(bump_ref_t ref)
{
	atomic_fetch_add(&put_errors.foreign, 1);
	return bump_error_at(BUMP_LOG_WARN, EINVAL, "bump_ref_put(%#x): no arena holds this "
			     "reference; it was not touched", ref);
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
