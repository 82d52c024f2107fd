/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.c - a virtio-net device (1af4:1041) as a bump port: the
 * initialization sequence (VIRTIO 1.2, 3.1.1), feature negotiation, MAC and
 * link from the device configuration (5.1.4), start/stop, software
 * statistics, and registration with the vfio bus (drivers/bus/vfio).
 *
 * Queues can only be configured before DRIVER_OK, so start runs the whole
 * sequence (reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues,
 * DRIVER_OK) and stop resets the device: a reset is the one way to take
 * the rings away from it (2.4 "Device Reset").
 */
#include "virtio_net.h"
#include "bump_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int virtio_virtq_alloc(const struct virtio_net_dev *d, struct virtq *vq, unsigned want,
		       uint16_t index, const char *dir)
{
	unsigned size = want ? want : VIRTIO_RING_DEFAULT;
	char what[16];
	int ret;

	memset(vq, 0, sizeof(*vq));
	if (size < VIRTIO_RING_MIN || size > 32768 || (size & (size - 1)))
		return bump_error(EINVAL, "virtio %s: %s ring of %u descriptors: use a power of two "
				  "from %u to 32768", d->bus.vdev->name, dir, size, VIRTIO_RING_MIN);
	snprintf(what, sizeof(what), "the %s queue", dir);
	ret = bump_vfio_dma_alloc(virtq_bytes((uint16_t)size), what, &vq->mem);
	if (ret)
		return ret;
	vq->size = (uint16_t)size;
	vq->mask = (uint16_t)(size - 1);
	vq->index = index;
	vq->desc = vq->mem.va;
	vq->avail = (volatile void *)((uint8_t *)vq->mem.va + virtq_avail_off(vq->size));
	vq->used = (volatile void *)((uint8_t *)vq->mem.va + virtq_used_off(vq->size));
	return 0;
}

int virtio_virtq_start(struct virtio_net_dev *d, struct virtq *vq, const char *dir)
{
	uint16_t size = vq->size;
	int ret;

	memset(vq->mem.va, 0, vq->mem.size);
	vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vq->avail_idx = vq->used_idx = 0;
	ret = virtio_pci_queue_setup(&d->vp, vq->index, &size, vq->mem.iova,
				     vq->mem.iova + virtq_avail_off(vq->size),
				     vq->mem.iova + virtq_used_off(vq->size), &vq->notify);
	if (ret)
		return ret;
	if (size != vq->size)
		return bump_error(EINVAL, "virtio %s: the device takes at most %u %s descriptors, not "
				  "%u: ask for fewer", d->bus.vdev->name, size, dir, vq->size);
	return 0;
}

/* What we ask for: no offloads, no mergeable buffers, no event index. */
static uint64_t virtio_net_wanted(void)
{
	return 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_ACCESS_PLATFORM |
	       1ull << VIRTIO_F_ORDER_PLATFORM | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS;
}

/* 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
static int virtio_net_init(struct virtio_net_dev *d)
{
	uint64_t offered;
	int ret = virtio_pci_reset(&d->vp);

	if (ret)
		return ret;
	virtio_pci_set_status(&d->vp, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	virtio_pci_set_status(&d->vp, VIRTIO_CONFIG_S_DRIVER);
	offered = virtio_pci_device_features(&d->vp);
	if (!(offered & 1ull << VIRTIO_F_VERSION_1))
		return bump_error(ENOTSUP, "virtio %s: the device does not offer VIRTIO_F_VERSION_1 "
				  "(features 0x%llx); bump drives virtio 1.x devices only",
				  d->bus.vdev->name, (unsigned long long)offered);
	if (!(offered & 1ull << VIRTIO_F_ACCESS_PLATFORM) && !d->bus.vdev->noiommu)
		return bump_error(ENOTSUP, "virtio %s: the device does not offer "
				  "VIRTIO_F_ACCESS_PLATFORM, so its DMA would bypass the IOMMU and "
				  "take our IOVAs for physical addresses. With QEMU add "
				  "iommu_platform=on to the -device virtio-net-pci options",
				  d->bus.vdev->name);
	d->features = offered & virtio_net_wanted();
	return virtio_pci_negotiate(&d->vp, d->features);
}

static int virtio_net_read_mac(struct virtio_net_dev *d)
{
	if (d->features & 1ull << VIRTIO_NET_F_MAC)
		return virtio_pci_read_device_cfg(&d->vp, offsetof(struct virtio_net_config, mac), d->mac, 6);
	/* No MAC from the device: a random locally administered one (5.1.5). */
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		srand((unsigned)ts.tv_nsec);
		d->mac[0] = 0x02;
		for (unsigned i = 1; i < 6; i++)
			d->mac[i] = (uint8_t)rand();
	}
	return 0;
}

static struct virtio_net_dev *virtio_of(struct bump_port *port)
{
	return bump_port_priv(port);
}

static int virtio_net_probe(struct bump_vfio_port *bp, struct bump_port_info *info)
{
	struct virtio_net_dev *d = (struct virtio_net_dev *)bp;
	int ret = virtio_pci_probe(&d->vp, d->bus.vdev);

	if (!ret)
		ret = bump_vfio_dev_bus_master(d->bus.vdev, true);
	if (!ret)
		ret = virtio_net_init(d);
	if (!ret)
		ret = virtio_net_read_mac(d);
	/* Leave it reset until start: queues are configured there. */
	if (!ret)
		ret = virtio_pci_reset(&d->vp);
	if (ret)
		return ret;
	memcpy(info->mac, d->mac, 6);
	info->max_rx_pktlen = 1514;
	bump_log(BUMP_LOG_DEBUG, "virtio %s: features 0x%llx", d->bus.vdev->name,
		 (unsigned long long)d->features);
	return 0;
}

