/* SPDX-License-Identifier: MIT */
/*
 * sim_ethdev.c - the sim driver's control path (open, queue setup, start,
 * stop, close, link, stats) and its registration with lib/port.
 */
#include "sim_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- The DMA device ------------------------------------------------------- */

/*
 * One identity device for every sim port of the process, never closed:
 * pools mapped for it may outlive any port (an app destroys pools after
 * closing ports), and closing a device with mappings is refused anyway.
 */
static struct bump_dma_dev *sim_dma;
static pthread_once_t sim_dma_once = PTHREAD_ONCE_INIT;

static void sim_dma_open(void)
{
	if (bump_dma_identity_open(&sim_dma))
		sim_dma = NULL;
}

struct bump_dma_dev *bump_sim_dma_dev(void)
{
	pthread_once(&sim_dma_once, sim_dma_open);
	return sim_dma;
}

/* ---- Helpers -------------------------------------------------------------- */

static int sim_ring_size(uint16_t want, uint32_t *out, uint16_t port_id, const char *dir,
			 uint16_t qid)
{
	uint32_t n = want ? want : SIM_RING_DEFAULT;

	if (n < SIM_RING_MIN || n > SIM_RING_MAX || (n & (n - 1)))
		return bump_error(EINVAL, "sim port %u %s queue %u: ring_size %u: use a power of two "
				  "from %d to %d (0: %d)", port_id, dir, qid, want, SIM_RING_MIN,
				  SIM_RING_MAX, SIM_RING_DEFAULT);
	*out = n;
	return 0;
}

static void *sim_zalloc(size_t size)
{
	void *p = aligned_alloc(BUMP_CACHE_LINE, BUMP_ALIGN_UP(size, (size_t)BUMP_CACHE_LINE));

	if (p)
		memset(p, 0, BUMP_ALIGN_UP(size, (size_t)BUMP_CACHE_LINE));
	return p;
}

/* ---- Queues --------------------------------------------------------------- */

/*
 * What every queue allocates: itself (@size bytes), its descriptor ring and
 * its software ring, @nb entries each; all or none.  NULL, with the error
 * said, when memory runs out.
 */
static void *sim_queue_alloc(const struct sim_dev *dev, const char *dir, uint16_t qid, uint32_t nb,
			     size_t size, size_t desc_size, void **ring, size_t slot_size,
			     void **sw_ring)
{
	void *q = sim_zalloc(size);

	*ring = sim_zalloc((size_t)nb * desc_size);
	*sw_ring = calloc(nb, slot_size);
	if (q && *ring && *sw_ring)
		return q;
	free(*ring);
	free(*sw_ring);
	free(q);
	bump_error(ENOMEM, "sim port %u %s queue %u: out of memory for a %u-entry ring", dev->port_id,
		   dir, qid, nb);
	return NULL;
}

/* What every queue holds of its rings and place (RX and TX queues name these fields alike). */
#define SIM_QUEUE_INIT(q, dev_, qid_, nb_, ring_, sw_ring_) \
	do { \
		(q)->ring = (ring_); \
		(q)->sw_ring = (sw_ring_); \
		(q)->nb_desc = (nb_); \
		(q)->mask = (nb_) - 1; \
		(q)->qid = (qid_); \
		(q)->dev = (dev_); \
		pthread_mutex_init(&(q)->lock, NULL); \
	} while (0)

static void sim_queue_free(void *q, pthread_mutex_t *lock, void *ring, void *sw_ring)
{
	pthread_mutex_destroy(lock);
	free(ring);
	free(sw_ring);
	free(q);
}

static void sim_rxq_free(struct sim_rxq *q)
{
	if (q)
		sim_queue_free(q, &q->lock, q->ring, q->sw_ring);
}

static void sim_txq_free(struct sim_txq *q)
{
	if (q)
		sim_queue_free(q, &q->lock, q->ring, q->sw_ring);
}

