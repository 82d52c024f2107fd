/* SPDX-License-Identifier: MIT */
/*
 * stress_model.c - two threads, pinned on both CPUs, run random API
 * sequences on each other's pools for a bounded time, checked against a
 * shadow model of who holds what (issue 10).  CI runs it under TSan too.
 *
 * Each thread owns a pool of whole buffers and a pool of fragments and
 * does, at random: alloc, bulk alloc, frag alloc, bump_get (a clone), owner
 * put, any-pool put, bulk put, put to the wrong pool, and hands buffers to
 * the other thread, whose puts are then cross-thread.  Rounds end at a
 * barrier where, with nobody moving, each owner checks its pools' counts
 * against the model (buffers handed out, puts that only dropped a
 * reference, double and wrong-pool puts, in flight), both threads put
 * buffers the model says are free (double puts, refused and counted), and
 * each owner destroys its pools with buffers still out, which the holders
 * then put; the arena must have every page back.  A buffer handed out while
 * the model says someone holds it is a finding too.
 *
 * The model's reference counts are per page (atomics: both threads update
 * them), each taken before the real call that gives a reference away, so
 * that a buffer recycled and handed out again is already free in the model.
 *
 * Seeded: the seed is printed; BUMP_STRESS_SEED=<n> repeats its operation
 * choices (the interleaving is the CPUs').  BUMP_STRESS_SECONDS (default 3)
 * bounds the run.
 */
#include "bump.h"
#include "bump_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define PAGES 2048
#define POOL_BUFS 256      /* max_buffers: with a ring as large, never a ring_full release */
#define HELD_MAX 256
#define MAILBOX_MAX 512
#define OPS_PER_ROUND 4000

struct handle {
	void *p;
	uint8_t pool;   /* index in pools[]: 2 * thread + (frag pool) */
	bool frag;
};

/* What the model expects of a pool; both threads add to it (atomics). */
struct pool_model {
	_Atomic uint64_t handed_out;   /* whole buffers given by alloc, bulk or a new carve */
	_Atomic uint64_t puts;         /* puts that succeeded */
	_Atomic uint64_t last_puts;    /* of them, those that dropped the model's last reference */
	_Atomic uint64_t double_put, wrong_pool;
};

struct thread_state {
	int id;
	pthread_t thread;
	uint64_t rng;
	struct handle held[HELD_MAX];
	unsigned nheld;
	pthread_mutex_t lock;                /* guards the mailbox */
	struct handle mailbox[MAILBOX_MAX];  /* handed to this thread, not taken yet */
	unsigned nmail;
	uint64_t ops;
};

static struct bump_arena *arena;
static uintptr_t arena_base;
static uint32_t arena_free0;
static struct bump_pool *pools[4];
static struct pool_model model[4];
static _Atomic int page_refs[PAGES];     /* model references per buffer page */
static _Atomic bool page_frag[PAGES];
static struct thread_state threads[2];
static pthread_barrier_t barrier;
static _Atomic bool stop;
static _Atomic uint64_t divergences;
static uint64_t seed;
static struct timespec start;
static unsigned seconds = 3;

#define MODEL_CHECK(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "  DIVERGENCE %s:%d: %s (seed %llu)\n", __FILE__, \
				__LINE__, #cond, (unsigned long long)seed);            \
			atomic_fetch_add(&divergences, 1);                             \
		}                                                                      \
	} while (0)

#define MODEL_EQ(a, b)                                                                 \
	do {                                                                           \
		uint64_t _a = (a), _b = (b);                                           \
		if (_a != _b) {                                                        \
			fprintf(stderr, "  DIVERGENCE %s:%d: %s == %s (%llu != %llu, seed %llu)\n", \
				__FILE__, __LINE__, #a, #b, (unsigned long long)_a,    \
				(unsigned long long)_b, (unsigned long long)seed);     \
			atomic_fetch_add(&divergences, 1);                             \
		}                                                                      \
	} while (0)

