/* SPDX-License-Identifier: MIT */
/*
 * bump_uring.h - io_uring provided-buffer rings fed by a bump pool.
 *
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING, kernel 5.19) is the
 * kernel asking userspace for a page pool: each receive completion picks a
 * buffer from the ring and names it by a 16-bit buffer id; the application
 * owns the buffer from then on and hands buffers back by adding them to the
 * ring.  A bump_uring_bufring keeps such a ring topped up from a bump pool,
 * in bursts, and turns each completion into a packet handle (bump_pkt.h)
 * the application frees with bump_pkt_free() or bump_put() from any
 * thread: the buffer goes back to its pool, and from there to the ring.
 *
 * For applications with their own io_uring (liburing 2.2 or later):
 *
 *   struct io_uring ring;
 *   struct bump_uring_bufring *br;
 *   struct bump_uring_bufring_params p = { .ring = &ring, .pool = pool, .bgid = 1 };
 *
 *   bump_uring_queue_init(256, &ring, 0);          // clear errors where io_uring is off
 *   bump_uring_bufring_attach(&p, &br);            // register (any thread)
 *   bump_uring_bufring_refill(br);                 // fill from the pool (its owner)
 *   bump_uring_prep_recv_multishot(io_uring_get_sqe(&ring), br, fd, 0);
 *   io_uring_submit(&ring);
 *   for (;;) {
 *           io_uring_for_each_cqe(&ring, head, cqe) {
 *                   if (bump_uring_bufring_complete(br, cqe, &pkt) == 1)
 *                           use(&pkt);             // bump_pkt_free(&pkt) later, any thread
 *                   if (!(cqe->flags & IORING_CQE_F_MORE))
 *                           rearm = true;          // -ENOBUFS: the ring ran dry
 *                   n++;
 *           }
 *           io_uring_cq_advance(&ring, n);
 *           bump_uring_bufring_refill(br);         // before re-arming
 *           ...
 *   }
 *
 * Threading: refill runs on the pool's owner thread (it allocates); complete
 * runs on the thread that reaps the ring's CQEs, one at a time with refill
 * (usually the same thread).  Attach and detach may run on a control thread
 * while no other thread uses the bufring.  Packets may be freed, and stats
 * read, from any thread.
 *
 * Every function returns 0 (or a count) or a negative errno, and leaves a
 * message saying what to do in bump_last_error().
 */
#ifndef BUMP_URING_H
#define BUMP_URING_H

#include "bump_api.h"

#include <stdint.h>

#include <liburing.h>

#include "bump.h"
#include "bump_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's limit on a provided-buffer ring (entries are a power of two below 2^16). */
#define BUMP_URING_BUFRING_MAX 32768
#define BUMP_URING_BUFRING_DEFAULT 1024

struct bump_uring_bufring;

struct bump_uring_bufring_params {
	struct io_uring *ring;      /* the application's ring; must outlive the bufring */
	struct bump_pool *pool;     /* buffers come from here; owned by the calling thread */
	uint16_t bgid;              /* buffer group id: what receive SQEs select */
	unsigned entries;           /* ring slots, power of two (0: BUMP_URING_BUFRING_DEFAULT) */
	uint16_t headroom;          /* bytes kept free before the data in each buffer */
	uint16_t port;              /* copied into bump_pkt.port of each packet */
};

struct bump_uring_bufring_stats {
	uint64_t completions;       /* buffers the kernel filled and handed to the application */
	uint64_t bytes;
	uint64_t posted;            /* buffers in the ring now (the kernel may pick them) */
	uint64_t refills;           /* buffers added to the ring since attach */
	uint64_t nombuf;            /* ring slots the pool could not fill (it was dry) */
	uint64_t enobufs;           /* completions with -ENOBUFS: the kernel found the ring empty */
	uint64_t bad_bid;           /* completions naming a buffer id not posted (ignored) */
};

/*
 * Initialize @ring as io_uring_queue_init() does, with an error that says
 * what to do where the kernel has no io_uring or the io_uring_disabled
 * sysctl forbids it (kernel.io_uring_disabled).  0 or a negative errno.
 */
BUMP_API int bump_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);

/*
 * Register an empty provided-buffer ring with buffer group @params->bgid on
 * @params->ring; bump_uring_bufring_refill() on the pool's owner thread then
 * fills it.  Each buffer is offered to the kernel from its headroom to its end.  -EINVAL with a message for a
 * kernel without buffer rings (before 5.19) or a group id in use.
 */
