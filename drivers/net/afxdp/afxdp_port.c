/* SPDX-License-Identifier: MIT */
/*
 * afxdp_port.c - the AF_XDP driver's ops: open, queue setup, start/stop,
 * link, stats, and its registration with lib/port.
 *
 * One port is one AF_XDP socket on one interface queue: RX queue 0 and TX
 * queue 0 of the port.  The socket is created at start, when both queues
 * are known (the UMEM is RX queue 0's arena), and closed at stop, after
 * which every frame the kernel held goes back to its pool: the driver keeps
 * no buffer across a stop.  The fill ring is first filled by the first
 * rx_burst, on the pool's owner thread, since start runs on the control
 * thread and only the owner may allocate.
 */
#include "afxdp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AFXDP_DRAIN_NS (200ull * 1000 * 1000)

static struct afxdp_port *afxdp_of(struct bump_port *port)
{
	return bump_port_priv(port);
}

static int afxdp_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);
	struct afxdp_port *ap;
	int ret;

	ret = posix_memalign((void **)&ap, BUMP_CACHE_LINE, sizeof(*ap));
	if (ret)
		return bump_error(ret, "afxdp: out of memory for the port");
	memset(ap, 0, sizeof(*ap));
	ret = afxdp_args_parse(args, &ap->args);
	if (ret == 0)
		ret = afxdp_netdev_info(&ap->args, info->mac, &info->mtu);
	if (ret) {
		free(ap);
		return ret;
	}
	ap->port = port;
	ap->rxq.port = ap->txq.port = ap;
	ap->rxq.fd = ap->txq.fd = -1;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	/* A 4 KiB frame minus the headroom the kernel keeps; refined at start. */
	info->max_rx_pktlen = 4096 - XDP_PACKET_HEADROOM;
	bump_port_set_priv(port, ap);
	return 0;
}

static int afxdp_ring_size(uint16_t asked, const char *what, uint32_t *out)
{
	uint32_t n = asked ? asked : AFXDP_RING_DEFAULT;

	if (n & (n - 1) || n < 64 || n > AFXDP_RING_MAX)
		return bump_error(EINVAL, "afxdp: %s ring size %u: AF_XDP rings are a power of two "
				  "from 64 to %u", what, n, AFXDP_RING_MAX);
	*out = n;
	return 0;
}

static int afxdp_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct afxdp_port *ap = afxdp_of(port);
	struct afxdp_rxq *q = &ap->rxq;
	struct afxdp_umem_map map;
	uint32_t ring = 0;
	int ret;

	if (qid != 0)
		return bump_error(EINVAL, "afxdp: %s has one RX queue per port (queue=%u in the "
				  "devargs picks the interface queue): use RX queue 0",
				  ap->args.ifname, ap->args.queue);
	if (ap->started)
		return bump_error(EBUSY, "afxdp: %s: stop the port before setting up queues",
				  ap->args.ifname);
	if (!conf || !conf->pool)
		return bump_error(EINVAL, "afxdp: %s: an RX queue needs a pool", ap->args.ifname);
	ret = afxdp_ring_size(conf->ring_size, "RX", &ring);
	if (ret == 0)
		ret = afxdp_umem_map_init(&map, conf->pool);
	if (ret)
		return ret;
	free(q->posted);
	q->posted = calloc(map.nframes, sizeof(*q->posted));
	if (!q->posted)
		return bump_error(ENOMEM, "afxdp: out of memory for %u frame flags", map.nframes);
	q->map = map;
	AFXDP_STAT_SET(q->nb_posted, 0);
	q->pool = conf->pool;
	q->ring_size = ring;
	q->headroom = conf->headroom;
	q->port_id = bump_port_info_mut(port)->id;
	q->configured = true;
	bump_port_set_queue(port, true, 0, q);
	return 0;
}

static int afxdp_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct afxdp_port *ap = afxdp_of(port);
	struct afxdp_txq *q = &ap->txq;
	int ret;

	if (qid != 0)
		return bump_error(EINVAL, "afxdp: %s has one TX queue per port: use TX queue 0",
				  ap->args.ifname);
	if (ap->started)
		return bump_error(EBUSY, "afxdp: %s: stop the port before setting up queues",
				  ap->args.ifname);
	ret = afxdp_ring_size(conf ? conf->ring_size : 0, "TX", &q->ring_size);
	if (ret)
		return ret;
	q->configured = true;
	bump_port_set_queue(port, false, 0, q);
	return 0;
}

static void afxdp_release_frames(struct afxdp_port *ap)
{
	unsigned rx = afxdp_rx_release_posted(&ap->rxq);
	unsigned tx = afxdp_tx_release_held(&ap->txq);

	bump_log(BUMP_LOG_DEBUG, "afxdp: %s: stop returned %u posted RX frames and %u unsent "
		 "TX buffers to their pools", ap->args.ifname, rx, tx);
	free(ap->txq.held);
	ap->txq.held = NULL;
}

