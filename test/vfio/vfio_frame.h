/* SPDX-License-Identifier: MIT */
/*
 * vfio_frame.h - the test frames the host peer (vfio_peer.c) sends to the
 * guest (vfio_guest.c) over QEMU's UDP socket netdev, and checks when they
 * come back MAC-swapped.
 *
 *   Ethernet header (dst, src, type 0x88b5: IEEE local experimental)
 *   magic "BUMP", kind, sequence number, then a pattern that depends on the
 *   sequence number and the byte's offset, to the end of the frame.
 */
#ifndef VFIO_FRAME_H
#define VFIO_FRAME_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_ether.h>

#define VF_ETHERTYPE ETH_P_802_EX1
#define VF_HDR_LEN ETH_HLEN
#define VF_MAGIC "BUMP"
#define VF_MIN_LEN 60      /* no padding by any device: the shortest frame we send */
#define VF_MAX_LEN ETH_FRAME_LEN

enum vf_kind {
	VF_PROBE = 1,  /* returned; the peer sends them until one comes back */
	VF_DATA = 2,   /* returned, counted, checked */
	VF_HOLD = 3,   /* kept by the guest (unbind scenario) */
	VF_STOP = 4,   /* the guest stops forwarding and runs its checks */
};

static const uint8_t vf_peer_mac[6] = { 0x02, 0x62, 0x75, 0x6d, 0x70, 0x01 };
static const uint8_t vf_guest_mac[6] = { 0x02, 0x62, 0x75, 0x6d, 0x70, 0x02 };

struct vf_payload {
	char magic[4];
	uint8_t kind;
	uint8_t pad[3];
	uint32_t seq;
};
static_assert(sizeof(struct vf_payload) == 12, "the payload header is 12 bytes");

static inline uint16_t vf_len_of(uint32_t seq)
{
	return (uint16_t)(VF_MIN_LEN + (seq * 37u) % (VF_MAX_LEN - VF_MIN_LEN + 1));
}

static inline uint8_t vf_pattern(uint32_t seq, unsigned off)
{
	return (uint8_t)(seq * 7u + off * 13u + (off >> 8));
}

/* Build frame @seq of @kind into @f (at least VF_MAX_LEN bytes); returns its length. */
static inline unsigned vf_build(uint8_t *f, enum vf_kind kind, uint32_t seq)
{
	unsigned len = kind == VF_DATA || kind == VF_HOLD ? vf_len_of(seq) : VF_MIN_LEN;
	struct vf_payload p = { .kind = (uint8_t)kind, .seq = seq };

	memcpy(p.magic, VF_MAGIC, 4);
	memcpy(f, vf_guest_mac, 6);
	memcpy(f + 6, vf_peer_mac, 6);
	f[12] = VF_ETHERTYPE >> 8;
	f[13] = VF_ETHERTYPE & 0xff;
	memcpy(f + VF_HDR_LEN, &p, sizeof(p));
	for (unsigned i = VF_HDR_LEN + sizeof(p); i < len; i++)
		f[i] = vf_pattern(seq, i);
	return len;
}

/* The frame's kind and sequence number, or 0 when it is not one of ours. */
static inline int vf_parse(const uint8_t *f, unsigned len, uint32_t *seq)
{
	struct vf_payload p;

	if (len < VF_HDR_LEN + sizeof(p) || f[12] != (VF_ETHERTYPE >> 8) ||
	    f[13] != (VF_ETHERTYPE & 0xff))
		return 0;
	memcpy(&p, f + VF_HDR_LEN, sizeof(p));
	if (memcmp(p.magic, VF_MAGIC, 4) != 0)
		return 0;
	*seq = p.seq;
	return p.kind;
}

/*
 * Check a frame: as built (@swapped false) or as returned by a MAC-swapping
 * forwarder (@swapped true).  Returns NULL or what is wrong.
 */
static inline const char *vf_check(const uint8_t *f, unsigned len, bool swapped)
{
	uint32_t seq;
	int kind = vf_parse(f, len, &seq);

	if (!kind)
		return "not a test frame";
	if (memcmp(f, swapped ? vf_peer_mac : vf_guest_mac, 6) != 0 ||
	    memcmp(f + 6, swapped ? vf_guest_mac : vf_peer_mac, 6) != 0)
		return "wrong MAC addresses";
	if ((kind == VF_DATA || kind == VF_HOLD) ? len != vf_len_of(seq) : len != VF_MIN_LEN)
		return "wrong length";
	for (unsigned i = VF_HDR_LEN + sizeof(struct vf_payload); i < len; i++)
		if (f[i] != vf_pattern(seq, i))
			return "payload corrupted";
	return NULL;
}

#endif /* VFIO_FRAME_H */
