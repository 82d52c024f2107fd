/* SPDX-License-Identifier: MIT */
/*
 * uring_port.c - the io_uring driver's ops: open, queue setup, start/stop,
 * link, stats, and its registration with lib/port.
 *
 * One port is one socket (AF_PACKET bound to an interface, or UDP) with an
 * io_uring per direction.  The socket, the rings and the buffer ring are
 * created at start and closed at stop, after which every buffer the kernel
 * held is back in its pool: the driver keeps none across a stop.  The
 * buffer ring is first filled by the first rx_burst, on the pool's owner.
 */
#include "uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct uring_port *uring_of(struct bump_port *port)
{
	return bump_port_priv(port);
}

static int uring_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);
	struct uring_port *up;
	int ret;

	ret = posix_memalign((void **)&up, BUMP_CACHE_LINE, sizeof(*up));
	if (ret)
		return bump_error(ret, "uring: out of memory for the port");
	memset(up, 0, sizeof(*up));
	ret = uring_args_parse(args, &up->args);
	if (ret == 0)
		ret = uring_netdev_info(&up->args, info->mac, &info->mtu);
	if (ret) {
		free(up);
		return ret;
	}
	up->port = port;
	up->rxq.port = up->txq.port = up;
	up->fd = up->rxq.fd = up->txq.fd = -1;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	info->max_rx_pktlen = 4096 - BUMP_PORT_HEADROOM_DEFAULT;  /* refined by the RX pool */
	bump_port_set_priv(port, up);
	return 0;
}

static uint32_t uring_ring_size(const struct uring_port *up, uint16_t asked)
{
	return up->args.ring_size ? up->args.ring_size : asked ? asked : URING_RING_DEFAULT;
}

static int uring_check_ring(const struct uring_port *up, uint32_t n)
{
	if (n & (n - 1) || n > BUMP_URING_BUFRING_MAX)
		return bump_error(EINVAL, "uring: %s: ring size %u: use a power of two up to %u",
				  up->args.name, n, BUMP_URING_BUFRING_MAX);
	return 0;
}

static int uring_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct uring_port *up = uring_of(port);
	struct uring_rxq *q = &up->rxq;
	uint32_t ring = uring_ring_size(up, conf->ring_size);
	uint16_t headroom = conf->headroom;
	size_t buf = bump_pool_buf_size(conf->pool);
	int ret;

	if (qid != 0)
		return bump_error(EINVAL, "uring: %s has one RX queue per port: use RX queue 0",
				  up->args.name);
	ret = uring_check_ring(up, ring);
	if (ret)
		return ret;
	if (headroom >= buf)
		return bump_error(EINVAL, "uring: %s: headroom %u leaves no room in buffers of "
				  "%zu bytes", up->args.name, headroom, buf);
	q->pool = conf->pool;
	q->ring_size = ring;
	q->headroom = headroom;
	q->port_id = bump_port_info_mut(port)->id;
	q->configured = true;
	bump_port_info_mut(port)->max_rx_pktlen = (uint32_t)BUMP_MIN(buf - headroom, 65535u);
	bump_port_set_queue(port, true, 0, q);
	return 0;
}

static int uring_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct uring_port *up = uring_of(port);
	struct uring_txq *q = &up->txq;
	uint32_t ring = uring_ring_size(up, conf ? conf->ring_size : 0);
	int ret;

	if (qid != 0)
		return bump_error(EINVAL, "uring: %s has one TX queue per port: use TX queue 0",
				  up->args.name);
	if (up->args.mode == URING_MODE_UDP && !up->args.has_peer)
		return bump_error(EINVAL, "uring: %s: a UDP port sends to one peer: add "
				  "peer=<addr:port> to its devargs, or set up no TX queue",
				  up->args.name);
	ret = uring_check_ring(up, ring);
	if (ret)
		return ret;
	/* The SQ has at most 32768 entries (IORING_MAX_ENTRIES). */
	q->ring_size = ring;
	q->configured = true;
	bump_port_set_queue(port, false, 0, q);
	return 0;
}

static void uring_close_all(struct uring_port *up)
{
	if (up->rxq.ring_up)
		uring_rx_close(&up->rxq);
	if (up->txq.ring_up)
		uring_tx_close(&up->txq);
	if (up->fd >= 0) {
		up->drops_acc += uring_socket_drops(up->fd);
		if (close(up->fd) < 0)
			bump_log(BUMP_LOG_WARN, "uring: %s: close: %m", up->args.name);
	}
	up->fd = up->rxq.fd = up->txq.fd = -1;
}

