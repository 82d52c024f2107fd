/* SPDX-License-Identifier: MIT */
/*
 * bump_bulk.c - the owner's bulk alloc and put: whole bursts against the
 * cache, with one count store and one counter update per burst.
 *
 * The per-buffer put loop is the plain one (no descriptor store, no sync)
 * for most pools, in AVX-512 where the CPU has it: the checks of eight
 * buffers are one gather and one compare.  The plain alloc is a copy of the
 * cache's top, as DPDK's: what it would check, that no buffer left the pool
 * while a copy stayed (a double put unchecked mode let in), is checked once
 * per release to the arena instead (bump_pool_cache_check).  Checked and
 * synced pools run the scalar loops of the single-buffer fast paths.
 * BUMP_NO_AVX512=1 in the environment forces the portable loops (tests run
 * both).
 */
#include "bump_bulk.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned (*bulk_give_fn)(const struct bump_bulk_view *, void *const *, void **, unsigned);

/* The plain put loops this process runs, for pages of a power-of-two size and of another. */
static struct {
	bulk_give_fn give, give_odd;
} loops = {
	bump_bulk_give_plain, bump_bulk_give_odd,
};

/*
 * ThreadSanitizer does not see a gather's loads, so the acquire ordering of
 * the puts' state loads (x86 orders every load) would be invisible to it: a
 * TSan build runs the portable loops, whose loads it checks.
 */
#if defined(__SANITIZE_THREAD__)
#define BULK_WIDE_OK 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BULK_WIDE_OK 0
#endif
#endif
#ifndef BULK_WIDE_OK
#define BULK_WIDE_OK 1
#endif

__attribute__((constructor)) static void bulk_choose(void)
{
#if defined(__x86_64__) && BULK_WIDE_OK
	const char *no = getenv("BUMP_NO_AVX512");

	if ((!no || !*no || !strcmp(no, "0")) && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
		loops.give = bump_bulk_give_plain_avx512;
		loops.give_odd = bump_bulk_give_odd_avx512;
	}
#endif
}

const char *bump_bulk_impl(void)
{
	return loops.give == bump_bulk_give_plain ? "scalar" : "avx512";
}

/* The view in locals: the stores to @dst could alias *@v otherwise. */
unsigned bump_bulk_give_plain(const struct bump_bulk_view *v, void *const *bufs, void **dst,
			      unsigned k)
{
	const struct bump_bulk_view w = *v;
	unsigned i;

	for (i = 0; i < k; i++) {
		uintptr_t off = (uintptr_t)bufs[i] - w.base;

		if (bump_unlikely(off >= w.span ||
				  atomic_load_explicit(&bump_bulk_desc(&w, off)->state,
						       memory_order_acquire) != w.owned_state))
			break;
		dst[i] = (void *)(w.base + (off & w.buf_mask));
	}
	return i;
}

unsigned bump_bulk_give_odd(const struct bump_bulk_view *v, void *const *bufs, void **dst,
			    unsigned k)
{
	const struct bump_bulk_view w = *v;
	unsigned i;

	for (i = 0; i < k; i++) {
		uintptr_t off = (uintptr_t)bufs[i] - w.base;
		uint32_t head = __bump_page_index(off, w.page_magic) & w.head_mask;

		if (bump_unlikely(off >= w.span ||
				  atomic_load_explicit(&w.descs[head].state, memory_order_acquire) !=
					  w.owned_state))
			break;
		dst[i] = (void *)(w.base + (uintptr_t)head * w.page_size);
	}
	return i;
}

/*
 * The loops of checked pools and of pools synced for the device: the
 * single-buffer fast paths, with their stores (and the index by multiply).
 */
static unsigned take_stored(struct bump_pool *pool, void *const *top, void **bufs, unsigned k)
{
	struct bump_bulk_view v = bump_bulk_view(pool);
	uint64_t magic = pool->page_magic;
	unsigned i;

	for (i = 0; i < k; i++) {
		void *buf = top[-1 - (int)i];
		struct bump_desc *d = &v.descs[__bump_page_index_of((uintptr_t)buf - v.base,
								  pool->page_shift, magic)];

		if (bump_unlikely(atomic_load_explicit(&d->state, memory_order_relaxed) !=
				  v.cached_state))
			break;
		if (pool->checked)  /* the whole word: a later 8-byte load forwards from it */
			atomic_store_explicit(&d->state, v.owned_state, memory_order_relaxed);
		bufs[i] = buf;
	}
	return i;
}

static unsigned give_stored(struct bump_pool *pool, void *const *bufs, void **dst, unsigned k,
			    bool sync)
{
	struct bump_bulk_view v = bump_bulk_view(pool);
	bool checked = pool->checked;
	uintptr_t page_size = pool->page_size;
	unsigned i;

	for (i = 0; i < k; i++) {
		uintptr_t off = (uintptr_t)bufs[i] - v.base;
		struct bump_desc *d;
		uint32_t head;

		if (bump_unlikely(off >= v.span))
			break;
		head = __bump_pool_head_index(pool, off);
		d = &v.descs[head];
		if (bump_unlikely(atomic_load_explicit(&d->state, memory_order_acquire) !=
				  v.owned_state))
			break;
		if (checked)
			atomic_store_explicit(&d->state, v.cached_state, memory_order_relaxed);
		if (sync)
			__bump_pool_sync_for_device(pool, d);
		dst[i] = (void *)(v.base + head * page_size);
	}
	return i;
}

