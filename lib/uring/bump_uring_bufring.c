/* SPDX-License-Identifier: MIT */
/*
 * bump_uring_bufring.c - a provided-buffer ring kept full from a bump pool.
 *
 * The kernel names a buffer by a 16-bit id, not by its address, so the ring
 * keeps a table: slot bid holds the buffer posted with that id (NULL while
 * the id is free), and a stack of free ids.  An id is free from the moment
 * the application takes the buffer of a completion until a refill posts a
 * new buffer with it; the kernel never holds more buffers than the ring has
 * slots, so a table of ring size is enough and a slot is never overwritten
 * while the kernel may still pick its entry.
 *
 * The ring memory is ours (anonymous, page-aligned), registered with
 * IORING_REGISTER_PBUF_RING; liburing 2.3 has no io_uring_setup_buf_ring().
 */
#include "bump_uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Buffers taken from the pool per bulk allocation. */
#define BUFRING_REFILL_BATCH 64
/*
 * Pauses between tries of a dry pool (each try costs the arena's lock): 1 us,
 * doubling to 100 us.  In time, not in calls: a loop that sleeps while the
 * ring is empty calls rarely and must not wait thousands of its turns.
 */
#define BUFRING_BACKOFF_MIN_NS 1000u
#define BUFRING_BACKOFF_MAX_NS 100000u

struct bufring_stats {
	_Atomic uint64_t completions, bytes, refills, nombuf, enobufs, bad_bid;
	_Atomic uint32_t posted;
};

struct bump_uring_bufring {
	struct io_uring_buf_ring *ring;   /* shared with the kernel */
	void **bufs;                      /* per buffer id: the buffer posted with it, or NULL */
	uint16_t *free_bids;              /* a stack of ids with no buffer */
	uint32_t nb_free;
	uint32_t entries;
	uint32_t buf_len;                 /* what the kernel may write: buffer size - headroom */
	uint16_t headroom;
	uint16_t bgid;
	uint16_t port;
	bool nombuf_warned;
	uint32_t backoff_ns;              /* 0: the pool gave buffers at the last try */
	uint64_t retry_ns;                /* CLOCK_MONOTONIC of the next try of a dry pool */
	struct bump_pool *pool;
	struct io_uring *uring;
	size_t map_len;
	struct bufring_stats st;
};

#define BUFRING_STAT_ADD(ctr, n) __BUMP_STAT_ADD(ctr, n)
#define BUFRING_STAT_GET(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)

static_assert(sizeof(struct io_uring_buf) == 16, "the kernel's buffer ring entry is 16 bytes");
static_assert(BUMP_URING_BUFRING_MAX <= 65536, "buffer ids are 16 bits");

static void bufring_free(struct bump_uring_bufring *br)
{
	if (br->ring && munmap(br->ring, br->map_len) < 0)
		bump_log(BUMP_LOG_WARN, "io_uring: munmap of buffer ring %u: %m", br->bgid);
	free(br->bufs);
	free(br->free_bids);
	free(br);
}

static int bufring_check(const struct bump_uring_bufring_params *p, unsigned entries)
{
	if (!p || !p->ring || !p->pool)
		return bump_error(EINVAL, "io_uring: bump_uring_bufring_attach needs a ring and a pool");
	if (entries & (entries - 1) || entries > BUMP_URING_BUFRING_MAX)
		return bump_error(EINVAL, "io_uring: a buffer ring of %u entries: use a power of two "
				  "up to %u", entries, BUMP_URING_BUFRING_MAX);
	if (p->headroom >= bump_pool_buf_size(p->pool))
		return bump_error(EINVAL, "io_uring: headroom %u leaves no room in pool '%s''s "
				  "buffers of %zu bytes", p->headroom, bump_pool_name(p->pool),
				  bump_pool_buf_size(p->pool));
	return 0;
}