static int sim_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	struct sim_dev *dev = bump_port_priv(port);
	uint16_t headroom = conf->headroom;
	size_t buf = bump_pool_buf_size(conf->pool);
	struct sim_rxq *q;
	void *ring, *sw_ring;
	uint32_t nb = 0, bsize;
	int ret = sim_ring_size(conf->ring_size, &nb, dev->port_id, "RX", qid);

	if (ret)
		return ret;
	if ((size_t)headroom + 64 > buf)
		return bump_error(EINVAL, "sim port %u RX queue %u: headroom %u leaves less than 64 "
				  "bytes of pool '%s''s %zu-byte buffers: use a smaller headroom or "
				  "larger buffers", dev->port_id, qid, headroom,
				  bump_pool_name(conf->pool), buf);
	bsize = (uint32_t)BUMP_MIN(buf - headroom, (size_t)SIM_BUF_MAX);
	if (dev->conf.mode == SIM_MODE_GEN && dev->conf.size > bsize)
		return bump_error(EINVAL, "sim port %u RX queue %u: generated frames of %u bytes do "
				  "not fit %u-byte buffers (pool '%s', headroom %u): use size=%u or "
				  "less, or a pool of larger buffers", dev->port_id, qid,
				  dev->conf.size, bsize, bump_pool_name(conf->pool), headroom, bsize);
	if (!bump_pool_dma_dev(conf->pool))
		return bump_error(EINVAL, "sim port %u RX queue %u: pool '%s' has no DMA mapping, "
				  "and the device reaches buffers only by DMA address: create it "
				  "with .flags = BUMP_POOL_F_DMA_MAP and .dma_dev = info.dma_dev "
				  "(bump_port_info_get) or any bump_dma_identity_open() device",
				  dev->port_id, qid, bump_pool_name(conf->pool));

	q = sim_queue_alloc(dev, "RX", qid, nb, sizeof(*q), sizeof(*q->ring), &ring,
			    sizeof(*q->sw_ring), &sw_ring);
	if (!q)
		return -ENOMEM;
	SIM_QUEUE_INIT(q, dev, qid, nb, ring, sw_ring);
	q->bsize = bsize;
	q->pool = conf->pool;
	q->headroom = headroom;
	q->port_id = dev->port_id;

	/* A re-setup replaces the queue; peers see either one, never a freed one. */
	struct sim_rxq *old = dev->rxq[qid];

	sim_table_set_rxq(dev, qid, q);
	bump_port_set_queue(port, true, qid, q);
	sim_rxq_free(old);
	return 0;
}

static int sim_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	struct sim_dev *dev = bump_port_priv(port);
	struct sim_txq *q;
	void *ring, *sw_ring;
	uint32_t nb = 0;
	int ret = sim_ring_size(conf->ring_size, &nb, dev->port_id, "TX", qid);

	if (ret)
		return ret;
	q = sim_queue_alloc(dev, "TX", qid, nb, sizeof(*q), sizeof(*q->ring), &ring,
			    sizeof(*q->sw_ring), &sw_ring);
	if (!q)
		return -ENOMEM;
	SIM_QUEUE_INIT(q, dev, qid, nb, ring, sw_ring);
	sim_txq_free(dev->txq[qid]);  /* only this port's stopped device used it */
	dev->txq[qid] = q;
	bump_port_set_queue(port, false, qid, q);
	return 0;
}

/* ---- Start and stop ------------------------------------------------------- */

/* Disable every queue and hand every buffer in the rings back (device quiet). */
static void sim_quiesce(struct sim_dev *dev, uint16_t nb_rx, uint16_t nb_tx)
{
	sim_dev_thread_stop(dev);
	/* Peers stop delivering here: the write lock waits for any delivery in progress. */
	sim_table_set_active(dev, 0, 0);
	for (uint16_t i = 0; i < nb_rx; i++)
		sim_rxq_stop(dev->rxq[i]);
	for (uint16_t i = 0; i < nb_tx; i++)
		sim_txq_stop(dev->txq[i]);
}

static int sim_start(struct bump_port *port)
{
	struct sim_dev *dev = bump_port_priv(port);
	struct bump_port_info info;
	int ret;

	bump_port_info_get(port, &info);
	dev->nb_rxq = info.nb_rx_queues;
	dev->nb_txq = info.nb_tx_queues;
	for (uint16_t i = 0; i < dev->nb_rxq; i++) {
		struct sim_rxq *q = dev->rxq[i];

		/* Only the pool's owner allocates; otherwise the first rx_burst fills. */
		if (atomic_load_explicit(&q->pool->owner, memory_order_relaxed) == bump_thread_token())
			sim_rx_refill(q);
		pthread_mutex_lock(&q->lock);
		q->enabled = true;
		pthread_mutex_unlock(&q->lock);
	}
	for (uint16_t i = 0; i < dev->nb_txq; i++) {
		pthread_mutex_lock(&dev->txq[i]->lock);
		dev->txq[i]->enabled = true;
		pthread_mutex_unlock(&dev->txq[i]->lock);
	}
	dev->gen_start_ns = bump_time_ns();
	atomic_store(&dev->gen_due_taken, 0);
	sim_table_set_active(dev, dev->nb_rxq, dev->nb_txq);
	if (dev->conf.thread) {
		ret = sim_dev_thread_start(dev);
		if (ret) {
			sim_quiesce(dev, dev->nb_rxq, dev->nb_txq);
			return ret;
		}
	}
	dev->started = true;
	return 0;
}

