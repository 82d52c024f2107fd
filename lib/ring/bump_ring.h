/* SPDX-License-Identifier: MIT */
/*
 * bump_ring.h - a bounded multi-producer, multi-consumer ring of pointers.
 *
 * Each slot carries a sequence number (Vyukov's bounded queue), so producers
 * never wait for one another: a producer claims slots with one CAS on the
 * head, fills them, and publishes each with a release store of its sequence.
 * A consumer takes the run of published slots at the tail.  A producer that
 * is preempted between claim and publish delays only the consumer at that
 * slot, never other producers (DPDK's ring makes them all wait for it).
 *
 * bump uses it as a pool's recycle ring: many threads return buffers, the
 * pool's owner thread refills its cache from it in bursts.
 */
#ifndef BUMP_RING_H
#define BUMP_RING_H

#include "bump_api.h"

#include "bump_atomic.h"
#include <stdint.h>

#include "bump_common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bump_ring_slot {
	BUMP_ATOMIC(uint64_t) seq;   /* == pos: free for the producer of pos; == pos+1: full */
	void *obj;
};

struct bump_ring {
	uint32_t size;
	uint32_t mask;
	bump_cache_aligned BUMP_ATOMIC(uint64_t) head;  /* next position producers claim */
	BUMP_ATOMIC(uint64_t) tail_seen;  /* a past tail: producers read the consumers' line rarely */
	bump_cache_aligned BUMP_ATOMIC(uint64_t) tail;  /* next position consumers take */
	bump_cache_aligned struct bump_ring_slot slots[];
};

/* A ring of @size slots (a power of two, 2 .. 2^30). */
BUMP_API int bump_ring_create(uint32_t size, struct bump_ring **out);
BUMP_API void bump_ring_free(struct bump_ring *ring);

static inline void bump_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Claim up to @n slots for enqueueing; returns how many (fewer only when the
 * ring is full) and their first position in *@pos.  Every claimed slot must
 * then be published with bump_ring_publish().  Safe from any thread.
 */
static inline unsigned bump_ring_claim(struct bump_ring *r, unsigned n, uint64_t *pos)
{
	uint64_t head = bump_atomic_load(&r->head, BUMP_MO_RELAXED);
	unsigned k;

	do {
		/* tail_seen never passes the tail: the space it gives is never too much
		 * (publishing still waits for each slot's consumer to be done). */
		uint64_t tail = bump_atomic_load(&r->tail_seen, BUMP_MO_RELAXED);
		uint64_t space = head - tail < r->size ? r->size - (head - tail) : 0;

		if (space < n) {
			tail = bump_atomic_load(&r->tail, BUMP_MO_ACQUIRE);
			bump_atomic_store(&r->tail_seen, tail, BUMP_MO_RELAXED);
			space = r->size - (head - tail);
		}
		k = n < space ? n : (unsigned)space;
		if (k == 0)
			return 0;
	} while (!bump_atomic_cas_weak(&r->head, &head, head + k,
							BUMP_MO_SEQ_CST,
							BUMP_MO_RELAXED));
	*pos = head;
	return k;
}

/* Fill and publish the @k slots claimed at @pos. */
static inline void bump_ring_publish(struct bump_ring *r, uint64_t pos, void *const *objs,
				     unsigned k)
{
	for (unsigned i = 0; i < k; i++) {
		struct bump_ring_slot *s = &r->slots[(pos + i) & r->mask];

		/* A consumer may have claimed this slot but not yet released it. */
		while (bump_atomic_load(&s->seq, BUMP_MO_ACQUIRE) != pos + i)
			bump_cpu_relax();
		s->obj = objs[i];
		bump_atomic_store(&s->seq, pos + i + 1, BUMP_MO_RELEASE);
	}
}

/* Enqueue up to @n objects; returns how many (fewer only when full). */
static inline unsigned bump_ring_enqueue_burst(struct bump_ring *r, void *const *objs, unsigned n)
{
	uint64_t pos = 0;
	unsigned k = bump_ring_claim(r, n, &pos);

	bump_ring_publish(r, pos, objs, k);
	return k;
}

/*
 * Dequeue up to @n published objects; returns how many.  Stops early at a
 * slot whose producer has not published yet.  Safe from any number of threads.
 */
static inline unsigned bump_ring_dequeue_burst(struct bump_ring *r, void **objs, unsigned n)
{
	uint64_t pos = bump_atomic_load(&r->tail, BUMP_MO_RELAXED);
	unsigned k;

	do {
		k = 0;
		while (k < n) {
			struct bump_ring_slot *s = &r->slots[(pos + k) & r->mask];

			if (bump_atomic_load(&s->seq, BUMP_MO_ACQUIRE) != pos + k + 1)
				break;
			k++;
		}
		if (k == 0)
			return 0;
	} while (!bump_atomic_cas_weak(&r->tail, &pos, pos + k,
							BUMP_MO_SEQ_CST,
							BUMP_MO_RELAXED));

	for (unsigned i = 0; i < k; i++) {
		struct bump_ring_slot *s = &r->slots[(pos + i) & r->mask];

		objs[i] = s->obj;
		/* Hand the slot to the producer of the next lap. */
		bump_atomic_store(&s->seq, pos + i + r->size, BUMP_MO_RELEASE);
	}
	return k;
}

/* Objects claimed by producers and not yet taken (exact when quiescent). */
static inline uint64_t bump_ring_count(const struct bump_ring *r)
{
	uint64_t tail = bump_atomic_load(&r->tail, BUMP_MO_ACQUIRE);
	uint64_t head = bump_atomic_load(&r->head, BUMP_MO_ACQUIRE);

	return head - tail;
}

/* Total objects ever enqueued (producers' claims): a free statistic. */
static inline uint64_t bump_ring_enqueued(const struct bump_ring *r)
{
	return bump_atomic_load(&r->head, BUMP_MO_RELAXED);
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_RING_H */
