/* SPDX-License-Identifier: MIT */
/*
 * bump_dma_identity.c - DMA for software devices: the IOVA is the virtual
 * address.  Every mapping is linear and contiguous over its whole length,
 * and a software device is coherent, so there are no sync ops.
 */
#include "bump_dma.h"
#include "bump_log.h"

#include <errno.h>

static int bump_dma_identity_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	m->iova_base = (uint64_t)(uintptr_t)m->va;
	m->linear = true;
	m->contig = m->len;
	m->priv = NULL;
	return 0;
}

static int bump_dma_identity_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	(void)dev;
	(void)m;
	return 0;
}

static int bump_dma_identity_iova(const struct bump_dma_map *m, const void *va, size_t len,
				  uint64_t *iova)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)m->va;

	if (off >= m->len || len > m->len - off)
		return bump_error(EINVAL,
				  "bump_dma_iova on '%s': [%p, +%zu) is not inside the mapping "
				  "[%p, +%zu); translate only buffers of the mapped region",
				  m->dev->name, va, len, m->va, m->len);
	*iova = m->iova_base + off;
	return 0;
}

static const struct bump_dma_ops bump_dma_identity_ops = {
	.name = "identity",
	.map = bump_dma_identity_map,
	.unmap = bump_dma_identity_unmap,
	.iova = bump_dma_identity_iova,
	.sync_for_device = NULL,
	.sync_for_cpu = NULL,
	.close = NULL,
};

int bump_dma_identity_open(struct bump_dma_dev **out)
{
	return bump_dma_dev_open(&bump_dma_identity_ops, "identity", NULL, out);
}
