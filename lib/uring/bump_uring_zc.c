/* SPDX-License-Identifier: MIT */
/*
 * bump_uring_zc.c - an arena's memory as io_uring fixed buffers, for
 * zero-copy sends (IORING_OP_SEND_ZC with IORING_RECVSEND_FIXED_BUF).
 *
 * The kernel takes at most 1 GiB per registered buffer, so an arena is
 * registered in pieces of 1 GiB: index = offset >> 30.  Buffers of a power
 * of two up to 1 GiB never cross a piece; others may, and are sent copying.
 */
#include "bump_uring.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

int bump_uring_register_arena(struct io_uring *ring, const struct bump_arena *arena)
{
	const uint64_t piece = 1ull << BUMP_URING_FIXED_PIECE_SHIFT;
	unsigned n = (unsigned)((arena->len + piece - 1) / piece);
	struct iovec *iov = calloc(n, sizeof(*iov));
	int ret;

	if (!iov)
		return bump_error(ENOMEM, "io_uring: out of memory for %u iovecs", n);
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = (void *)(arena->base + (uintptr_t)i * piece);
		iov[i].iov_len = (size_t)BUMP_MIN(piece, arena->len - (uint64_t)i * piece);
	}
	ret = io_uring_register_buffers(ring, iov, n);
	free(iov);
	if (ret == -ENOMEM)
		return bump_error(ENOMEM, "io_uring: registering arena '%s' (%" PRIu64 " bytes) as "
				  "fixed buffers: the pages cannot be pinned (raise 'ulimit -l', "
				  "or run with CAP_IPC_LOCK)", bump_arena_name(arena), arena->len);
	if (ret)
		return bump_error(-ret, "io_uring: registering arena '%s' as fixed buffers: %s",
				  bump_arena_name(arena), strerror(-ret));
	return 0;
}