/* Register @br's ring memory with the kernel, with an error that names the likely cause. */
static int bufring_register(struct bump_uring_bufring *br)
{
	struct io_uring_buf_reg reg = {
		.ring_addr = (uintptr_t)br->ring, .ring_entries = br->entries, .bgid = br->bgid,
	};
	int ret = io_uring_register_buf_ring(br->uring, &reg, 0);

	if (ret == 0)
		return 0;
	if (ret == -EINVAL)
		return bump_error(EINVAL, "io_uring: registering buffer ring %u was refused "
				  "(EINVAL): the kernel has no provided-buffer rings (5.19 or later "
				  "needed) or the ring is malformed", br->bgid);
	if (ret == -EEXIST)
		return bump_error(EEXIST, "io_uring: buffer group %u is already registered on "
				  "this ring: pick another bgid", br->bgid);
	return bump_error(-ret, "io_uring: registering buffer ring %u: %s", br->bgid,
			  strerror(-ret));
}

int bump_uring_bufring_attach(const struct bump_uring_bufring_params *p,
			      struct bump_uring_bufring **out)
{
	unsigned entries = p && p->entries ? p->entries : BUMP_URING_BUFRING_DEFAULT;
	struct bump_uring_bufring *br;
	int ret = bufring_check(p, entries);

	if (ret)
		return ret;
	br = calloc(1, sizeof(*br));
	if (!br)
		return bump_error(ENOMEM, "io_uring: out of memory for a buffer ring");
	br->entries = entries;
	br->map_len = BUMP_ALIGN_UP((size_t)entries * sizeof(struct io_uring_buf), (size_t)4096);
	br->bufs = calloc(entries, sizeof(*br->bufs));
	br->free_bids = malloc(entries * sizeof(*br->free_bids));
	br->ring = mmap(NULL, br->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (br->ring == MAP_FAILED) {
		br->ring = NULL;
		bufring_free(br);
		return bump_error(ENOMEM, "io_uring: mapping a buffer ring of %u entries: %m",
				  entries);
	}
	if (!br->bufs || !br->free_bids) {
		bufring_free(br);
		return bump_error(ENOMEM, "io_uring: out of memory for %u buffer ids", entries);
	}
	/* Lowest ids on top of the stack: the first buffers get ids 0, 1, ... */
	for (uint32_t i = 0; i < entries; i++)
		br->free_bids[i] = (uint16_t)(entries - 1 - i);
	br->nb_free = entries;
	br->headroom = p->headroom;
	br->buf_len = (uint32_t)(bump_pool_buf_size(p->pool) - p->headroom);
	br->bgid = p->bgid;
	br->port = p->port;
	br->pool = p->pool;
	br->uring = p->ring;
	io_uring_buf_ring_init(br->ring);
	ret = bufring_register(br);
	if (ret) {
		bufring_free(br);
		return ret;
	}
	*out = br;
	return 0;
}

long bump_uring_bufring_detach(struct bump_uring_bufring *br)
{
	long returned = 0;
	int ret;

	if (!br)
		return 0;
	ret = io_uring_unregister_buf_ring(br->uring, br->bgid);
	if (ret < 0)
		/* The ring memory may still be the kernel's: keep it, and the buffers. */
		return bump_error(-ret, "io_uring: unregistering buffer ring %u: %s (nothing "
				  "was freed)", br->bgid, strerror(-ret));
	for (uint32_t bid = 0; bid < br->entries; bid++) {
		if (!br->bufs[bid])
			continue;
		/* bump_put: the pool's cache on its owner thread, its recycle ring elsewhere. */
		if (bump_put(br->bufs[bid]) == 0)
			returned++;
	}
	bufring_free(br);
	return returned;
}

static uint64_t bufring_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The pool gave nothing: say so once, and try again after a pause that doubles. */
static void bufring_pool_dry(struct bump_uring_bufring *br)
{
	if (!br->nombuf_warned) {
		br->nombuf_warned = true;
		bump_log(BUMP_LOG_WARN, "io_uring: pool '%s' has no free buffer for buffer ring %u "
			 "(%u of %u posted): receives that find the ring empty end with ENOBUFS "
			 "until buffers come back; return packets sooner or give the pool more "
			 "buffers (warned once per ring)", bump_pool_name(br->pool), br->bgid,
			 br->entries - br->nb_free, br->entries);
	}
	br->backoff_ns = br->backoff_ns ? BUMP_MIN(br->backoff_ns * 2, BUFRING_BACKOFF_MAX_NS) :
			 BUFRING_BACKOFF_MIN_NS;
	br->retry_ns = bufring_now_ns() + br->backoff_ns;
}

unsigned bump_uring_bufring_refill(struct bump_uring_bufring *br)
{
	const int mask = io_uring_buf_ring_mask(br->entries);
	void *bufs[BUFRING_REFILL_BATCH];
	unsigned added = 0;

	if (bump_unlikely(br->backoff_ns) && bufring_now_ns() < br->retry_ns)
		return 0;
	while (br->nb_free) {
		unsigned want = BUMP_MIN(br->nb_free, (uint32_t)BUFRING_REFILL_BATCH);
		unsigned got = bump_pool_alloc_bulk(br->pool, bufs, want);

		for (unsigned i = 0; i < got; i++) {
			uint16_t bid = br->free_bids[--br->nb_free];

			br->bufs[bid] = bufs[i];
			io_uring_buf_ring_add(br->ring, (uint8_t *)bufs[i] + br->headroom,
					      br->buf_len, bid, mask, (int)(added + i));
		}
		added += got;
		if (got < want) {
			BUFRING_STAT_ADD(br->st.nombuf, want - got);
			break;
		}
	}
	/* Nothing at all: back off.  Some: the pool works again, try it at every call. */
	if (added == 0 && br->nb_free)
		bufring_pool_dry(br);
	else
		br->backoff_ns = 0;
	if (added) {
		/* One release store of the tail publishes the whole burst. */
		io_uring_buf_ring_advance(br->ring, (int)added);
		BUFRING_STAT_ADD(br->st.refills, added);
		atomic_store_explicit(&br->st.posted, br->entries - br->nb_free,
				      memory_order_relaxed);
	}
	return added;
}

int bump_uring_bufring_complete(struct bump_uring_bufring *br, const struct io_uring_cqe *cqe,
				struct bump_pkt *pkt)
{
	uint32_t bid;
	void *buf;

