/* SPDX-License-Identifier: MIT */
/*
 * bump_dma_pagemap.c - DMA for hardware without an IOMMU (vfio no-IOMMU
 * mode, UIO): the IOVA is the physical address, read from
 * /proc/self/pagemap when the region is mapped.
 *
 * pagemap holds one 64-bit entry per base (4 KiB) page: bits 0-54 are the
 * PFN, bit 63 says the page is present (Documentation/admin-guide/mm/
 * pagemap.rst).  The kernel shows PFNs only to readers that had
 * CAP_SYS_ADMIN when they opened the file; everybody else reads PFN 0.
 *
 * At map time the physical address of every backing page (page_size: 4 KiB,
 * 2 MiB or 1 GiB) is recorded in m->priv.  Every base page's entry is
 * checked: it must be present, and inside one backing page the PFNs must
 * run on contiguously, which also catches a caller passing a page_size
 * larger than the memory really has.  Physical addresses stay valid only
 * while the memory is locked (mlock, hugetlb), which is the caller's job.
 *
 * The mapping is not linear: bump_dma_iova() translates through the table
 * and refuses a range that crosses a physical discontinuity.
 */
#include "bump_dma.h"
#include "bump_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUMP_PAGEMAP_PATH "/proc/self/pagemap"
#define BUMP_PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define BUMP_PM_PRESENT (UINT64_C(1) << 63)
/* Entries read per pread(). */
#define BUMP_PM_CHUNK 512

struct bump_dma_pagemap_dev {
	int fd;
	size_t base_page;  /* size of the pages pagemap has one entry for */
};

/* Per mapping: the physical address of each backing page. */
struct bump_dma_pagemap_map {
	size_t npages;
	uint64_t phys[];
};

static int bump_dma_pagemap_pread(int fd, uint64_t *buf, size_t n, off_t off)
{
	size_t want = n * sizeof(*buf), got = 0;

	while (got < want) {
		ssize_t r = pread(fd, (char *)buf + got, want - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return bump_error(errno, "pagemap: reading %s at offset %lld failed: %s; "
					  "check that /proc is mounted and readable",
					  BUMP_PAGEMAP_PATH, (long long)(off + (off_t)got),
					  strerror(errno));
		}
		if (r == 0)
			return bump_error(EIO, "pagemap: %s ended early at offset %lld; "
					  "map only addresses of this process's memory",
					  BUMP_PAGEMAP_PATH, (long long)(off + (off_t)got));
		got += (size_t)r;
	}
	return 0;
}

/*
 * Check one base page's entry.  @idx is its index in the mapping, @sub the
 * number of base pages per backing page; the first base page of each
 * backing page records the physical address, the others must follow it.
 */
static int bump_dma_pagemap_entry(const struct bump_dma_map *m,
				  const struct bump_dma_pagemap_dev *pd,
				  struct bump_dma_pagemap_map *pm, size_t idx, size_t sub,
				  uint64_t entry)
{
	const char *addr = (const char *)m->va + idx * pd->base_page;
	uint64_t pfn = entry & BUMP_PM_PFN_MASK;
	size_t page = idx / sub, in_page = idx % sub;
	uint64_t first_pfn;

	if (!(entry & BUMP_PM_PRESENT))
		return bump_error(EFAULT,
				  "pagemap on '%s': page at %p is not present; memory must be "
				  "pre-faulted and locked (mlock, MAP_POPULATE|MAP_LOCKED or hugetlb) "
				  "before it is mapped for DMA",
				  m->dev->name, (const void *)addr);
	if (pfn == 0)
		return bump_error(EPERM,
				  "pagemap on '%s': the kernel hides physical addresses (PFN 0 for "
				  "%p); pagemap needs root/CAP_SYS_ADMIN when the device is opened, "
				  "use vfio (with an IOMMU) instead",
				  m->dev->name, (const void *)addr);
	if (in_page == 0) {
		if (pfn % sub != 0)
			return bump_error(EINVAL,
					  "pagemap on '%s': page at %p (PFN 0x%llx) is not aligned "
					  "to page_size %zu, so the memory is not backed by pages of "
					  "that size; pass the real backing page size",
					  m->dev->name, (const void *)addr, (unsigned long long)pfn,
					  m->page_size);
		pm->phys[page] = pfn * pd->base_page;
		return 0;
	}
	first_pfn = pm->phys[page] / pd->base_page;
	if (pfn != first_pfn + in_page)
		return bump_error(EINVAL,
				  "pagemap on '%s': the %zu-byte page at %p is not physically "
				  "contiguous (PFN 0x%llx at %p, expected 0x%llx), so the memory is "
				  "not backed by pages of that size; pass the real backing page size",
				  m->dev->name, m->page_size,
				  (const void *)((const char *)m->va + page * m->page_size),
				  (unsigned long long)pfn, (const void *)addr,
				  (unsigned long long)(first_pfn + in_page));
	return 0;
}

