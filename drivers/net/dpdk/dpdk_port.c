/* SPDX-License-Identifier: MIT */
/*
 * dpdk_port.c - the dpdk: driver's control path: open (EAL, probe), queue
 * setup, start, stop, close, link and stats, its registration with
 * lib/port, and bump_dpdk.h's queries.
 *
 * DPDK wants rte_eth_dev_configure before any queue setup, and bump sets
 * queues up before start: the driver records them and configures the
 * device at start.  Stop returns every page the PMD holds: RX mbufs come
 * back when each RX queue is set up again with a fresh pool (DPDK
 * releases the old queue, and with it the mbufs it held).
 */
#include "dpdk_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_malloc.h>

static pthread_mutex_t dpdk_ports_lock = PTHREAD_MUTEX_INITIALIZER;
static bool dpdk_port_used[RTE_MAX_ETHPORTS];

/* ---- Open and close -------------------------------------------------------- */

/* The ethdev of device @name: by port name, else the first port of that device. */
static int dpdk_find_port(const char *name, uint16_t *pid)
{
	uint16_t p;

	if (rte_eth_dev_get_port_by_name(name, pid) == 0)
		return 0;
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_eth_dev_info di;

		if (rte_eth_dev_info_get(p, &di) == 0 && di.device &&
		    !strcmp(rte_dev_name(di.device), name)) {
			*pid = p;
			return 0;
		}
	}
	return -ENODEV;
}

static int dpdk_attach(struct dpdk_port *dp, const char *devargs)
{
	int ret;

	snprintf(dp->name, sizeof(dp->name), "%.*s", (int)strcspn(devargs, ","), devargs);
	if (dpdk_find_port(dp->name, &dp->pid)) {
		ret = rte_dev_probe(devargs);
		if (ret)
			return bump_error(-ret, "dpdk port %u: DPDK could not probe '%s' (%s): check the "
					  "devargs (DPDK's lines above say why); PCI devices need "
					  "vfio-pci and an EAL that probes them (open them first, or "
					  "set BUMP_EAL_ARGS)", dp->bport, devargs, rte_strerror(-ret));
		dp->probed = true;
		if (dpdk_find_port(dp->name, &dp->pid))
			return bump_error(ENODEV, "dpdk port %u: '%s' was probed but has no ethdev "
					  "named '%s': name the port as DPDK does (rte_eth_dev_get_name_by_port)",
					  dp->bport, devargs, dp->name);
	}
	pthread_mutex_lock(&dpdk_ports_lock);
	ret = dpdk_port_used[dp->pid];
	dpdk_port_used[dp->pid] = true;
	pthread_mutex_unlock(&dpdk_ports_lock);
	if (ret) {
		dp->probed = false;  /* it is the other port's */
		return bump_error(EBUSY, "dpdk port %u: DPDK port %u ('%s') is open as another bump "
				  "port already: close that one first", dp->bport, dp->pid, dp->name);
	}
	return 0;
}

static void dpdk_detach(struct dpdk_port *dp)
{
	if (!dp->dev)
		return;
	rte_eth_dev_close(dp->pid);
	pthread_mutex_lock(&dpdk_ports_lock);
	dpdk_port_used[dp->pid] = false;
	pthread_mutex_unlock(&dpdk_ports_lock);
	/* Devices probed at open go, so that the same devargs open again later. */
	if (dp->probed)
		rte_dev_remove(dp->dev);
}

