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

#include <stdatomic.h>
#include <stdint.h>

#include "bump_common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bump_ring_slot {
	_Atomic uint64_t seq;   /* == pos: free for the producer of pos; == pos+1: full */
	void *obj;
};

struct bump_ring {
	uint32_t size;
	uint32_t mask;
	bump_cache_aligned _Atomic uint64_t head;  /* next position producers claim */
	_Atomic uint64_t tail_seen;  /* a past tail: producers read the consumers' line rarely */
	bump_cache_aligned _Atomic uint64_t tail;  /* next position consumers take */
	bump_cache_aligned struct bump_ring_slot slots[];
};

/* A ring of @size slots (a power of two, 2 .. 2^30). */
int bump_ring_create(uint32_t size, struct bump_ring **out);
void bump_ring_free(struct bump_ring *ring);

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
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	unsigned k;

	do {
		/* tail_seen never passes the tail: the space it gives is never too much
		 * (publishing still waits for each slot's consumer to be done). */
		uint64_t tail = atomic_load_explicit(&r->tail_seen, memory_order_relaxed);
		uint64_t space = head - tail < r->size ? r->size - (head - tail) : 0;

		if (space < n) {
			tail = atomic_load_explicit(&r->tail, memory_order_acquire);
			atomic_store_explicit(&r->tail_seen, tail, memory_order_relaxed);
			space = r->size - (head - tail);
		}
		k = n < space ? n : (unsigned)space;
		if (k == 0)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&r->head, &head, head + k,
							memory_order_seq_cst,
							memory_order_relaxed));
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
		while (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + i)
			bump_cpu_relax();
		s->obj = objs[i];
		atomic_store_explicit(&s->seq, pos + i + 1, memory_order_release);
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
	uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
	unsigned k;

	do {
		k = 0;
		while (k < n) {
			struct bump_ring_slot *s = &r->slots[(pos + k) & r->mask];

			if (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + k + 1)
				break;
			k++;
		}
		if (k == 0)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + k,
							memory_order_seq_cst,
							memory_order_relaxed));

	for (unsigned i = 0; i < k; i++) {
		struct bump_ring_slot *s = &r->slots[(pos + i) & r->mask];

		objs[i] = s->obj;
		/* Hand the slot to the producer of the next lap. */
		atomic_store_explicit(&s->seq, pos + i + r->size, memory_order_release);
	}
	return k;
}

/* Objects claimed by producers and not yet taken (exact when quiescent). */
static inline uint64_t bump_ring_count(const struct bump_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	return head - tail;
}

/* Total objects ever enqueued (producers' claims): a free statistic. */
static inline uint64_t bump_ring_enqueued(const struct bump_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_relaxed);
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_RING_H */
