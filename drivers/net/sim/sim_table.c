/* SPDX-License-Identifier: MIT */
/*
 * sim_table.c - the cable between sim ports: which device is which port
 * id, and the delivery of a transmitted frame into the receiver's RX ring.
 *
 * A device thread of one port writes into another port's RX ring, so the
 * receiver must not be freed, nor its queues replaced, under it: those
 * changes take the table's write lock, deliveries its read lock (once per
 * TX batch).  Writers are preferred, so control calls never starve behind
 * busy device threads.  Lock order: TX queue lock, table, RX queue lock.
 */
#include "sim_priv.h"

static struct sim_dev *sim_table[BUMP_PORT_MAX];
static pthread_rwlock_t sim_table_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

void sim_table_read_lock(void)
{
	pthread_rwlock_rdlock(&sim_table_lock);
}

void sim_table_read_unlock(void)
{
	pthread_rwlock_unlock(&sim_table_lock);
}

int sim_table_add(struct sim_dev *dev)
{
	pthread_rwlock_wrlock(&sim_table_lock);
	sim_table[dev->port_id] = dev;
	pthread_rwlock_unlock(&sim_table_lock);
	return 0;
}

void sim_table_del(struct sim_dev *dev)
{
	pthread_rwlock_wrlock(&sim_table_lock);
	if (sim_table[dev->port_id] == dev)
		sim_table[dev->port_id] = NULL;
	pthread_rwlock_unlock(&sim_table_lock);
}

void sim_table_set_active(struct sim_dev *dev, uint16_t nb_rxq, uint16_t nb_txq)
{
	pthread_rwlock_wrlock(&sim_table_lock);
	dev->nb_rxq_active = nb_rxq;
	dev->nb_txq_active = nb_txq;
	pthread_rwlock_unlock(&sim_table_lock);
}

void sim_table_set_rxq(struct sim_dev *dev, uint16_t qid, struct sim_rxq *q)
{
	pthread_rwlock_wrlock(&sim_table_lock);
	dev->rxq[qid] = q;
	pthread_rwlock_unlock(&sim_table_lock);
}

/* TX queue q of the sender lands on RX queue q modulo the receiver's queues. */
void sim_dev_deliver(struct sim_dev *from, uint16_t txqid, const void *frame, uint16_t len)
{
	struct sim_dev *to = from->conf.peer < 0 ? from : sim_table[from->conf.peer];
	struct sim_rxq *q;

	if (!to) {
		atomic_fetch_add_explicit(&from->no_peer, 1, memory_order_relaxed);
		return;
	}
	if (!to->nb_rxq_active) {
		atomic_fetch_add_explicit(&to->rx_disabled, 1, memory_order_relaxed);
		return;
	}
	q = to->rxq[txqid % to->nb_rxq_active];
	pthread_mutex_lock(&q->lock);
	sim_dev_rx_write(q, frame, len);
	pthread_mutex_unlock(&q->lock);
}
