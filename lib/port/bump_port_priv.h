/* SPDX-License-Identifier: MIT */
/*
 * bump_port_priv.h - what the files of lib/port share: the port object and
 * the port table's lock.
 *
 *   bump_port.c        driver registry, port table, control-path dispatch
 *   bump_port_stats.c  statistics: the driver's counters, lib/port's own, reset
 */
#ifndef BUMP_PORT_PRIV_H
#define BUMP_PORT_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "bump_port.h"

/* A port.  It begins with its fast-path view: __bump_port_fast() is a cast. */
struct bump_port {
	struct __bump_port_fast fast;
	const struct bump_port_driver *drv;
	void *priv;
	struct bump_port_info info;
	bool started;
	uint32_t rxq_ready;   /* bit per RX queue set up */
	uint32_t txq_ready;
	/* Each RX queue's pool, held from setup to close so a destroy under the port is seen. */
	struct bump_pool *rx_pool[BUMP_PORT_QUEUE_MAX];
	/* Handles bump_port_tx_burst() refused, per TX queue (its polling thread writes). */
	_Atomic uint64_t tx_invalid[BUMP_PORT_QUEUE_MAX];
	_Atomic bool tx_invalid_warned;
	struct bump_port_stats base;  /* stats_reset's snapshot (drivers without stats_reset) */
	/* What bump_port_foreach() shows, under __bump_port_lock: set at open and start. */
	bool listed;
	struct bump_port_info shown;
};
static_assert(offsetof(struct bump_port, fast) == 0,
	      "__bump_port_fast() casts a port to its fast view");
static_assert(BUMP_PORT_QUEUE_MAX <= 32, "queue readiness is a 32-bit mask");

/* Guards the port table, the driver registry and what statistics readers see. */
extern pthread_mutex_t __bump_port_lock;

#endif /* BUMP_PORT_PRIV_H */
