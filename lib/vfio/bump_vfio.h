/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio.h - userspace PCI device access through VFIO, and DMA mapping
 * through the IOMMU for bump pools and driver rings.
 *
 * One VFIO container per process (as DPDK does): every device opened here
 * joins it, so all of them share one IOVA space and one DMA device
 * (bump_vfio_dma_dev_get).  A pool created with BUMP_POOL_F_DMA_MAP for
 * that DMA device has its arena mapped once (VFIO_IOMMU_MAP_DMA) and
 * unmapped at bump_pool_destroy (VFIO_IOMMU_UNMAP_DMA), whatever the port
 * does; drivers map what else they need (rings, arenas of pools that were
 * not mapped for them) and unmap it at close.
 *
 *   bump_vfio_container.c  the container: groups, IOMMU info, IOVA allocator,
 *                          the mapping table, teardown
 *   bump_vfio_dev.c        a device: checks with advice, regions, config
 *                          space, BAR mmap, bus master, reset
 *   bump_vfio_dma.c        the bump_dma_ops of the container, ring memory,
 *                          driver holds and the per-queue translation cache
 *   bump_vfio_bind.c       handing a device to vfio-pci, unless the kernel uses it
 *
 * VFIO alone: the "vfio" port driver that matches PCI IDs to NIC drivers is
 * drivers/bus/vfio.
 *
 * Reference: Documentation/driver-api/vfio.rst and <linux/vfio.h>.
 */
#ifndef BUMP_VFIO_H
#define BUMP_VFIO_H

#include "bump_api.h"

#include "bump_atomic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bump.h"
#include "bump_dma.h"
#include "bump_pci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Devices ------------------------------------------------------------- */

enum bump_vfio_flags {
	/*
	 * Accept a device that has no IOMMU group by using VFIO's no-IOMMU
	 * mode (kernel CONFIG_VFIO_NOIOMMU and enable_unsafe_noiommu_mode=1).
	 * The device can then DMA anywhere in memory: nothing is protected.
	 */
	BUMP_VFIO_F_NOIOMMU = 1u << 0,
};

#define BUMP_VFIO_REGIONS 9  /* VFIO_PCI_NUM_REGIONS: BAR0..5, ROM, config, VGA */
#define BUMP_VFIO_CONFIG_REGION 7

struct bump_vfio_region {
	uint64_t offset;  /* in the device fd */
	uint64_t size;
	uint32_t flags;   /* VFIO_REGION_INFO_FLAG_* */
};

struct bump_vfio_dev {
	struct bump_pci_addr addr;
	char name[BUMP_PCI_ADDR_LEN];
	struct bump_pci_ids ids;
	int fd;                    /* VFIO device fd */
	int group;                 /* IOMMU group number */
	bool noiommu;              /* opened in no-IOMMU mode: DMA is not translated */
	int numa_node;             /* sysfs numa_node, -1 when unknown */
	uint32_t dev_flags;        /* VFIO_DEVICE_FLAGS_* */
	struct bump_pci_cfg cfg;   /* config space, through the VFIO config region */
	struct bump_vfio_region regions[BUMP_VFIO_REGIONS];
	void *bar[6];              /* mmapped BARs (bump_vfio_dev_map_bar) */
	size_t bar_len[6];
};

/*
 * Open PCI function @pci_addr ("0000:00:02.0") through vfio-pci.  Checks,
 * each failing with what to do: the device exists, is bound to vfio-pci,
 * has an IOMMU group (or @flags allows no-IOMMU mode), the group is viable
 * (every device in it bound to vfio-pci or to no driver), /dev/vfio is
 * usable.  The device joins the process's container.
 */
BUMP_API int bump_vfio_dev_open(const char *pci_addr, unsigned flags, struct bump_vfio_dev **out);

enum bump_vfio_bind_flags {
	/* Unbind a device even when one of its network interfaces is in use. */
	BUMP_VFIO_BIND_F_FORCE = 1u << 0,
};

/*
 * Bind PCI function @pci_addr to vfio-pci, as `dpdk-devbind.py
 * --bind=vfio-pci` does: unbind it from its kernel driver, set its
 * driver_override and probe.  Refused (-EBUSY, the message naming the
 * interface, its address or route, and how to free it) when one of its
 * network interfaces carries a default route or is up with an address
 * other than IPv6 link-local, unless @flags has BUMP_VFIO_BIND_F_FORCE.
 * Returns 0 when it was bound to vfio-pci already, 1 when this call bound
 * it, or a negative errno (a device vfio-pci would not take goes back to
 * its kernel driver).
 */
BUMP_API int bump_vfio_bind(const char *pci_addr, unsigned flags);
/* Unmap the BARs, close the device (vfio-pci resets it and disables bus mastering). */
BUMP_API void bump_vfio_dev_close(struct bump_vfio_dev *dev);
/* mmap BAR @bar (cached: a second call returns the same mapping). */
BUMP_API int bump_vfio_dev_map_bar(struct bump_vfio_dev *dev, unsigned bar, void **va, size_t *len);
/* Set or clear Memory Space and Bus Master Enable in the command register. */
BUMP_API int bump_vfio_dev_bus_master(struct bump_vfio_dev *dev, bool on);
/* Function-level reset through VFIO_DEVICE_RESET (-ENOTSUP when the device has none). */
BUMP_API int bump_vfio_dev_reset(struct bump_vfio_dev *dev);