static int dpdk_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);
	struct rte_eth_dev_info di;
	struct dpdk_port *dp;
	char devargs[DPDK_DEVARGS_MAX];
	enum dpdk_rx_mode rx_mode;
	int ret;

	ret = dpdk_args_parse(args, info->id, devargs, &rx_mode);
	if (ret)
		return ret;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return bump_error(ENOMEM, "dpdk port %u: out of memory", info->id);
	dp->port = port;
	dp->bport = info->id;
	dp->rx_mode = rx_mode;
	ret = dpdk_eal_start(devargs);
	if (!ret)
		ret = dpdk_attach(dp, devargs);
	if (!ret && (ret = rte_eth_dev_info_get(dp->pid, &di))) {
		ret = bump_error(-ret, "dpdk port %u: no device info for DPDK port %u (%s): the "
				 "PMD's lines above say why", dp->bport, dp->pid, rte_strerror(-ret));
		pthread_mutex_lock(&dpdk_ports_lock);
		dpdk_port_used[dp->pid] = false;
		pthread_mutex_unlock(&dpdk_ports_lock);
	}
	if (ret) {
		if (dp->probed && rte_eal_hotplug_remove("vdev", dp->name))
			rte_eal_hotplug_remove("pci", dp->name);
		free(dp);
		return ret;
	}
	dp->dev = di.device;
	dp->is_vdev = !strcmp(rte_bus_name(rte_dev_bus(di.device)), "vdev");
	dp->socket = rte_eth_dev_socket_id(dp->pid);
	if (dp->socket < 0)
		dp->socket = SOCKET_ID_ANY;
	/*
	 * net_ring keeps what was sent until someone receives it: pages this
	 * port sent to itself come back through RX before stop.
	 */
	dp->drain_on_stop = !strcmp(di.driver_name, "net_ring");
	/*
	 * net_af_xdp makes its UMEM of the mempool's memory and ignores
	 * buf_addr: its RX mempools are the arena (dpdk_mbuf_umem_on), or
	 * packed copies of their own in copy mode.
	 */
	dp->packed_pool = !strcmp(di.driver_name, "net_af_xdp");
	if (dp->rx_mode == DPDK_RX_AUTO)
		dp->rx_mode = DPDK_RX_ZEROCOPY;

	info->max_rx_queues = RTE_MIN(di.max_rx_queues, (uint16_t)BUMP_PORT_QUEUE_MAX);
	info->max_tx_queues = RTE_MIN(di.max_tx_queues, (uint16_t)BUMP_PORT_QUEUE_MAX);
	rte_eth_macaddr_get(dp->pid, (struct rte_ether_addr *)info->mac);
	if (rte_eth_dev_get_mtu(dp->pid, &info->mtu))
		info->mtu = RTE_ETHER_MTU;
	info->max_rx_pktlen = di.max_rx_pktlen;
	info->dma_dev = dp->is_vdev ? dpdk_identity_dev_get() : dpdk_dma_dev_get();
	bump_port_set_priv(port, dp);
	bump_log(BUMP_LOG_DEBUG, "dpdk port %u: DPDK port %u '%s' (driver %s, %s RX)", dp->bport,
		 dp->pid, dp->name, di.driver_name, dp->rx_mode == DPDK_RX_COPY ? "copy" : "zero-copy");
	return 0;
}

static void dpdk_close(struct bump_port *port)
{
	struct dpdk_port *dp = bump_port_priv(port);

	/* Closing releases the queues: every mbuf comes home before the pools go. */
	dpdk_detach(dp);
	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		dpdk_rxq_free(dp->rxq[i]);
		dpdk_txq_free(dp->txq[i]);
	}
	bump_put_flush();  /* what the PMD freed here, out of this thread's put stash */
	free(dp);
	bump_port_set_priv(port, NULL);
}

/* ---- Queues ------------------------------------------------------------------ */

static int dpdk_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct dpdk_rxq *q, *old = dp->rxq[qid];
	int ret;

	/* Its UMEM, socket and fill queue stay until close: the PMD cannot set the queue up again. */
	if (old && old->umem && dp->rxq_ready[qid])
		return bump_error(EBUSY, "dpdk port %u RX queue %u: net_af_xdp keeps its socket and "
				  "UMEM until close: close the port and open it again to change the "
				  "queue", dp->bport, qid);
	ret = dpdk_rxq_new(dp, qid, conf, &q);
	if (ret)
		return ret;
	if (old) {
		/*
		 * DPDK's queue holds mbufs of the pool it was last set up with: that
		 * one goes after the next setup (or at close); a pool DPDK never
		 * saw goes now.
		 */
		if (dp->rxq_ready[qid]) {
			q->retired = old->mp;
		} else {
			q->retired = old->retired;
			dpdk_rxq_pool_release(old, old->mp, true);
		}
		q->held_mp = old->held_mp;
		rte_free(old);
	}
	dp->rxq[qid] = q;
	dp->rxq_ready[qid] = false;
	bump_port_set_queue(port, true, qid, q);
	return 0;
}

