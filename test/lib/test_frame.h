/* SPDX-License-Identifier: MIT */
/*
 * test_frame.h - the raw Ethernet test frame of the afxdp tests (generator,
 * sink, port test) and the vfio tests (host peer, QEMU guest).  Raw L2
 * frames on purpose, where sim's and bump-fwd's IPv4/UDP frame
 * (drivers/common/frame) would reach the kernel stacks on the veths.
 *
 *   Ethernet header, ethertype 0x88B5 (IEEE local experimental: no stack
 *   on the path consumes it), then:
 *   magic (4)  run id (4)  seq (8)  length (4)  flags (4)  checksum (4)
 *   payload bytes derived from seq, to the frame's end.
 * The checksum (FNV-1a) covers every byte after the Ethernet header except
 * itself, so a forwarder that corrupts, truncates or pads a frame is seen.
 * Fields are in host order: generator and sink run on the same machine.
 */
#ifndef TEST_FRAME_H
#define TEST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_ether.h>

#define TF_ETHERTYPE ETH_P_802_EX1
#define TF_MAGIC 0x62756d70u      /* "bump" */
#define TF_ETH_LEN ETH_HLEN
#define TF_MIN_LEN 64             /* Ethernet minimum without FCS */
#define TF_MAX_LEN 9000
#define TF_FLAG_OVERSIZE 0x1      /* sent to be dropped: not part of the sequence */

struct tf_hdr {
	uint32_t magic;
	uint32_t run;
	uint64_t seq;
	uint32_t len;       /* whole frame, Ethernet header included */
	uint32_t flags;     /* the test's own: TF_FLAG_OVERSIZE (afxdp), the frame's kind (vfio) */
	uint32_t csum;
} __attribute__((packed));

#define TF_HDR_OFF TF_ETH_LEN
#define TF_PAYLOAD_OFF (TF_ETH_LEN + sizeof(struct tf_hdr))

static inline uint32_t tf_fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Checksum of a frame of @len bytes, its csum field taken as zero. */
static inline uint32_t tf_csum(const uint8_t *frame, size_t len)
{
	struct tf_hdr h;
	uint32_t c;

	memcpy(&h, frame + TF_HDR_OFF, sizeof(h));
	h.csum = 0;
	c = tf_fnv(2166136261u, (const uint8_t *)&h, sizeof(h));
	return tf_fnv(c, frame + TF_PAYLOAD_OFF, len - TF_PAYLOAD_OFF);
}

/* Build frame @seq of @len bytes (TF_MIN_LEN..TF_MAX_LEN) into @frame. */
static inline void tf_build(uint8_t *frame, size_t len, const uint8_t dst[6], const uint8_t src[6],
			    uint32_t run, uint64_t seq, uint32_t flags)
{
	struct tf_hdr h = {
		.magic = TF_MAGIC, .run = run, .seq = seq, .len = (uint32_t)len, .flags = flags,
	};

	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = TF_ETHERTYPE >> 8;
	frame[13] = TF_ETHERTYPE & 0xff;
	memcpy(frame + TF_HDR_OFF, &h, sizeof(h));
	for (size_t i = TF_PAYLOAD_OFF; i < len; i++)
		frame[i] = (uint8_t)(seq * 31 + i);
	h.csum = tf_csum(frame, len);
	memcpy(frame + TF_HDR_OFF, &h, sizeof(h));
}

enum tf_verdict { TF_OK, TF_NOT_OURS, TF_BAD_LEN, TF_BAD_CSUM };

/* Check a received frame of @len bytes; fills @h on TF_OK. */
static inline enum tf_verdict tf_check(const uint8_t *frame, size_t len, uint32_t run,
				       struct tf_hdr *h)
{
	if (len < TF_PAYLOAD_OFF || frame[12] != (TF_ETHERTYPE >> 8) ||
	    frame[13] != (TF_ETHERTYPE & 0xff))
		return TF_NOT_OURS;
	memcpy(h, frame + TF_HDR_OFF, sizeof(*h));
	if (h->magic != TF_MAGIC || h->run != run)
		return TF_NOT_OURS;
	if (h->len != len)
		return TF_BAD_LEN;
	if (h->csum != tf_csum(frame, len))
		return TF_BAD_CSUM;
	return TF_OK;
}

#endif /* TEST_FRAME_H */
