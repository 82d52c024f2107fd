/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_bus.c - the "vfio" port driver (bump_vfio_bus.h): match the PCI
 * function's ID against the registered PCI drivers, open the device, let
 * the driver probe it, and hand the port its ops.
 */
#include "bump_vfio_bus.h"
#include "bump_devargs.h"
#include "bump_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VFIO_PCI_DRIVERS_MAX 8
#define VFIO_USAGE "vfio:<PCI address>[,noiommu=0|1], e.g. vfio:0000:00:02.0"

static pthread_mutex_t vfio_bus_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct bump_vfio_pci_driver *vfio_pci_drivers[VFIO_PCI_DRIVERS_MAX];
static unsigned vfio_pci_ndrivers;

int bump_vfio_pci_driver_register(const struct bump_vfio_pci_driver *drv)
{
	const struct bump_port_driver *o = drv ? drv->ops : NULL;
	int ret = 0;

	if (!drv || !drv->name || !drv->ids || drv->priv_size < sizeof(struct bump_vfio_port) ||
	    !drv->probe || !drv->reset || !drv->free_queues || !o || !o->rxq_setup ||
	    !o->txq_setup || !o->start || !o->stop || o->close != bump_vfio_bus_close ||
	    !o->rx_burst || !o->tx_burst)
		return bump_error(EINVAL, "bump_vfio_pci_driver_register: a PCI driver needs a name, "
				  "an ID table, a state beginning with struct bump_vfio_port, probe, "
				  "reset, free_queues, and ops with rxq_setup, txq_setup, start, stop, "
				  "both bursts and close = bump_vfio_bus_close");
	pthread_mutex_lock(&vfio_bus_lock);
	if (vfio_pci_ndrivers == VFIO_PCI_DRIVERS_MAX)
		ret = bump_error(ENOSPC, "vfio: too many PCI drivers (raise VFIO_PCI_DRIVERS_MAX)");
	else
		vfio_pci_drivers[vfio_pci_ndrivers++] = drv;
	pthread_mutex_unlock(&vfio_bus_lock);
	return ret;
}

/* ---- devargs --------------------------------------------------------------- */

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
	return comma ? bump_devargs_parse("vfio", comma + 1, NULL, VFIO_USAGE, vfio_parse_kv, flags)
		     : 0;
}

/* ---- Matching ---------------------------------------------------------------- */

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

/* The PCI driver for the function at @name ("0000:00:02.0"). */
static int vfio_find_driver(const char *name, const struct bump_vfio_pci_driver **out)
{
	struct bump_pci_addr addr;
	struct bump_pci_ids ids;
	char supported[256];
	int ret = bump_pci_addr_parse(name, &addr);

	if (ret < 0)
		return ret;
	if (!bump_pci_sysfs_exists(&addr))
		return bump_error(ENODEV, "vfio: no PCI device %s on this machine (lspci -D lists "
				  "them)", name);
	ret = bump_pci_sysfs_ids(&addr, &ids);
	if (ret)
		return ret;
	pthread_mutex_lock(&vfio_bus_lock);
	*out = vfio_match(&ids);
	vfio_supported(supported, sizeof(supported));
	pthread_mutex_unlock(&vfio_bus_lock);
	if (!*out)
		return bump_error(ENOTSUP, "vfio: no bump driver for %s (%04x:%04x); supported "
				  "devices: %s", name, ids.vendor, ids.device, supported);
	return 0;
}

/* ---- Open and close ------------------------------------------------------------ */

static int vfio_port_open(struct bump_port *port, const char *args)
{
	struct bump_port_info *info = bump_port_info_mut(port);
	const struct bump_vfio_pci_driver *drv;
	struct bump_vfio_port *bp;
	struct bump_dma_dev *dma;
	char name[64];
	unsigned flags;
	int ret;

	ret = bump_vfio_parse_args(args, name, sizeof(name), &flags);
	if (!ret)
		ret = vfio_find_driver(name, &drv);
	if (ret)
		return ret;
	bp = calloc(1, drv->priv_size);
	if (!bp)
		return bump_error(ENOMEM, "%s: out of memory", drv->name);
	bp->drv = drv;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	info->mtu = 1500;
	ret = bump_vfio_dev_open(name, flags, &bp->vdev);
	if (!ret)
		ret = drv->probe(bp, info);
	if (!ret)
		ret = bump_vfio_dma_dev_get(&dma);
	if (!ret)
		ret = bump_port_set_ops(port, drv->ops);
	if (ret) {
		if (bp->vdev)
			bump_vfio_dev_close(bp->vdev);
		free(bp);
		return ret;
	}
	bump_vfio_dma_dev_put();  /* the device keeps the container; dma lives on */
	info->dma_dev = dma;
	bump_port_set_priv(port, bp);
	bump_log(BUMP_LOG_INFO, "%s %s: MAC %02x:%02x:%02x:%02x:%02x:%02x, IOMMU group %d",
		 drv->name, bp->vdev->name, info->mac[0], info->mac[1], info->mac[2], info->mac[3],
		 info->mac[4], info->mac[5], bp->vdev->group);
	return 0;
}

void bump_vfio_bus_close(struct bump_port *port)
{
	struct bump_vfio_port *bp = bump_port_priv(port);

	if (!bp)
		return;
	bp->drv->ops->stop(port);
	bp->drv->reset(bp);
	if (bump_vfio_dev_bus_master(bp->vdev, false))
		bump_log(BUMP_LOG_WARN, "%s %s: could not clear bus master: %s", bp->drv->name,
			 bp->vdev->name, bump_last_error());
	bp->drv->free_queues(bp);
	bump_vfio_dev_close(bp->vdev);
	free(bp);
	bump_port_set_priv(port, NULL);
}

/* A bus: open alone, which hands each port to its PCI driver's ops. */
static const struct bump_port_driver vfio_bus_driver = {
	.name = "vfio",
	.open = vfio_port_open,
};

__attribute__((constructor)) static void vfio_bus_register(void)
{
	if (bump_port_driver_register(&vfio_bus_driver))
		bump_log(BUMP_LOG_ERR, "vfio: the port driver did not register: %s",
			 bump_last_error());
}

/* ---- For tests and tools ---------------------------------------------------- */

/* The bus's state of @port when it is an open vfio port. */
static struct bump_vfio_port *vfio_port_of(struct bump_port *port)
{
	struct bump_port_info info;

	if (!port || bump_port_info_get(port, &info) || strcmp(info.driver, "vfio") != 0)
		return NULL;
	return bump_port_priv(port);
}

int bump_vfio_port_set_rx_hook(struct bump_port *port, bump_vfio_rx_hook hook, void *arg)
{
	struct bump_vfio_port *bp = vfio_port_of(port);

	if (!bp)
		return bump_error(EINVAL, "bump_vfio_port_set_rx_hook: not an open vfio port");
	if (!bp->rx_hook)
		return bump_error(EINVAL, "%s %s: set up the RX queue before its hook",
				  bp->drv->name, bp->vdev->name);
	bp->rx_hook->arg = arg;
	bp->rx_hook->fn = hook;
	return 0;
}

struct bump_vfio_dev *bump_vfio_port_dev(struct bump_port *port)
{
	struct bump_vfio_port *bp = vfio_port_of(port);

	return bp ? bp->vdev : NULL;
}

const char *bump_vfio_port_pci_driver(struct bump_port *port)
{
	struct bump_vfio_port *bp = vfio_port_of(port);

	return bp ? bp->drv->name : NULL;
}
