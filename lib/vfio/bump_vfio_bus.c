/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_bus.c - the "vfio" port driver: "vfio:0000:00:02.0" opens the
 * PCI function there with whichever registered PCI driver lists its
 * vendor:device ID (drivers/net/e1000e, drivers/net/virtio), as the
 * kernel's PCI core matches id_tables.  Control calls are forwarded to that
 * driver; bursts go through the queue's own burst function, which every
 * vfio queue keeps in its first member (struct bump_vfio_queue).
 */
#include "bump_vfio.h"
#include "bump_devargs.h"
#include "bump_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define VFIO_PCI_DRIVERS_MAX 8

static pthread_mutex_t vfio_bus_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct bump_vfio_pci_driver *vfio_pci_drivers[VFIO_PCI_DRIVERS_MAX];
static unsigned vfio_pci_ndrivers;
/* The PCI driver of each open vfio port, by port id. */
static const struct bump_vfio_pci_driver *vfio_port_pci[BUMP_PORT_MAX];

int bump_vfio_pci_driver_register(const struct bump_vfio_pci_driver *drv)
{
	const struct bump_port_driver *o = drv ? drv->ops : NULL;
	int ret = 0;

	if (!drv || !drv->name || !drv->ids || !o || !o->open || !o->rxq_setup || !o->txq_setup ||
	    !o->start || !o->stop || !o->close)
		return bump_error(EINVAL, "bump_vfio_pci_driver_register: a PCI driver needs a name, "
				  "an ID table and open, rxq_setup, txq_setup, start, stop and close");
	pthread_mutex_lock(&vfio_bus_lock);
	if (vfio_pci_ndrivers == VFIO_PCI_DRIVERS_MAX)
		ret = bump_error(ENOSPC, "vfio: too many PCI drivers (raise VFIO_PCI_DRIVERS_MAX)");
	else
		vfio_pci_drivers[vfio_pci_ndrivers++] = drv;
	pthread_mutex_unlock(&vfio_bus_lock);
	return ret;
}

#define VFIO_USAGE "vfio:<PCI address>[,noiommu=0|1], e.g. vfio:0000:00:02.0"

static int vfio_parse_kv(void *arg, const char *key, const char *val)
{
	unsigned *flags = arg;

	if (strcmp(key, "noiommu"))
		return bump_devargs_unknown("vfio", key, VFIO_USAGE);
	/* A bare "noiommu" is noiommu=1. */
	if (!val || !strcmp(val, "1"))
		*flags |= BUMP_VFIO_F_NOIOMMU;
	else if (strcmp(val, "0"))
		return bump_error(EINVAL, "vfio: noiommu=%s: use noiommu=0 or noiommu=1", val);
	return 0;
}

int bump_vfio_parse_args(const char *args, char *pci_addr, size_t len, unsigned *flags)
{
	const char *comma = strchr(args, ',');
	size_t alen = comma ? (size_t)(comma - args) : strlen(args);

	*flags = 0;
	if (alen == 0 || alen >= len)
		return bump_error(EINVAL, "vfio: devargs \"%s\": start with the device's PCI address "
				  "(" VFIO_USAGE ")", args);
	memcpy(pci_addr, args, alen);
	pci_addr[alen] = '\0';
	return comma ? bump_devargs_parse("vfio", comma + 1, NULL, VFIO_USAGE, vfio_parse_kv, flags) : 0;
}

static const struct bump_vfio_pci_driver *vfio_match(const struct bump_pci_ids *ids)
{
	for (unsigned i = 0; i < vfio_pci_ndrivers; i++)
		for (const struct bump_vfio_pci_id *id = vfio_pci_drivers[i]->ids; id->vendor; id++)
			if (id->vendor == ids->vendor && id->device == ids->device)
				return vfio_pci_drivers[i];
	return NULL;
}

static void vfio_supported(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < vfio_pci_ndrivers && at < len; i++)
		for (const struct bump_vfio_pci_id *id = vfio_pci_drivers[i]->ids;
		     id->vendor && at < len; id++)
			at += (size_t)snprintf(buf + at, len - at, "%s%s (%04x:%04x)",
					       at ? ", " : "", vfio_pci_drivers[i]->name,
					       id->vendor, id->device);
	if (!buf[0])
		snprintf(buf, len, "none: link the drivers (bump_drivers_dep)");
}

static const struct bump_vfio_pci_driver *vfio_port_drv(struct bump_port *port)
{
	uint16_t id = bump_port_info_mut(port)->id;

	return id < BUMP_PORT_MAX ? vfio_port_pci[id] : NULL;
}

/* ---- The port driver ------------------------------------------------------ */

