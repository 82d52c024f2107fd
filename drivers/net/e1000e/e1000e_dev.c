/* SPDX-License-Identifier: MIT */
/*
 * e1000e_dev.c - the 82574 as a device: probe (the vfio bus opened it),
 * reset, link, MAC address, hardware counters, start/stop, and registration
 * with the vfio bus (drivers/bus/vfio) for 8086:10d3.
 *
 * Initialization follows the datasheet's 4.6 "Software Initialization
 * Sequence": mask interrupts, global reset, mask again, link setup
 * (CTRL.SLU with auto-speed detection), clear the multicast table and the
 * statistics, then the receive (4.6.7) and transmit (4.6.8) rings.
 */
#include "e1000e.h"
#include "bump_log.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static void e1000e_sleep_us(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Poll until (reg & mask) == want, for at most @ms milliseconds. */
static bool e1000e_wait(const struct e1000e_dev *d, uint32_t reg, uint32_t mask, uint32_t want,
			unsigned ms)
{
	for (unsigned i = 0; i <= ms * 10; i++) {
		if ((e1000e_rd(d, reg) & mask) == want)
			return true;
		e1000e_sleep_us(100);
	}
	return false;
}

/* Global reset (datasheet 4.6.1, 5.2.x): stop bus mastering first, then CTRL.RST. */
static int e1000e_hw_reset(struct e1000e_dev *d)
{
	e1000e_wr(d, E1000E_IMC, 0xffffffff);
	e1000e_wr(d, E1000E_RCTL, 0);
	e1000e_wr(d, E1000E_TCTL, 0);
	e1000e_wr(d, E1000E_CTRL, e1000e_rd(d, E1000E_CTRL) | E1000E_CTRL_GIO_MASTER_DISABLE);
	if (!e1000e_wait(d, E1000E_STATUS, E1000E_STATUS_GIO_MASTER_ENABLE, 0, 100))
		bump_log(BUMP_LOG_WARN, "e1000e %s: master requests still pending after 100 ms; "
			 "resetting anyway", d->bus.vdev->name);
	e1000e_wr(d, E1000E_CTRL, e1000e_rd(d, E1000E_CTRL) | E1000E_CTRL_RST);
	e1000e_sleep_us(1000);  /* the datasheet asks for 1 ms before the next access */
	if (!e1000e_wait(d, E1000E_CTRL, E1000E_CTRL_RST, 0, 100))
		return bump_error(EIO, "e1000e %s: CTRL.RST did not clear within 100 ms; the device "
				  "is not responding", d->bus.vdev->name);
	/* Interrupts are masked again after reset (4.6.1) and stay masked: we poll. */
	e1000e_wr(d, E1000E_IMC, 0xffffffff);
	(void)e1000e_rd(d, E1000E_ICR);
	return 0;
}

static void e1000e_link_setup(struct e1000e_dev *d)
{
	uint32_t ctrl = e1000e_rd(d, E1000E_CTRL);

	ctrl &= ~(E1000E_CTRL_FRCSPD | E1000E_CTRL_FRCDPX | E1000E_CTRL_PHY_RST |
		  E1000E_CTRL_GIO_MASTER_DISABLE);
	e1000e_wr(d, E1000E_CTRL, ctrl | E1000E_CTRL_SLU | E1000E_CTRL_ASDE);
}