BUMP_API int bump_uring_bufring_attach(const struct bump_uring_bufring_params *params,
				       struct bump_uring_bufring **out);

/*
 * Unregister the ring and return every buffer still posted to it to its
 * pool.  Cancel the receives that select this group and reap their CQEs
 * first: a completion reaped after detach names a buffer nobody tracks.
 * Returns the number of buffers returned, or a negative errno.
 */
BUMP_API long bump_uring_bufring_detach(struct bump_uring_bufring *br);

/*
 * Top the ring up from the pool (owner thread).  Returns the buffers added.
 * Call it once per batch of completions, and before re-arming a receive
 * that ended with -ENOBUFS.  A dry pool is counted (nombuf), warned about
 * once, and retried with a backoff.
 */
BUMP_API unsigned bump_uring_bufring_refill(struct bump_uring_bufring *br);

/*
 * Take the buffer a completion carries (owner thread).  1: @pkt now owns it
 * (data at the headroom, cqe->res bytes); 0: the completion carries no
 * buffer (an error result; -ENOBUFS is counted), @pkt untouched; a negative
 * errno for a buffer id this ring never posted (counted; nothing changes).
 */
BUMP_API int bump_uring_bufring_complete(struct bump_uring_bufring *br,
					 const struct io_uring_cqe *cqe,
					 struct bump_pkt *pkt);

/* Buffers in the ring now (the kernel may fill them). */
BUMP_API unsigned bump_uring_bufring_posted(const struct bump_uring_bufring *br);
BUMP_API uint16_t bump_uring_bufring_bgid(const struct bump_uring_bufring *br);
/* Bytes the kernel may write into one buffer. */
BUMP_API uint32_t bump_uring_bufring_buf_len(const struct bump_uring_bufring *br);
BUMP_API void bump_uring_bufring_get_stats(const struct bump_uring_bufring *br,
					   struct bump_uring_bufring_stats *stats);

/* A multishot receive on @fd into the buffers of @br: one SQE, a CQE per message. */
static inline void bump_uring_prep_recv_multishot(struct io_uring_sqe *sqe,
						  const struct bump_uring_bufring *br, int fd,
						  int flags)
{
	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, flags);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = bump_uring_bufring_bgid(br);
}

/*
 * A multishot recvmsg: each buffer starts with struct io_uring_recvmsg_out,
 * the source address and control data (@msg says how much room for each),
 * then the payload.  io_uring_recvmsg_validate() on bump_pkt_data() finds
 * them; bump_pkt_adj() then strips everything before the payload.
 */
static inline void bump_uring_prep_recvmsg_multishot(struct io_uring_sqe *sqe,
						     const struct bump_uring_bufring *br, int fd,
						     struct msghdr *msg, unsigned flags)
{
	io_uring_prep_recvmsg_multishot(sqe, fd, msg, flags);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = bump_uring_bufring_bgid(br);
}

/* ---- Zero-copy sends from an arena ------------------------------------- */

/* The kernel's limit on one registered buffer: arenas are registered in pieces of this. */
#define BUMP_URING_FIXED_PIECE_SHIFT 30

/*
 * Register the memory of @arena as the fixed buffers of @ring (indexes 0, 1,
 * ... one per GiB), so sends from any of its buffers can be zero-copy
 * (io_uring_prep_send_zc_fixed).  The pages are pinned while registered
 * (RLIMIT_MEMLOCK counts them for users without CAP_IPC_LOCK).  0, or a
 * negative errno with a message: callers fall back to copying sends.
 */
BUMP_API int bump_uring_register_arena(struct io_uring *ring, const struct bump_arena *arena);

/*
 * The fixed buffer index of [@buf, @buf + @len) in @arena as registered
 * above, or -1 when the bytes cross from one piece into the next (send
 * them with a copying send).
 */
static inline int bump_uring_fixed_index(const struct bump_arena *arena, const void *buf,
					 size_t len)
{
	uintptr_t off = (uintptr_t)buf - arena->base;

	if (len && off >> BUMP_URING_FIXED_PIECE_SHIFT !=
		   (off + len - 1) >> BUMP_URING_FIXED_PIECE_SHIFT)
		return -1;
	return (int)(off >> BUMP_URING_FIXED_PIECE_SHIFT);
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_URING_H */