static int vfio_port_open(struct bump_port *port, const char *args)
{
	const struct bump_vfio_pci_driver *drv;
	struct bump_pci_addr addr;
	struct bump_pci_ids ids;
	char name[64], supported[256];
	unsigned flags;
	uint16_t id = bump_port_info_mut(port)->id;
	int ret;

	ret = bump_vfio_parse_args(args, name, sizeof(name), &flags);
	if (ret)
		return ret;
	ret = bump_pci_addr_parse(name, &addr);
	if (ret < 0)
		return ret;
	if (!bump_pci_sysfs_exists(&addr))
		return bump_error(ENODEV, "vfio: no PCI device %s on this machine (lspci -D lists "
				  "them)", name);
	ret = bump_pci_sysfs_ids(&addr, &ids);
	if (ret)
		return ret;
	pthread_mutex_lock(&vfio_bus_lock);
	drv = vfio_match(&ids);
	vfio_supported(supported, sizeof(supported));
	pthread_mutex_unlock(&vfio_bus_lock);
	if (!drv)
		return bump_error(ENOTSUP, "vfio: no bump driver for %s (%04x:%04x); supported "
				  "devices: %s", name, ids.vendor, ids.device, supported);
	if (id >= BUMP_PORT_MAX)
		return bump_error(EINVAL, "vfio: port id %u is out of range", id);
	ret = drv->ops->open(port, args);
	if (ret)
		return ret;
	vfio_port_pci[id] = drv;
	return 0;
}

static int vfio_port_rxq_setup(struct bump_port *port, uint16_t qid, const struct bump_rxq_conf *conf)
{
	return vfio_port_drv(port)->ops->rxq_setup(port, qid, conf);
}

static int vfio_port_txq_setup(struct bump_port *port, uint16_t qid, const struct bump_txq_conf *conf)
{
	return vfio_port_drv(port)->ops->txq_setup(port, qid, conf);
}

static int vfio_port_start(struct bump_port *port)
{
	return vfio_port_drv(port)->ops->start(port);
}

static int vfio_port_stop(struct bump_port *port)
{
	return vfio_port_drv(port)->ops->stop(port);
}

static void vfio_port_close(struct bump_port *port)
{
	const struct bump_vfio_pci_driver *drv = vfio_port_drv(port);

	drv->ops->close(port);
	vfio_port_pci[bump_port_info_mut(port)->id] = NULL;
}

static int vfio_port_link_get(struct bump_port *port, struct bump_port_link *link)
{
	const struct bump_vfio_pci_driver *drv = vfio_port_drv(port);

	if (!drv->ops->link_get)
		return bump_error(ENOTSUP, "vfio: %s does not report its link", drv->name);
	return drv->ops->link_get(port, link);
}

static int vfio_port_stats_get(struct bump_port *port, struct bump_port_stats *stats)
{
	const struct bump_vfio_pci_driver *drv = vfio_port_drv(port);

	if (!drv->ops->stats_get)
		return bump_error(ENOTSUP, "vfio: %s keeps no statistics", drv->name);
	return drv->ops->stats_get(port, stats);
}

static int vfio_port_stats_reset(struct bump_port *port)
{
	const struct bump_vfio_pci_driver *drv = vfio_port_drv(port);

	if (!drv->ops->stats_reset)
		return bump_error(ENOTSUP, "vfio: %s cannot reset its statistics", drv->name);
	return drv->ops->stats_reset(port);
}

/* Bursts: one indirect call more than a direct driver, to the queue's own burst. */
static uint16_t vfio_port_burst(void *queue, struct bump_pkt *pkts, uint16_t n)
{
	return ((struct bump_vfio_queue *)queue)->burst(queue, pkts, n);
}

static const struct bump_port_driver vfio_port_driver = {
	.name = "vfio",
	.open = vfio_port_open,
	.rxq_setup = vfio_port_rxq_setup,
	.txq_setup = vfio_port_txq_setup,
	.start = vfio_port_start,
	.stop = vfio_port_stop,
	.close = vfio_port_close,
	.link_get = vfio_port_link_get,
	.stats_get = vfio_port_stats_get,
	.stats_reset = vfio_port_stats_reset,
	.rx_burst = vfio_port_burst,
	.tx_burst = vfio_port_burst,
};

__attribute__((constructor)) static void vfio_port_driver_init(void)
{
	if (bump_port_driver_register(&vfio_port_driver))
		bump_log(BUMP_LOG_ERR, "vfio: the port driver did not register: %s",
			 bump_last_error());
}

/* ---- For tests and tools ---------------------------------------------------- */

static const struct bump_vfio_pci_driver *vfio_checked_drv(struct bump_port *port)
{
	struct bump_port_info info;

	if (!port || bump_port_info_get(port, &info) || strcmp(info.driver, "vfio") != 0)
		return NULL;
	return vfio_port_drv(port);
}

int bump_vfio_port_set_rx_hook(struct bump_port *port, bump_vfio_rx_hook hook, void *arg)
{
	const struct bump_vfio_pci_driver *drv = vfio_checked_drv(port);

	if (!drv)
		return bump_error(EINVAL, "bump_vfio_port_set_rx_hook: not an open vfio port");
	if (!drv->set_rx_hook)
		return bump_error(ENOTSUP, "vfio: %s has no RX test hook", drv->name);
	return drv->set_rx_hook(port, hook, arg);
}

struct bump_vfio_dev *bump_vfio_port_dev(struct bump_port *port)
{
	const struct bump_vfio_pci_driver *drv = vfio_checked_drv(port);

	return drv && drv->vfio_dev ? drv->vfio_dev(port) : NULL;
}

const char *bump_vfio_port_pci_driver(struct bump_port *port)
{
	const struct bump_vfio_pci_driver *drv = vfio_checked_drv(port);

	return drv ? drv->name : NULL;
}