/* ---- DMA through the container's IOMMU ---------------------------------- */

/*
 * The process's VFIO DMA device, the one every vfio port reports in
 * info.dma_dev: pass it as bump_pool_params.dma_dev with
 * BUMP_POOL_F_DMA_MAP, so the pool's buffers carry IOVAs of this IOMMU.
 * It lives as long as the process.  Mapping needs a device opened first
 * (the IOMMU type is set when the first group joins).  A reference keeps
 * the container open without a device; drop it with
 * bump_vfio_dma_dev_put().  The container closes when no device, reference
 * or mapping is left.
 */
BUMP_API int bump_vfio_dma_dev_get(struct bump_dma_dev **out);
BUMP_API void bump_vfio_dma_dev_put(void);

/* Process-wide counters, kept after the container closes (tests). */
struct bump_vfio_stats {
	uint64_t maps, unmaps;        /* VFIO_IOMMU_MAP_DMA / UNMAP_DMA that succeeded */
	uint64_t bytes_mapped;        /* mapped now */
	uint64_t containers_opened, containers_closed;
	uint64_t mappings_now;        /* entries in the mapping table */
};
BUMP_API void bump_vfio_get_stats(struct bump_vfio_stats *stats);

/*
 * Ask the kernel whether anything is still mapped in the container: unmap
 * the whole IOVA space and return the bytes it removed (0 when every
 * mapping was undone), or a negative errno.  Only for tests, at the end.
 */
BUMP_API long bump_vfio_dma_probe_leftover(void);

/*
 * DMA memory for rings: @size bytes, zeroed, page aligned, mapped for the
 * container's devices.  Each allocation is its own mapping (counted on the
 * DMA device), undone by bump_vfio_dma_free().
 */
struct bump_vfio_hold;
struct bump_vfio_mem {
	void *va;
	uint64_t iova;
	size_t size;
	struct bump_vfio_hold *hold;
};
BUMP_API int bump_vfio_dma_alloc(size_t size, const char *what, struct bump_vfio_mem *mem);
BUMP_API void bump_vfio_dma_free(struct bump_vfio_mem *mem);

/*
 * A driver's hold on a mapping of [va, va+len) (a pool's arena): the
 * existing mapping when one covers it, a new one otherwise.  *@hold is NULL
 * when the mapping belongs to bump (a pool mapped for this DMA device: pool
 * destroy undoes it); otherwise release it with bump_vfio_dma_release().
 */
BUMP_API int bump_vfio_dma_hold(const void *va, size_t len, uint64_t *iova,
				struct bump_vfio_hold **hold);
BUMP_API void bump_vfio_dma_release(struct bump_vfio_hold *hold);

/* Not API (read by bump_vfio_xlat_iova): bumped whenever a mapping goes away. */
extern BUMP_API BUMP_ATOMIC(uint64_t) __bump_vfio_map_gen;

/*
 * A queue's VA -> IOVA cache, one entry per arena: a buffer's IOVA is its
 * address plus its arena's delta.  Misses (first use of an arena, or any
 * unmap since) go to the mapping table and map the arena if nobody has.
 */
struct bump_vfio_xlat {
	uint64_t gen;
	uint64_t valid;                      /* bit per arena id */
	int64_t delta[BUMP_ARENA_MAX];       /* iova - va */
	struct bump_vfio_hold *hold[BUMP_ARENA_MAX];  /* holds this cache took */
};
static_assert(BUMP_ARENA_MAX <= 64, "the valid mask has one bit per arena");

BUMP_API int bump_vfio_xlat_miss(struct bump_vfio_xlat *x, unsigned arena_id, uintptr_t va,
				 uint64_t *iova);
/* Release the holds the cache took (driver close). */
BUMP_API void bump_vfio_xlat_release(struct bump_vfio_xlat *x);

/* IOVA of @va, a byte of a buffer of arena @ref names; 0 or a negative errno. */
static inline int bump_vfio_xlat_iova(struct bump_vfio_xlat *x, bump_ref_t ref, const void *va,
				      uint64_t *iova)
{
	unsigned a = bump_ref_arena_id(ref);

	if (bump_likely(x->gen == bump_atomic_load(&__bump_vfio_map_gen, BUMP_MO_ACQUIRE) &&
			(x->valid >> a) & 1)) {
		*iova = (uint64_t)((int64_t)(uintptr_t)va + x->delta[a]);
		return 0;
	}
	return bump_vfio_xlat_miss(x, a, (uintptr_t)va, iova);
}

#ifdef __cplusplus
}
#endif
#endif /* BUMP_VFIO_H */
