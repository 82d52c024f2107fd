/* SPDX-License-Identifier: MIT */
/*
 * bump_port.c - the port layer: the driver registry, the port table, and
 * the control-path dispatch with the state checks every driver relies on
 * (statistics: bump_port_stats.c).
 *
 * lib/port knows drivers only through struct bump_port_driver: it never
 * includes a driver header.  Drivers register from constructors, so a
 * program that links them (bump_drivers_dep, link_whole) has them all.
 *
 * Threading: open and close may run on any thread (the table has a lock).
 * The other control calls on one port are not concurrent with each other,
 * nor with bursts on that port (as with DPDK's ethdev).  Statistics readers
 * (bump_port_foreach) may run meanwhile: what they see changes under the
 * table's lock (listed, started, shown).
 */
#include "bump_port_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_DRIVER_MAX 16

pthread_mutex_t __bump_port_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct bump_port_driver *port_drivers[PORT_DRIVER_MAX];
static unsigned port_ndrivers;
static struct bump_port *port_table[BUMP_PORT_MAX];

/* ---- Driver registry ---------------------------------------------------- */

/* The ops every port needs (open aside: a bus's device drivers have none of their own). */
static bool port_ops_valid(const struct bump_port_driver *drv)
{
	return drv->rxq_setup && drv->txq_setup && drv->start && drv->stop && drv->close &&
	       drv->rx_burst && drv->tx_burst;
}

/* A bus (drivers/bus/vfio) has open alone: its open hands the port on (bump_port_set_ops). */
static bool port_driver_is_bus(const struct bump_port_driver *drv)
{
	return !drv->rxq_setup && !drv->txq_setup && !drv->start && !drv->stop && !drv->close &&
	       !drv->link_get && !drv->stats_get && !drv->stats_reset && !drv->rx_burst &&
	       !drv->tx_burst;
}

static bool port_driver_valid(const struct bump_port_driver *drv)
{
	return drv->name && drv->name[0] && strlen(drv->name) < sizeof(((struct bump_port_info *)0)->driver) &&
	       !strchr(drv->name, ':') && drv->open && (port_ops_valid(drv) || port_driver_is_bus(drv));
}

int bump_port_driver_register(const struct bump_port_driver *drv)
{
	int ret = 0;

	if (!drv || !port_driver_valid(drv))
		return bump_error(EINVAL, "bump_port_driver_register: a driver needs a name (1..15 "
				  "characters, no ':') and open, rxq_setup, txq_setup, start, stop, "
				  "close, rx_burst and tx_burst (a bus: open alone, which hands each "
				  "port on with bump_port_set_ops)");
	pthread_mutex_lock(&__bump_port_lock);
	for (unsigned i = 0; i < port_ndrivers; i++)
		if (!strcmp(port_drivers[i]->name, drv->name))
			ret = bump_error(EEXIST, "bump_port_driver_register: a driver named '%s' is "
					 "already registered; give the new one another name", drv->name);
	if (!ret && port_ndrivers == PORT_DRIVER_MAX)
		ret = bump_error(ENOSPC, "bump_port_driver_register('%s'): %d drivers are "
				 "registered already; raise PORT_DRIVER_MAX in lib/port",
				 drv->name, PORT_DRIVER_MAX);
	if (!ret)
		port_drivers[port_ndrivers++] = drv;
	pthread_mutex_unlock(&__bump_port_lock);
	return ret;
}

/* The registered driver names, comma separated (__bump_port_lock held). */
static void port_driver_names(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < port_ndrivers && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				       port_drivers[i]->name);
	if (!port_ndrivers)
		snprintf(buf, len, "none");
}

/* The driver named by @devargs' prefix (__bump_port_lock held). */
static const struct bump_port_driver *port_driver_find(const char *name, size_t len)
{
	for (unsigned i = 0; i < port_ndrivers; i++)
		if (strlen(port_drivers[i]->name) == len && !strncmp(port_drivers[i]->name, name, len))
			return port_drivers[i];
	return NULL;
}

