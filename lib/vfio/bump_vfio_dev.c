/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_dev.c - opening a PCI function through vfio-pci, with a check
 * and a piece of advice for each way it can fail; its regions, config
 * space, BARs, bus mastering and reset.
 */
#include "bump_vfio_priv.h"
#include "bump_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

static_assert(BUMP_VFIO_REGIONS == VFIO_PCI_NUM_REGIONS, "one slot per vfio-pci region");
static_assert(BUMP_VFIO_CONFIG_REGION == VFIO_PCI_CONFIG_REGION_INDEX, "the config region index");

/* The commands that bind @name to vfio-pci, for error messages. */
static void vfio_bind_advice(const char *name, const char *driver, char *buf, size_t len)
{
	int n = snprintf(buf, len, "modprobe vfio-pci; ");

	if (driver[0] && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
			      "echo %s > /sys/bus/pci/devices/%s/driver/unbind; ", name, name);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
			 "echo %s > /sys/bus/pci/drivers_probe  (or: dpdk-devbind.py "
			 "--bind=vfio-pci %s)", name, name, name);
}

/* Everything sysfs can tell before /dev/vfio is touched. */
static int vfio_dev_precheck(struct bump_vfio_dev *dev, unsigned flags)
{
	char driver[64], advice[768];
	int ret;

	if (!bump_pci_sysfs_exists(&dev->addr))
		return bump_error(ENODEV, "vfio: no PCI device %s on this machine (lspci -D lists "
				  "them; NICs are class 02)", dev->name);
	ret = bump_pci_sysfs_ids(&dev->addr, &dev->ids);
	if (ret)
		return ret;
	ret = bump_pci_sysfs_driver(&dev->addr, driver, sizeof(driver));
	if (ret)
		return bump_error(-ret, "vfio: %s: cannot read its driver link: %s", dev->name,
				  strerror(-ret));
	dev->group = bump_pci_sysfs_iommu_group(&dev->addr);
	if (strcmp(driver, "vfio-pci") != 0) {
		vfio_bind_advice(dev->name, driver, advice, sizeof(advice));
		if (dev->group == -ENOENT && !driver[0])
			return bump_error(ENODEV, "vfio: %s (%04x:%04x) is bound to no driver and has "
					  "no IOMMU group: the IOMMU is off, so vfio-pci cannot take "
					  "it. Turn the IOMMU on (intel_iommu=on or amd_iommu=on on the "
					  "kernel command line, VT-d/AMD-Vi in the firmware), then: %s",
					  dev->name, dev->ids.vendor, dev->ids.device, advice);
		return bump_error(ENODEV, "vfio: %s (%04x:%04x) is bound to %s, not vfio-pci. "
				  "Bind it: %s", dev->name, dev->ids.vendor, dev->ids.device,
				  driver[0] ? driver : "no driver", advice);
	}
	if (dev->group < 0)
		return bump_error(ENODEV, "vfio: %s is bound to vfio-pci but has no IOMMU group "
				  "(%s); reload vfio-pci", dev->name, strerror(-dev->group));
	/* A no-IOMMU group is a real group whose node is /dev/vfio/noiommu-N. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", dev->group);
		dev->noiommu = access(path, F_OK) == 0;
	}
	if (dev->noiommu && !(flags & BUMP_VFIO_F_NOIOMMU))
		return bump_error(EPERM, "vfio: %s is in VFIO's no-IOMMU mode: nothing would stop "
				  "the device from writing anywhere in memory. bump refuses it "
				  "unless asked: add noiommu=1 to the devargs (vfio:%s,noiommu=1) "
				  "to accept that, or turn the IOMMU on (intel_iommu=on)",
				  dev->name, dev->name);
	dev->numa_node = bump_pci_sysfs_numa_node(&dev->addr);
	return 0;
}

static int vfio_dev_read_regions(struct bump_vfio_dev *dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &info))
		return bump_error(errno, "vfio: %s: VFIO_DEVICE_GET_INFO: %s", dev->name,
				  strerror(errno));
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) || info.num_regions < VFIO_PCI_NUM_REGIONS - 1)
		return bump_error(ENODEV, "vfio: %s is not a vfio-pci device (flags 0x%x, %u "
				  "regions)", dev->name, info.flags, info.num_regions);
	dev->dev_flags = info.flags;
	for (unsigned i = 0; i < BUMP_VFIO_REGIONS && i < info.num_regions; i++) {
		struct vfio_region_info r = { .argsz = sizeof(r), .index = i };

		if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &r)) {
			if (i == VFIO_PCI_VGA_REGION_INDEX)
				continue;  /* only VGA devices have it */
			return bump_error(errno, "vfio: %s: VFIO_DEVICE_GET_REGION_INFO(%u): %s",
					  dev->name, i, strerror(errno));
		}
		dev->regions[i].offset = r.offset;
		dev->regions[i].size = r.size;
		dev->regions[i].flags = r.flags;
	}
	if (dev->regions[VFIO_PCI_CONFIG_REGION_INDEX].size < BUMP_PCI_CFG_SIZE)
		return bump_error(EIO, "vfio: %s: its config region is %llu bytes", dev->name,
				  (unsigned long long)dev->regions[VFIO_PCI_CONFIG_REGION_INDEX].size);
	dev->cfg.fd = dev->fd;
	dev->cfg.base = (off_t)dev->regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	dev->cfg.size = BUMP_MIN(dev->regions[VFIO_PCI_CONFIG_REGION_INDEX].size, (uint64_t)4096);
	return 0;
}

