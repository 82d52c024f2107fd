/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_container.c - the process's VFIO container (vfio.rst, "VFIO
 * Usage Example"): /dev/vfio/vfio, the groups that join it, the type1 IOMMU,
 * its valid IOVA ranges and an allocator over them, and MAP/UNMAP_DMA.
 *
 * Lifetime: the container opens with the first device and closes when no
 * device, no bump_vfio_dma_dev_get reference and no mapping is left (the
 * last pool unmapping after its port closed closes it).  Groups stay
 * attached until then, so that a mapping a pool undoes after its port
 * closed (pool destroy after unbind) is still a real UNMAP_DMA.  The DMA
 * device (struct bump_dma_dev) lives as long as the process.
 */
#include "bump_vfio_priv.h"
#include "bump_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

struct vfio_container vfio_ct = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
};

/* ---- Container ----------------------------------------------------------- */

int vfio_container_open_locked(void)
{
	int fd, ret;

	if (vfio_ct.fd >= 0)
		return 0;
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = errno;
		if (ret == ENOENT)
			return bump_error(ENOENT, "vfio: /dev/vfio/vfio does not exist: load the vfio "
					  "modules (modprobe vfio-pci) and bind the NIC to vfio-pci "
					  "(doc/vfio.md)");
		return bump_error(ret, "vfio: cannot open /dev/vfio/vfio: %s%s", strerror(ret),
				  ret == EACCES ? "; run as root, or give this user the "
				  "/dev/vfio files (chown)" : "");
	}
	ret = ioctl(fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		close(fd);
		return bump_error(ENOTSUP, "vfio: the kernel's VFIO API version is %d, bump speaks "
				  "version %d", ret, VFIO_API_VERSION);
	}
	vfio_ct.fd = fd;
	vfio_ct.iommu_set = false;
	vfio_ct.ngroups = 0;
	vfio_ct.nfree = 0;
	vfio_ct.nmaps = 0;
	ret = vfio_dma_dev_create_locked();
	if (ret) {
		close(fd);
		vfio_ct.fd = -1;
		return ret;
	}
	vfio_ct.stats.containers_opened++;
	return 0;
}

void vfio_container_maybe_close_locked(void)
{
	if (vfio_ct.fd < 0 || vfio_ct.devices || vfio_ct.dma_refs || vfio_ct.nmaps)
		return;
	/*
	 * The DMA device itself stays: ports hand it out in info.dma_dev and
	 * pools may outlive them, and this may run inside its own unmap op.
	 * It is reused by the next container; its counters keep adding up.
	 */
	for (unsigned i = 0; i < vfio_ct.ngroups; i++) {
		struct vfio_group *g = &vfio_ct.groups[i];

		if (ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER) && errno != EINVAL)
			bump_log(BUMP_LOG_WARN, "vfio: group %d: VFIO_GROUP_UNSET_CONTAINER: %s",
				 g->num, strerror(errno));
		if (close(g->fd))
			bump_log(BUMP_LOG_WARN, "vfio: group %d: close: %s", g->num, strerror(errno));
	}
	vfio_ct.ngroups = 0;
	if (close(vfio_ct.fd))
		bump_log(BUMP_LOG_WARN, "vfio: closing the container: %s", strerror(errno));
	vfio_ct.fd = -1;
	vfio_ct.iommu_set = false;
	vfio_ct.noiommu = false;
	vfio_ct.nfree = 0;
	vfio_ct.stats.containers_closed++;
}

/* ---- IOMMU info: page sizes and valid IOVA ranges ------------------------ */

static void vfio_iova_add_range(uint64_t start, uint64_t end)
{
	if (start < VFIO_IOVA_FLOOR)
		start = VFIO_IOVA_FLOOR;
	start = BUMP_ALIGN_UP(start, (uint64_t)4096);
	if (end < start || end - start < 4095 || vfio_ct.nfree == VFIO_IOVA_RANGES_MAX)
		return;
	vfio_ct.free[vfio_ct.nfree].start = start;
	vfio_ct.free[vfio_ct.nfree].end = ((end + 1) & ~4095ull) - 1;
	vfio_ct.nfree++;
}

