/* SPDX-License-Identifier: MIT */
/*
 * virtio_pci.c - the virtio 1.x PCI transport over vfio-pci: walk the
 * vendor capabilities in config space (4.1.4), map the BARs they name
 * (QEMU puts them all in BAR4), and the status / feature / queue
 * registers of the common configuration structure (4.1.4.3).
 */
#include "virtio_pci.h"
#include "bump_log.h"

#include <errno.h>
#include <string.h>
#include <time.h>

struct virtio_caps {
	struct virtio_pci *vp;
	int err;
	bool seen[5];
};

/* Map the structure a capability describes; NULL (and the error) if it does not fit its BAR. */
static volatile uint8_t *virtio_cap_map(struct virtio_pci *vp, const struct virtio_pci_cap *cap,
					size_t min_len, int *err)
{
	void *bar;
	size_t bar_len;

	if (cap->bar > 5) {
		*err = bump_error(EIO, "virtio %s: capability type %u names BAR %u", vp->vdev->name,
				  cap->cfg_type, cap->bar);
		return NULL;
	}
	*err = bump_vfio_dev_map_bar(vp->vdev, cap->bar, &bar, &bar_len);
	if (*err)
		return NULL;
	if (cap->length < min_len || cap->offset > bar_len || cap->length > bar_len - cap->offset) {
		*err = bump_error(EIO, "virtio %s: capability type %u ([0x%x, +0x%x) of BAR %u) does "
				  "not fit the %zu-byte BAR or is shorter than %zu bytes",
				  vp->vdev->name, cap->cfg_type, cap->offset, cap->length, cap->bar,
				  bar_len, min_len);
		return NULL;
	}
	return (volatile uint8_t *)bar + cap->offset;
}

static int virtio_cap_one(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t off, void *arg)
{
	struct virtio_caps *c = arg;
	struct virtio_pci *vp = c->vp;
	struct virtio_pci_notify_cap ncap;
	struct virtio_pci_cap *cap = &ncap.cap;
	int err = 0;

	if (id != BUMP_PCI_CAP_ID_VNDR)
		return 0;
	memset(&ncap, 0, sizeof(ncap));
	err = bump_pci_cfg_read(cfg, off, cap, sizeof(*cap));
	if (err)
		return err;
	if (cap->cap_len < sizeof(*cap) || cap->cfg_type < 1 || cap->cfg_type > 4 ||
	    c->seen[cap->cfg_type])
		return 0;  /* the driver uses the first capability of each type (4.1.4) */
	switch (cap->cfg_type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		vp->common = (volatile void *)virtio_cap_map(vp, cap,
							       sizeof(struct virtio_pci_common_cfg), &err);
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		if (cap->cap_len < sizeof(ncap))
			return bump_error(EIO, "virtio %s: notify capability is %u bytes",
					  vp->vdev->name, cap->cap_len);
		err = bump_pci_cfg_read(cfg, off, &ncap, sizeof(ncap));
		if (err)
			return err;
		vp->notify_base = virtio_cap_map(vp, cap, 2, &err);
		vp->notify_mult = ncap.notify_off_multiplier;
		vp->notify_len = cap->length;
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		vp->isr = virtio_cap_map(vp, cap, 1, &err);
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		vp->device_cfg = virtio_cap_map(vp, cap, 1, &err);
		vp->device_cfg_len = cap->length;
		break;
	}
	if (err)
		return err;
	c->seen[cap->cfg_type] = true;
	return 0;
}

int virtio_pci_probe(struct virtio_pci *vp, struct bump_vfio_dev *vdev)
{
	struct virtio_caps c = { .vp = vp };
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->vdev = vdev;
	ret = bump_pci_cap_foreach(&vdev->cfg, virtio_cap_one, &c);
	if (ret < 0)
		return ret;
	if (!vp->common || !vp->notify_base || !vp->device_cfg)
		return bump_error(ENODEV, "virtio %s: no virtio 1.x capabilities (common %s, notify "
				  "%s, device %s): a legacy-only device; give QEMU "
				  "disable-legacy=on or use a modern device", vdev->name,
				  vp->common ? "yes" : "no", vp->notify_base ? "yes" : "no",
				  vp->device_cfg ? "yes" : "no");
	return 0;
}

