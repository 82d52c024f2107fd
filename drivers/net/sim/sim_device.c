/* SPDX-License-Identifier: MIT */
/*
 * sim_device.c - the "hardware" half of the software NIC: it sees only the
 * rings, the registers and DMA addresses, as a device on the bus would.
 *
 * Every address taken from a descriptor goes through sim_dma_translate(),
 * the sim's IOMMU: a refused address is a DMA fault, counted and reported
 * in the descriptor's error bits, never a write to memory the driver did
 * not post.  Device work on a queue runs under that queue's lock, whoever
 * steps it: the device thread, a burst (inline stepping), or a peer port
 * delivering frames into this port's RX ring.
 */
#include "sim_priv.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- DMA ------------------------------------------------------------------ */

/*
 * The CPU address the device may touch for [iova, iova+len), or NULL.  The
 * sim's DMA is the identity map, so the IOVA is the address; it is valid
 * when it lies in a bump arena, on an allocated buffer whose descriptor
 * records exactly that mapping (dma_addr == the buffer's address), and the
 * range does not leave the buffer.  Descriptors are read only for
 * addresses inside an arena, and the pointer is never dereferenced here.
 */
void *sim_dma_translate(uint64_t iova, size_t len)
{
	uintptr_t va = (uintptr_t)iova, buf, off;
	const struct bump_desc *d;
	struct bump_arena *a;
	size_t size;

	if ((uint64_t)va != iova || len == 0)
		return NULL;
	a = bump_arena_of((const void *)va);
	if (!a)
		return NULL;
	d = &a->descs[__bump_arena_index(a, va - a->base)];
	if (d->type == BUMP_DESC_TAIL)
		d = &a->descs[d->next];
	if (d->type == BUMP_DESC_FREE || !d->dma_addr ||
	    !atomic_load_explicit(&d->refcount, memory_order_relaxed))
		return NULL;
	buf = (uintptr_t)__bump_arena_page(a, (uint32_t)(d - a->descs));
	size = (size_t)a->page_size << d->order;
	off = va - buf;
	if (d->dma_addr != buf || off >= size || len > size - off)
		return NULL;
	return (void *)va;
}

bool sim_fault_take(struct sim_dev *dev, enum bump_sim_fault fault)
{
	uint32_t n = atomic_load_explicit(&dev->fault[fault], memory_order_relaxed);

	while (bump_unlikely(n)) {
		if (atomic_compare_exchange_weak_explicit(&dev->fault[fault], &n, n - 1,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			atomic_fetch_add_explicit(&dev->faults_fired, 1, memory_order_relaxed);
			return true;
		}
	}
	return false;
}

static bool sim_link_up(const struct sim_dev *dev)
{
	return atomic_load_explicit(&dev->link_up, memory_order_relaxed);
}

/* ---- RX: frames into posted buffers --------------------------------------- */

static uint32_t sim_rxq_posted(struct sim_rxq *q)
{
	return atomic_load_explicit(&q->rdt, memory_order_acquire) - q->head;
}

/* Write back the descriptor at the head: length and errors, then DD last. */
static void sim_dev_rx_complete(struct sim_rxq *q, uint16_t len, uint8_t errors)
{
	struct sim_rx_desc *d = &q->ring[q->head & q->mask];

	bool dup = false;

	if (!errors) {
		SIM_STAT_INC(q->dst.frames);
		if (sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_BAD_LEN))
			len = UINT16_MAX;  /* beyond SIM_BUF_MAX: beyond every buffer */
		if (sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_WRONG_LEN))
			len = len < q->bsize ? len + 1 : len - 1;  /* in range, and wrong */
		if (sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_BAD_ADDR))
			d->addr = SIM_BAD_IOVA;
		if (sim_rxq_posted(q) > 1 && sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_OTHER_ADDR))
			d->addr = q->ring[(q->head + 1) & q->mask].addr;
		dup = sim_rxq_posted(q) > 1 && sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_DUP);
	}
	d->length = len;
	d->csum = 0;
	d->errors = errors;
	d->special = 0;
	sim_status_store(&d->status, SIM_RXD_STAT_DD | SIM_RXD_STAT_EOP);
	q->head++;
	if (dup) {
		/* The same write-back once more, into the next descriptor the driver posted. */
		struct sim_rx_desc *d2 = &q->ring[q->head & q->mask];

		d2->addr = d->addr;
		d2->length = len;
		d2->csum = 0;
		d2->errors = 0;
		d2->special = 0;
		sim_status_store(&d2->status, SIM_RXD_STAT_DD | SIM_RXD_STAT_EOP);
		q->head++;
	}
	atomic_store_explicit(&q->rdh, q->head, memory_order_release);
}