static int vfio_iommu_read_info_locked(void)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz = sizeof(*info);

	for (int pass = 0; pass < 2; pass++) {
		info = calloc(1, argsz);
		if (!info)
			return bump_error(ENOMEM, "vfio: out of memory for the IOMMU info");
		info->argsz = argsz;
		if (ioctl(vfio_ct.fd, VFIO_IOMMU_GET_INFO, info)) {
			int err = errno;

			free(info);
			return bump_error(err, "vfio: VFIO_IOMMU_GET_INFO: %s", strerror(err));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;  /* the capability chain needs more room */
		free(info);
	}
	vfio_ct.iova_pgsizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : 4096;
	vfio_ct.nfree = 0;
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;
		unsigned hops = 0;

		while (off && off + sizeof(struct vfio_info_cap_header) <= argsz && hops++ < 64) {
			struct vfio_info_cap_header *h = (void *)((char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;

				if (off + sizeof(*r) + r->nr_iovas * sizeof(r->iova_ranges[0]) > argsz)
					break;
				for (uint32_t i = 0; i < r->nr_iovas; i++)
					vfio_iova_add_range(r->iova_ranges[i].start, r->iova_ranges[i].end);
			}
			off = h->next;
		}
	}
	free(info);
	if (vfio_ct.nfree == 0) {
		/* No IOVA range capability (kernels before 5.4): stay below the MSI window and 39 bits. */
		vfio_iova_add_range(0, 0xfedfffffull);
		vfio_iova_add_range(0x100000000ull, (1ull << 39) - 1);
	}
	if (!(vfio_ct.iova_pgsizes & 4096))
		bump_log(BUMP_LOG_WARN, "vfio: the IOMMU does not offer 4 KiB pages (page sizes "
			 "0x%llx); mappings of 4 KiB memory may fail",
			 (unsigned long long)vfio_ct.iova_pgsizes);
	return 0;
}

/* ---- Groups --------------------------------------------------------------- */

static int vfio_group_not_viable(int num)
{
	char devs[1024];
	int n = bump_pci_sysfs_group_devices(num, devs, sizeof(devs));

	if (n < 0)
		snprintf(devs, sizeof(devs), "(cannot list /sys/kernel/iommu_groups/%d/devices)", num);
	return bump_error(EPERM, "vfio: IOMMU group %d is not viable: every device in it must be "
			  "bound to vfio-pci (or to no driver) before any can be used. Its devices: "
			  "%s. Bind the others to vfio-pci too (dpdk-devbind.py --bind=vfio-pci "
			  "<addr>), or move the NIC to a slot with a group of its own (ACS)", num, devs);
}