int bump_vfio_dev_open(const char *pci_addr, unsigned flags, struct bump_vfio_dev **out)
{
	struct bump_vfio_dev *dev;
	int gfd, ret;

	if (!pci_addr || !out)
		return bump_error(EINVAL, "bump_vfio_dev_open: pass a PCI address and a place for "
				  "the device");
	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return bump_error(ENOMEM, "vfio: out of memory");
	dev->fd = -1;
	ret = bump_pci_addr_parse(pci_addr, &dev->addr);
	if (ret < 0)
		goto fail_free;
	if (pci_addr[ret] != '\0') {
		ret = bump_error(EINVAL, "vfio: '%s' has something after the PCI address", pci_addr);
		goto fail_free;
	}
	bump_pci_addr_format(&dev->addr, dev->name, sizeof(dev->name));
	ret = vfio_dev_precheck(dev, flags);
	if (ret)
		goto fail_free;

	pthread_mutex_lock(&vfio_ct.lock);
	ret = vfio_container_open_locked();
	if (!ret)
		ret = vfio_group_attach_locked(dev->group, dev->noiommu, &gfd);
	if (ret) {
		vfio_container_maybe_close_locked();
		pthread_mutex_unlock(&vfio_ct.lock);
		goto fail_free;
	}
	vfio_ct.devices++;
	dev->fd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, dev->name);
	if (dev->fd < 0) {
		ret = bump_error(errno, "vfio: %s: VFIO_GROUP_GET_DEVICE_FD: %s%s", dev->name,
				 strerror(errno), errno == EBUSY ? " (the device is open already, "
				 "in this process or another)" : "");
		vfio_group_device_gone_locked(dev->group);
		vfio_ct.devices--;
		vfio_container_maybe_close_locked();
		pthread_mutex_unlock(&vfio_ct.lock);
		goto fail_free;
	}
	pthread_mutex_unlock(&vfio_ct.lock);

	ret = vfio_dev_read_regions(dev);
	if (ret) {
		bump_vfio_dev_close(dev);
		return ret;
	}
	*out = dev;
	return 0;

fail_free:
	free(dev);
	return ret < 0 ? ret : -EINVAL;
}

void bump_vfio_dev_close(struct bump_vfio_dev *dev)
{
	if (!dev)
		return;
	for (unsigned i = 0; i < 6; i++)
		if (dev->bar[i] && munmap(dev->bar[i], dev->bar_len[i]))
			bump_log(BUMP_LOG_WARN, "vfio: %s: munmap of BAR %u: %s", dev->name, i,
				 strerror(errno));
	pthread_mutex_lock(&vfio_ct.lock);
	if (dev->fd >= 0) {
		if (close(dev->fd))
			bump_log(BUMP_LOG_WARN, "vfio: %s: close: %s", dev->name, strerror(errno));
		vfio_group_device_gone_locked(dev->group);
		vfio_ct.devices--;
	}
	vfio_container_maybe_close_locked();
	pthread_mutex_unlock(&vfio_ct.lock);
	free(dev);
}

int bump_vfio_dev_map_bar(struct bump_vfio_dev *dev, unsigned bar, void **va, size_t *len)
{
	const struct bump_vfio_region *r;
	void *p;

	if (bar > 5)
		return bump_error(EINVAL, "vfio: %s: BAR %u does not exist (0..5)", dev->name, bar);
	if (!dev->bar[bar]) {
		r = &dev->regions[bar];
		if (r->size == 0)
			return bump_error(ENODEV, "vfio: %s has no BAR %u", dev->name, bar);
		if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
			return bump_error(ENOTSUP, "vfio: %s: BAR %u cannot be mmapped (an I/O port "
					  "BAR, or vfio-pci built without CONFIG_VFIO_PCI_MMAP)",
					  dev->name, bar);
		p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd, (off_t)r->offset);
		if (p == MAP_FAILED)
			return bump_error(errno, "vfio: %s: mmap of BAR %u (%llu bytes): %s", dev->name,
					  bar, (unsigned long long)r->size, strerror(errno));
		dev->bar[bar] = p;
		dev->bar_len[bar] = r->size;
	}
	*va = dev->bar[bar];
	*len = dev->bar_len[bar];
	return 0;
}

int bump_vfio_dev_bus_master(struct bump_vfio_dev *dev, bool on)
{
	uint16_t cmd, want;
	int ret = bump_pci_cfg_read16(&dev->cfg, BUMP_PCI_COMMAND, &cmd);

	if (ret)
		return ret;
	want = on ? (uint16_t)(cmd | BUMP_PCI_CMD_MEMORY | BUMP_PCI_CMD_MASTER)
		  : (uint16_t)(cmd & ~BUMP_PCI_CMD_MASTER);
	if (want == cmd)
		return 0;
	ret = bump_pci_cfg_write16(&dev->cfg, BUMP_PCI_COMMAND, want);
	if (ret)
		return ret;
	/* Read back: vfio-pci virtualizes the register and may refuse bits. */
	ret = bump_pci_cfg_read16(&dev->cfg, BUMP_PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	if ((cmd & (BUMP_PCI_CMD_MEMORY | BUMP_PCI_CMD_MASTER)) !=
	    (want & (BUMP_PCI_CMD_MEMORY | BUMP_PCI_CMD_MASTER)))
		return bump_error(EIO, "vfio: %s: the command register reads 0x%04x after writing "
				  "0x%04x", dev->name, cmd, want);
	return 0;
}

int bump_vfio_dev_reset(struct bump_vfio_dev *dev)
{
	if (!(dev->dev_flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTSUP;
	if (ioctl(dev->fd, VFIO_DEVICE_RESET))
		return bump_error(errno, "vfio: %s: VFIO_DEVICE_RESET: %s", dev->name, strerror(errno));
	return 0;
}