unsigned bump_pool_alloc_bulk(struct bump_pool *pool, void **bufs, unsigned n)
{
	unsigned got = 0;

	while (got < n) {
		uint32_t count, released = atomic_load_explicit(&pool->released,
							       memory_order_acquire);
		unsigned k, t;

		if (bump_unlikely(released != pool->cache_seen))
			bump_pool_cache_check(pool, released);
		count = pool->cache_count;
		k = BUMP_MIN(n - got, count);

		if (bump_unlikely(!k)) {
			if (!__bump_pool_refill(pool))
				break;
			continue;
		}
		if (bump_likely(bump_pool_plain(pool))) {
			/* The newest k (the warmest), in one copy. */
			memcpy(bufs + got, pool->cache + count - k, k * sizeof(bufs[0]));
			t = k;
		} else {
			t = take_stored(pool, pool->cache + count, bufs + got, k);
		}
		__bump_pool_set_cache_count(pool, count - t);
		got += t;
		if (bump_unlikely(t < k))
			bump_pool_drop_stale(pool);  /* the top buffer left the pool: a late double put */
	}
	return got;
}

unsigned bump_bulk_give_remote(struct bump_pool *pool, void *const *bufs, void **dst, unsigned k)
{
	struct bump_bulk_view v;

	/* Only the owner syncs for the device (at refill, for what comes through the ring). */
	if (pool->checked)
		return give_stored(pool, bufs, dst, k, false);
	v = bump_bulk_view(pool);
	return (pool->page_shift ? loops.give : loops.give_odd)(&v, bufs, dst, k);
}

unsigned bump_pool_alloc_bulk_dma(struct bump_pool *pool, void **bufs, bump_ref_t *refs,
				  uint64_t *dma, unsigned n)
{
	unsigned got = bump_pool_alloc_bulk(pool, bufs, n);
	const struct bump_desc *const descs = pool->descs;
	const uintptr_t base = pool->base;
	const unsigned arena_id = pool->arena_id;
	const uint8_t shift = pool->page_shift;
	const uint64_t magic = pool->page_magic;

	for (unsigned i = 0; i < got; i++) {
		uint32_t idx = __bump_page_index_of((uintptr_t)bufs[i] - base, shift, magic);

		if (refs)
			refs[i] = bump_ref_make(arena_id, idx);
		dma[i] = descs[idx].dma_addr;
	}
	return got;
}

/*
 * The owner's fast puts of buffers named by references, @stride bytes
 * apart (packet handles), up to the first that needs more: the arena and
 * the descriptor come from the reference, no address arithmetic.
 */
static unsigned put_refs_run(struct bump_pool *pool, const char *p, size_t stride, unsigned k)
{
	uint32_t count = pool->cache_count;
	const struct bump_desc *const descs = pool->descs;
	const uintptr_t base = pool->base;
	const uint64_t owned = __bump_pool_owned_state(pool);
	const uint32_t npages = __bump_page_index(pool->span, pool->page_magic);
	const uint32_t head_mask = ~(((uint32_t)1 << pool->order) - 1);
	const bump_ref_t first = bump_ref_make(pool->arena_id, 0);
	const uintptr_t page_size = pool->page_size;
	void **const cache = pool->cache + count;
	unsigned i;

	for (i = 0; i < k; i++, p += stride) {
		bump_ref_t ref;
		uint32_t idx;

		memcpy(&ref, p, sizeof(ref));
		/*
		 * One compare for both: another arena's, or past this one's end, is
		 * out of range (the index is a ref's low bits: bump_ref_make()).
		 */
		idx = ref - first;
		if (bump_unlikely(idx >= npages))
			break;
		idx &= head_mask;
		if (bump_unlikely(atomic_load_explicit(&descs[idx].state, memory_order_acquire) !=
				  owned))
			break;
		cache[i] = (void *)(base + idx * page_size);
	}
	__bump_pool_set_cache_count(pool, count + i);
	__BUMP_STAT_ADD(pool->recycle.cached, i);
	return i;
}

unsigned bump_pool_put_refs(struct bump_pool *pool, const void *refs, size_t stride, unsigned n)
{
	const char *p = refs;
	unsigned done = 0;

	if (bump_unlikely(pool->checked || pool->sync_dev))
		return 0;  /* the general path stores and syncs */
	while (done < n) {
		unsigned k = BUMP_MIN(n - done, pool->cache_limit - pool->cache_count), t;

		if (bump_unlikely(!k)) {
			if (bump_pool_cache_flush(pool))
				continue;  /* the cache was full: its older half went to the ring */
			break;
		}
		t = put_refs_run(pool, p + done * stride, stride, k);
		done += t;
		if (t < k)
			break;
	}
	return done;
}

