/* SPDX-License-Identifier: MIT */
/*
 * sim_frame.c - the frames sim ports generate and check: Ethernet + IPv4 +
 * UDP, then a tag with a per-queue sequence number and a payload checksum.
 *
 * The checksum covers the UDP payload only (the tag and the fill after it),
 * so a forwarder may rewrite MAC or IP headers and the sink still checks
 * the bytes that must arrive unchanged.
 */
#include "bump_sim.h"

#include <errno.h>
#include <string.h>

#define SIM_ETH_LEN 14
#define SIM_IP_LEN 20
#define SIM_UDP_LEN 8
#define SIM_TAG_OFF BUMP_SIM_HDR_LEN
#define SIM_TAG_CSUM_OFF (SIM_TAG_OFF + (int)offsetof(struct bump_sim_tag, csum))
#define SIM_FILL_OFF BUMP_SIM_FRAME_MIN

static_assert(SIM_ETH_LEN + SIM_IP_LEN + SIM_UDP_LEN == BUMP_SIM_HDR_LEN, "header lengths");
static_assert(offsetof(struct bump_sim_tag, csum) + sizeof(uint32_t) == sizeof(struct bump_sim_tag),
	      "the checksum is the tag's last field: the covered bytes are two runs");
static_assert(offsetof(struct bump_sim_tag, csum) % 4 == 0,
	      "the first covered run is whole 32-bit words, so two runs sum like one");

struct sim_csum {
	uint64_t a, b, len;
};

/* Fletcher over 32-bit words: catches changed, swapped and shifted bytes alike. */
static void sim_csum_update(struct sim_csum *c, const uint8_t *p, size_t len)
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

static uint32_t sim_csum_final(const struct sim_csum *c)
{
	uint64_t a = c->a + c->len, b = c->b;

	return (uint32_t)(a ^ (a >> 32)) ^ (uint32_t)((b ^ (b >> 32)) * 0x9e3779b1u);
}

uint32_t bump_sim_csum(const void *data, size_t len)
{
	struct sim_csum c = { 0, 0, 0 };

	sim_csum_update(&c, data, len);
	return sim_csum_final(&c);
}

/* The payload checksum of a frame of @len bytes, its csum field excluded. */
static uint32_t sim_frame_csum(const uint8_t *frame, size_t len)
{
	struct sim_csum c = { 0, 0, 0 };

	sim_csum_update(&c, frame + SIM_TAG_OFF, SIM_TAG_CSUM_OFF - SIM_TAG_OFF);
	sim_csum_update(&c, frame + SIM_FILL_OFF, len - SIM_FILL_OFF);
	return sim_csum_final(&c);
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
static uint16_t sim_ip_csum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < SIM_IP_LEN; i += 2)
		sum += get16be(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int bump_sim_frame_build(void *buf, uint16_t size, const uint8_t dst[6], const uint8_t src[6],
			 uint16_t queue, uint16_t flow, uint64_t seq)
{
	uint8_t *p = buf, *ip = p + SIM_ETH_LEN, *udp = ip + SIM_IP_LEN;
	struct bump_sim_tag tag = { .magic = BUMP_SIM_MAGIC, .queue = queue, .flow = flow,
				    .seq = seq, .csum = 0 };
	uint64_t w = seq * 0x9e3779b97f4a7c15ull;
	size_t i;

	if (size < BUMP_SIM_FRAME_MIN || size > BUMP_SIM_FRAME_MAX)
		return -EINVAL;
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16be(p + 12, 0x0800);

	memset(ip, 0, SIM_IP_LEN);
	ip[0] = 0x45;
	put16be(ip + 2, (uint16_t)(size - SIM_ETH_LEN));
	put16be(ip + 4, (uint16_t)seq);
	put16be(ip + 6, 0x4000);  /* don't fragment */
	ip[8] = 64;
	ip[9] = 17;               /* UDP */
	ip[12] = 198;             /* 198.18.0.0/15: the benchmarking range (RFC 2544) */
	ip[13] = 18;
	ip[14] = (uint8_t)(flow >> 8);
	ip[15] = (uint8_t)flow;
	ip[16] = 198;
	ip[17] = 19;
	ip[19] = 1;
	put16be(ip + 10, sim_ip_csum(ip));

	put16be(udp, (uint16_t)(1024 + flow % 64512));
	put16be(udp + 2, BUMP_SIM_UDP_PORT);
	put16be(udp + 4, (uint16_t)(size - SIM_ETH_LEN - SIM_IP_LEN));
	put16be(udp + 6, 0);      /* no UDP checksum: optional over IPv4; the tag has ours */

	/* A pattern that differs per frame and per word, so misplaced bytes show. */
	for (i = SIM_FILL_OFF; i + 8 <= size; i += 8, w += 0x2545f4914f6cdd1dull)
		memcpy(p + i, &w, 8);
	if (i < size)
		memcpy(p + i, &w, size - i);
	memcpy(p + SIM_TAG_OFF, &tag, sizeof(tag));
	tag.csum = sim_frame_csum(p, size);
	memcpy(p + SIM_TAG_CSUM_OFF, &tag.csum, sizeof(tag.csum));
	return 0;
}

int bump_sim_frame_check(const void *frame, uint16_t len, struct bump_sim_tag *out)
{
	const uint8_t *p = frame, *ip = p + SIM_ETH_LEN, *udp = ip + SIM_IP_LEN;
	struct bump_sim_tag tag;
	uint16_t ip_len;

	if (len < BUMP_SIM_FRAME_MIN || get16be(p + 12) != 0x0800 || ip[0] != 0x45 || ip[9] != 17)
		return -EPROTO;
	ip_len = get16be(ip + 2);
	/* The IP length bounds the payload: anything after it is Ethernet padding. */
	if (ip_len < BUMP_SIM_FRAME_MIN - SIM_ETH_LEN || ip_len > len - SIM_ETH_LEN ||
	    get16be(udp + 4) != ip_len - SIM_IP_LEN || get16be(udp + 2) != BUMP_SIM_UDP_PORT ||
	    sim_ip_csum(ip) != 0)
		return -EPROTO;
	memcpy(&tag, p + SIM_TAG_OFF, sizeof(tag));
	if (tag.magic != BUMP_SIM_MAGIC)
		return -EPROTO;
	if (out)
		*out = tag;
	if (sim_frame_csum(p, (size_t)ip_len + SIM_ETH_LEN) != tag.csum)
		return -EBADMSG;
	return 0;
}
