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

#include "bump_vfio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_NET_MODERN 0x1041   /* 0x1040 + device type 1 (4.1.2) */
#define VIRTIO_PCI_DEVICE_NET_TRANSITIONAL 0x1000

/* ---- Vendor capabilities (4.1.4) ----------------------------------------- */
struct virtio_pci_cap {
	uint8_t cap_vndr;    /* 0x09: vendor specific */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;    /* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;     /* in the BAR */
	uint32_t length;
};
static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap is 16 bytes (4.1.4)");

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;  /* queue_notify_off is in units of this */
};
static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio_pci_notify_cap is 20 bytes");

#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* ---- Common configuration (4.1.4.3) --------------------------------------- */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint32_t queue_desc_lo, queue_desc_hi;     /* 64-bit fields, written as two halves */
	uint32_t queue_driver_lo, queue_driver_hi;
	uint32_t queue_device_lo, queue_device_hi;
};
static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "device_status");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "queue_select");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e, "queue_notify_off");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc_lo) == 0x20, "queue_desc");
static_assert(offsetof(struct virtio_pci_common_cfg, queue_device_lo) == 0x30, "queue_device");
static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "common configuration is 56 bytes");

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Reserved feature bits (6). */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33  /* the device's DMA goes through the platform IOMMU */
#define VIRTIO_F_ORDER_PLATFORM 36

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
