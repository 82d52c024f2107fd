/* SPDX-License-Identifier: MIT */
/*
 * vfio_frame.h - what the host peer (vfio_peer.c) and the guest
 * (vfio_guest.c) say to each other over QEMU's UDP socket netdev, in the
 * test frames of test_frame.h: the frame's kind in its flags, a length
 * that depends on the sequence number, and the MAC addresses of both ends
 * (frames come back MAC-swapped).
 */
#ifndef VFIO_FRAME_H
#define VFIO_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test_frame.h"

#define VF_RUN 0x76666931u  /* the run id of every vfio test frame */
#define VF_MIN_LEN ETH_ZLEN /* no padding by any device: the shortest frame we send */
#define VF_MAX_LEN ETH_FRAME_LEN

enum vf_kind {
	VF_PROBE = 1,  /* returned; the peer sends them until one comes back */
	VF_DATA = 2,   /* returned, counted, checked */
	VF_HOLD = 3,   /* kept by the guest (unbind scenario) */
	VF_STOP = 4,   /* the guest stops forwarding and runs its checks */
};

static const uint8_t vf_peer_mac[ETH_ALEN] = { 0x02, 0x62, 0x75, 0x6d, 0x70, 0x01 };
static const uint8_t vf_guest_mac[ETH_ALEN] = { 0x02, 0x62, 0x75, 0x6d, 0x70, 0x02 };

static inline uint16_t vf_len_of(enum vf_kind kind, uint32_t seq)
{
	if (kind != VF_DATA && kind != VF_HOLD)
		return VF_MIN_LEN;
	return (uint16_t)(VF_MIN_LEN + (seq * 37u) % (VF_MAX_LEN - VF_MIN_LEN + 1));
}

/* Build frame @seq of @kind into @f (at least VF_MAX_LEN bytes); returns its length. */
static inline unsigned vf_build(uint8_t *f, enum vf_kind kind, uint32_t seq)
{
	unsigned len = vf_len_of(kind, seq);

	tf_build(f, len, vf_guest_mac, vf_peer_mac, VF_RUN, seq, (uint32_t)kind);
	return len;
}

/* The frame's kind and sequence number (even if damaged), or 0 when it is not one of ours. */
static inline int vf_parse(const uint8_t *f, unsigned len, uint32_t *seq)
{
	struct tf_hdr h;

	if (len < TF_PAYLOAD_OFF || f[12] != (TF_ETHERTYPE >> 8) || f[13] != (TF_ETHERTYPE & 0xff))
		return 0;
	memcpy(&h, f + TF_HDR_OFF, sizeof(h));
	if (h.magic != TF_MAGIC || h.run != VF_RUN || h.flags < VF_PROBE || h.flags > VF_STOP)
		return 0;
	*seq = (uint32_t)h.seq;
	return (int)h.flags;
}

/*
 * Check a frame: as built (@swapped false) or as returned by a MAC-swapping
 * forwarder (@swapped true).  Returns NULL or what is wrong.
 */
static inline const char *vf_check(const uint8_t *f, unsigned len, bool swapped)
{
	struct tf_hdr h;

	switch (tf_check(f, len, VF_RUN, &h)) {
	case TF_NOT_OURS:
		return "not a test frame";
	case TF_BAD_LEN:
		return "wrong length";
	case TF_BAD_CSUM:
		return "payload corrupted";
	case TF_OK:
		break;
	}
	if (memcmp(f, swapped ? vf_peer_mac : vf_guest_mac, ETH_ALEN) != 0 ||
	    memcmp(f + ETH_ALEN, swapped ? vf_guest_mac : vf_peer_mac, ETH_ALEN) != 0)
		return "wrong MAC addresses";
	if (h.flags < VF_PROBE || h.flags > VF_STOP ||
	    len != vf_len_of((enum vf_kind)h.flags, (uint32_t)h.seq))
		return "wrong length";
	return NULL;
}

#endif /* VFIO_FRAME_H */
