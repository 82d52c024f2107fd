/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk_mem.h - making bump memory DPDK's: shared by the mempool plugin
 * (drivers/mempool/dpdk) and the DPDK port driver (drivers/net/dpdk).
 *
 * A bump region is memory DPDK did not allocate.  For a PMD to DMA to it,
 * DPDK must know its IOVAs (rte_extmem_register: rte_mem_virt2memseg and
 * rte_mem_virt2iova then work on it, which is how mlx5-like PMDs find
 * memory) and the IOMMU must map it (the VFIO default container, which
 * every vfio-pci device of the process shares).  IOVAs follow EAL's mode:
 * the virtual address in IOVA-as-VA mode, the physical address of each
 * backing page in IOVA-as-PA mode.
 */
#ifndef BUMP_DPDK_MEM_H
#define BUMP_DPDK_MEM_H

#include <stddef.h>
#include <stdint.h>

struct bump_dpdk_mem;

/*
 * Register [va, va + len), backed by @page_size pages (va and len multiples
 * of it), with DPDK and the VFIO container when VFIO is in use.  EAL must
 * be initialised.  0, or a negative errno with what to do in @err.
 */
int bump_dpdk_mem_register(void *va, size_t len, size_t page_size, struct bump_dpdk_mem **out,
			   char *err, size_t errlen);
/* Undo bump_dpdk_mem_register (NULL: nothing). */
void bump_dpdk_mem_unregister(struct bump_dpdk_mem *m);
/* The IOVA of @addr inside the range; UINT64_MAX (RTE_BAD_IOVA) when unknown. */
uint64_t bump_dpdk_mem_iova(const struct bump_dpdk_mem *m, const void *addr);
/* Whether IOVAs are virtual addresses (then one range is contiguous for the device). */
int bump_dpdk_mem_iova_is_va(const struct bump_dpdk_mem *m);

#endif /* BUMP_DPDK_MEM_H */