static int sim_stop(struct bump_port *port)
{
	struct sim_dev *dev = bump_port_priv(port);

	sim_quiesce(dev, dev->nb_rxq, dev->nb_txq);
	dev->started = false;
	return 0;
}

/* ---- Open and close ------------------------------------------------------- */

static int sim_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);
	struct bump_dma_dev *dma = bump_sim_dma_dev();
	struct sim_dev *dev;
	struct sim_conf conf;
	int ret;

	if (!dma)
		return bump_error(ENOMEM, "sim port %u: cannot open the identity DMA device (%s)",
				  info->id, bump_last_error());
	ret = sim_args_parse(args, info->id, &conf);
	if (ret)
		return ret;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return bump_error(ENOMEM, "sim port %u: out of memory", info->id);
	dev->port_id = info->id;
	dev->conf = conf;
	dev->inline_step = !conf.thread && !conf.manual;
	atomic_init(&dev->link_up, true);
	memcpy(dev->gen_mac, (uint8_t[6]){ 0x02, 0x53, 0x49, 0x4d, 0xff, (uint8_t)info->id }, 6);

	info->max_rx_queues = conf.queues;
	info->max_tx_queues = conf.queues;
	memcpy(info->mac, conf.mac, 6);
	info->mtu = 1500;
	info->max_rx_pktlen = SIM_BUF_MAX;
	info->dma_dev = dma;
	bump_port_set_priv(port, dev);
	sim_table_add(dev);
	bump_log(BUMP_LOG_DEBUG, "sim port %u: mode=%s queues=%u %s", dev->port_id,
		 sim_mode_name(conf.mode), conf.queues,
		 conf.thread ? "device thread" : conf.manual ? "manual stepping" : "inline stepping");
	return 0;
}

static void sim_close(struct bump_port *port)
{
	struct sim_dev *dev = bump_port_priv(port);

	sim_table_del(dev);
	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		sim_rxq_free(dev->rxq[i]);
		sim_txq_free(dev->txq[i]);
	}
	free(dev);
	bump_port_set_priv(port, NULL);
}

/* ---- Link and stats ------------------------------------------------------- */

static int sim_link_get(struct bump_port *port, struct bump_port_link *link)
{
	struct sim_dev *dev = bump_port_priv(port);

	link->up = atomic_load(&dev->link_up);
	link->full_duplex = link->up;
	link->speed_mbps = link->up ? SIM_LINK_SPEED : 0;
	return 0;
}

static int sim_stats_get(struct bump_port *port, struct bump_port_stats *s)
{
	struct sim_dev *dev = bump_port_priv(port);

	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		const struct sim_rxq *r = dev->rxq[i];
		const struct sim_txq *t = dev->txq[i];

		if (r) {
			s->q[i].ipackets = SIM_LD(r->st.ipackets);
			s->q[i].ibytes = SIM_LD(r->st.ibytes);
			s->q[i].rx_nombuf = SIM_LD(r->st.rx_nombuf);
			s->q[i].ierrors = SIM_LD(r->st.bad_len) + SIM_LD(r->st.bad_addr) +
					  SIM_LD(r->st.desc_errors) + SIM_LD(r->dst.oversize);
			s->q[i].imissed = SIM_LD(r->dst.no_desc) + SIM_LD(r->dst.disabled) +
					  SIM_LD(r->dst.link_drops);
		}
		if (t) {
			s->q[i].opackets = SIM_LD(t->st.opackets);
			s->q[i].obytes = SIM_LD(t->st.obytes);
			s->q[i].oerrors = SIM_LD(t->st.lost) + SIM_LD(t->st.tx_errors) +
					  SIM_LD(t->st.link_refused) + SIM_LD(t->st.unmapped) +
					  SIM_LD(t->dst.link_drops);
		}
	}
	s->total.imissed = SIM_LD(dev->rx_disabled);
	s->total.oerrors = SIM_LD(dev->no_peer);
	return 0;
}

/* ---- Registration --------------------------------------------------------- */

static const struct bump_port_driver sim_driver = {
	.name = "sim",
	.open = sim_open,
	.rxq_setup = sim_rxq_setup,
	.txq_setup = sim_txq_setup,
	.start = sim_start,
	.stop = sim_stop,
	.close = sim_close,
	.link_get = sim_link_get,
	.stats_get = sim_stats_get,
	.stats_reset = NULL,  /* lib/port's snapshot: the counters belong to the datapath */
	.rx_burst = sim_rx_burst,
	.tx_burst = sim_tx_burst,
};

__attribute__((constructor)) static void sim_register(void)
{
	if (bump_port_driver_register(&sim_driver))
		bump_log(BUMP_LOG_ERR, "sim driver not registered: %s", bump_last_error());
}