static int dpdk_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct dpdk_txq *q;
	int ret = dpdk_txq_new(dp, qid, conf, &q);

	if (ret)
		return ret;
	/* The old queue's headers stay with DPDK until its next setup: keep it until close. */
	if (dp->txq[qid])
		q->retired = dp->txq[qid];
	dp->txq[qid] = q;
	dp->txq_ready[qid] = false;
	bump_port_set_queue(port, false, qid, q);
	return 0;
}

/* ---- Start and stop ------------------------------------------------------------ */

static int dpdk_setup_rx(struct dpdk_port *dp, struct dpdk_rxq *q)
{
	int ret;

	if (!q->mp && !(q->mp = dpdk_rxq_pool_new(q)))
		return -ENOMEM;
	ret = rte_eth_rx_queue_setup(dp->pid, q->qid, q->nb_desc, (unsigned)dp->socket, NULL, q->mp);
	if (ret && q->umem && !q->retired) {
		/* The kernel refused the arena as a UMEM: a failed setup holds none of its buffers. */
		dpdk_rxq_copy_warn(q, "the kernel refused the pool's arena as its UMEM (DPDK's "
				   "lines above say why)");
		dpdk_mbuf_pool_free(q->mp);
		q->umem = q->as_is = false;
		q->copy = true;
		if (!(q->mp = dpdk_rxq_pool_new(q)))
			return -ENOMEM;
		ret = rte_eth_rx_queue_setup(dp->pid, q->qid, q->nb_desc, (unsigned)dp->socket,
					     NULL, q->mp);
	}
	if (ret)
		return bump_error(-ret, "dpdk port %u: RX queue %u setup failed (%s): try another "
				  "ring_size (DPDK's lines above say what the PMD wants)", dp->bport,
				  q->qid, rte_strerror(-ret));
	/* The queue it replaced is released: its mbufs are home. */
	dpdk_rxq_pool_release(q, q->retired, false);
	q->retired = NULL;
	q->armed = false;
	dp->rxq_ready[q->qid] = true;
	return 0;
}

static int dpdk_start(struct bump_port *port)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct bump_port_info info;
	int ret;

	bump_port_info_get(port, &info);
	if (!dp->configured || dp->nb_rxq != info.nb_rx_queues || dp->nb_txq != info.nb_tx_queues) {
		struct rte_eth_conf conf;

		memset(&conf, 0, sizeof(conf));
		ret = rte_eth_dev_configure(dp->pid, info.nb_rx_queues, info.nb_tx_queues, &conf);
		if (ret)
			return bump_error(-ret, "dpdk port %u: rte_eth_dev_configure(%u RX, %u TX "
					  "queues) failed (%s): use fewer queues", dp->bport,
					  info.nb_rx_queues, info.nb_tx_queues, rte_strerror(-ret));
		dp->configured = true;
		dp->nb_rxq = info.nb_rx_queues;
		dp->nb_txq = info.nb_tx_queues;
		memset(dp->rxq_ready, 0, sizeof(dp->rxq_ready));
		memset(dp->txq_ready, 0, sizeof(dp->txq_ready));
	}
	for (uint16_t i = 0; i < dp->nb_rxq; i++)
		if (!dp->rxq_ready[i] && (ret = dpdk_setup_rx(dp, dp->rxq[i])))
			return ret;
	for (uint16_t i = 0; i < dp->nb_txq; i++) {
		struct dpdk_txq *q = dp->txq[i];

		if (dp->txq_ready[i])
			continue;
		ret = rte_eth_tx_queue_setup(dp->pid, i, q->nb_desc, (unsigned)dp->socket, NULL);
		if (ret)
			return bump_error(-ret, "dpdk port %u: TX queue %u setup failed (%s): try "
					  "another ring_size", dp->bport, i, rte_strerror(-ret));
		dpdk_txq_free(q->retired);
		q->retired = NULL;
		dp->txq_ready[i] = true;
	}
	/* net_af_xdp TX queue i sends from RX queue i's UMEM. */
	for (uint16_t i = 0; i < dp->nb_txq; i++) {
		struct dpdk_txq *t = dp->txq[i];
		const struct dpdk_rxq *r = i < dp->nb_rxq ? dp->rxq[i] : NULL;

		t->umem_mp = r && r->umem ? r->mp : NULL;
		t->umem_base = 0;
		t->umem_len = 0;
		if (t->umem_mp)
			dpdk_mbuf_umem_range(t->umem_mp, &t->umem_base, &t->umem_len);
	}
	/* Pages for the free RX mbufs now, where this thread owns the pool. */
	for (uint16_t i = 0; i < dp->nb_rxq; i++) {
		struct dpdk_rxq *q = dp->rxq[i];

		if (atomic_load_explicit(&q->pool->owner, memory_order_relaxed) == bump_thread_token())
			dpdk_rxq_arm(q);
	}
	ret = rte_eth_dev_start(dp->pid);
	if (ret)
		return bump_error(-ret, "dpdk port %u: rte_eth_dev_start failed (%s): DPDK's lines "
				  "above say why", dp->bport, rte_strerror(-ret));
	/* Test links and taps carry frames for any address. */
	rte_eth_promiscuous_enable(dp->pid);
	return 0;
}

