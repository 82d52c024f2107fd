/* SPDX-License-Identifier: MIT */
/*
 * dpdk_dma.c - the "dpdk" bump DMA device: a pool mapped for it has its
 * arena's region registered with DPDK (rte_extmem_register, and the VFIO
 * container of the process's vfio-pci devices), and its descriptors hold
 * the IOVAs PMDs put on the bus.  One device for the process: DPDK knows
 * a range once, whichever ports use it.
 */
#include "dpdk_priv.h"
#include "bump_dpdk_mem.h"

#include <errno.h>
#include <pthread.h>

static int dpdk_dma_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	struct bump_dpdk_mem *mem;
	char err[256];
	int ret;

	(void)dev;
	ret = bump_dpdk_mem_register(m->va, m->len, m->page_size, &mem, err, sizeof(err));
	if (ret)
		return bump_error(-ret, "dpdk DMA map: %s", err);
	m->priv = mem;
	m->linear = bump_dpdk_mem_iova_is_va(mem);
	m->iova_base = m->linear ? (uint64_t)(uintptr_t)m->va : 0;
	/* IOVA-as-PA: contiguous only within a backing page. */
	m->contig = m->linear ? m->len : m->page_size;
	return 0;
}

static int dpdk_dma_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	bump_dpdk_mem_unregister(m->priv);
	m->priv = NULL;
	return 0;
}

static int dpdk_dma_iova(const struct bump_dma_map *m, const void *va, size_t len, uint64_t *iova)
{
	uint64_t first = bump_dpdk_mem_iova(m->priv, va);
	uint64_t last = bump_dpdk_mem_iova(m->priv, (const char *)va + (len ? len - 1 : 0));

	if (first == RTE_BAD_IOVA || last == RTE_BAD_IOVA)
		return -EINVAL;
	if (last - first != (len ? len - 1 : 0))
		return -ERANGE;
	*iova = first;
	return 0;
}

static const struct bump_dma_ops dpdk_dma_ops = {
	.name = "dpdk",
	.map = dpdk_dma_map,
	.unmap = dpdk_dma_unmap,
	.iova = dpdk_dma_iova,
};

static struct bump_dma_dev *dpdk_dma;
static pthread_once_t dpdk_dma_once = PTHREAD_ONCE_INIT;

static void dpdk_dma_open(void)
{
	if (bump_dma_dev_open(&dpdk_dma_ops, "dpdk", NULL, &dpdk_dma))
		dpdk_dma = NULL;
}

/* Never closed: pools mapped for it may outlive every port. */
struct bump_dma_dev *dpdk_dma_dev_get(void)
{
	pthread_once(&dpdk_dma_once, dpdk_dma_open);
	return dpdk_dma;
}

/*
 * Virtual devices (net_ring, net_null, net_af_packet, ...) reach memory by
 * virtual address: their pools are mapped for an identity device, which
 * is also what lets their pages go out on ports that insist on a mapping
 * (sim).  One for the process, never closed either.
 */
static struct bump_dma_dev *dpdk_identity;
static pthread_once_t dpdk_identity_once = PTHREAD_ONCE_INIT;

static void dpdk_identity_open(void)
{
	if (bump_dma_identity_open(&dpdk_identity))
		dpdk_identity = NULL;
}

struct bump_dma_dev *dpdk_identity_dev_get(void)
{
	pthread_once(&dpdk_identity_once, dpdk_identity_open);
	return dpdk_identity;
}

struct bump_dma_dev *bump_dpdk_dma_dev(void)
{
	if (dpdk_eal_start(NULL))
		return NULL;
	return dpdk_dma_dev_get();
}

/*
 * Read without opening either device: a pool mapped for one of them got
 * it from its _get() before.  The identity device's IOVA is the address;
 * so is the dpdk device's in IOVA-as-VA mode (bump_dpdk_mem registers the
 * region at its addresses), and an unmapped page's (dpdk_page_iova).
 */
bool dpdk_dma_iova_is_va(const struct bump_dma_dev *dev, bool iova_va)
{
	if (dev && dev == dpdk_identity)
		return true;
	return iova_va && (!dev || dev == dpdk_dma);
}