static int afxdp_start(struct bump_port *port)
{
	struct afxdp_port *ap = afxdp_of(port);
	struct afxdp_txq *txq = &ap->txq;
	int ret;

	if (ap->started)
		return 0;
	if (!ap->rxq.configured)
		return bump_error(EINVAL, "afxdp: %s: set up RX queue 0 before start: its pool's "
				  "arena becomes the UMEM", ap->args.ifname);
	txq->map = ap->rxq.map;
	ap->rxq.refill_skip = ap->rxq.refill_backoff = 0;
	if (txq->configured) {
		txq->held = calloc(txq->map.nframes, sizeof(*txq->held));
		if (!txq->held)
			return bump_error(ENOMEM, "afxdp: out of memory for %u frame counters",
					  txq->map.nframes);
		AFXDP_STAT_SET(txq->nb_held, 0);
		ret = afxdp_tx_bounce_create(txq);
		if (ret) {
			free(txq->held);
			txq->held = NULL;
			return ret;
		}
	}
	ret = afxdp_xsk_open(ap);
	if (ret) {
		afxdp_tx_bounce_destroy(txq);
		free(txq->held);
		txq->held = NULL;
		return ret;
	}
	bump_port_info_mut(port)->max_rx_pktlen =
		(1u << ap->rxq.map.frame_shift) - XDP_PACKET_HEADROOM -
		(ap->rxq.headroom > XDP_PACKET_HEADROOM ? ap->rxq.headroom - XDP_PACKET_HEADROOM : 0);
	ap->started = true;
	return 0;
}

/* Fold the socket's kernel counters into the totals before the socket goes. */
static void afxdp_accumulate_xdp(struct afxdp_port *ap)
{
	struct xdp_statistics st;

	if (afxdp_xsk_stats(ap, &st))
		return;
	ap->xdp_acc.rx_dropped += st.rx_dropped;
	ap->xdp_acc.rx_invalid_descs += st.rx_invalid_descs;
	ap->xdp_acc.tx_invalid_descs += st.tx_invalid_descs;
	ap->xdp_acc.rx_ring_full += st.rx_ring_full;
	ap->xdp_acc.rx_fill_ring_empty_descs += st.rx_fill_ring_empty_descs;
	ap->xdp_acc.tx_ring_empty_descs += st.tx_ring_empty_descs;
}

static int afxdp_stop(struct bump_port *port)
{
	struct afxdp_port *ap = afxdp_of(port);

	if (!ap->started)
		return 0;
	/* What was sent goes out before the socket closes; the rest is returned unsent. */
	if (ap->txq.configured)
		afxdp_tx_drain(&ap->txq, AFXDP_DRAIN_NS);
	afxdp_accumulate_xdp(ap);
	afxdp_xsk_close(ap);
	afxdp_release_frames(ap);
	afxdp_tx_bounce_destroy(&ap->txq);
	ap->started = false;
	return 0;
}

static void afxdp_close(struct bump_port *port)
{
	struct afxdp_port *ap = afxdp_of(port);

	if (!ap)
		return;
	afxdp_stop(port);
	free(ap->rxq.posted);
	free(ap);
	bump_port_set_priv(port, NULL);
}

static int afxdp_link_get(struct bump_port *port, struct bump_port_link *link)
{
	return afxdp_netdev_link(&afxdp_of(port)->args, link);
}

/* Every counter since open: the driver's, plus the kernel's of this and earlier sockets. */
static void afxdp_counters_raw(const struct afxdp_port *ap, struct bump_afxdp_counters *c)
{
	const struct afxdp_rx_stats *rs = &ap->rxq.st;
	const struct afxdp_tx_stats *ts = &ap->txq.st;
	const struct xdp_statistics *acc = &ap->xdp_acc;
	struct xdp_statistics st;

	if (afxdp_xsk_stats(ap, &st))
		memset(&st, 0, sizeof(st));
	c->rx_packets = AFXDP_STAT_GET(rs->packets);
	c->rx_bytes = AFXDP_STAT_GET(rs->bytes);
	c->tx_packets = AFXDP_STAT_GET(ts->packets);
	c->tx_bytes = AFXDP_STAT_GET(ts->bytes);
	c->rx_too_long = AFXDP_STAT_GET(rs->too_long);
	c->rx_bad_desc = AFXDP_STAT_GET(rs->bad_desc);
	c->rx_nombuf = AFXDP_STAT_GET(rs->nombuf);
	c->rx_wakeups = AFXDP_STAT_GET(rs->wakeups);
	c->tx_too_long = AFXDP_STAT_GET(ts->too_long);
	c->tx_copied = AFXDP_STAT_GET(ts->copied);
	c->tx_errors = AFXDP_STAT_GET(ts->errors);
	c->tx_kicks = AFXDP_STAT_GET(ts->kicks);
	c->tx_kick_errors = AFXDP_STAT_GET(ts->kick_errors);
	c->tx_put_errors = AFXDP_STAT_GET(ts->put_errors);
	c->xdp_rx_dropped = acc->rx_dropped + st.rx_dropped;
	c->xdp_rx_invalid_descs = acc->rx_invalid_descs + st.rx_invalid_descs;
	c->xdp_tx_invalid_descs = acc->tx_invalid_descs + st.tx_invalid_descs;
	c->xdp_rx_ring_full = acc->rx_ring_full + st.rx_ring_full;
	c->xdp_rx_fill_ring_empty_descs = acc->rx_fill_ring_empty_descs + st.rx_fill_ring_empty_descs;
	c->xdp_tx_ring_empty_descs = acc->tx_ring_empty_descs + st.tx_ring_empty_descs;
}

