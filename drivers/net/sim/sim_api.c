/* SPDX-License-Identifier: MIT */
/*
 * sim_api.c - what bump_sim.h offers beyond the port API: fault injection,
 * the link switch, manual stepping and the sim's own counters.  All may be
 * called from any thread while traffic runs, except stepping alongside
 * stop/close.
 */
#include "sim_priv.h"

#include <errno.h>
#include <string.h>

static struct sim_dev *sim_dev_of(const struct bump_port *port, const char *what)
{
	struct bump_port_info info;

	if (!port || bump_port_info_get(port, &info) || strcmp(info.driver, "sim")) {
		bump_error(EINVAL, "%s: not a sim port: pass a port opened with \"sim:...\"", what);
		return NULL;
	}
	return bump_port_priv((struct bump_port *)port);
}

int bump_sim_get_stats(const struct bump_port *port, struct bump_sim_stats *s)
{
	const struct sim_dev *dev = sim_dev_of(port, "bump_sim_get_stats");

	if (!dev || !s)
		return dev ? bump_error(EINVAL, "bump_sim_get_stats: stats is NULL") : -EINVAL;
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < BUMP_PORT_QUEUE_MAX; i++) {
		const struct sim_rxq *r = dev->rxq[i];
		const struct sim_txq *t = dev->txq[i];

		if (r) {
			s->rx_frames += SIM_LD(r->dst.frames);
			s->gen_frames += SIM_LD(r->dst.gen_frames);
			s->rx_no_desc += SIM_LD(r->dst.no_desc);
			s->rx_disabled += SIM_LD(r->dst.disabled);
			s->rx_oversize += SIM_LD(r->dst.oversize);
			s->link_drops += SIM_LD(r->dst.link_drops);
			s->dma_faults += SIM_LD(r->dst.dma_faults);
			s->rx_bad_len += SIM_LD(r->st.bad_len);
			s->rx_bad_addr += SIM_LD(r->st.bad_addr);
			s->rx_desc_errors += SIM_LD(r->st.desc_errors);
			s->rx_reclaimed += SIM_LD(r->st.reclaimed);
		}
		if (t) {
			s->tx_frames += SIM_LD(t->dst.frames);
			s->link_drops += SIM_LD(t->dst.link_drops);
			s->dma_faults += SIM_LD(t->dst.dma_faults);
			s->tx_lost += SIM_LD(t->st.lost);
			s->tx_early += SIM_LD(t->st.early);
			s->tx_bogus += SIM_LD(t->st.bogus);
			s->tx_tx_errors += SIM_LD(t->st.tx_errors);
			s->tx_link_refused += SIM_LD(t->st.link_refused);
			s->tx_unmapped += SIM_LD(t->st.unmapped);
			s->tx_reclaimed += SIM_LD(t->st.reclaimed);
			s->sink_frames += SIM_LD(t->sink.frames);
			s->sink_bytes += SIM_LD(t->sink.bytes);
			s->sink_bad_format += SIM_LD(t->sink.bad_format);
			s->sink_bad_csum += SIM_LD(t->sink.bad_csum);
			s->sink_seq_gaps += SIM_LD(t->sink.seq_gaps);
			s->sink_seq_errors += SIM_LD(t->sink.seq_errors);
		}
	}
	s->rx_disabled += SIM_LD(dev->rx_disabled);
	s->tx_no_peer = SIM_LD(dev->no_peer);
	s->faults_injected = SIM_LD(dev->faults_fired);
	return 0;
}

int bump_sim_inject(struct bump_port *port, enum bump_sim_fault fault, uint32_t count)
{
	struct sim_dev *dev = sim_dev_of(port, "bump_sim_inject");

	if (!dev)
		return -EINVAL;
	if ((unsigned)fault >= BUMP_SIM_FAULT_MAX)
		return bump_error(EINVAL, "bump_sim_inject: fault %d is unknown: use a "
				  "BUMP_SIM_FAULT_* value", (int)fault);
	/* Add without wrapping: 2^32-1 armed at most, more is refused, not lost. */
	uint32_t armed = atomic_load(&dev->fault[fault]);

	do {
		if (count > UINT32_MAX - armed)
			return bump_error(EOVERFLOW, "bump_sim_inject: %u more of fault %d on top of "
					  "the %u armed exceed 2^32-1; arm fewer (nothing added)",
					  count, (int)fault, armed);
	} while (!atomic_compare_exchange_weak(&dev->fault[fault], &armed, armed + count));
	return 0;
}

int bump_sim_link_set(struct bump_port *port, bool up)
{
	struct sim_dev *dev = sim_dev_of(port, "bump_sim_link_set");

	if (!dev)
		return -EINVAL;
	atomic_store(&dev->link_up, up);
	bump_log(BUMP_LOG_INFO, "sim port %u: link %s", dev->port_id, up ? "up" : "down");
	return 0;
}

int bump_sim_device_step(struct bump_port *port, unsigned budget)
{
	struct sim_dev *dev = sim_dev_of(port, "bump_sim_device_step");
	unsigned done;

	if (!dev)
		return -EINVAL;
	if (!dev->started)
		return bump_error(EAGAIN, "sim port %u is stopped: bump_port_start() it before "
				  "stepping its device", dev->port_id);
	done = sim_dev_step(dev, budget);  /* once: BUMP_MIN evaluates twice */
	return (int)BUMP_MIN(done, (unsigned)INT32_MAX);
}

