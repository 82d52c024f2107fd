/* SPDX-License-Identifier: MIT */
/*
 * bump_frame.c - the test frame (bump_frame.h): what sim ports generate and
 * check, bump-fwd's txonly sends and the tests count.
 *
 * The checksum covers the UDP payload only (the tag and the fill after it),
 * so a forwarder may rewrite MAC or IP headers and the sink still checks
 * the bytes that must arrive unchanged.
 */
#include "bump_frame.h"

#include <errno.h>
#include <string.h>

#define FRAME_TAG_OFF BUMP_FRAME_HDR_LEN
#define FRAME_TAG_CSUM_OFF (FRAME_TAG_OFF + (int)offsetof(struct bump_frame_tag, csum))
#define FRAME_FILL_OFF BUMP_FRAME_MIN

static_assert(offsetof(struct bump_frame_tag, csum) + sizeof(uint32_t) ==
	      sizeof(struct bump_frame_tag),
	      "the checksum is the tag's last field: the covered bytes are two runs");
static_assert(offsetof(struct bump_frame_tag, csum) % 4 == 0,
	      "the first covered run is whole 32-bit words, so two runs sum like one");

struct frame_csum {
	uint64_t a, b, len;
};

/* Fletcher over 32-bit words: catches changed, swapped and shifted bytes alike. */
static void frame_csum_update(struct frame_csum *c, const uint8_t *p, size_t len)
{
	size_t i = 0;

	for (; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		c->a += w;
		c->b += c->a;
	}
	if (i < len) {
		uint32_t w = 0;

		memcpy(&w, p + i, len - i);
		c->a += w;
		c->b += c->a;
	}
	c->len += len;
}

static uint32_t frame_csum_final(const struct frame_csum *c)
{
	uint64_t a = c->a + c->len, b = c->b;

	return (uint32_t)(a ^ (a >> 32)) ^ (uint32_t)((b ^ (b >> 32)) * 0x9e3779b1u);
}

uint32_t bump_frame_csum(const void *data, size_t len)
{
	struct frame_csum c = { 0, 0, 0 };

	frame_csum_update(&c, data, len);
	return frame_csum_final(&c);
}

/* The payload checksum of a frame of @len bytes, its csum field excluded. */
static uint32_t frame_payload_csum(const uint8_t *frame, size_t len)
{
	struct frame_csum c = { 0, 0, 0 };

	frame_csum_update(&c, frame + FRAME_TAG_OFF, FRAME_TAG_CSUM_OFF - FRAME_TAG_OFF);
	frame_csum_update(&c, frame + FRAME_FILL_OFF, len - FRAME_FILL_OFF);
	return frame_csum_final(&c);
}

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum of an IPv4 header (0 over a header with a valid one). */
static uint16_t frame_ip_csum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < BUMP_FRAME_IP_LEN; i += 2)
		sum += get16be(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int bump_frame_build(void *buf, uint16_t size, const uint8_t dst[6], const uint8_t src[6],
			 uint16_t queue, uint16_t flow, uint64_t seq)
{
	uint8_t *p = buf, *ip = p + ETH_HLEN, *udp = ip + BUMP_FRAME_IP_LEN;
	struct bump_frame_tag tag = { .magic = BUMP_FRAME_MAGIC, .queue = queue, .flow = flow,
				    .seq = seq, .csum = 0 };
	uint64_t w = seq * 0x9e3779b97f4a7c15ull;
	size_t i;

	if (size < BUMP_FRAME_MIN || size > BUMP_FRAME_MAX)
		return -EINVAL;
	memcpy(p, dst, ETH_ALEN);
	memcpy(p + ETH_ALEN, src, ETH_ALEN);
	put16be(p + 2 * ETH_ALEN, ETH_P_IP);

	memset(ip, 0, BUMP_FRAME_IP_LEN);
	ip[0] = 0x45;
	put16be(ip + 2, (uint16_t)(size - ETH_HLEN));
	put16be(ip + 4, (uint16_t)seq);
	put16be(ip + 6, 0x4000);  /* don't fragment */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	ip[12] = 198;             /* 198.18.0.0/15: the benchmarking range (RFC 2544) */
	ip[13] = 18;
	ip[14] = (uint8_t)(flow >> 8);
	ip[15] = (uint8_t)flow;
	ip[16] = 198;
	ip[17] = 19;
	ip[19] = 1;
	put16be(ip + 10, frame_ip_csum(ip));

	put16be(udp, (uint16_t)(1024 + flow % 64512));
	put16be(udp + 2, BUMP_FRAME_UDP_PORT);
	put16be(udp + 4, (uint16_t)(size - ETH_HLEN - BUMP_FRAME_IP_LEN));
	put16be(udp + 6, 0);      /* no UDP checksum: optional over IPv4; the tag has ours */

	/* A pattern that differs per frame and per word, so misplaced bytes show. */
	for (i = FRAME_FILL_OFF; i + 8 <= size; i += 8, w += 0x2545f4914f6cdd1dull)
		memcpy(p + i, &w, 8);
	if (i < size)
		memcpy(p + i, &w, size - i);
	memcpy(p + FRAME_TAG_OFF, &tag, sizeof(tag));
	tag.csum = frame_payload_csum(p, size);
	memcpy(p + FRAME_TAG_CSUM_OFF, &tag.csum, sizeof(tag.csum));
	return 0;
}

int bump_frame_check(const void *frame, uint16_t len, struct bump_frame_tag *out)
{
	const uint8_t *p = frame, *ip = p + ETH_HLEN, *udp = ip + BUMP_FRAME_IP_LEN;
	struct bump_frame_tag tag;
	uint16_t ip_len;

	if (len < BUMP_FRAME_MIN || get16be(p + 2 * ETH_ALEN) != ETH_P_IP || ip[0] != 0x45 ||
	    ip[9] != IPPROTO_UDP)
		return -EPROTO;
	ip_len = get16be(ip + 2);
	/* The IP length bounds the payload: anything after it is Ethernet padding. */
	if (ip_len < BUMP_FRAME_MIN - ETH_HLEN || ip_len > len - ETH_HLEN ||
	    get16be(udp + 4) != ip_len - BUMP_FRAME_IP_LEN || get16be(udp + 2) != BUMP_FRAME_UDP_PORT ||
	    frame_ip_csum(ip) != 0)
		return -EPROTO;
	memcpy(&tag, p + FRAME_TAG_OFF, sizeof(tag));
	if (tag.magic != BUMP_FRAME_MAGIC)
		return -EPROTO;
	if (out)
		*out = tag;
	if (frame_payload_csum(p, (size_t)ip_len + ETH_HLEN) != tag.csum)
		return -EBADMSG;
	return 0;
}