static void afxdp_info_fill(struct afxdp_port *ap, struct bump_afxdp_info *in)
{
	memset(in, 0, sizeof(*in));
	afxdp_counters_raw(ap, &in->c);
#define AFXDP_SINCE_RESET(f) in->c.f -= ap->base.f;
	AFXDP_COUNTERS(AFXDP_SINCE_RESET)
#undef AFXDP_SINCE_RESET
	snprintf(in->ifname, sizeof(in->ifname), "%s", ap->args.ifname);
	in->queue = ap->args.queue;
	in->native = ap->args.mode == AFXDP_MODE_NATIVE;
	in->zero_copy = ap->zero_copy;
	in->need_wakeup = ap->rxq.need_wakeup;
	in->frame_size = ap->rxq.configured ? 1u << ap->rxq.map.frame_shift : 0;
	in->rx_posted = AFXDP_STAT_GET(ap->rxq.nb_posted);
	in->tx_outstanding = AFXDP_STAT_GET(ap->txq.nb_held);
}

static int afxdp_stats_get(struct bump_port *port, struct bump_port_stats *stats)
{
	struct afxdp_port *ap = afxdp_of(port);
	struct bump_queue_stats *q = &stats->q[0];
	struct bump_afxdp_info in;
	uint64_t too_long;

	/* lib/port zeroed @stats and sums q[] into total: fill queue 0 only. */
	afxdp_info_fill(ap, &in);
	q->ipackets = in.c.rx_packets;
	q->ibytes = in.c.rx_bytes;
	/*
	 * The kernel's rx_dropped counts both frames too long for a frame and
	 * frames that found the fill ring empty; the latter are misses.
	 */
	too_long = in.c.xdp_rx_dropped > in.c.xdp_rx_fill_ring_empty_descs ?
		   in.c.xdp_rx_dropped - in.c.xdp_rx_fill_ring_empty_descs : 0;
	q->imissed = in.c.xdp_rx_ring_full + in.c.xdp_rx_fill_ring_empty_descs;
	q->rx_nombuf = in.c.rx_nombuf;
	q->ierrors = too_long + in.c.xdp_rx_invalid_descs + in.c.rx_too_long + in.c.rx_bad_desc;
	q->opackets = in.c.tx_packets;
	q->obytes = in.c.tx_bytes;
	q->oerrors = in.c.tx_errors + in.c.xdp_tx_invalid_descs;
	return 0;
}

static int afxdp_stats_reset(struct bump_port *port)
{
	struct afxdp_port *ap = afxdp_of(port);

	/* The datapath keeps counting; a reset only moves the baseline, so it never races. */
	afxdp_counters_raw(ap, &ap->base);
	return 0;
}

int bump_afxdp_info_get(struct bump_port *port, struct bump_afxdp_info *info)
{
	struct bump_port_info pi;
	int ret = bump_port_info_get(port, &pi);

	if (ret)
		return ret;
	if (strcmp(pi.driver, "afxdp") != 0)
		return bump_error(EINVAL, "bump_afxdp_info_get: port %u is a '%s' port, not afxdp",
				  pi.id, pi.driver);
	afxdp_info_fill(afxdp_of(port), info);
	return 0;
}

uint64_t bump_afxdp_copy_fallbacks(void)
{
	return afxdp_copy_fallbacks();
}

static const struct bump_port_driver afxdp_driver = {
	.name = "afxdp",
	.open = afxdp_open,
	.rxq_setup = afxdp_rxq_setup,
	.txq_setup = afxdp_txq_setup,
	.start = afxdp_start,
	.stop = afxdp_stop,
	.close = afxdp_close,
	.link_get = afxdp_link_get,
	.stats_get = afxdp_stats_get,
	.stats_reset = afxdp_stats_reset,
	.rx_burst = afxdp_rx_burst,
	.tx_burst = afxdp_tx_burst,
};

__attribute__((constructor)) static void afxdp_register(void)
{
	if (bump_port_driver_register(&afxdp_driver))
		bump_log(BUMP_LOG_ERR, "afxdp: driver registration failed: %s", bump_last_error());
}