/*
 * Where the next @len-byte frame goes (q->lock held), or NULL when it is
 * dropped (counted).  A refused DMA address consumes the descriptor with
 * the error bit set, as a NIC reports a failed transfer.
 */
static uint8_t *sim_dev_rx_claim(struct sim_rxq *q, uint16_t len)
{
	struct sim_rx_desc *d;
	uint8_t *va;

	if (!q->enabled) {
		SIM_STAT_INC(q->dst.disabled);
		return NULL;
	}
	if (!sim_link_up(q->dev)) {
		SIM_STAT_INC(q->dst.link_drops);
		return NULL;
	}
	if (len > q->bsize) {
		SIM_STAT_INC(q->dst.oversize);
		return NULL;
	}
	if (!sim_rxq_posted(q)) {
		SIM_STAT_INC(q->dst.no_desc);
		return NULL;
	}
	d = &q->ring[q->head & q->mask];
	va = sim_dma_translate(d->addr, len);
	if (!va) {
		SIM_STAT_INC(q->dst.dma_faults);
		sim_dev_rx_complete(q, 0, SIM_RXD_ERR_RXE);
	}
	return va;
}

void sim_dev_rx_write(struct sim_rxq *q, const void *frame, uint16_t len)
{
	uint8_t *va = sim_dev_rx_claim(q, len);

	if (!va)
		return;
	if (sim_fault_take(q->dev, BUMP_SIM_FAULT_RX_EARLY)) {
		sim_dev_rx_complete(q, 0, 0);  /* done before the data: nothing written, length 0 */
		return;
	}
	memcpy(va, frame, len);
	sim_dev_rx_complete(q, len, 0);
}

/* ---- The generator -------------------------------------------------------- */

/* Frames the rate allows now, up to @budget, taken from the port's allowance. */
static unsigned sim_gen_due(struct sim_dev *dev, unsigned budget)
{
	uint64_t elapsed = bump_time_ns() - dev->gen_start_ns;
	uint64_t allowed = (uint64_t)((unsigned __int128)elapsed * dev->conf.rate / 1000000000u);
	uint64_t taken = atomic_load_explicit(&dev->gen_due_taken, memory_order_relaxed), n;

	do {
		if (allowed <= taken)
			return 0;
		n = BUMP_MIN(allowed - taken, (uint64_t)budget);
	} while (!atomic_compare_exchange_weak_explicit(&dev->gen_due_taken, &taken, taken + n,
							memory_order_relaxed,
							memory_order_relaxed));
	return (unsigned)n;
}

/* Flows are spread over queues as RSS would: flow f goes to queue f % queues. */
static uint16_t sim_gen_flow(const struct sim_dev *dev, uint16_t qid, uint64_t seq)
{
	uint32_t nq = BUMP_MAX(dev->nb_rxq_active, (uint16_t)1), flows = dev->conf.flows;
	uint32_t mine = qid < flows ? (flows - qid + nq - 1) / nq : 0;

	if (!mine)
		return (uint16_t)(qid % flows);
	return (uint16_t)(qid + nq * (uint32_t)(seq % mine));
}

/*
 * Generate into one RX queue.  Unlimited, it fills what is posted (a sender
 * that waits for buffers: nothing is missed); with a rate, a frame due when
 * no buffer is posted is missed and counted, and its sequence number is
 * skipped, as on a wire.
 */