int vfio_group_attach_locked(int num, bool noiommu, int *fd)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_group *g;
	char path[64];
	int gfd, ret;

	for (unsigned i = 0; i < vfio_ct.ngroups; i++) {
		if (vfio_ct.groups[i].num == num) {
			vfio_ct.groups[i].devices++;
			*fd = vfio_ct.groups[i].fd;
			return 0;
		}
	}
	if (vfio_ct.ngroups == VFIO_GROUPS_MAX)
		return bump_error(ENOSPC, "vfio: %d IOMMU groups are in use; raise VFIO_GROUPS_MAX",
				  VFIO_GROUPS_MAX);
	if (noiommu && !vfio_ct.noiommu && vfio_ct.iommu_set)
		return bump_error(EINVAL, "vfio: a no-IOMMU device cannot share the container with "
				  "devices behind an IOMMU; use one kind per process");

	snprintf(path, sizeof(path), noiommu ? "/dev/vfio/noiommu-%d" : "/dev/vfio/%d", num);
	gfd = open(path, O_RDWR | O_CLOEXEC);
	if (gfd < 0) {
		ret = errno;
		return bump_error(ret, "vfio: cannot open %s: %s%s", path, strerror(ret),
				  ret == EBUSY ? " (another process uses the group: stop it first)" :
				  ret == EACCES ? " (run as root, or chown the /dev/vfio files)" :
				  ret == ENOENT ? " (is the device bound to vfio-pci?)" : "");
	}
	if (ioctl(gfd, VFIO_GROUP_GET_STATUS, &status)) {
		ret = errno;
		close(gfd);
		return bump_error(ret, "vfio: group %d: VFIO_GROUP_GET_STATUS: %s", num, strerror(ret));
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		close(gfd);
		return vfio_group_not_viable(num);
	}
	if (ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &vfio_ct.fd)) {
		ret = errno;
		close(gfd);
		return bump_error(ret, "vfio: group %d: VFIO_GROUP_SET_CONTAINER: %s", num,
				  strerror(ret));
	}
	if (!vfio_ct.iommu_set) {
		/* The IOMMU model is chosen once a group is in the container. */
		unsigned long type = noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;

		if (!noiommu && ioctl(vfio_ct.fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
			type = VFIO_TYPE1_IOMMU;
		if (ioctl(vfio_ct.fd, VFIO_SET_IOMMU, type)) {
			ret = errno;
			ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER);
			close(gfd);
			return bump_error(ret, "vfio: VFIO_SET_IOMMU(%lu): %s%s", type, strerror(ret),
					  noiommu ? " (no-IOMMU mode needs CONFIG_VFIO_NOIOMMU and "
					  "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode = 1)" :
					  " (is vfio_iommu_type1 loaded?)");
		}
		vfio_ct.iommu_set = true;
		vfio_ct.noiommu = noiommu;
		if (!noiommu) {
			ret = vfio_iommu_read_info_locked();
			if (ret) {
				ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER);
				close(gfd);
				vfio_ct.iommu_set = false;
				return ret;
			}
		}
	}
	g = &vfio_ct.groups[vfio_ct.ngroups++];
	g->num = num;
	g->fd = gfd;
	g->noiommu = noiommu;
	g->devices = 1;
	*fd = gfd;
	return 0;
}

void vfio_group_device_gone_locked(int num)
{
	for (unsigned i = 0; i < vfio_ct.ngroups; i++)
		if (vfio_ct.groups[i].num == num && vfio_ct.groups[i].devices)
			vfio_ct.groups[i].devices--;
}

/* ---- IOVA allocator: first fit over the free ranges ----------------------- */

int vfio_iova_alloc_locked(size_t len, size_t align, uint64_t *iova)
{
	for (unsigned i = 0; i < vfio_ct.nfree; i++) {
		struct vfio_free_range *r = &vfio_ct.free[i];
		uint64_t start = BUMP_ALIGN_UP(r->start, (uint64_t)align);
		uint64_t last;

		if (start < r->start || start > r->end || len - 1 > r->end - start)
			continue;
		last = start + len - 1;
		if (start > r->start && last < r->end) {
			/* Split: the range keeps its head, a new one holds the tail. */
			if (vfio_ct.nfree == VFIO_IOVA_RANGES_MAX)
				continue;
			memmove(&vfio_ct.free[i + 2], &vfio_ct.free[i + 1],
				(vfio_ct.nfree - i - 1) * sizeof(*r));
			vfio_ct.free[i + 1].start = last + 1;
			vfio_ct.free[i + 1].end = r->end;
			r->end = start - 1;
			vfio_ct.nfree++;
		} else if (start > r->start) {
			r->end = start - 1;
		} else if (last < r->end) {
			r->start = last + 1;
		} else {
			memmove(r, r + 1, (vfio_ct.nfree - i - 1) * sizeof(*r));
			vfio_ct.nfree--;
		}
		*iova = start;
		return 0;
	}
	return bump_error(ENOSPC, "vfio: no free IOVA range of %zu bytes (aligned to %zu) is left "
			  "in the IOMMU's address space; map less memory", len, align);
}