uint8_t virtio_pci_get_status(struct virtio_pci *vp)
{
	return vp->common->device_status;
}

void virtio_pci_set_status(struct virtio_pci *vp, uint8_t bits)
{
	vp->common->device_status = (uint8_t)(vp->common->device_status | bits);
}

int virtio_pci_reset(struct virtio_pci *vp)
{
	vp->common->device_status = 0;
	/* 4.1.4.3.2: the reset is complete when device_status reads 0. */
	for (unsigned i = 0; i < 10000; i++) {
		struct timespec ts = { 0, 100 * 1000 };

		if (vp->common->device_status == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return bump_error(EIO, "virtio %s: device_status is still 0x%02x 1 s after a reset",
			  vp->vdev->name, vp->common->device_status);
}

uint64_t virtio_pci_device_features(struct virtio_pci *vp)
{
	uint64_t f;

	vp->common->device_feature_select = 0;
	f = vp->common->device_feature;
	vp->common->device_feature_select = 1;
	return f | (uint64_t)vp->common->device_feature << 32;
}

int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t features)
{
	vp->common->guest_feature_select = 0;
	vp->common->guest_feature = (uint32_t)features;
	vp->common->guest_feature_select = 1;
	vp->common->guest_feature = (uint32_t)(features >> 32);
	virtio_pci_set_status(vp, VIRTIO_CONFIG_S_FEATURES_OK);
	/* 3.1.1 step 6: re-read; a device that cannot work with them clears FEATURES_OK. */
	if (!(virtio_pci_get_status(vp) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_pci_set_status(vp, VIRTIO_CONFIG_S_FAILED);
		return bump_error(ENOTSUP, "virtio %s: the device refused features 0x%llx",
				  vp->vdev->name, (unsigned long long)features);
	}
	return 0;
}

int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t idx, uint16_t *size, uint64_t desc,
			   uint64_t driver, uint64_t device, volatile uint16_t **notify)
{
	volatile struct virtio_pci_common_cfg *c = vp->common;
	uint16_t max;
	uint64_t off;

	if (idx >= c->num_queues)
		return bump_error(ENODEV, "virtio %s: queue %u does not exist (%u queues)",
				  vp->vdev->name, idx, c->num_queues);
	c->queue_select = idx;
	max = c->queue_size;
	if (max == 0)
		return bump_error(ENODEV, "virtio %s: queue %u is not available", vp->vdev->name, idx);
	/* Split rings need a power of two (2.7); the device's size is the maximum. */
	while (*size > max || (*size & (*size - 1)))
		*size = (uint16_t)(*size > max ? max : *size & (*size - 1));
	c->queue_size = *size;
	c->queue_desc_lo = (uint32_t)desc;
	c->queue_desc_hi = (uint32_t)(desc >> 32);
	c->queue_avail_lo = (uint32_t)driver;
	c->queue_avail_hi = (uint32_t)(driver >> 32);
	c->queue_used_lo = (uint32_t)device;
	c->queue_used_hi = (uint32_t)(device >> 32);
	off = (uint64_t)c->queue_notify_off * vp->notify_mult;
	if (off + 2 > vp->notify_len)
		return bump_error(EIO, "virtio %s: queue %u's doorbell (offset %llu) is outside the "
				  "notify structure (%zu bytes)", vp->vdev->name, idx,
				  (unsigned long long)off, vp->notify_len);
	*notify = (volatile uint16_t *)(vp->notify_base + off);
	c->queue_enable = 1;
	return 0;
}

int virtio_pci_read_device_cfg(struct virtio_pci *vp, unsigned off, void *buf, size_t len)
{
	uint8_t gen;

	if (off > vp->device_cfg_len || len > vp->device_cfg_len - off)
		return bump_error(EIO, "virtio %s: device config read [%u, +%zu) beyond its %zu bytes",
				  vp->vdev->name, off, len, vp->device_cfg_len);
	/* 4.1.4.3.1: retry until config_generation is the same before and after. */
	for (unsigned tries = 0; tries < 100; tries++) {
		gen = vp->common->config_generation;
		for (size_t i = 0; i < len; i++)
			((uint8_t *)buf)[i] = vp->device_cfg[off + i];
		if (vp->common->config_generation == gen)
			return 0;
	}
	return bump_error(EIO, "virtio %s: device config keeps changing", vp->vdev->name);
}