/* ---- Bursts while stopped ----------------------------------------------- */

static uint16_t port_burst_stopped(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	(void)queue;
	(void)pkts;
	(void)n;
	return 0;
}

/* ---- TX handles that name no buffer ------------------------------------ */

uint16_t __bump_port_tx_burst_invalid(struct bump_port *port, uint16_t qid, struct bump_pkt *pkts,
				      uint16_t n)
{
	const struct __bump_port_fast *f = __bump_port_fast(port);
	struct bump_pkt bad[64];
	uint16_t good = 0, nbad = 0;

	/* Stable partition: sendable handles first, in order; refused ones after them. */
	for (uint16_t i = 0; i < n; i++) {
		if (!bump_pkt_check(&pkts[i])) {
			pkts[good++] = pkts[i];
			continue;
		}
		if (!atomic_exchange_explicit(&port->tx_invalid_warned, true, memory_order_relaxed))
			bump_log(BUMP_LOG_WARN, "port %u (%s) TX queue %u: packet handle (ref 0x%08x, "
				 "off %u, len %u) names no buffer a pool handed out, or its bytes "
				 "are not inside it: not sent, left to the caller; counted in "
				 "tx_invalid and oerrors (further ones only counted)", port->info.id,
				 port->info.name, qid, pkts[i].ref, pkts[i].off, pkts[i].len);
		if (nbad == BUMP_ARRAY_SIZE(bad))
			break;  /* more than fit aside: this one and the rest stay unsent, in place */
		bad[nbad++] = pkts[i];
	}
	memcpy(&pkts[good], bad, (size_t)nbad * sizeof(*bad));
	if (qid < BUMP_PORT_QUEUE_MAX)
		atomic_store_explicit(&port->tx_invalid[qid],
				      atomic_load_explicit(&port->tx_invalid[qid], memory_order_relaxed) +
					      nbad, memory_order_relaxed);
	return good ? f->tx_burst(f->txq[qid], pkts, good) : 0;
}

/* ---- Open and close ----------------------------------------------------- */

/* Hold @pool (NULL: none) for RX queue @qid, releasing the one held before. */
static void port_rx_pool_set(struct bump_port *port, unsigned qid, struct bump_pool *pool)
{
	if (pool)
		bump_pool_hold(pool);
	if (port->rx_pool[qid])
		bump_pool_unhold(port->rx_pool[qid]);
	port->rx_pool[qid] = pool;
}

