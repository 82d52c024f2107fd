/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_priv.h - the process's VFIO container, shared by the files of
 * lib/vfio.  Everything here is under vfio_ct.lock.
 */
#ifndef BUMP_VFIO_PRIV_H
#define BUMP_VFIO_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bump_vfio.h"

#define VFIO_GROUPS_MAX 32
#define VFIO_IOVA_RANGES_MAX 64
#define VFIO_MAPPINGS_MAX 256
/* Nothing is mapped below 1 MiB: IOVA 0 means "unmapped" to bump. */
#define VFIO_IOVA_FLOOR (1ull << 20)

struct vfio_group {
	int num;
	int fd;
	bool noiommu;
	unsigned devices;  /* open devices of the group */
};

/* One VFIO_IOMMU_MAP_DMA, as the mapping table records it. */
struct vfio_mapping {
	uintptr_t va;        /* what was asked for */
	size_t len;
	uint64_t iova;       /* IOVA of va */
	uintptr_t map_va;    /* the page-aligned range given to the kernel */
	size_t map_len;
	uint64_t map_iova;
	struct bump_dma_map *m;
	bool driver_owned;   /* made by bump_vfio_dma_hold / _alloc, not by a pool */
	unsigned holds;      /* bump_vfio_dma_hold references (driver_owned only) */
};

struct vfio_free_range {
	uint64_t start, end;  /* inclusive */
};

struct vfio_container {
	pthread_mutex_t lock;
	int fd;                      /* /dev/vfio/vfio, -1 while closed */
	bool iommu_set;              /* VFIO_SET_IOMMU done (needs a group) */
	bool noiommu;
	unsigned devices;            /* open devices */
	unsigned dma_refs;           /* bump_vfio_dma_dev_get references */
	struct vfio_group groups[VFIO_GROUPS_MAX];
	unsigned ngroups;
	uint64_t iova_pgsizes;       /* VFIO_IOMMU_GET_INFO */
	struct vfio_free_range free[VFIO_IOVA_RANGES_MAX];  /* sorted, disjoint */
	unsigned nfree;
	struct bump_dma_dev *dma;    /* exists while the container is open */
	struct vfio_mapping *maps[VFIO_MAPPINGS_MAX];  /* sorted by va */
	unsigned nmaps;
	struct bump_vfio_stats stats;
};

extern struct vfio_container vfio_ct;

/* bump_vfio_container.c */
int vfio_container_open_locked(void);
/* Join group @num to the container (opening it if needed); its fd in *@fd. */
int vfio_group_attach_locked(int num, bool noiommu, int *fd);
/* A device of group @num closed. */
void vfio_group_device_gone_locked(int num);
/* Close the container if nothing uses it any more. */
void vfio_container_maybe_close_locked(void);
int vfio_iova_alloc_locked(size_t len, size_t align, uint64_t *iova);
void vfio_iova_free_locked(uint64_t iova, size_t len);
int vfio_iommu_map_locked(uintptr_t va, size_t len, uint64_t iova);
int vfio_iommu_unmap_locked(uint64_t iova, size_t len);

/* bump_vfio_dma.c */
int vfio_dma_dev_create_locked(void);
/* The mapping covering [va, va+len), or NULL. */
struct vfio_mapping *vfio_mapping_find_locked(uintptr_t va, size_t len);

#endif /* BUMP_VFIO_PRIV_H */