static int uring_start(struct bump_port *port)
{
	struct uring_port *up = uring_of(port);
	int ret;

	ret = uring_socket_open(&up->args, &up->fd);
	if (ret == 0 && up->rxq.configured)
		ret = uring_rx_open(&up->rxq, up->fd);
	if (ret == 0 && up->txq.configured)
		ret = uring_tx_open(&up->txq, up->fd);
	if (ret) {
		uring_close_all(up);
		return ret;
	}
	up->started = true;
	return 0;
}

static int uring_stop(struct bump_port *port)
{
	struct uring_port *up = uring_of(port);

	uring_close_all(up);
	up->started = false;
	return 0;
}

static void uring_close(struct bump_port *port)
{
	struct uring_port *up = uring_of(port);

	if (!up)
		return;
	uring_close_all(up);
	free(up);
	bump_port_set_priv(port, NULL);
}

static int uring_link_get(struct bump_port *port, struct bump_port_link *link)
{
	return uring_netdev_link(&uring_of(port)->args, link);
}

static void uring_counters(struct uring_port *up, struct bump_uring_port_counters *c)
{
	const struct uring_rxq *rq = &up->rxq;
	const struct uring_txq *tq = &up->txq;
	struct bump_uring_bufring_stats st = { 0 };

	/* The buffer ring exists while started; its counters since start add to those before. */
	if (rq->br)
		bump_uring_bufring_get_stats(rq->br, &st);
	memset(c, 0, sizeof(*c));
	c->rx_too_long = URING_STAT_GET(rq->too_long);
	c->rx_enobufs = URING_STAT_GET(rq->enobufs);
	c->rx_rearms = URING_STAT_GET(rq->rearms);
	c->rx_errors = URING_STAT_GET(rq->errors);
	c->rx_nombuf = up->nombuf_acc + st.nombuf;
	c->rx_posted = st.posted;
	c->rx_drops = up->drops_acc + uring_socket_drops(up->fd);
	c->rx_packets = URING_STAT_GET(rq->packets);
	c->rx_bytes = URING_STAT_GET(rq->bytes);
	c->tx_packets = URING_STAT_GET(tq->packets);
	c->tx_bytes = URING_STAT_GET(tq->bytes);
	c->tx_errors = URING_STAT_GET(tq->errors);
	c->tx_inflight = atomic_load_explicit(&tq->nb_inflight, memory_order_relaxed);
}

static int uring_stats_get(struct bump_port *port, struct bump_port_stats *stats)
{
	struct bump_uring_port_counters c;
	struct bump_queue_stats *q = &stats->q[0];

	uring_counters(uring_of(port), &c);
	q->ipackets = c.rx_packets;
	q->ibytes = c.rx_bytes;
	q->imissed = c.rx_drops;
	q->rx_nombuf = c.rx_nombuf;
	q->ierrors = c.rx_too_long + c.rx_errors;
	q->opackets = c.tx_packets;
	q->obytes = c.tx_bytes;
	q->oerrors = c.tx_errors;
	return 0;
}

int bump_uring_port_counters_get(struct bump_port *port, struct bump_uring_port_counters *c)
{
	struct bump_port_info pi;
	int ret = bump_port_info_get(port, &pi);

	if (ret)
		return ret;
	if (strcmp(pi.driver, "uring") != 0)
		return bump_error(EINVAL, "bump_uring_port_counters_get: port %u is a '%s' port, "
				  "not uring", pi.id, pi.driver);
	uring_counters(uring_of(port), c);
	return 0;
}

static const struct bump_port_driver uring_driver = {
	.name = "uring",
	.open = uring_open,
	.rxq_setup = uring_rxq_setup,
	.txq_setup = uring_txq_setup,
	.start = uring_start,
	.stop = uring_stop,
	.close = uring_close,
	.link_get = uring_link_get,
	.stats_get = uring_stats_get,
	.rx_burst = uring_rx_burst,
	.tx_burst = uring_tx_burst,
};

__attribute__((constructor)) static void uring_register(void)
{
	if (bump_port_driver_register(&uring_driver))
		bump_log(BUMP_LOG_ERR, "uring: driver registration failed: %s", bump_last_error());
}