unsigned sim_dev_gen_step(struct sim_rxq *q, unsigned budget)
{
	struct sim_dev *dev = q->dev;
	const struct sim_conf *c = &dev->conf;
	unsigned n, done = 0;
	uint32_t posted;

	if (c->mode != SIM_MODE_GEN)
		return 0;
	pthread_mutex_lock(&q->lock);
	if (q->enabled && sim_link_up(dev)) {
		posted = sim_rxq_posted(q);
		n = c->rate ? sim_gen_due(dev, budget) : BUMP_MIN(budget, posted);
		for (unsigned i = 0; i < n; i++) {
			uint8_t *va = sim_dev_rx_claim(q, c->size);
			uint64_t seq = q->gen_seq++;

			if (!va)
				continue;
			bump_frame_build(va, c->size, c->mac, dev->gen_mac, q->qid,
					     sim_gen_flow(dev, q->qid, seq), seq);
			sim_dev_rx_complete(q, c->size, 0);
			done++;
		}
		__BUMP_STAT_ADD(q->dst.gen_frames, done);
	}
	pthread_mutex_unlock(&q->lock);
	return done;
}

/* ---- TX: frames out of the ring ------------------------------------------ */

/*
 * The sink (q->lock held): check the integrity of what the port sends, and
 * (@order) the order of each generator queue's frames through this TX queue.
 * A loopback port with check=1 checks integrity only: its frames go round
 * and round, their sequence numbers with them.
 */
static void sim_sink_check(struct sim_txq *q, const void *frame, uint16_t len, bool order)
{
	struct bump_frame_tag tag;
	int ret = bump_frame_check(frame, len, &tag);

	SIM_STAT_INC(q->sink.frames);
	__BUMP_STAT_ADD(q->sink.bytes, len);
	if (ret == -EPROTO || (!ret && tag.queue >= BUMP_PORT_QUEUE_MAX)) {
		SIM_STAT_INC(q->sink.bad_format);
	} else if (ret) {
		SIM_STAT_INC(q->sink.bad_csum);
	} else if (!order) {
		return;
	} else if (tag.seq >= q->sink_next[tag.queue]) {
		__BUMP_STAT_ADD(q->sink.seq_gaps, tag.seq - q->sink_next[tag.queue]);
		q->sink_next[tag.queue] = tag.seq + 1;
	} else {
		SIM_STAT_INC(q->sink.seq_errors);
	}
}

/*
 * Send what the driver posted on one TX queue, up to @budget frames.  DD is
 * set before the head moves past a descriptor: a driver that sees the head
 * beyond a descriptor without DD knows its completion was lost.
 */
unsigned sim_dev_tx_step(struct sim_txq *q, unsigned budget)
{
	struct sim_dev *dev = q->dev;
	bool loopback = dev->conf.mode == SIM_MODE_LOOPBACK;
	unsigned done = 0;
	uint32_t tail;

	pthread_mutex_lock(&q->lock);
	if (!q->enabled)
		goto out;
	tail = atomic_load_explicit(&q->tdt, memory_order_acquire);
	/* The driver keeps the descriptor at the tail empty: a completion there is for nothing sent. */
	if (sim_fault_take(dev, BUMP_SIM_FAULT_TX_BOGUS))
		sim_status_store(&q->ring[tail & q->mask].status, SIM_TXD_STAT_DD);
	if (q->head == tail)
		goto out;
	if (loopback)
		sim_table_read_lock();
	while (q->head != tail && done < budget) {
		struct sim_tx_desc *d = &q->ring[q->head & q->mask];
		const void *va;
		uint8_t status = SIM_TXD_STAT_DD;

		if (sim_fault_take(dev, BUMP_SIM_FAULT_TX_EARLY)) {
			sim_status_store(&d->status, SIM_TXD_STAT_DD);
			break;  /* done, says the device; it reads the frame at its next step */
		}
		va = sim_dma_translate(d->addr, d->length);
		if (!va) {
			SIM_STAT_INC(q->dst.dma_faults);
			status |= SIM_TXD_STAT_EC;
		} else if (!sim_link_up(dev)) {
			SIM_STAT_INC(q->dst.link_drops);
		} else {
			SIM_STAT_INC(q->dst.frames);
			if (!loopback || dev->conf.check)
				sim_sink_check(q, va, d->length, !loopback);
			if (loopback)
				sim_dev_deliver(dev, q->qid, va, d->length);
		}
		/* A lost completion: the frame went out, the write-back did not. */
		if ((d->cmd & SIM_TXD_CMD_RS) && !sim_fault_take(dev, BUMP_SIM_FAULT_TX_LOST))
			sim_status_store(&d->status, status);
		q->head++;
		atomic_store_explicit(&q->tdh, q->head, memory_order_release);
		if (q->head != tail && sim_fault_take(dev, BUMP_SIM_FAULT_TX_DUP))
			sim_status_store(&q->ring[q->head & q->mask].status, status);
		done++;
	}
	if (loopback)
		sim_table_read_unlock();
out:
	pthread_mutex_unlock(&q->lock);
	return done;
}