/* The owner's fast puts of @bufs up to the first that needs more; returns how many. */
static unsigned put_run(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		uint32_t count = pool->cache_count;
		unsigned k = BUMP_MIN(n - done, pool->cache_limit - count), t;

		if (bump_unlikely(!k)) {
			if (bump_pool_cache_flush(pool))
				continue;  /* the cache was full: its older half went to the ring */
			break;
		}
		if (bump_likely(bump_pool_plain(pool))) {
			struct bump_bulk_view v = bump_bulk_view(pool);

			t = (pool->page_shift ? loops.give : loops.give_odd)(&v, bufs + done,
									      pool->cache + count, k);
		} else {
			t = give_stored(pool, bufs + done, pool->cache + count, k, pool->sync_dev);
		}
		__bump_pool_set_cache_count(pool, count + t);
		__BUMP_STAT_ADD(pool->recycle.cached, t);
		done += t;
		if (t < k)
			break;
	}
	return done;
}

/*
 * The owner's puts of fragments of buffers no longer carved, gathered per
 * buffer: each buffer's count drops with one atomic when the burst ends.
 */
struct frag_fold {
	unsigned n;
	struct {
		struct bump_desc *d;
		uint32_t puts;
	} e[8];
};

/* Returns the puts that were one too many (double puts, counted and reported). */
static unsigned fold_flush(struct bump_pool *pool, struct frag_fold *f)
{
	unsigned extra = 0;

	for (unsigned i = 0; i < f->n; i++)
		extra += bump_frag_unref(pool, f->e[i].d, f->e[i].puts);
	f->n = 0;
	return extra;
}

static void fold_add(struct bump_pool *pool, struct frag_fold *f, struct bump_desc *d,
		     unsigned *bad)
{
	for (unsigned i = f->n; i-- > 0;)
		if (f->e[i].d == d) {
			f->e[i].puts++;
			return;
		}
	if (f->n == BUMP_ARRAY_SIZE(f->e))
		*bad += fold_flush(pool, f);
	f->e[f->n].d = d;
	f->e[f->n++].puts = 1;
}

unsigned bump_pool_put_own(struct bump_pool *pool, void *const *bufs, unsigned n, unsigned *bad)
{
	const uint32_t frag_tag = __bump_desc_make_tag(pool->id, BUMP_DESC_FRAG, pool->order);
	const uint64_t owned = __bump_pool_owned_state(pool);
	struct frag_fold fold;
	unsigned done = 0;

	fold.n = 0;
	while ((done += put_run(pool, bufs + done, n - done)) < n) {
		/* Then the buffers that need more, up to the next whole one in the cache's state. */
		do {
			uintptr_t off = (uintptr_t)bufs[done] - pool->base;
			struct bump_desc *d;
			uint64_t state;
			uint32_t tag;

			if (off >= pool->span)
				goto out;
			d = &pool->descs[__bump_pool_head_index(pool, off)];
			state = atomic_load_explicit(&d->state, memory_order_acquire);
			tag = (uint32_t)(state >> 32);
			if (tag == frag_tag && d != pool->frag.desc) {
				/* A carved buffer's: the owner's count, or once per burst. */
				if (!bump_frag_put_pending_ref(pool, d, (uint32_t)state))
					fold_add(pool, &fold, d, bad);
			} else if (state == owned) {
				break;  /* a whole buffer: the fast loop again */
			} else if (tag == frag_tag || tag == pool->buf_tag) {
				/* The buffer being carved, a clone, a double put. */
				*bad += bump_desc_put(pool, d, bufs[done], true) != 0;
			} else {
				goto out;  /* another pool's, or not a buffer */
			}
		} while (++done < n);
	}
out:
	*bad += fold_flush(pool, &fold);
	return done;
}

/*
 * After destroy (no cache left): each buffer as bump_pool_put() sends it, to
 * the arena.  The pool is held meanwhile, so the burst's last buffer of it
 * does not free it under the loop (a put after that one is refused, counted).
 */
static unsigned put_bulk_destroyed(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	unsigned bad = 0;

	bump_pool_hold(pool);
	for (unsigned i = 0; i < n; i++)
		bad += __bump_pool_put_slow(pool, bufs[i]) != 0;
	bump_pool_unhold(pool);
	return bad;
}

unsigned bump_pool_put_bulk(struct bump_pool *pool, void *const *bufs, unsigned n)
{
	unsigned done = 0, bad = 0;

	if (bump_unlikely(!pool->cache_limit))
		return put_bulk_destroyed(pool, bufs, n);
	/* Between runs of its own: another pool's buffer or a foreign pointer, refused. */
	while ((done += bump_pool_put_own(pool, bufs + done, n - done, &bad)) < n) {
		bad += __bump_pool_put_slow(pool, bufs[done]) != 0;
		done++;
	}
	return bad;
}