static int virtio_net_start(struct bump_port *port)
{
	struct virtio_net_dev *d = virtio_of(port);
	int ret = virtio_net_init(d);

	if (!ret && d->rxq)
		ret = virtio_rxq_start(d, d->rxq);
	if (!ret && d->txq)
		ret = virtio_txq_start(d, d->txq);
	if (ret) {
		virtio_pci_reset(&d->vp);
		if (d->rxq)
			virtio_rxq_stop(d->rxq);
		return ret;
	}
	virtio_pci_set_status(&d->vp, VIRTIO_CONFIG_S_DRIVER_OK);
	if (virtio_pci_get_status(&d->vp) & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)) {
		virtio_pci_reset(&d->vp);
		if (d->rxq)
			virtio_rxq_stop(d->rxq);
		return bump_error(EIO, "virtio %s: the device failed at DRIVER_OK (status 0x%02x)",
				  d->bus.vdev->name, virtio_pci_get_status(&d->vp));
	}
	/* Now the device may be told about the RX buffers posted before DRIVER_OK. */
	if (d->rxq)
		virtq_kick(&d->rxq->vq);
	d->started = true;
	return 0;
}

static int virtio_net_stop(struct bump_port *port)
{
	struct virtio_net_dev *d = virtio_of(port);

	if (!d->started)
		return 0;
	/* Give queued TX up to 100 ms to complete, then take the rings away. */
	for (unsigned i = 0; d->txq && i < 1000; i++) {
		struct timespec ts = { 0, 100 * 1000 };
		uint16_t used = d->txq->vq.used->idx;

		if (used == d->txq->vq.avail_idx)
			break;
		nanosleep(&ts, NULL);
	}
	if (virtio_pci_reset(&d->vp))
		bump_log(BUMP_LOG_ERR, "virtio %s: reset at stop failed: %s", d->bus.vdev->name,
			 bump_last_error());
	if (d->rxq)
		virtio_rxq_stop(d->rxq);
	if (d->txq)
		virtio_txq_stop(d->txq);
	d->started = false;
	return 0;
}

/* No DMA after a reset: the bus then takes bus mastering away and unmaps. */
static void virtio_net_reset(struct bump_vfio_port *bp)
{
	virtio_pci_reset(&((struct virtio_net_dev *)bp)->vp);
}

static void virtio_net_free_queues(struct bump_vfio_port *bp)
{
	struct virtio_net_dev *d = (struct virtio_net_dev *)bp;

	virtio_rxq_free(d->rxq);
	virtio_txq_free(d->txq);
}

static int virtio_net_link_get(struct bump_port *port, struct bump_port_link *link)
{
	struct virtio_net_dev *d = virtio_of(port);
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	/* Without VIRTIO_NET_F_STATUS the link is assumed up (5.1.4). */
	if ((d->features & 1ull << VIRTIO_NET_F_STATUS) &&
	    virtio_pci_read_device_cfg(&d->vp, offsetof(struct virtio_net_config, status), &status,
				       sizeof(status)))
		return -EIO;
	link->up = status & VIRTIO_NET_S_LINK_UP;
	link->full_duplex = true;
	link->speed_mbps = 0;  /* unknown: VIRTIO_NET_F_SPEED_DUPLEX is not negotiated */
	return 0;
}

/*
 * No hardware counters: everything is the queues' software counters
 * (queue 0), since open; lib/port resets by snapshot.
 */
static int virtio_net_stats_get(struct bump_port *port, struct bump_port_stats *stats)
{
	struct virtio_net_dev *d = virtio_of(port);
	struct bump_queue_stats *q = &stats->q[0];

	if (d->rxq) {
		q->ipackets = atomic_load(&d->rxq->stats.packets);
		q->ibytes = atomic_load(&d->rxq->stats.bytes);
		q->ierrors = atomic_load(&d->rxq->stats.bad);
		q->rx_nombuf = atomic_load(&d->rxq->stats.nombuf);
	}
	if (d->txq) {
		q->opackets = atomic_load(&d->txq->stats.packets);
		q->obytes = atomic_load(&d->txq->stats.bytes);
		q->oerrors = atomic_load(&d->txq->stats.dropped) + atomic_load(&d->txq->stats.bad);
	}
	return 0;
}

static const struct bump_port_driver virtio_net_ops = {
	.name = "virtio-net",
	.rxq_setup = virtio_rxq_setup,
	.txq_setup = virtio_txq_setup,
	.start = virtio_net_start,
	.stop = virtio_net_stop,
	.close = bump_vfio_bus_close,
	.link_get = virtio_net_link_get,
	.stats_get = virtio_net_stats_get,
	.rx_burst = virtio_rx_burst,
	.tx_burst = virtio_tx_burst,
};

static const struct bump_vfio_pci_id virtio_net_ids[] = {
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_NET_MODERN },
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_NET_TRANSITIONAL },  /* through its modern interface */
	{ 0, 0 },
};

static const struct bump_vfio_pci_driver virtio_net_pci_driver = {
	.name = "virtio-net",
	.ids = virtio_net_ids,
	.priv_size = sizeof(struct virtio_net_dev),
	.probe = virtio_net_probe,
	.reset = virtio_net_reset,
	.free_queues = virtio_net_free_queues,
	.ops = &virtio_net_ops,
};

__attribute__((constructor)) static void virtio_net_register(void)
{
	if (bump_vfio_pci_driver_register(&virtio_net_pci_driver))
		bump_log(BUMP_LOG_ERR, "virtio-net: not registered: %s", bump_last_error());
}
