/* SPDX-License-Identifier: MIT */
/*
 * bump_frame.h - the self-checking test frame: Ethernet + IPv4 + UDP, then
 * a tag with a per-queue sequence number and a payload checksum.  sim's
 * generator and sink, bump-fwd's txonly engine and the tests all build and
 * check this one format.
 */
#ifndef BUMP_FRAME_H
#define BUMP_FRAME_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUMP_FRAME_MAGIC 0x314d4953u  /* "SIM1" in memory */
#define BUMP_FRAME_UDP_PORT 9         /* discard */
#define BUMP_FRAME_IP_LEN 20          /* IPv4 without options */
#define BUMP_FRAME_HDR_LEN (ETH_HLEN + BUMP_FRAME_IP_LEN + (int)sizeof(struct udphdr))
static_assert(sizeof(struct iphdr) == BUMP_FRAME_IP_LEN, "an IPv4 header without options");
static_assert(BUMP_FRAME_HDR_LEN == 42, "Ethernet 14 + IPv4 20 + UDP 8");

/* After the UDP header; host byte order (both ends are this process). */
struct bump_frame_tag {
	uint32_t magic;
	uint16_t queue;   /* sequence space: the queue the frame was made for */
	uint16_t flow;
	uint64_t seq;
	uint32_t csum;    /* bump_frame_csum of the UDP payload, this field excluded */
} __attribute__((packed));
static_assert(sizeof(struct bump_frame_tag) == 20, "the tag is 20 bytes on the wire");

#define BUMP_FRAME_MIN (BUMP_FRAME_HDR_LEN + (int)sizeof(struct bump_frame_tag))
#define BUMP_FRAME_MAX 9000

/*
 * Write a @size-byte test frame into @buf: Ethernet (@dst, @src), IPv4 and
 * UDP for @flow, the tag, and a payload pattern derived from @seq.
 * 0, or -EINVAL for a size outside [BUMP_FRAME_MIN, BUMP_FRAME_MAX].
 */
int bump_frame_build(void *buf, uint16_t size, const uint8_t dst[ETH_ALEN],
		     const uint8_t src[ETH_ALEN], uint16_t queue, uint16_t flow, uint64_t seq);

/*
 * Check a received frame and fill @tag (may be NULL).  0, -EPROTO when it is
 * not a test frame (headers, lengths, magic), -EBADMSG on a checksum
 * mismatch.  It runs per frame, so it records no error message.
 */
int bump_frame_check(const void *frame, uint16_t len, struct bump_frame_tag *tag);

/* The payload checksum (32 bits, Fletcher-style over 32-bit words). */
uint32_t bump_frame_csum(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_FRAME_H */