static void quiet(enum bump_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static uint64_t rnd(struct thread_state *t)
{
	/* splitmix64: each thread's choices follow from the seed alone */
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % 2, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  /* best effort: one CPU works */
}

static unsigned page_of(const void *p)
{
	return (unsigned)(((uintptr_t)p - arena_base) >> 12);
}

/* A reference came to us: a whole buffer must have been free in the model. */
static void take(struct thread_state *t, void *p, unsigned pool, bool frag, bool new_buf)
{
	unsigned pg = page_of(p);
	int before = atomic_fetch_add(&page_refs[pg], 1);

	if (new_buf) {
		MODEL_CHECK(before == 0);  /* handed out while someone holds it */
		atomic_store(&page_frag[pg], frag);
		atomic_fetch_add(&model[pool].handed_out, 1);
	}
	t->held[t->nheld++] = (struct handle){ .p = p, .pool = (uint8_t)pool, .frag = frag };
}

/* held[i] is about to be put: drop it from the model first (see the top). */
static struct handle give_up(struct thread_state *t, unsigned i)
{
	struct handle h = t->held[i];

	t->held[i] = t->held[--t->nheld];
	atomic_fetch_add(&model[h.pool].puts, 1);
	if (atomic_fetch_sub(&page_refs[page_of(h.p)], 1) == 1)
		atomic_fetch_add(&model[h.pool].last_puts, 1);
	return h;
}

/* The model had it wrong: the put was refused. */
static void put_refused(struct handle h)
{
	fprintf(stderr, "  put of %p (pool %u) refused: %s\n", h.p, h.pool, bump_last_error());
	atomic_fetch_add(&divergences, 1);
}

static bool mail(struct thread_state *to, struct handle h)
{
	bool room;

	pthread_mutex_lock(&to->lock);
	room = to->nmail < MAILBOX_MAX;
	if (room)
		to->mailbox[to->nmail++] = h;
	pthread_mutex_unlock(&to->lock);
	return room;
}

static void take_mail(struct thread_state *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->nmail && t->nheld < HELD_MAX)
		t->held[t->nheld++] = t->mailbox[--t->nmail];
	pthread_mutex_unlock(&t->lock);
}

static void step(struct thread_state *t)
{
	struct thread_state *other = &threads[!t->id];
	unsigned own = 2u * (unsigned)t->id, fpool = own + 1;
	uint64_t r = rnd(t);
	unsigned i = t->nheld ? (unsigned)(r >> 32) % t->nheld : 0;
	unsigned n = 1 + (unsigned)(r >> 16) % 32;
	void *bufs[32];

	switch (r % 11) {
	case 0:  /* alloc */
		if (t->nheld < HELD_MAX) {
			void *b = bump_pool_alloc(pools[own]);

			if (b)
				take(t, b, own, false, true);
		}
		break;
	case 1:  /* bulk alloc */
		if (t->nheld + n <= HELD_MAX) {
			unsigned got = bump_pool_alloc_bulk(pools[own], bufs, n);

			for (unsigned k = 0; k < got; k++)
				take(t, bufs[k], own, false, true);
		}
		break;
	case 2:  /* fragment: a new buffer when it starts one */
		if (t->nheld < HELD_MAX) {
			unsigned size = 64 + (unsigned)(r >> 40) % 1500;
			void *f = bump_pool_alloc_frag(pools[fpool], &size);

			if (f)
				take(t, f, fpool, true, ((uintptr_t)f & 4095) == 0);
		}
		break;
	case 3:  /* clone of a whole buffer */
		if (t->nheld && t->nheld < HELD_MAX && !t->held[i].frag) {
			struct handle h = t->held[i];

			atomic_fetch_add(&page_refs[page_of(h.p)], 1);
			if (bump_get(h.p))
				put_refused(h);
			t->held[t->nheld++] = h;
		}
		break;
	case 4:  /* owner put */
		if (t->nheld && t->held[i].pool / 2 == (unsigned)t->id) {
			struct handle h = give_up(t, i);

			if (bump_pool_put(pools[h.pool], h.p))
				put_refused(h);
		}
		break;
	case 5:  /* any-pool put: cross-thread for the other's buffers */
	case 6:
		if (t->nheld) {
			struct handle h = give_up(t, i);

			if (bump_put(h.p))
				put_refused(h);
		}
		break;
	case 7: {  /* bulk put of what we hold of one of our pools */
		unsigned p = own + (unsigned)(r >> 8) % 2, k = 0;

		for (unsigned j = 0; j < t->nheld && k < n;) {
			if (t->held[j].pool == p)
				bufs[k++] = give_up(t, j).p;
			else
				j++;
		}
		if (bump_pool_put_bulk(pools[p], bufs, k))
			put_refused((struct handle){ .p = bufs[0], .pool = (uint8_t)p });
		break;
	}
	case 8:  /* put to the wrong pool: ours, for the other thread's buffer */
		if (t->nheld && t->held[i].pool / 2 != (unsigned)t->id) {
			unsigned p = own + (unsigned)(r >> 8) % 2;

			if (bump_pool_put(pools[p], t->held[i].p) == 0) {
				fprintf(stderr, "  wrong-pool put of %p accepted\n", t->held[i].p);
				atomic_fetch_add(&divergences, 1);
			}
			atomic_fetch_add(&model[p].wrong_pool, 1);
		}
		break;
	case 9:  /* hand some to the other thread */
		while (n-- && t->nheld) {
			i = (unsigned)(rnd(t) % t->nheld);
			if (!mail(other, t->held[i]))
				break;
			t->held[i] = t->held[--t->nheld];
		}
		break;
	case 10:
		take_mail(t);
		break;
	}
	t->ops++;
}