unsigned sim_dev_step(struct sim_dev *dev, unsigned budget)
{
	unsigned n = 0;

	for (uint16_t q = 0; q < dev->nb_txq_active; q++)
		n += sim_dev_tx_step(dev->txq[q], budget);
	for (uint16_t q = 0; q < dev->nb_rxq_active; q++)
		n += sim_dev_gen_step(dev->rxq[q], budget);
	return n;
}

/* ---- The device thread ---------------------------------------------------- */

static void sim_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *sim_dev_thread_main(void *arg)
{
	struct sim_dev *dev = arg;
	unsigned idle = 0;

	while (!atomic_load_explicit(&dev->thread_stop, memory_order_acquire)) {
		if (sim_dev_step(dev, 64)) {
			idle = 0;
		} else if (++idle < 4096) {
			sim_relax();
		} else {
			/* Idle for a while: leave the CPU to others (tests share two cores). */
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* A CPU of this process other than the caller's: "the other core". */
static int sim_pick_cpu(void)
{
	cpu_set_t set;
	int self = sched_getcpu();

	if (sched_getaffinity(0, sizeof(set), &set) || self < 0)
		return -1;
	for (int i = 1; i < CPU_SETSIZE; i++) {
		int cpu = (self + i) % CPU_SETSIZE;

		if (CPU_ISSET(cpu, &set))
			return cpu;
	}
	return -1;
}

int sim_dev_thread_start(struct sim_dev *dev)
{
	int cpu = dev->conf.cpu >= 0 ? dev->conf.cpu : sim_pick_cpu();
	pthread_attr_t attr;
	cpu_set_t set;
	char name[16];
	int ret;

	pthread_attr_init(&attr);
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	} else {
		bump_log(BUMP_LOG_INFO, "sim port %u: only one CPU available; the device thread is "
			 "not pinned and shares it with the caller", dev->port_id);
	}
	atomic_store(&dev->thread_stop, false);
	ret = pthread_create(&dev->thread, &attr, sim_dev_thread_main, dev);
	pthread_attr_destroy(&attr);
	if (ret)
		return bump_error(ret, "sim port %u: cannot start the device thread on CPU %d (%s): "
				  "pick a CPU this process may use with cpu=<n>, or drop thread=1",
				  dev->port_id, cpu, strerror(ret));
	snprintf(name, sizeof(name), "sim-dev%u", dev->port_id);
	pthread_setname_np(dev->thread, name);
	dev->thread_running = true;
	return 0;
}

void sim_dev_thread_stop(struct sim_dev *dev)
{
	if (!dev->thread_running)
		return;
	atomic_store_explicit(&dev->thread_stop, true, memory_order_release);
	pthread_join(dev->thread, NULL);
	dev->thread_running = false;
}
