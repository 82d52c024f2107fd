/* SPDX-License-Identifier: MIT */
#include "bump_ring.h"
#include "bump_log.h"

#include <errno.h>
#include <stdlib.h>

int bump_ring_create(uint32_t size, struct bump_ring **out)
{
	struct bump_ring *r;

	if (size < 2 || size > (1u << 30) || (size & (size - 1)))
		return bump_error(EINVAL, "ring size %u must be a power of two between 2 and 2^30",
				  size);
	r = aligned_alloc(BUMP_CACHE_LINE,
			  BUMP_ALIGN_UP(sizeof(*r) + (size_t)size * sizeof(r->slots[0]),
					BUMP_CACHE_LINE));
	if (!r)
		return bump_error(ENOMEM, "out of memory for a ring of %u slots", size);
	r->size = size;
	r->mask = size - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->tail_seen, 0);
	for (uint32_t i = 0; i < size; i++) {
		atomic_init(&r->slots[i].seq, i);
		r->slots[i].obj = NULL;
	}
	*out = r;
	return 0;
}

void bump_ring_free(struct bump_ring *ring)
{
	free(ring);
}