static int bump_dma_pagemap_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	const struct bump_dma_pagemap_dev *pd = dev->priv;
	uint64_t buf[BUMP_PM_CHUNK];
	struct bump_dma_pagemap_map *pm;
	size_t sub, nbase, done;
	uintptr_t va = (uintptr_t)m->va;
	int ret;

	if (m->page_size < pd->base_page || m->page_size % pd->base_page != 0)
		return bump_error(EINVAL,
				  "pagemap on '%s': page_size %zu is not a multiple of the system "
				  "page size %zu; pass the backing page size",
				  dev->name, m->page_size, pd->base_page);
	if (va % m->page_size != 0 || m->len % m->page_size != 0)
		return bump_error(EINVAL,
				  "pagemap on '%s': [%p, +%zu) is not made of whole %zu-byte pages; "
				  "align the region's address and length to its page size",
				  dev->name, m->va, m->len, m->page_size);

	sub = m->page_size / pd->base_page;
	nbase = m->len / pd->base_page;
	pm = malloc(sizeof(*pm) + (m->len / m->page_size) * sizeof(pm->phys[0]));
	if (!pm)
		return bump_error(ENOMEM, "pagemap on '%s': out of memory for the page table of "
				  "%zu pages", dev->name, m->len / m->page_size);
	pm->npages = m->len / m->page_size;

	for (done = 0; done < nbase;) {
		size_t n = nbase - done < BUMP_PM_CHUNK ? nbase - done : BUMP_PM_CHUNK;
		off_t off = (off_t)((va / pd->base_page + done) * sizeof(uint64_t));

		ret = bump_dma_pagemap_pread(pd->fd, buf, n, off);
		for (size_t i = 0; !ret && i < n; i++)
			ret = bump_dma_pagemap_entry(m, pd, pm, done + i, sub, buf[i]);
		if (ret) {
			free(pm);
			return ret;
		}
		done += n;
	}

	m->priv = pm;
	m->linear = false;
	m->iova_base = pm->phys[0];  /* informative only: the mapping is not linear */
	m->contig = m->page_size;
	return 0;
}

static int bump_dma_pagemap_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	free(m->priv);
	m->priv = NULL;
	return 0;
}

static int bump_dma_pagemap_iova(const struct bump_dma_map *m, const void *va, size_t len,
				 uint64_t *iova)
{
	const struct bump_dma_pagemap_map *pm = m->priv;
	uintptr_t off = (uintptr_t)va - (uintptr_t)m->va;
	size_t first, last;

	if (off >= m->len || len > m->len - off)
		return bump_error(EINVAL,
				  "bump_dma_iova on '%s': [%p, +%zu) is not inside the mapping "
				  "[%p, +%zu); translate only buffers of the mapped region",
				  m->dev->name, va, len, m->va, m->len);
	first = off / m->page_size;
	last = (off + (len ? len - 1 : 0)) / m->page_size;
	for (size_t p = first; p < last; p++) {
		if (pm->phys[p + 1] != pm->phys[p] + m->page_size)
			return bump_error(ERANGE,
					  "bump_dma_iova on '%s': [%p, +%zu) crosses a physical "
					  "discontinuity between the %zu-byte pages at %p and %p; "
					  "keep each buffer inside one page (m->contig = %zu) or use "
					  "hugepages or vfio",
					  m->dev->name, va, len, m->page_size,
					  (const void *)((const char *)m->va + p * m->page_size),
					  (const void *)((const char *)m->va + (p + 1) * m->page_size),
					  m->contig);
	}
	*iova = pm->phys[first] + off % m->page_size;
	return 0;
}

static void bump_dma_pagemap_close(struct bump_dma_dev *dev)
{
	struct bump_dma_pagemap_dev *pd = dev->priv;

	if (!pd)
		return;
	if (close(pd->fd) != 0)
		bump_log(BUMP_LOG_WARN, "pagemap on '%s': closing %s failed: %s", dev->name,
			 BUMP_PAGEMAP_PATH, strerror(errno));
	free(pd);
	dev->priv = NULL;
}

static const struct bump_dma_ops bump_dma_pagemap_ops = {
	.name = "pagemap",
	.map = bump_dma_pagemap_map,
	.unmap = bump_dma_pagemap_unmap,
	.iova = bump_dma_pagemap_iova,
	.sync_for_device = NULL,  /* x86 DMA is cache coherent */
	.sync_for_cpu = NULL,
	.close = bump_dma_pagemap_close,
};

int bump_dma_pagemap_open(struct bump_dma_dev **out)
{
	struct bump_dma_pagemap_dev *pd;
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	if (!out)
		return bump_error(EINVAL, "bump_dma_pagemap_open: out is NULL; pass where to "
				  "store the device");
	*out = NULL;
	if (page <= 0)
		return bump_error(EINVAL, "bump_dma_pagemap_open: sysconf(_SC_PAGESIZE) failed; "
				  "cannot size pagemap entries");
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return bump_error(ENOMEM, "bump_dma_pagemap_open: out of memory");
	pd->base_page = (size_t)page;
	pd->fd = open(BUMP_PAGEMAP_PATH, O_RDONLY | O_CLOEXEC);
	if (pd->fd < 0) {
		ret = bump_error(errno, "bump_dma_pagemap_open: cannot open %s: %s; mount /proc "
				 "and run as root/CAP_SYS_ADMIN, or use vfio instead",
				 BUMP_PAGEMAP_PATH, strerror(errno));
		free(pd);
		return ret;
	}
	ret = bump_dma_dev_open(&bump_dma_pagemap_ops, "pagemap", pd, out);
	if (ret) {
		if (close(pd->fd) != 0)
			bump_log(BUMP_LOG_WARN, "bump_dma_pagemap_open: closing %s failed: %s",
				 BUMP_PAGEMAP_PATH, strerror(errno));
		free(pd);
	}
	return ret;
}