void vfio_iova_free_locked(uint64_t iova, size_t len)
{
	uint64_t last = iova + len - 1;
	unsigned i = 0;

	while (i < vfio_ct.nfree && vfio_ct.free[i].start <= iova)
		i++;
	/* Merge with the range before and/or after when they touch. */
	if (i > 0 && vfio_ct.free[i - 1].end + 1 == iova) {
		vfio_ct.free[i - 1].end = last;
		if (i < vfio_ct.nfree && vfio_ct.free[i].start == last + 1) {
			vfio_ct.free[i - 1].end = vfio_ct.free[i].end;
			memmove(&vfio_ct.free[i], &vfio_ct.free[i + 1],
				(vfio_ct.nfree - i - 1) * sizeof(vfio_ct.free[0]));
			vfio_ct.nfree--;
		}
		return;
	}
	if (i < vfio_ct.nfree && vfio_ct.free[i].start == last + 1) {
		vfio_ct.free[i].start = iova;
		return;
	}
	if (vfio_ct.nfree == VFIO_IOVA_RANGES_MAX) {
		bump_log(BUMP_LOG_WARN, "vfio: IOVA free list full; %zu bytes at 0x%llx are not "
			 "reused", len, (unsigned long long)iova);
		return;
	}
	memmove(&vfio_ct.free[i + 1], &vfio_ct.free[i], (vfio_ct.nfree - i) * sizeof(vfio_ct.free[0]));
	vfio_ct.free[i].start = iova;
	vfio_ct.free[i].end = last;
	vfio_ct.nfree++;
}

/* ---- MAP_DMA / UNMAP_DMA --------------------------------------------------- */

int vfio_iommu_map_locked(uintptr_t va, size_t len, uint64_t iova)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va,
		.iova = iova,
		.size = len,
	};
	int err;

	if (ioctl(vfio_ct.fd, VFIO_IOMMU_MAP_DMA, &map) == 0) {
		vfio_ct.stats.maps++;
		vfio_ct.stats.bytes_mapped += len;
		return 0;
	}
	err = errno;
	if (err == ENOMEM)
		return bump_error(err, "vfio: VFIO_IOMMU_MAP_DMA of %zu bytes failed: out of lockable "
				  "memory. The IOMMU pins every mapped page: raise the limit "
				  "(ulimit -l unlimited, LimitMEMLOCK= for a service) or run with "
				  "CAP_IPC_LOCK", len);
	if (err == ENOSPC)
		return bump_error(err, "vfio: VFIO_IOMMU_MAP_DMA: the container's mapping limit is "
				  "reached (vfio_iommu_type1 dma_entry_limit); use fewer, larger "
				  "regions");
	return bump_error(err, "vfio: VFIO_IOMMU_MAP_DMA(va %#lx, iova %#llx, %zu bytes): %s",
			  (unsigned long)va, (unsigned long long)iova, len, strerror(err));
}

int vfio_iommu_unmap_locked(uint64_t iova, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = 0,
		.iova = iova,
		.size = len,
	};

	if (ioctl(vfio_ct.fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return bump_error(errno, "vfio: VFIO_IOMMU_UNMAP_DMA(iova %#llx, %zu bytes): %s",
				  (unsigned long long)iova, len, strerror(errno));
	if (unmap.size != len)
		return bump_error(EIO, "vfio: VFIO_IOMMU_UNMAP_DMA(iova %#llx) removed %llu bytes, "
				  "not %zu: the mapping table and the IOMMU disagree",
				  (unsigned long long)iova, (unsigned long long)unmap.size, len);
	vfio_ct.stats.unmaps++;
	vfio_ct.stats.bytes_mapped -= len;
	return 0;
}

void bump_vfio_get_stats(struct bump_vfio_stats *stats)
{
	pthread_mutex_lock(&vfio_ct.lock);
	*stats = vfio_ct.stats;
	stats->mappings_now = vfio_ct.nmaps;
	pthread_mutex_unlock(&vfio_ct.lock);
}

long bump_vfio_dma_probe_leftover(void)
{
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	long ret;

	pthread_mutex_lock(&vfio_ct.lock);
	if (vfio_ct.fd < 0 || !vfio_ct.iommu_set || vfio_ct.noiommu) {
		pthread_mutex_unlock(&vfio_ct.lock);
		return 0;
	}
	/* The whole space but the last page (size must not overflow), in one call. */
	unmap.iova = 0;
	unmap.size = UINT64_MAX & ~4095ull;
	if (ioctl(vfio_ct.fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		ret = bump_error(errno, "vfio: probing for leftover mappings: %s", strerror(errno));
	else
		ret = (long)unmap.size;
	pthread_mutex_unlock(&vfio_ct.lock);
	return ret;
}
