/* SPDX-License-Identifier: MIT */
/*
 * bump_pkt.h - the packet handle that RX and TX bursts pass around.
 *
 * A handle is a 16-byte value, not a struct inside the buffer: it names the
 * buffer by descriptor reference and says where the packet bytes are.  The
 * data page holds packet bytes only, as everywhere in bump.
 */
#ifndef BUMP_PKT_H
#define BUMP_PKT_H

#include <errno.h>
#include <stdint.h>

#include "bump.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bump_pkt {
	bump_ref_t ref;     /* the buffer: arena id and page index of its first page */
	uint16_t off;       /* first packet byte, from the buffer's start (headroom before it) */
	uint16_t len;       /* packet bytes */
	uint16_t port;      /* input port id */
	uint16_t flags;     /* BUMP_PKT_F_* */
	uint32_t hash;      /* RSS hash, or a driver's per-packet value */
};
static_assert(sizeof(struct bump_pkt) == 16, "a packet handle is 16 bytes: four per cache line");

#define BUMP_PKT_F_L4_CSUM_OK 0x0001
#define BUMP_PKT_F_L4_CSUM_BAD 0x0002

/* First packet byte. */
static inline uint8_t *bump_pkt_data(const struct bump_pkt *p)
{
	return (uint8_t *)bump_ref_page(p->ref) + p->off;
}

/* Buffer bytes from the packet's start to the buffer's end (tailroom included); 0 past it. */
static inline size_t bump_pkt_room(const struct bump_pkt *p)
{
	const struct bump_desc *d = bump_ref_desc(p->ref);
	size_t size = (size_t)bump_ref_arena(p->ref)->page_size << d->order;

	return p->off < size ? size - p->off : 0;
}

/*
 * 0 when @p names a buffer a pool handed out (a page, multi-page or
 * fragment buffer with references) and its bytes, at least one, lie inside
 * it; -EINVAL otherwise.  Reads only what it has bounds-checked: the arena
 * slot, then the descriptor, never the packet.  bump_port_tx_burst() checks
 * every handle with it, so a driver sees only handles that pass.
 */
static inline int bump_pkt_check(const struct bump_pkt *p)
{
	unsigned id = bump_ref_arena_id(p->ref);
	uint32_t idx = bump_ref_index(p->ref);
	const struct bump_arena *a;
	uint64_t state;
	unsigned type;

	if (bump_unlikely(id >= BUMP_ARENA_MAX))
		return -EINVAL;
	a = bump_atomic_load(&__bump_arenas[id], BUMP_MO_ACQUIRE);
	if (bump_unlikely(!a || idx >= a->npages))
		return -EINVAL;
	/* refcount in the low word; pool_id, type, order in the high one. */
	state = bump_atomic_load(&a->descs[idx].state, BUMP_MO_RELAXED);
	type = (unsigned)(state >> 48) & 0xff;
	if (bump_unlikely((uint32_t)state == 0 ||
			  (type != BUMP_DESC_PAGE && type != BUMP_DESC_HEAD && type != BUMP_DESC_FRAG)))
		return -EINVAL;
	if (bump_unlikely(!p->len || (uint64_t)p->off + p->len >
					     ((uint64_t)a->page_size << (state >> 56))))
		return -EINVAL;
	return 0;
}

/* Strip @n bytes from the front (a header); NULL if the packet is shorter. */
static inline uint8_t *bump_pkt_adj(struct bump_pkt *p, uint16_t n)
{
	if (n > p->len)
		return NULL;
	p->off += n;
	p->len -= n;
	return bump_pkt_data(p);
}

/* Grow the packet by @n bytes at the front (into the headroom); NULL if there is none. */
static inline uint8_t *bump_pkt_prepend(struct bump_pkt *p, uint16_t n)
{
	if (n > p->off)
		return NULL;
	p->off -= n;
	p->len += n;
	return bump_pkt_data(p);
}

/* A second handle on the same bytes: takes a reference (refcount in the descriptor). */
static inline int bump_pkt_clone(const struct bump_pkt *p, struct bump_pkt *clone)
{
	int ret = bump_get(bump_ref_page(p->ref));

	if (ret == 0)
		*clone = *p;
	return ret;
}

/* Drop the handle's reference (from any thread); 0 or a negative errno. */
static inline int bump_pkt_free(const struct bump_pkt *p)
{
	return bump_ref_put(p->ref);
}

/* Free @n handles, a pool's run at a time; returns how many were rejected. */
static inline unsigned bump_pkt_free_bulk(const struct bump_pkt *pkts, unsigned n)
{
	return bump_ref_put_bulk(&pkts->ref, n, sizeof(*pkts));
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_PKT_H */
