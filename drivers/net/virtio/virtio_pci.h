/* SPDX-License-Identifier: MIT */
/*
 * virtio_pci.h - the virtio 1.x PCI transport ("modern" devices): vendor
 * capabilities that say which BAR holds which structure, the common
 * configuration structure, notifications, and the device status handshake.
 *
 * Source: Virtual I/O Device (VIRTIO) Version 1.2, 4.1 "Virtio Over PCI
 * Bus" (4.1.4 capabilities, 4.1.4.3 common configuration, 4.1.4.4
 * notifications), 2.1 "Device Status Field", 3.1.1 "Driver Requirements:
 * Device Initialization", 6 "Reserved Feature Bits".
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "bump_vfio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_NET_MODERN 0x1041   /* 0x1040 + device type 1 (4.1.2) */
#define VIRTIO_PCI_DEVICE_NET_TRANSITIONAL 0x1000

/*
 * Capabilities (4.1.4), the common configuration (4.1.4.3), status bits
 * (2.1) and reserved feature bits (6) are the kernel's: <linux/virtio_pci.h>
 * and <linux/virtio_config.h>.  Their layouts, checked against the spec:
 */
static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap is 16 bytes (4.1.4)");
static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio_pci_notify_cap is 20 bytes");
static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "device_status");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "queue_select");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e, "queue_notify_off");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc_lo) == 0x20, "queue_desc");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_avail_lo) == 0x28, "queue_driver");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_used_lo) == 0x30, "queue_device");
static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "common configuration is 56 bytes");

/* The transport as the driver sees it once the capabilities are found. */
struct virtio_pci {
	struct bump_vfio_dev *vdev;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *notify_base;
	uint32_t notify_mult;
	size_t notify_len;
	volatile uint8_t *isr;
	volatile uint8_t *device_cfg;
	size_t device_cfg_len;
};

/* Find and map the common, notify, ISR and device-specific structures. */
int virtio_pci_probe(struct virtio_pci *vp, struct bump_vfio_dev *vdev);
/* Write 0 to device_status and wait until the device reads back 0 (4.1.4.3.2). */
int virtio_pci_reset(struct virtio_pci *vp);
void virtio_pci_set_status(struct virtio_pci *vp, uint8_t bits);
uint8_t virtio_pci_get_status(struct virtio_pci *vp);
uint64_t virtio_pci_device_features(struct virtio_pci *vp);
/*
 * Offer @features (already a subset of the device's) and complete the
 * FEATURES_OK handshake (3.1.1 steps 5-6).
 */
int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t features);
/*
 * Program queue @idx: at most @size entries (rounded down to what the
 * device allows), rings at the given IOVAs; returns the size used in
 * *@size and the queue's doorbell in *@notify.
 */
int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t idx, uint16_t *size, uint64_t desc,
			   uint64_t driver, uint64_t device, volatile uint16_t **notify);
/* Read @len bytes of device-specific config at @off, consistently (config_generation). */
int virtio_pci_read_device_cfg(struct virtio_pci *vp, unsigned off, void *buf, size_t len);

#endif /* VIRTIO_PCI_H */
