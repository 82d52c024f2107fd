/* SPDX-License-Identifier: MIT */
/*
 * bump_port_stats.c - port statistics: what the driver counts, plus the
 * handles lib/port itself refused (tx_invalid), less the snapshot of the
 * last reset.
 */
#include "bump_port_priv.h"

#include <errno.h>
#include <string.h>

static void port_queue_stats_add(struct bump_queue_stats *to, const struct bump_queue_stats *s,
				 int sign)
{
	/* Unsigned wrap-around makes sign -1 a subtraction. */
	uint64_t m = (uint64_t)(int64_t)sign;

	to->ipackets += m * s->ipackets;
	to->ibytes += m * s->ibytes;
	to->imissed += m * s->imissed;
	to->rx_nombuf += m * s->rx_nombuf;
	to->ierrors += m * s->ierrors;
	to->opackets += m * s->opackets;
	to->obytes += m * s->obytes;
	to->oerrors += m * s->oerrors;
	to->tx_invalid += m * s->tx_invalid;
}

/* What the driver counts since open: q[] filled, total = port-wide + sum of q[]. */
static int port_stats_raw(const struct bump_port *port, struct bump_port_stats *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	if (!port->drv->stats_get)
		return bump_error(ENOTSUP, "port %u (%s): driver '%s' keeps no statistics",
				  port->info.id, port->info.name, port->drv->name);
	ret = port->drv->stats_get((struct bump_port *)port, s);
	if (ret)
		return ret;
	for (unsigned q = 0; q < BUMP_PORT_QUEUE_MAX; q++) {
		uint64_t bad = atomic_load_explicit(&port->tx_invalid[q], memory_order_relaxed);

		s->q[q].tx_invalid = bad;
		s->q[q].oerrors += bad;
		port_queue_stats_add(&s->total, &s->q[q], 1);
	}
	return 0;
}

int bump_port_get_stats(const struct bump_port *port, struct bump_port_stats *stats)
{
	int ret;

	if (!port || !stats)
		return bump_error(EINVAL, "bump_port_get_stats: port and stats are required");
	ret = port_stats_raw(port, stats);
	if (ret)
		return ret;
	port_queue_stats_add(&stats->total, &port->base.total, -1);
	for (unsigned q = 0; q < BUMP_PORT_QUEUE_MAX; q++)
		port_queue_stats_add(&stats->q[q], &port->base.q[q], -1);
	return 0;
}

int bump_port_stats_reset(struct bump_port *port)
{
	struct bump_port_stats base;
	int ret;

	if (!port)
		return bump_error(EINVAL, "bump_port_stats_reset: port is NULL");
	if (port->drv->stats_reset) {
		ret = port->drv->stats_reset(port);
		if (ret)
			return ret;
		/* The driver zeroed its counters; lib/port's own are reset by snapshot. */
		memset(&base, 0, sizeof(base));
		for (unsigned q = 0; q < BUMP_PORT_QUEUE_MAX; q++) {
			uint64_t bad = atomic_load_explicit(&port->tx_invalid[q], memory_order_relaxed);

			base.q[q].tx_invalid = base.q[q].oerrors = bad;
			base.total.tx_invalid += bad;
			base.total.oerrors += bad;
		}
	} else {
		/*
		 * A snapshot, not a write to the counters: the polling threads own
		 * those, and a reset racing their increments would be lost.
		 */
		ret = port_stats_raw(port, &base);
		if (ret)
			return ret;
	}
	/* Under the table's lock: a statistics reader (bump_port_foreach) reads it. */
	pthread_mutex_lock(&__bump_port_lock);
	port->base = base;
	pthread_mutex_unlock(&__bump_port_lock);
	return 0;
}