static unsigned distinct_of(unsigned pool)
{
	uint8_t seen[PAGES] = { 0 };
	unsigned n = 0;

	for (int k = 0; k < 2; k++) {
		const struct thread_state *t = &threads[k];

		for (unsigned i = 0; i < t->nheld + t->nmail; i++) {
			const struct handle *h = i < t->nheld ? &t->held[i]
							      : &t->mailbox[i - t->nheld];

			if (h->pool == pool && !seen[page_of(h->p)]++)
				n++;
		}
	}
	return n;
}

/* With both threads still: the owner's figures are exact. */
static void check_pool(unsigned p, const char *when)
{
	struct bump_pool_stats s;
	const struct pool_model *m = &model[p];
	/* A buffer being carved stays out of the cache until carving ends, its fragments back or not. */
	uint8_t *carving = pools[p]->frag.buf;
	unsigned extra = carving && !atomic_load(&page_refs[page_of(carving)]);

	bump_pool_get_stats(pools[p], &s);
	MODEL_EQ(s.inflight, distinct_of(p) + extra);
	MODEL_EQ(s.alloc.fast, m->handed_out);
	MODEL_EQ(s.recycle.double_put, m->double_put);
	MODEL_EQ(s.recycle.wrong_pool, m->wrong_pool);
	if (p % 2 == 0) {  /* fragments' puts are counted by their own scheme */
		MODEL_EQ(s.recycle.released_refcnt, m->puts - m->last_puts);
	}
	MODEL_EQ(s.held, s.inflight + s.cached_now + s.ring_now + s.stashed_now);
	if (atomic_load(&divergences))
		fprintf(stderr, "  pool %u at %s: inflight %llu fast %llu cached %llu ring %llu "
			"cache_full %llu refcnt %llu\n", p, when, (unsigned long long)s.inflight,
			(unsigned long long)s.alloc.fast, (unsigned long long)s.recycle.cached,
			(unsigned long long)s.recycle.ring, (unsigned long long)s.recycle.cache_full,
			(unsigned long long)s.recycle.released_refcnt);
}

/* Double puts of whole buffers the model says are free, while nobody allocates. */
static void double_puts(struct thread_state *t)
{
	struct bump_error_stats e0, e1;

	for (unsigned k = 0; k < 8; k++) {
		unsigned pg = (unsigned)(rnd(t) % PAGES);
		struct bump_desc *d = bump_desc_of((void *)(arena_base + ((uintptr_t)pg << 12)));
		unsigned p;

		if (!d || atomic_load(&page_refs[pg]) || atomic_load(&page_frag[pg]))
			continue;
		/* Only a page one of our live pools has (in its cache or ring). */
		for (p = 0; p < 4 && (p % 2 || d->pool_id != bump_pool_id(pools[p])); p++)
			;
		if (p == 4)
			continue;
		bump_get_error_stats(&e0);
		if (bump_put((void *)(arena_base + ((uintptr_t)pg << 12))) == 0) {
			fprintf(stderr, "  double put of page %u accepted\n", pg);
			atomic_fetch_add(&divergences, 1);
		}
		atomic_fetch_add(&model[p].double_put, 1);
		bump_get_error_stats(&e1);
		MODEL_CHECK(e1.double_put >= e0.double_put + 1);
	}
}