static int dpdk_stop(struct bump_port *port)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct rte_mbuf *mb[DPDK_BURST];

	/* What a loopback PMD (net_ring) still holds comes back through its RX. */
	for (uint16_t i = 0; dp->drain_on_stop && i < dp->nb_rxq; i++)
		for (unsigned k = 0, n = 1; n && k < 4096; k++) {
			n = rte_eth_rx_burst(dp->pid, i, mb, DPDK_BURST);
			rte_pktmbuf_free_bulk(mb, n);
		}
	rte_eth_dev_stop(dp->pid);
	/* Fresh pools for the RX queues: the old queues' mbufs come home with their pages. */
	for (uint16_t i = 0; i < dp->nb_rxq; i++) {
		struct dpdk_rxq *q = dp->rxq[i];

		/* net_af_xdp keeps its queues (socket, UMEM, fill queue) until close. */
		if (q->copy || q->umem)
			continue;
		q->retired = q->mp;
		q->mp = NULL;
		if (dpdk_setup_rx(dp, q)) {
			/* The PMD keeps the old pool; its pages come back at close. */
			q->mp = q->retired;
			q->retired = NULL;
			bump_log(BUMP_LOG_WARN, "dpdk port %u RX queue %u: %s; the RX pages stay in "
				 "flight until close", dp->bport, i, bump_last_error());
		}
	}
	/* The mbufs the PMD freed here went to this thread's put stash: to their pools now. */
	bump_put_flush();
	return 0;
}

/* ---- Link and stats ------------------------------------------------------------- */

static int dpdk_link_get(struct bump_port *port, struct bump_port_link *link)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct rte_eth_link l;
	int ret = rte_eth_link_get_nowait(dp->pid, &l);

	if (ret)
		return bump_error(-ret, "dpdk port %u: no link status: %s", dp->bport,
				  rte_strerror(-ret));
	link->up = l.link_status == RTE_ETH_LINK_UP;
	link->full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	link->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
	return 0;
}

static int dpdk_stats_get(struct bump_port *port, struct bump_port_stats *s)
{
	struct dpdk_port *dp = bump_port_priv(port);
	struct rte_eth_stats es;

	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		const struct dpdk_rxq *r = dp->rxq[i];
		const struct dpdk_txq *t = dp->txq[i];

		if (r) {
			s->q[i].ipackets = DPDK_LD(r->st.ipackets);
			s->q[i].ibytes = DPDK_LD(r->st.ibytes);
			s->q[i].rx_nombuf = DPDK_LD(r->st.nombuf);
			s->q[i].ierrors = DPDK_LD(r->st.too_long);
		}
		if (t) {
			s->q[i].opackets = DPDK_LD(t->st.opackets);
			s->q[i].obytes = DPDK_LD(t->st.obytes);
			s->q[i].oerrors = DPDK_LD(t->st.bad);
		}
	}
	/* The PMD's own drops: no descriptor, no mbuf, errors. */
	if (rte_eth_stats_get(dp->pid, &es) == 0) {
		s->total.imissed = es.imissed;
		s->total.rx_nombuf = es.rx_nombuf;
		s->total.ierrors = es.ierrors;
		s->total.oerrors = es.oerrors;
	}
	return 0;
}

