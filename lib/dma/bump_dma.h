/* SPDX-License-Identifier: MIT */
/*
 * bump_dma.h - DMA mapping behind an ops table.
 *
 * A DMA device (struct bump_dma_dev) is whatever translates CPU addresses
 * into the addresses a device puts on the bus (IOVAs): the identity map for
 * software devices, /proc/self/pagemap physical addresses for no-IOMMU use,
 * and a VFIO container for real devices behind an IOMMU.  A region is mapped
 * once (bump_dma_map), buffers inside it are translated in O(1)
 * (bump_dma_iova), and the mapping is undone once (bump_dma_unmap).
 * Each device counts its maps and unmaps, so tests can check that every
 * mapping is undone exactly once.
 */
#ifndef BUMP_DMA_H
#define BUMP_DMA_H

#include "bump_api.h"

#include "bump_atomic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bump_dma_dir {
	BUMP_DMA_BIDIRECTIONAL = 0,
	BUMP_DMA_TO_DEVICE = 1,
	BUMP_DMA_FROM_DEVICE = 2,
};

struct bump_dma_dev;
struct bump_dma_map;

/* What an implementation provides.  NULL sync ops mean "coherent, nothing to do". */
struct bump_dma_ops {
	const char *name;
	/* Map [va, va+len) for the device; fill m->iova_base (if linear) and m->priv. */
	int (*map)(struct bump_dma_dev *dev, struct bump_dma_map *m);
	/* Undo map(). Called exactly once per successful map(). */
	int (*unmap)(struct bump_dma_dev *dev, struct bump_dma_map *m);
	/* IOVA of [va, va+len), which lies inside m; error if the range is not contiguous for the device. */
	int (*iova)(const struct bump_dma_map *m, const void *va, size_t len, uint64_t *iova);
	void (*sync_for_device)(struct bump_dma_dev *dev, uint64_t iova, size_t len, enum bump_dma_dir dir);
	void (*sync_for_cpu)(struct bump_dma_dev *dev, uint64_t iova, size_t len, enum bump_dma_dir dir);
	/* Release the device's private state (dev itself is freed by the caller). */
	void (*close)(struct bump_dma_dev *dev);
};

struct bump_dma_dev {
	const struct bump_dma_ops *ops;
	char name[32];
	void *priv;
	/* Counters: every map must be matched by exactly one unmap. */
	BUMP_ATOMIC(uint64_t) maps;
	BUMP_ATOMIC(uint64_t) unmaps;
	BUMP_ATOMIC(uint64_t) bytes_mapped;  /* currently mapped */
	BUMP_ATOMIC(uint64_t) syncs_for_device;
	BUMP_ATOMIC(uint64_t) syncs_for_cpu;
};

struct bump_dma_map {
	struct bump_dma_dev *dev;
	void *va;
	size_t len;
	size_t page_size;    /* backing page size of the memory (a contiguity unit) */
	uint64_t iova_base;  /* IOVA of va when the mapping is linear (identity, vfio) */
	bool linear;         /* iova = iova_base + (addr - va) for every addr inside */
	/*
	 * Largest naturally aligned block inside the mapping that is guaranteed
	 * contiguous for the device: len rounded for linear maps, page_size for
	 * pagemap.  Pools refuse buffers larger than this.
	 */
	size_t contig;
	void *priv;
};

/* Software devices: IOVA == VA. */
BUMP_API int bump_dma_identity_open(struct bump_dma_dev **out);
/*
 * No-IOMMU hardware: IOVA == physical address from /proc/self/pagemap
 * (needs CAP_SYS_ADMIN; memory must be locked).  Refuses ranges that cross a
 * physical discontinuity.
 */
BUMP_API int bump_dma_pagemap_open(struct bump_dma_dev **out);
/* Open a device with caller-provided ops (the vfio implementation uses this). */
BUMP_API int bump_dma_dev_open(const struct bump_dma_ops *ops, const char *name, void *priv,
			       struct bump_dma_dev **out);
/* Close a device.  -EBUSY (and nothing closed) while mappings remain. */
BUMP_API int bump_dma_dev_close(struct bump_dma_dev *dev);

/* Map [va, va+len) (page_size: the backing page size) for dev. */
BUMP_API int bump_dma_map(struct bump_dma_dev *dev, void *va, size_t len, size_t page_size,
			  struct bump_dma_map **out);
/* Undo a mapping and free it. */
BUMP_API int bump_dma_unmap(struct bump_dma_map *m);

/* IOVA of [va, va+len) inside m; -EINVAL outside, -ERANGE across a discontinuity. */
static inline int bump_dma_iova(const struct bump_dma_map *m, const void *va, size_t len,
				uint64_t *iova)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)m->va;

	if (m->linear && off < m->len && len <= m->len - off) {
		*iova = m->iova_base + off;
		return 0;
	}
	return m->dev->ops->iova(m, va, len, iova);
}

static inline void bump_dma_sync_for_device(const struct bump_dma_map *m, uint64_t iova,
					    size_t len, enum bump_dma_dir dir)
{
	if (m->dev->ops->sync_for_device) {
		m->dev->ops->sync_for_device(m->dev, iova, len, dir);
		bump_atomic_fetch_add(&m->dev->syncs_for_device, 1, BUMP_MO_RELAXED);
	}
}

static inline void bump_dma_sync_for_cpu(const struct bump_dma_map *m, uint64_t iova,
					 size_t len, enum bump_dma_dir dir)
{
	if (m->dev->ops->sync_for_cpu) {
		m->dev->ops->sync_for_cpu(m->dev, iova, len, dir);
		bump_atomic_fetch_add(&m->dev->syncs_for_cpu, 1, BUMP_MO_RELAXED);
	}
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_DMA_H */