static bool e1000e_mac_valid(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

/* RAL0/RAH0 hold the EEPROM's address after reset; the EEPROM words 0..2 otherwise. */
static int e1000e_read_mac(struct e1000e_dev *d)
{
	uint32_t ral = e1000e_rd(d, E1000E_RAL0), rah = e1000e_rd(d, E1000E_RAH0);

	for (unsigned i = 0; i < 4; i++)
		d->mac[i] = (uint8_t)(ral >> (8 * i));
	d->mac[4] = (uint8_t)rah;
	d->mac[5] = (uint8_t)(rah >> 8);
	if (!(rah & E1000E_RAH_AV) || !e1000e_mac_valid(d->mac)) {
		for (unsigned w = 0; w < 3; w++) {
			uint32_t v;

			e1000e_wr(d, E1000E_EERD, w << E1000E_EERD_ADDR_SHIFT | E1000E_EERD_START);
			if (!e1000e_wait(d, E1000E_EERD, E1000E_EERD_DONE, E1000E_EERD_DONE, 10))
				return bump_error(EIO, "e1000e %s: EEPROM read of word %u timed out",
						  d->bus.vdev->name, w);
			v = e1000e_rd(d, E1000E_EERD) >> E1000E_EERD_DATA_SHIFT;
			d->mac[2 * w] = (uint8_t)v;
			d->mac[2 * w + 1] = (uint8_t)(v >> 8);
		}
		if (!e1000e_mac_valid(d->mac))
			return bump_error(EIO, "e1000e %s: neither RAL/RAH nor the EEPROM hold a valid "
					  "MAC address", d->bus.vdev->name);
		e1000e_wr(d, E1000E_RAL0, (uint32_t)d->mac[0] | (uint32_t)d->mac[1] << 8 |
			  (uint32_t)d->mac[2] << 16 | (uint32_t)d->mac[3] << 24);
		e1000e_wr(d, E1000E_RAH0, (uint32_t)d->mac[4] | (uint32_t)d->mac[5] << 8 |
			  E1000E_RAH_AV);
	}
	return 0;
}

/* Fold the clear-on-read counters into d->hw (10.2.7). */
static void e1000e_hw_stats_update(struct e1000e_dev *d)
{
	struct e1000e_hw_stats *s = &d->hw;
	uint64_t lo;

	s->gprc += e1000e_rd(d, E1000E_GPRC);
	s->gptc += e1000e_rd(d, E1000E_GPTC);
	lo = e1000e_rd(d, E1000E_GORCL);  /* low first: reading the high half clears both */
	s->gorc += lo | (uint64_t)e1000e_rd(d, E1000E_GORCH) << 32;
	lo = e1000e_rd(d, E1000E_GOTCL);
	s->gotc += lo | (uint64_t)e1000e_rd(d, E1000E_GOTCH) << 32;
	s->mpc += e1000e_rd(d, E1000E_MPC);
	s->rnbc += e1000e_rd(d, E1000E_RNBC);
	s->crcerrs += e1000e_rd(d, E1000E_CRCERRS);
	s->rxerrc += e1000e_rd(d, E1000E_RXERRC);
	s->algnerrc += e1000e_rd(d, E1000E_ALGNERRC);
	s->ruc += e1000e_rd(d, E1000E_RUC);
	s->roc += e1000e_rd(d, E1000E_ROC);
	(void)e1000e_rd(d, E1000E_TPR);
	(void)e1000e_rd(d, E1000E_TPT);
}

/* ---- Port ops -------------------------------------------------------------- */

static struct e1000e_dev *e1000e_of(struct bump_port *port)
{
	return bump_port_priv(port);
}

static int e1000e_probe(struct bump_vfio_port *bp, struct bump_port_info *info)
{
	struct e1000e_dev *d = (struct e1000e_dev *)bp;
	size_t len;
	void *bar;
	int ret;

	ret = bump_vfio_dev_map_bar(d->bus.vdev, 0, &bar, &len);
	if (ret)
		return ret;
	if (len < E1000E_BAR0_MIN_SIZE)
		return bump_error(ENODEV, "e1000e %s: BAR0 is %zu bytes, not the 82574's 128 KiB",
				  d->bus.vdev->name, len);
	d->bar0 = bar;
	/* A function-level reset where VFIO offers one; CTRL.RST below in any case. */
	ret = bump_vfio_dev_reset(d->bus.vdev);
	if (ret && ret != -ENOTSUP)
		return ret;
	ret = bump_vfio_dev_bus_master(d->bus.vdev, true);
	if (ret)
		return ret;
	ret = e1000e_hw_reset(d);
	if (ret)
		return ret;
	e1000e_link_setup(d);
	ret = e1000e_read_mac(d);
	if (ret)
		return ret;
	for (unsigned i = 0; i < E1000E_MTA_NUM; i++)
		e1000e_wr(d, E1000E_MTA + 4 * i, 0);
	e1000e_hw_stats_update(d);
	memset(&d->hw, 0, sizeof(d->hw));
	memcpy(info->mac, d->mac, 6);
	info->max_rx_pktlen = 1518;
	return 0;
}

static int e1000e_start(struct bump_port *port)
{
	struct e1000e_dev *d = e1000e_of(port);
	int ret;

	if (!e1000e_wait(d, E1000E_STATUS, E1000E_STATUS_LU, E1000E_STATUS_LU, 2000))
		bump_log(BUMP_LOG_WARN, "e1000e %s: link is still down after 2 s; starting anyway",
			 d->bus.vdev->name);
	if (d->txq) {
		ret = e1000e_txq_start(d, d->txq);
		if (ret)
			return ret;
	}
	if (d->rxq) {
		ret = e1000e_rxq_start(d, d->rxq);
		if (ret) {
			if (d->txq)
				e1000e_txq_stop(d, d->txq);
			return ret;
		}
	}
	d->started = true;
	return 0;
}

static int e1000e_stop(struct bump_port *port)
{
	struct e1000e_dev *d = e1000e_of(port);

	if (!d->started)
		return 0;
	if (d->rxq)
		e1000e_rxq_stop(d, d->rxq);
	if (d->txq)
		e1000e_txq_stop(d, d->txq);
	e1000e_hw_stats_update(d);
	d->started = false;
	return 0;
}

/* No DMA after this: the bus then takes bus mastering away and unmaps. */
static void e1000e_reset(struct bump_vfio_port *bp)
{
	struct e1000e_dev *d = (struct e1000e_dev *)bp;

	if (e1000e_hw_reset(d))
		bump_log(BUMP_LOG_WARN, "e1000e %s: reset at close failed: %s", d->bus.vdev->name,
			 bump_last_error());
}

static void e1000e_free_queues(struct bump_vfio_port *bp)
{
	struct e1000e_dev *d = (struct e1000e_dev *)bp;

	e1000e_rxq_free(d->rxq);
	e1000e_txq_free(d->txq);
}

static int e1000e_link_get(struct bump_port *port, struct bump_port_link *link)
{
	uint32_t status = e1000e_rd(e1000e_of(port), E1000E_STATUS);
	static const uint32_t speeds[4] = { 10, 100, 1000, 1000 };

	link->up = status & E1000E_STATUS_LU;
	link->full_duplex = status & E1000E_STATUS_FD;
	link->speed_mbps = link->up ? speeds[(status >> E1000E_STATUS_SPEED_SHIFT) & 3] : 0;
	return 0;
}

/*
 * Since open (lib/port resets by snapshot).  Port-wide (total): the
 * hardware's counters.  Queue 0: what only software sees (completions it
 * rejected, allocation failures, packets it could not send), so that the
 * port layer's total = port-wide + queues counts each packet once.
 */
static int e1000e_stats_get(struct bump_port *port, struct bump_port_stats *stats)
{
	struct e1000e_dev *d = e1000e_of(port);

	e1000e_hw_stats_update(d);
	stats->total.ipackets = d->hw.gprc;
	stats->total.ibytes = d->hw.gorc;
	stats->total.opackets = d->hw.gptc;
	stats->total.obytes = d->hw.gotc;
	stats->total.imissed = d->hw.mpc;
	stats->total.ierrors = d->hw.crcerrs + d->hw.rxerrc + d->hw.algnerrc + d->hw.ruc + d->hw.roc;
	if (d->rxq) {
		stats->q[0].ierrors = atomic_load(&d->rxq->stats.bad_desc);
		stats->q[0].rx_nombuf = atomic_load(&d->rxq->stats.nombuf);
	}
	if (d->txq)
		stats->q[0].oerrors = atomic_load(&d->txq->stats.dropped);
	return 0;
}

static const struct bump_port_driver e1000e_ops = {
	.name = "e1000e",
	.rxq_setup = e1000e_rxq_setup,
	.txq_setup = e1000e_txq_setup,
	.start = e1000e_start,
	.stop = e1000e_stop,
	.close = bump_vfio_bus_close,
	.link_get = e1000e_link_get,
	.stats_get = e1000e_stats_get,
	.rx_burst = e1000e_rx_burst,
	.tx_burst = e1000e_tx_burst,
};

static const struct bump_vfio_pci_id e1000e_ids[] = {
	{ 0x8086, 0x10d3 },  /* 82574L */
	{ 0, 0 },
};

static const struct bump_vfio_pci_driver e1000e_pci_driver = {
	.name = "e1000e",
	.ids = e1000e_ids,
	.priv_size = sizeof(struct e1000e_dev),
	.probe = e1000e_probe,
	.reset = e1000e_reset,
	.free_queues = e1000e_free_queues,
	.ops = &e1000e_ops,
};

__attribute__((constructor)) static void e1000e_register(void)
{
	if (bump_vfio_pci_driver_register(&e1000e_pci_driver))
		bump_log(BUMP_LOG_ERR, "e1000e: not registered: %s", bump_last_error());
}