/* ---- bump_dpdk.h ----------------------------------------------------------------- */

static struct dpdk_port *dpdk_port_of(const struct bump_port *port, const char *what)
{
	struct bump_port_info info;

	if (!port || bump_port_info_get(port, &info) || strcmp(info.driver, "dpdk")) {
		bump_error(EINVAL, "%s: not a dpdk port: pass a port opened with \"dpdk:...\"", what);
		return NULL;
	}
	return bump_port_priv((struct bump_port *)port);
}

int bump_dpdk_port_id(const struct bump_port *port)
{
	const struct dpdk_port *dp = dpdk_port_of(port, "bump_dpdk_port_id");

	return dp ? dp->pid : -EINVAL;
}

/* Whether no RX queue before @qid has queue @qid's mempool (queues on one pool share it). */
static bool dpdk_rxq_mp_first(const struct dpdk_port *dp, unsigned qid)
{
	for (unsigned i = 0; i < qid; i++)
		if (dp->rxq[i] && dp->rxq[i]->mp == dp->rxq[qid]->mp)
			return false;
	return true;
}

int bump_dpdk_get_stats(const struct bump_port *port, struct bump_dpdk_stats *s)
{
	const struct dpdk_port *dp = dpdk_port_of(port, "bump_dpdk_get_stats");

	if (!dp || !s)
		return dp ? bump_error(EINVAL, "bump_dpdk_get_stats: stats is NULL") : -EINVAL;
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		const struct dpdk_rxq *r = dp->rxq[i];
		const struct dpdk_txq *t = dp->txq[i];

		if (r) {
			s->rx_as_is += DPDK_LD(r->st.as_is);
			s->rx_zerocopy += DPDK_LD(r->st.zerocopy);
			s->rx_copied += DPDK_LD(r->st.copied);
			s->rx_pinned += DPDK_LD(r->st.pinned);
			s->rx_nombuf += DPDK_LD(r->st.nombuf);
			s->rx_too_long += DPDK_LD(r->st.too_long);
			s->rx_pages_released += DPDK_LD(r->st.released);
			s->rx_mbufs_held += DPDK_LD(r->st.held);
			s->rx_umem_passed += DPDK_LD(r->st.passed);
			if (r->mp && dpdk_rxq_mp_first(dp, i)) {
				if (r->umem)
					s->rx_mbufs_held += dpdk_mbuf_umem_held(r->mp);
				else if (r->as_is)
					s->rx_mbufs_cached += dpdk_mbuf_cached(r->mp);
			}
		}
		if (t) {
			s->tx_as_is += DPDK_LD(t->st.as_is);
			s->tx_umem += DPDK_LD(t->st.umem);
			s->tx_attached += DPDK_LD(t->st.attached);
			s->tx_unsent += DPDK_LD(t->st.unsent);
			s->tx_no_mbuf += DPDK_LD(t->st.no_mbuf);
		}
	}
	return 0;
}

/* ---- Registration ------------------------------------------------------------------ */

static const struct bump_port_driver dpdk_driver = {
	.name = "dpdk",
	.open = dpdk_open,
	.rxq_setup = dpdk_rxq_setup,
	.txq_setup = dpdk_txq_setup,
	.start = dpdk_start,
	.stop = dpdk_stop,
	.close = dpdk_close,
	.link_get = dpdk_link_get,
	.stats_get = dpdk_stats_get,
	.stats_reset = NULL,  /* lib/port's snapshot */
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
};

__attribute__((constructor)) static void dpdk_register(void)
{
	if (bump_port_driver_register(&dpdk_driver))
		bump_log(BUMP_LOG_ERR, "dpdk driver not registered: %s", bump_last_error());
}