int bump_port_open(const char *devargs, struct bump_port **out)
{
	const struct bump_port_driver *drv;
	const char *colon, *args;
	struct bump_port *port;
	char names[256];
	size_t nlen;
	int id = -1, ret;

	if (!devargs || !devargs[0] || !out)
		return bump_error(EINVAL, "bump_port_open: pass devargs such as \"sim:mode=loopback\" "
				  "and a place for the port");
	colon = strchr(devargs, ':');
	nlen = colon ? (size_t)(colon - devargs) : strlen(devargs);
	args = colon ? colon + 1 : "";

	pthread_mutex_lock(&__bump_port_lock);
	drv = port_driver_find(devargs, nlen);
	if (!drv) {
		port_driver_names(names, sizeof(names));
		pthread_mutex_unlock(&__bump_port_lock);
		return bump_error(ENOENT, "bump_port_open(\"%s\"): no driver named '%.*s'; "
				  "registered drivers: %s (devargs are \"<driver>:<args>\"; a driver "
				  "is present when the program links bump_drivers_dep and its "
				  "dependencies were found at configure time)",
				  devargs, (int)nlen, devargs, names);
	}
	for (int i = 0; i < BUMP_PORT_MAX; i++) {
		if (!port_table[i]) {
			id = i;
			break;
		}
	}
	if (id < 0) {
		pthread_mutex_unlock(&__bump_port_lock);
		return bump_error(ENOSPC, "bump_port_open(\"%s\"): all %d ports are open; close one "
				  "first", devargs, BUMP_PORT_MAX);
	}
	port = calloc(1, sizeof(*port));
	if (!port) {
		pthread_mutex_unlock(&__bump_port_lock);
		return bump_error(ENOMEM, "bump_port_open(\"%s\"): out of memory", devargs);
	}
	/* Reserve the id before the driver runs: it may look its port up by id. */
	port_table[id] = port;
	pthread_mutex_unlock(&__bump_port_lock);

	port->drv = drv;
	port->fast.rx_burst = port_burst_stopped;
	port->fast.tx_burst = port_burst_stopped;
	port->fast.check_handles = bump_checked_default();
	snprintf(port->info.driver, sizeof(port->info.driver), "%s", drv->name);
	snprintf(port->info.name, sizeof(port->info.name), "%s", devargs);
	port->info.id = (uint16_t)id;
	ret = drv->open(port, args);
	if (!ret && !port_ops_valid(port->drv)) {
		/* A bus whose open did not hand the port on: nothing to call, not even close. */
		ret = bump_error(EPROTO, "bump_port_open(\"%s\"): bus driver '%s' opened the port "
				 "without handing it to a device driver (bump_port_set_ops): fix the "
				 "bus", devargs, drv->name);
	} else if (!ret && (port->info.max_rx_queues > BUMP_PORT_QUEUE_MAX ||
		     port->info.max_tx_queues > BUMP_PORT_QUEUE_MAX)) {
		port->drv->close(port);  /* a bus's open may have handed the port on */
		ret = bump_error(EINVAL, "driver '%s' reports %u RX and %u TX queues; the port layer "
				 "handles at most %d: fix the driver", drv->name,
				 port->info.max_rx_queues, port->info.max_tx_queues,
				 BUMP_PORT_QUEUE_MAX);
	}
	if (ret) {
		pthread_mutex_lock(&__bump_port_lock);
		port_table[id] = NULL;
		pthread_mutex_unlock(&__bump_port_lock);
		free(port);
		return ret;
	}
	pthread_mutex_lock(&__bump_port_lock);
	bump_port_info_get(port, &port->shown);
	port->listed = true;
	pthread_mutex_unlock(&__bump_port_lock);
	*out = port;
	return 0;
}

int bump_port_close(struct bump_port *port)
{
	int ret = 0;

	if (!port)
		return bump_error(EINVAL, "bump_port_close: port is NULL");
	pthread_mutex_lock(&__bump_port_lock);
	port->listed = false;
	pthread_mutex_unlock(&__bump_port_lock);
	if (port->started)
		ret = bump_port_stop(port);
	port->drv->close(port);
	bump_put_flush();
	for (unsigned q = 0; q < BUMP_PORT_QUEUE_MAX; q++)
		port_rx_pool_set(port, q, NULL);
	pthread_mutex_lock(&__bump_port_lock);
	port_table[port->info.id] = NULL;
	pthread_mutex_unlock(&__bump_port_lock);
	free(port);
	return ret;
}

/* ---- Control path ------------------------------------------------------ */

int bump_port_info_get(const struct bump_port *port, struct bump_port_info *info)
{
	if (!port || !info)
		return bump_error(EINVAL, "bump_port_info_get: port and info are required");
	*info = port->info;
	info->nb_rx_queues = (uint16_t)__builtin_popcount(port->rxq_ready);
	info->nb_tx_queues = (uint16_t)__builtin_popcount(port->txq_ready);
	return 0;
}

/* The checks every queue setup shares; 0 when the driver may be called. */
static int port_queue_check(const struct bump_port *port, const char *dir, uint16_t qid,
			    uint16_t max, const void *conf)
{
	if (!port || !conf)
		return bump_error(EINVAL, "bump_port_%sq_setup: port and conf are required", dir);
	if (port->started)
		return bump_error(EBUSY, "port %u (%s): cannot set up %s queue %u while the port is "
				  "started; bump_port_stop() it first", port->info.id,
				  port->info.name, dir, qid);
	if (qid >= max)
		return bump_error(EINVAL, "port %u (%s): %s queue %u does not exist: the port has %u "
				  "%s queues (ids 0..%d); ask the driver for more in its devargs",
				  port->info.id, port->info.name, dir, qid, max, dir, (int)max - 1);
	return 0;
}