static void pool_create(unsigned p)
{
	struct bump_pool_params pp = {
		.name = p % 2 ? "model-frag" : "model", .arena = arena, .nid = BUMP_NUMA_ANY,
		.ring_size = 512, .max_buffers = POOL_BUFS, .flags = BUMP_POOL_F_CHECKED,
	};

	if (bump_pool_create(&pp, &pools[p])) {
		fprintf(stderr, "  pool create: %s\n", bump_last_error());
		abort();
	}
	memset(&model[p], 0, sizeof(model[p]));
}

static void *run(void *arg)
{
	struct thread_state *t = arg;
	unsigned own = 2u * (unsigned)t->id;

	pin(t->id);
	while (!atomic_load(&stop)) {
		pool_create(own);
		pool_create(own + 1);
		pthread_barrier_wait(&barrier);
		for (unsigned k = 0; k < OPS_PER_ROUND; k++)
			step(t);
		bump_put_flush();  /* our stash to the owners' rings */
		pthread_barrier_wait(&barrier);
		check_pool(own, "round end");
		check_pool(own + 1, "round end");
		pthread_barrier_wait(&barrier);
		double_puts(t);
		pthread_barrier_wait(&barrier);
		check_pool(own, "after double puts");
		/* Destroy with buffers out: they are counted, then put by their holders. */
		for (unsigned p = own; p < own + 2; p++) {
			unsigned out = distinct_of(p);

			/* A buffer being carved with no fragment out comes back here. */
			MODEL_EQ((uint64_t)bump_pool_destroy(pools[p]), out);
		}
		pthread_barrier_wait(&barrier);
		do {
			take_mail(t);
			while (t->nheld) {
				struct handle h = give_up(t, 0);

				if (bump_put(h.p))
					put_refused(h);
			}
		} while (t->nmail);
		bump_put_flush();
		pthread_barrier_wait(&barrier);
		if (t->id == 0) {
			struct timespec now;

			MODEL_EQ(bump_arena_free_pages(arena), arena_free0);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (atomic_load(&divergences) ||
			    (now.tv_sec - start.tv_sec) * 1000000000ll + now.tv_nsec - start.tv_nsec >=
				    seconds * 1000000000ll)
				atomic_store(&stop, true);
		}
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void test_two_thread_model(void)
{
	struct bump_region_params rp = { .name = "model", .size = PAGES * 4096ul,
					 .numa_node = BUMP_NUMA_ANY, .flags = BUMP_REGION_F_NO_HUGE };
	struct bump_arena_params ap = { .name = "model" };
	struct bump_region *region;
	uint64_t ops;

	/* Wrong-pool and double puts are logged on each new pool: they are the point here. */
	bump_log_set_handler(quiet, NULL);
	CHECK_EQ(bump_region_create(&rp, &region), 0);
	ap.region = region;
	CHECK_EQ(bump_arena_create(&ap, &arena), 0);
	arena_base = arena->base;
	arena_free0 = bump_arena_free_pages(arena);
	CHECK_EQ(pthread_barrier_init(&barrier, NULL, 2), 0);
	for (int k = 0; k < 2; k++) {
		threads[k].id = k;
		threads[k].rng = seed * 2 + (uint64_t)k;
		pthread_mutex_init(&threads[k].lock, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ(pthread_create(&threads[1].thread, NULL, run, &threads[1]), 0);
	run(&threads[0]);  /* the main thread is thread 0: it ends the rounds in time */
	pthread_join(threads[1].thread, NULL);
	ops = threads[0].ops + threads[1].ops;
	printf("  seed %llu: %llu operations, %llu divergences\n", (unsigned long long)seed,
	       (unsigned long long)ops, (unsigned long long)atomic_load(&divergences));
	CHECK_EQ(atomic_load(&divergences), 0);
	CHECK(ops > 0);
	CHECK_EQ(bump_arena_destroy(arena), 0);
	bump_region_destroy(region);
	bump_log_set_handler(NULL, NULL);
}

int main(void)
{
	const char *s = getenv("BUMP_STRESS_SEED"), *secs = getenv("BUMP_STRESS_SECONDS");

	seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	if (secs)
		seconds = (unsigned)strtoul(secs, NULL, 0);
	printf("stress_model: seed %llu (repeat with BUMP_STRESS_SEED=%llu), %u s\n",
	       (unsigned long long)seed, (unsigned long long)seed, seconds);
	TEST_RUN(test_two_thread_model);
	return test_exit();
}