	if (!(cqe->flags & IORING_CQE_F_BUFFER)) {
		if (cqe->res == -ENOBUFS)
			BUFRING_STAT_ADD(br->st.enobufs, 1);
		return 0;
	}
	bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	/* The kernel only returns ids we posted; check anyway, never trust an index. */
	if (bump_unlikely(bid >= br->entries || !br->bufs[bid])) {
		BUFRING_STAT_ADD(br->st.bad_bid, 1);
		return bump_error(EIO, "io_uring: a completion names buffer %u of ring %u, which "
				  "is not posted (ignored)", bid, br->bgid);
	}
	buf = br->bufs[bid];
	br->bufs[bid] = NULL;
	br->free_bids[br->nb_free++] = (uint16_t)bid;
	atomic_store_explicit(&br->st.posted, br->entries - br->nb_free, memory_order_relaxed);
	if (bump_unlikely(cqe->res < 0)) {
		/* A buffer with an error result: nothing in it; back to the pool (any thread). */
		bump_put(buf);
		return 0;
	}
	pkt->ref = bump_pool_ref(br->pool, buf);
	pkt->off = br->headroom;
	pkt->len = (uint16_t)BUMP_MIN((uint32_t)cqe->res, (uint32_t)UINT16_MAX);
	pkt->port = br->port;
	pkt->flags = 0;
	pkt->hash = 0;
	BUFRING_STAT_ADD(br->st.completions, 1);
	BUFRING_STAT_ADD(br->st.bytes, (uint32_t)cqe->res);
	return 1;
}

unsigned bump_uring_bufring_posted(const struct bump_uring_bufring *br)
{
	return br->entries - br->nb_free;
}

uint16_t bump_uring_bufring_bgid(const struct bump_uring_bufring *br)
{
	return br->bgid;
}

uint32_t bump_uring_bufring_buf_len(const struct bump_uring_bufring *br)
{
	return br->buf_len;
}

void bump_uring_bufring_get_stats(const struct bump_uring_bufring *br,
				  struct bump_uring_bufring_stats *s)
{
	const struct bufring_stats *st = &br->st;

	s->completions = BUFRING_STAT_GET(st->completions);
	s->bytes = BUFRING_STAT_GET(st->bytes);
	s->posted = BUFRING_STAT_GET(st->posted);
	s->refills = BUFRING_STAT_GET(st->refills);
	s->nombuf = BUFRING_STAT_GET(st->nombuf);
	s->enobufs = BUFRING_STAT_GET(st->enobufs);
	s->bad_bid = BUFRING_STAT_GET(st->bad_bid);
}