int bump_port_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *user)
{
	int ret = port_queue_check(port, "rx", qid, port ? port->info.max_rx_queues : 0, user);
	struct bump_rxq_conf c, *conf = &c;

	if (ret)
		return ret;
	/* Defaults decided here once, so that every driver sees the same queue. */
	c = *user;
	if (!c.headroom)
		c.headroom = BUMP_PORT_HEADROOM_DEFAULT;
	if (!conf->pool)
		return bump_error(EINVAL, "port %u (%s): RX queue %u needs a pool for its buffers: "
				  "set conf.pool (one pool per RX queue, owned by its polling "
				  "thread)", port->info.id, port->info.name, qid);
	if (bump_pool_destroyed(conf->pool))
		return bump_error(ESHUTDOWN, "port %u (%s): RX queue %u: pool '%s' is destroyed; "
				  "create another", port->info.id, port->info.name, qid,
				  bump_pool_name(conf->pool));
	ret = port->drv->rxq_setup(port, qid, conf);
	if (ret) {
		/* A failed re-setup leaves the queue unusable: start refuses it, bursts see NULL. */
		port->rxq_ready &= ~(1u << qid);
		port->fast.rxq[qid] = NULL;
		port_rx_pool_set(port, qid, NULL);
		return ret;
	}
	port->rxq_ready |= 1u << qid;
	port_rx_pool_set(port, qid, conf->pool);
	return 0;
}

int bump_port_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	int ret = port_queue_check(port, "tx", qid, port ? port->info.max_tx_queues : 0, conf);

	if (ret)
		return ret;
	ret = port->drv->txq_setup(port, qid, conf);
	if (ret) {
		port->txq_ready &= ~(1u << qid);
		port->fast.txq[qid] = NULL;
		return ret;
	}
	port->txq_ready |= 1u << qid;
	return 0;
}

/* Set up queues must be 0..n-1: a hole is a queue the app forgot. */
static int port_check_prefix(const struct bump_port *port, const char *dir, uint32_t ready)
{
	uint32_t n = (uint32_t)__builtin_popcount(ready);

	if (ready != (n == 32 ? UINT32_MAX : (1u << n) - 1)) {
		unsigned hole = (unsigned)__builtin_ctz(~ready);
		unsigned top = 31u - (unsigned)__builtin_clz(ready);

		return bump_error(EINVAL, "port %u (%s): %s queue %u is set up but %s queue %u is "
				  "not: set up every %s queue from 0 to %u before bump_port_start()",
				  port->info.id, port->info.name, dir, top, dir, hole, dir, top);
	}
	return 0;
}

int bump_port_start(struct bump_port *port)
{
	int ret;

	if (!port)
		return bump_error(EINVAL, "bump_port_start: port is NULL");
	if (port->started)
		return bump_error(EALREADY, "port %u (%s) is already started; bump_port_stop() it "
				  "before starting it again", port->info.id, port->info.name);
	if (!port->rxq_ready && !port->txq_ready)
		return bump_error(EINVAL, "port %u (%s): no queue is set up: call "
				  "bump_port_rxq_setup() and/or bump_port_txq_setup() before "
				  "bump_port_start()", port->info.id, port->info.name);
	ret = port_check_prefix(port, "rx", port->rxq_ready);
	for (unsigned q = 0; !ret && q < BUMP_PORT_QUEUE_MAX; q++)
		if (port->rx_pool[q] && bump_pool_destroyed(port->rx_pool[q]))
			ret = bump_error(ESHUTDOWN, "port %u (%s): RX queue %u's pool '%s' was "
					 "destroyed; set the queue up again with a live pool before "
					 "bump_port_start()", port->info.id, port->info.name, q,
					 bump_pool_name(port->rx_pool[q]));
	if (!ret)
		ret = port_check_prefix(port, "tx", port->txq_ready);
	if (!ret)
		ret = port->drv->start(port);
	if (ret)
		return ret;
	port->fast.rx_burst = port->drv->rx_burst;
	port->fast.tx_burst = port->drv->tx_burst;
	pthread_mutex_lock(&__bump_port_lock);
	port->started = true;
	bump_port_info_get(port, &port->shown);
	pthread_mutex_unlock(&__bump_port_lock);
	return 0;
}

