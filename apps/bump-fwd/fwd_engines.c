/* SPDX-License-Identifier: MIT */
/*
 * fwd_engines.c - the forwarding modes.  Each handles one burst of one
 * stream: receive on the stream's RX queue, touch the packets as the mode
 * says, send them on the peer port's TX queue, and free what TX refused
 * (those are the forwarder's drops).  A packet is never held across calls,
 * so stopping needs no drain.
 */
#include "fwd.h"

#include <stdio.h>
#include <string.h>

#include "bump_frame.h"

/* Packets TX refused still belong to us: free them into their pools. */
static inline void fwd_send(struct fwd_stream *fs, struct bump_pkt *pkts, uint16_t n)
{
	uint16_t sent = bump_port_tx_burst(fs->tx->port, fs->txq, pkts, n);

	if (bump_unlikely(sent < n)) {
		bump_pkt_free_bulk(pkts + sent, n - sent);
		FWD_STAT_ADD(fs->cnt.tx_drop, n - sent);
	}
	FWD_STAT_ADD(fs->cnt.tx, sent);
}

static inline uint16_t fwd_recv(struct fwd_stream *fs, struct bump_pkt *pkts)
{
	uint16_t n = bump_port_rx_burst(fs->rx->port, fs->rxq, pkts, (uint16_t)fs->burst);

	if (n)
		FWD_STAT_ADD(fs->cnt.rx, n);
	return n;
}

static unsigned fwd_io_burst(struct fwd_stream *fs)
{
	struct bump_pkt pkts[FWD_BURST_MAX];
	uint16_t n = fwd_recv(fs, pkts);

	if (n)
		fwd_send(fs, pkts, n);
	return n;
}

/*
 * The engines that rewrite the Ethernet header: @edit (a constant, inlined
 * into each engine's loop) on every frame that has a whole one; shorter
 * frames go through untouched.  @dst and @src are the TX port's peer and
 * own addresses.
 */
typedef void (*fwd_eth_edit_fn)(uint8_t *eth, const uint8_t *dst, const uint8_t *src);

static inline __attribute__((always_inline)) unsigned fwd_eth_burst(struct fwd_stream *fs,
								    fwd_eth_edit_fn edit)
{
	struct bump_pkt pkts[FWD_BURST_MAX];
	uint16_t n = fwd_recv(fs, pkts);
	const uint8_t *dst = fs->tx->peer_mac, *src = fs->tx->info.mac;

	if (!n)
		return 0;
	for (uint16_t i = 0; i < n; i++)
		if (bump_likely(pkts[i].len >= ETH_HLEN))
			edit(bump_pkt_data(&pkts[i]), dst, src);
	fwd_send(fs, pkts, n);
	return n;
}

/* mac: the peer as destination, the TX port as source. */
static inline void fwd_mac_edit(uint8_t *eth, const uint8_t *dst, const uint8_t *src)
{
	memcpy(eth, dst, ETH_ALEN);
	memcpy(eth + ETH_ALEN, src, ETH_ALEN);
}

/* macswap: the frame's own two addresses, swapped. */
static inline void fwd_macswap_edit(uint8_t *eth, const uint8_t *dst, const uint8_t *src)
{
	uint8_t tmp[ETH_ALEN];

	(void)dst;
	(void)src;
	memcpy(tmp, eth, ETH_ALEN);
	memcpy(eth, eth + ETH_ALEN, ETH_ALEN);
	memcpy(eth + ETH_ALEN, tmp, ETH_ALEN);
}

static unsigned fwd_mac_burst(struct fwd_stream *fs)
{
	return fwd_eth_burst(fs, fwd_mac_edit);
}

static unsigned fwd_macswap_burst(struct fwd_stream *fs)
{
	return fwd_eth_burst(fs, fwd_macswap_edit);
}

static unsigned fwd_rxonly_burst(struct fwd_stream *fs)
{
	struct bump_pkt pkts[FWD_BURST_MAX];
	uint16_t n = fwd_recv(fs, pkts);

	if (n)
		bump_pkt_free_bulk(pkts, n);
	return n;
}

/* ---- txonly: frames allocated from the stream's pool ------------------- */

#define FWD_TX_FLOWS 16

/*
 * The frames are sim frames (Ethernet + IPv4 + UDP to the discard port, a
 * tag with a per-queue sequence number and a payload checksum), valid on
 * any wire, so a sim sink or gen port checks that every buffer arrived
 * intact and in order: an allocator handing out a buffer still in flight
 * shows up as a checksum or sequence error there.
 */
static unsigned fwd_txonly_burst(struct fwd_stream *fs)
{
	void *bufs[FWD_BURST_MAX];
	struct bump_pkt pkts[FWD_BURST_MAX];
	uint64_t *seq = &fs->tx->tx_seq[fs->txq];
	unsigned n = bump_pool_alloc_bulk(fs->pool, bufs, fs->burst);

	if (bump_unlikely(n < fs->burst))
		FWD_STAT_ADD(fs->cnt.nobuf, fs->burst - n);
	if (!n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = (*seq)++;

		bump_frame_build((uint8_t *)bufs[i] + FWD_HEADROOM, fs->txpkts,
				     fs->tx->peer_mac, fs->tx->info.mac, fs->txq,
				     (uint16_t)(s % FWD_TX_FLOWS), s);
		pkts[i] = (struct bump_pkt){
			.ref = bump_pool_ref(fs->pool, bufs[i]),
			.off = FWD_HEADROOM,
			.len = fs->txpkts,
			.port = fs->rx->info.id,
		};
	}
	fwd_send(fs, pkts, (uint16_t)n);
	return n;
}

void fwd_engine_tx_first(struct fwd_stream *fs)
{
	fwd_txonly_burst(fs);
}

/* ---- The table ---------------------------------------------------------- */

static const struct fwd_engine fwd_engine_io = {
	"io", "forward packets untouched", true, true, fwd_io_burst,
};
static const struct fwd_engine fwd_engine_mac = {
	"mac", "set source MAC = own port, destination = --eth-peer", true, true, fwd_mac_burst,
};
static const struct fwd_engine fwd_engine_macswap = {
	"macswap", "swap source and destination MACs", true, true, fwd_macswap_burst,
};
static const struct fwd_engine fwd_engine_rxonly = {
	"rxonly", "receive and free", true, false, fwd_rxonly_burst,
};
static const struct fwd_engine fwd_engine_txonly = {
	"txonly", "send --txpkts-byte self-checking frames from the pool (no RX)", false, true,
	fwd_txonly_burst,
};

const struct fwd_engine *const fwd_engines[] = {
	&fwd_engine_io, &fwd_engine_mac, &fwd_engine_macswap, &fwd_engine_rxonly,
	&fwd_engine_txonly, NULL,
};

const struct fwd_engine *fwd_engine_find(const char *name)
{
	for (unsigned i = 0; fwd_engines[i]; i++)
		if (!strcmp(fwd_engines[i]->name, name))
			return fwd_engines[i];
	return NULL;
}

/* "io|mac|...": the table's names, for --help and errors (built once, on the main thread). */
const char *fwd_engine_names(void)
{
	static char names[128];
	size_t at = 0;

	if (names[0])
		return names;
	for (unsigned i = 0; fwd_engines[i] && at < sizeof(names); i++)
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? "|" : "",
				       fwd_engines[i]->name);
	return names;
}
