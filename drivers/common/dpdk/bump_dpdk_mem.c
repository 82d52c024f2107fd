/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk_mem.c - registering bump memory with DPDK for DMA (see
 * bump_dpdk_mem.h): an IOVA per backing page, rte_extmem_register, and the
 * VFIO default container when a probed PCI device uses it.
 */
#include "bump_dpdk_mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

struct bump_dpdk_mem {
	uintptr_t va;
	size_t len;
	size_t page_size;
	size_t npages;
	bool iova_va;
	bool vfio_mapped;
	rte_iova_t iovas[];  /* one per backing page */
};

/*
 * Whether the VFIO default container has a device to map for: DPDK refuses
 * (and logs an error) mappings of a container with no group attached yet.
 */
static bool dpdk_mem_vfio_in_use(void)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;
	bool probed = false;

	if (!rte_vfio_is_enabled("vfio"))
		return false;
	RTE_DEV_FOREACH(dev, "bus=pci", &it)
		probed |= rte_dev_is_probed(dev);
	return probed;
}

/* Runs of pages whose IOVAs follow each other, mapped or unmapped as one. */
static int dpdk_mem_vfio(const struct bump_dpdk_mem *m, bool map)
{
	size_t first = 0;

	while (first < m->npages) {
		size_t n = 1;
		int ret;

		while (first + n < m->npages &&
		       m->iovas[first + n] == m->iovas[first] + n * m->page_size)
			n++;
		if (map)
			ret = rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
							 m->va + first * m->page_size,
							 m->iovas[first], n * m->page_size);
		else
			ret = rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
							   m->va + first * m->page_size,
							   m->iovas[first], n * m->page_size);
		if (ret)
			return -rte_errno;
		first += n;
	}
	return 0;
}

int bump_dpdk_mem_register(void *va, size_t len, size_t page_size, struct bump_dpdk_mem **out,
			   char *err, size_t errlen)
{
	size_t npages = page_size ? len / page_size : 0;
	struct bump_dpdk_mem *m;
	bool bad = false;
	int ret;

	if (!npages || len % page_size || (uintptr_t)va % page_size) {
		snprintf(err, errlen, "memory %p + %zu is not a whole number of %zu-byte pages: "
			 "register whole regions", va, len, page_size);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m) + npages * sizeof(m->iovas[0]));
	if (!m) {
		snprintf(err, errlen, "out of memory for the IOVA table of %zu pages", npages);
		return -ENOMEM;
	}
	m->va = (uintptr_t)va;
	m->len = len;
	m->page_size = page_size;
	m->npages = npages;
	m->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	for (size_t i = 0; i < npages; i++) {
		void *page = (char *)va + i * page_size;

		m->iovas[i] = m->iova_va ? (rte_iova_t)(uintptr_t)page : rte_mem_virt2phy(page);
		bad |= m->iovas[i] == RTE_BAD_IOVA;
	}
	if (bad) {
		/* IOVA-as-PA without the right to read /proc/self/pagemap. */
		snprintf(err, errlen, "EAL runs in IOVA-as-PA mode but physical addresses of %p are "
			 "unreadable: run as root, or give EAL --iova-mode=va", va);
		free(m);
		return -EPERM;
	}
	if (rte_extmem_register(va, len, m->iovas, (unsigned)npages, page_size)) {
		ret = -rte_errno;
		snprintf(err, errlen, "rte_extmem_register(%p, %zu) failed: %s; the range must not "
			 "overlap memory DPDK already knows", va, len, rte_strerror(rte_errno));
		free(m);
		return ret;
	}
	if (dpdk_mem_vfio_in_use()) {
		ret = dpdk_mem_vfio(m, true);
		if (ret) {
			snprintf(err, errlen, "VFIO DMA map of %p + %zu failed: %s; the IOMMU may be "
				 "out of mappings (fewer, larger regions help)", va, len,
				 rte_strerror(-ret));
			rte_extmem_unregister(va, len);
			free(m);
			return ret;
		}
		m->vfio_mapped = true;
	}
	*out = m;
	return 0;
}

void bump_dpdk_mem_unregister(struct bump_dpdk_mem *m)
{
	if (!m)
		return;
	if (m->vfio_mapped)
		dpdk_mem_vfio(m, false);
	rte_extmem_unregister((void *)m->va, m->len);
	free(m);
}

uint64_t bump_dpdk_mem_iova(const struct bump_dpdk_mem *m, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - m->va;

	if (off >= m->len)
		return RTE_BAD_IOVA;
	return m->iovas[off / m->page_size] + off % m->page_size;
}

int bump_dpdk_mem_iova_is_va(const struct bump_dpdk_mem *m)
{
	return m->iova_va;
}