int bump_port_stop(struct bump_port *port)
{
	if (!port)
		return bump_error(EINVAL, "bump_port_stop: port is NULL");
	if (!port->started)
		return 0;
	/* Bursts return 0 from here on, whatever the driver's stop does. */
	int ret;

	port->fast.rx_burst = port_burst_stopped;
	port->fast.tx_burst = port_burst_stopped;
	/* After any statistics reader: the driver's stop may free what stats_get reads. */
	pthread_mutex_lock(&__bump_port_lock);
	port->started = false;
	pthread_mutex_unlock(&__bump_port_lock);
	ret = port->drv->stop(port);
	/* The rings' buffers went back from this thread: hand them to their pools now. */
	bump_put_flush();
	return ret;
}

int bump_port_link_get(const struct bump_port *port, struct bump_port_link *link)
{
	if (!port || !link)
		return bump_error(EINVAL, "bump_port_link_get: port and link are required");
	memset(link, 0, sizeof(*link));
	if (!port->drv->link_get)
		return bump_error(ENOTSUP, "port %u (%s): driver '%s' does not report its link",
				  port->info.id, port->info.name, port->drv->name);
	return port->drv->link_get((struct bump_port *)port, link);
}

/* ---- For drivers -------------------------------------------------------- */

int bump_port_foreach(bump_port_visit_fn fn, void *arg)
{
	int ret = 0;

	pthread_mutex_lock(&__bump_port_lock);
	for (unsigned i = 0; i < BUMP_PORT_MAX && !ret; i++)
		if (port_table[i] && port_table[i]->listed)
			ret = fn(port_table[i], &port_table[i]->shown, port_table[i]->started, arg);
	pthread_mutex_unlock(&__bump_port_lock);
	return ret;
}

int bump_port_set_ops(struct bump_port *port, const struct bump_port_driver *ops)
{
	if (!port || !ops || !port_ops_valid(ops))
		return bump_error(EINVAL, "bump_port_set_ops: a port's ops need rxq_setup, txq_setup, "
				  "start, stop, close, rx_burst and tx_burst");
	if (port->started || port->rxq_ready || port->txq_ready)
		return bump_error(EBUSY, "bump_port_set_ops: port %u (%s) is in use: ops are handed "
				  "over in the bus driver's open only", port->info.id, port->info.name);
	port->drv = ops;
	return 0;
}

void *bump_port_priv(struct bump_port *port)
{
	return port->priv;
}

void bump_port_set_priv(struct bump_port *port, void *priv)
{
	port->priv = priv;
}

struct bump_port_info *bump_port_info_mut(struct bump_port *port)
{
	return &port->info;
}

void bump_port_set_queue(struct bump_port *port, bool rx, uint16_t qid, void *queue)
{
	if (qid >= BUMP_PORT_QUEUE_MAX)
		return;
	if (rx)
		port->fast.rxq[qid] = queue;
	else
		port->fast.txq[qid] = queue;
}

void bump_port_rx_pool_gone(uint16_t port_id, uint16_t qid, const struct bump_pool *pool,
			    bool *warned)
{
	const struct bump_port *port = port_id < BUMP_PORT_MAX ? port_table[port_id] : NULL;

	if (*warned)
		return;
	*warned = true;
	bump_log(BUMP_LOG_WARN, "port %u (%s) RX queue %u: pool '%s' was destroyed while the "
		 "port runs: no more buffers are posted and frames find no descriptor; stop the "
		 "port before destroying its pools, or set the queue up again with a live pool; "
		 "counted in rx_nombuf", port_id, port ? port->info.name : "?", qid,
		 bump_pool_name(pool));
}
