/* SPDX-License-Identifier: MIT */
/*
 * bump_dma.c - the device-independent half of DMA mapping: opening and
 * closing devices, argument checks, and the map/unmap counters that let
 * tests (and pool destroy) prove every mapping is undone exactly once.
 */
#include "bump_dma.h"
#include "bump_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bump_dma_dev_open(const struct bump_dma_ops *ops, const char *name, void *priv,
		      struct bump_dma_dev **out)
{
	struct bump_dma_dev *dev;
	size_t name_len;

	if (!out)
		return bump_error(EINVAL, "bump_dma_dev_open: out is NULL; pass where to store the device");
	*out = NULL;
	if (!ops)
		return bump_error(EINVAL, "bump_dma_dev_open: ops is NULL; pass an ops table");
	if (!ops->map || !ops->unmap || !ops->iova)
		return bump_error(EINVAL,
				  "bump_dma_dev_open: ops '%s' lacks map, unmap or iova; "
				  "all three are required (sync ops and close may be NULL)",
				  ops->name ? ops->name : "?");
	if (!name)
		name = ops->name ? ops->name : "dma";
	name_len = strlen(name);
	if (name_len == 0 || name_len >= sizeof(dev->name))
		return bump_error(EINVAL,
				  "bump_dma_dev_open: device name '%s' must be 1 to %zu characters; "
				  "pass a shorter name",
				  name, sizeof(dev->name) - 1);

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return bump_error(ENOMEM, "bump_dma_dev_open: out of memory for device '%s'", name);
	dev->ops = ops;
	memcpy(dev->name, name, name_len + 1);
	dev->priv = priv;
	atomic_init(&dev->maps, 0);
	atomic_init(&dev->unmaps, 0);
	atomic_init(&dev->bytes_mapped, 0);
	atomic_init(&dev->syncs_for_device, 0);
	atomic_init(&dev->syncs_for_cpu, 0);
	*out = dev;
	return 0;
}

int bump_dma_dev_close(struct bump_dma_dev *dev)
{
	uint64_t maps, unmaps;

	if (!dev)
		return 0;
	maps = atomic_load(&dev->maps);
	unmaps = atomic_load(&dev->unmaps);
	if (maps != unmaps)
		return bump_error(EBUSY,
				  "bump_dma_dev_close: device '%s' still has %llu mapping(s) "
				  "(%llu bytes); bump_dma_unmap them first",
				  dev->name, (unsigned long long)(maps - unmaps),
				  (unsigned long long)atomic_load(&dev->bytes_mapped));
	if (dev->ops->close)
		dev->ops->close(dev);
	free(dev);
	return 0;
}

static int bump_dma_check_map_args(const struct bump_dma_dev *dev, const void *va, size_t len,
				   size_t page_size)
{
	long sys_page = sysconf(_SC_PAGESIZE);

	if (!dev)
		return bump_error(EINVAL, "bump_dma_map: dev is NULL; open a DMA device first");
	if (!va)
		return bump_error(EINVAL, "bump_dma_map on '%s': va is NULL; pass the region to map",
				  dev->name);
	if (len == 0)
		return bump_error(EINVAL, "bump_dma_map on '%s': len is 0; pass the region's length",
				  dev->name);
	if ((uintptr_t)va + len < (uintptr_t)va)
		return bump_error(EINVAL,
				  "bump_dma_map on '%s': [%p, +%zu) wraps around the address space; "
				  "pass a valid range",
				  dev->name, va, len);
	if (sys_page <= 0)
		sys_page = 4096;
	if (page_size < (size_t)sys_page || (page_size & (page_size - 1)) != 0)
		return bump_error(EINVAL,
				  "bump_dma_map on '%s': page_size %zu is not a power of two of at "
				  "least %ld; pass the backing page size (4 KiB, 2 MiB or 1 GiB)",
				  dev->name, page_size, sys_page);
	return 0;
}

int bump_dma_map(struct bump_dma_dev *dev, void *va, size_t len, size_t page_size,
		 struct bump_dma_map **out)
{
	struct bump_dma_map *m;
	int ret;

	if (!out)
		return bump_error(EINVAL, "bump_dma_map: out is NULL; pass where to store the mapping");
	*out = NULL;
	ret = bump_dma_check_map_args(dev, va, len, page_size);
	if (ret)
		return ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return bump_error(ENOMEM, "bump_dma_map on '%s': out of memory for the mapping",
				  dev->name);
	m->dev = dev;
	m->va = va;
	m->len = len;
	m->page_size = page_size;
	m->linear = false;
	m->contig = page_size;  /* the safe default; linear implementations widen it */

	ret = dev->ops->map(dev, m);
	if (ret) {
		free(m);
		if (ret > 0)
			ret = -ret;
		return ret;
	}
	if (m->contig == 0)
		m->contig = page_size;
	if (m->contig > len)
		m->contig = len;

	atomic_fetch_add(&dev->maps, 1);
	atomic_fetch_add(&dev->bytes_mapped, len);
	*out = m;
	return 0;
}

/*
 * If the implementation fails to unmap, the mapping stays valid and counted
 * (the caller may retry): pretending it is gone would hide a live IOMMU
 * mapping, which is exactly the bug this accounting exists to catch.
 */
int bump_dma_unmap(struct bump_dma_map *m)
{
	struct bump_dma_dev *dev;
	int ret;

	if (!m)
		return 0;
	dev = m->dev;
	if (!dev)
		return bump_error(EINVAL,
				  "bump_dma_unmap: mapping %p has no device (corrupt or already "
				  "unmapped); unmap only what bump_dma_map returned, once", (void *)m);
	ret = dev->ops->unmap(dev, m);
	if (ret) {
		if (ret > 0)
			ret = -ret;
		return ret;
	}
	atomic_fetch_add(&dev->unmaps, 1);
	atomic_fetch_sub(&dev->bytes_mapped, m->len);
	m->dev = NULL;
	free(m);
	return 0;
}
