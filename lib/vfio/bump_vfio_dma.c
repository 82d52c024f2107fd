/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_dma.c - DMA through the container's IOMMU.
 *
 *   - the bump_dma_ops of the container: what BUMP_POOL_F_DMA_MAP and
 *     bump_dma_map() use; each map is one VFIO_IOMMU_MAP_DMA at an IOVA
 *     from the allocator, each unmap one VFIO_IOMMU_UNMAP_DMA;
 *   - the mapping table (sorted by VA) that drivers translate through;
 *   - ring memory (bump_vfio_dma_alloc) and driver holds on arenas;
 *   - the per-queue translation cache's slow path.
 *
 * Every mapping, a pool's or a driver's, goes through bump_dma_map() on the
 * one DMA device, so its maps/unmaps counters account for all of them.
 */
#include "bump_vfio_priv.h"
#include "bump_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Atomic uint64_t __bump_vfio_map_gen = 1;

/* ---- The mapping table ---------------------------------------------------- */

struct vfio_mapping *vfio_mapping_find_locked(uintptr_t va, size_t len)
{
	for (unsigned i = 0; i < vfio_ct.nmaps; i++) {
		struct vfio_mapping *mp = vfio_ct.maps[i];

		if (va - mp->va < mp->len && len <= mp->len - (va - mp->va))
			return mp;
		if (mp->va > va)
			break;
	}
	return NULL;
}

static int vfio_mapping_insert_locked(struct vfio_mapping *mp)
{
	unsigned i = 0;

	if (vfio_ct.nmaps == VFIO_MAPPINGS_MAX)
		return bump_error(ENOSPC, "vfio: %d DMA mappings exist already; use fewer, larger "
				  "regions (or raise VFIO_MAPPINGS_MAX)", VFIO_MAPPINGS_MAX);
	while (i < vfio_ct.nmaps && vfio_ct.maps[i]->va <= mp->va)
		i++;
	memmove(&vfio_ct.maps[i + 1], &vfio_ct.maps[i], (vfio_ct.nmaps - i) * sizeof(mp));
	vfio_ct.maps[i] = mp;
	vfio_ct.nmaps++;
	return 0;
}

static void vfio_mapping_remove_locked(struct vfio_mapping *mp)
{
	for (unsigned i = 0; i < vfio_ct.nmaps; i++) {
		if (vfio_ct.maps[i] == mp) {
			memmove(&vfio_ct.maps[i], &vfio_ct.maps[i + 1],
				(vfio_ct.nmaps - i - 1) * sizeof(mp));
			vfio_ct.nmaps--;
			return;
		}
	}
}

/* ---- bump_dma_ops ----------------------------------------------------------- */

static int vfio_dma_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	struct vfio_mapping *mp;
	uintptr_t va = (uintptr_t)m->va;
	int ret;

	(void)dev;
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return bump_error(ENOMEM, "vfio: out of memory for a mapping");
	mp->va = va;
	mp->len = m->len;
	/* The IOMMU maps whole pages: widen to 4 KiB boundaries. */
	mp->map_va = va & ~(uintptr_t)4095;
	mp->map_len = BUMP_ALIGN_UP(va + m->len, (uintptr_t)4096) - mp->map_va;

	pthread_mutex_lock(&vfio_ct.lock);
	if (vfio_ct.fd < 0 || !vfio_ct.iommu_set) {
		ret = bump_error(EAGAIN, "vfio: nothing to map for yet: open a vfio port (or "
				 "bump_vfio_dev_open a device) before mapping memory for it");
		goto fail;
	}
	if (vfio_ct.noiommu) {
		ret = bump_error(ENOTSUP, "vfio: DMA in no-IOMMU mode is not implemented: the "
				 "device would need physical addresses; turn the IOMMU on");
		goto fail;
	}
	/* 2 MiB alignment lets the IOMMU use superpages where the memory is huge. */
	ret = vfio_iova_alloc_locked(mp->map_len, mp->map_len >= (2u << 20) ? 2u << 20 : 4096,
				     &mp->map_iova);
	if (ret)
		goto fail;
	ret = vfio_iommu_map_locked(mp->map_va, mp->map_len, mp->map_iova);
	if (ret) {
		vfio_iova_free_locked(mp->map_iova, mp->map_len);
		goto fail;
	}
	mp->iova = mp->map_iova + (va - mp->map_va);
	mp->m = m;
	ret = vfio_mapping_insert_locked(mp);
	if (ret) {
		if (vfio_iommu_unmap_locked(mp->map_iova, mp->map_len) == 0)
			vfio_iova_free_locked(mp->map_iova, mp->map_len);
		goto fail;
	}
	pthread_mutex_unlock(&vfio_ct.lock);
	m->iova_base = mp->iova;
	m->linear = true;
	m->contig = m->len;
	m->priv = mp;
	return 0;
fail:
	pthread_mutex_unlock(&vfio_ct.lock);
	free(mp);
	return ret;
}

static int vfio_dma_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	struct vfio_mapping *mp = m->priv;
	int ret;

	(void)dev;
	pthread_mutex_lock(&vfio_ct.lock);
	ret = vfio_iommu_unmap_locked(mp->map_iova, mp->map_len);
	if (ret) {
		pthread_mutex_unlock(&vfio_ct.lock);
		return ret;  /* still mapped, still counted: the caller may retry */
	}
	vfio_iova_free_locked(mp->map_iova, mp->map_len);
	vfio_mapping_remove_locked(mp);
	atomic_fetch_add_explicit(&__bump_vfio_map_gen, 1, memory_order_acq_rel);
	/* The last mapping of a container no port uses any more: close it now. */
	vfio_container_maybe_close_locked();
	pthread_mutex_unlock(&vfio_ct.lock);
	if (mp->driver_owned && mp->holds)
		bump_log(BUMP_LOG_WARN, "vfio: a driver-held mapping of %zu bytes was unmapped with "
			 "%u hold(s) left", mp->len, mp->holds);
	free(mp);
	m->priv = NULL;
	return 0;
}

static int vfio_dma_iova(const struct bump_dma_map *m, const void *va, size_t len, uint64_t *iova)
{
	/* Mappings are linear: bump_dma_iova() only gets here for ranges outside. */
	*iova = 0;
	return bump_error(EINVAL, "vfio: [%p, +%zu) is not inside the mapping [%p, +%zu)",
			  va, len, m->va, m->len);
}

static const struct bump_dma_ops vfio_dma_ops = {
	.name = "vfio",
	.map = vfio_dma_map,
	.unmap = vfio_dma_unmap,
	.iova = vfio_dma_iova,
	/* Coherent: x86 DMA snoops the caches, so no sync ops. */
	.sync_for_device = NULL,
	.sync_for_cpu = NULL,
	.close = NULL,
};

int vfio_dma_dev_create_locked(void)
{
	if (vfio_ct.dma)
		return 0;
	return bump_dma_dev_open(&vfio_dma_ops, "vfio", NULL, &vfio_ct.dma);
}

int bump_vfio_dma_dev_get(struct bump_dma_dev **out)
{
	int ret;

	if (!out)
		return bump_error(EINVAL, "bump_vfio_dma_dev_get: out is NULL");
	pthread_mutex_lock(&vfio_ct.lock);
	ret = vfio_container_open_locked();
	if (!ret) {
		vfio_ct.dma_refs++;
		*out = vfio_ct.dma;
	}
	pthread_mutex_unlock(&vfio_ct.lock);
	return ret;
}

void bump_vfio_dma_dev_put(void)
{
	pthread_mutex_lock(&vfio_ct.lock);
	if (vfio_ct.dma_refs)
		vfio_ct.dma_refs--;
	vfio_container_maybe_close_locked();
	pthread_mutex_unlock(&vfio_ct.lock);
}

/* ---- Driver holds and ring memory ---------------------------------------- */

int bump_vfio_dma_hold(const void *va, size_t len, uint64_t *iova, struct bump_vfio_hold **hold)
{
	struct bump_dma_dev *dma;
	struct bump_dma_map *m;
	struct vfio_mapping *mp;
	int ret;

	pthread_mutex_lock(&vfio_ct.lock);
	mp = vfio_mapping_find_locked((uintptr_t)va, len);
	if (mp) {
		*iova = mp->iova + ((uintptr_t)va - mp->va);
		if (mp->driver_owned)
			mp->holds++;
		*hold = mp->driver_owned ? (struct bump_vfio_hold *)mp : NULL;
		pthread_mutex_unlock(&vfio_ct.lock);
		return 0;
	}
	dma = vfio_ct.dma;
	pthread_mutex_unlock(&vfio_ct.lock);
	if (!dma)
		return bump_error(ENODEV, "vfio: no container is open: open a vfio device first");
	ret = bump_dma_map(dma, (void *)va, len, 4096, &m);
	if (ret)
		return ret;
	pthread_mutex_lock(&vfio_ct.lock);
	mp = m->priv;
	mp->driver_owned = true;
	mp->holds = 1;
	pthread_mutex_unlock(&vfio_ct.lock);
	*iova = mp->iova;
	*hold = (struct bump_vfio_hold *)mp;
	return 0;
}

void bump_vfio_dma_release(struct bump_vfio_hold *hold)
{
	struct vfio_mapping *mp = (struct vfio_mapping *)hold;
	struct bump_dma_map *m = NULL;

	if (!mp)
		return;
	pthread_mutex_lock(&vfio_ct.lock);
	if (mp->holds && --mp->holds == 0)
		m = mp->m;
	pthread_mutex_unlock(&vfio_ct.lock);
	if (m && bump_dma_unmap(m))
		bump_log(BUMP_LOG_ERR, "vfio: a driver mapping could not be undone: %s",
			 bump_last_error());
}

int bump_vfio_dma_alloc(size_t size, const char *what, struct bump_vfio_mem *mem)
{
	void *va;
	int ret;

	memset(mem, 0, sizeof(*mem));
	size = BUMP_ALIGN_UP(size, (size_t)4096);
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		  -1, 0);
	if (va == MAP_FAILED)
		return bump_error(errno, "vfio: cannot allocate %zu bytes for %s: %s", size, what,
				  strerror(errno));
	ret = bump_vfio_dma_hold(va, size, &mem->iova, &mem->hold);
	if (ret == 0 && !mem->hold)
		ret = bump_error(EEXIST, "vfio: fresh memory for %s is already mapped by a pool", what);
	if (ret) {
		munmap(va, size);
		return ret;
	}
	mem->va = va;
	mem->size = size;
	return 0;
}

void bump_vfio_dma_free(struct bump_vfio_mem *mem)
{
	if (!mem->va)
		return;
	bump_vfio_dma_release(mem->hold);
	if (munmap(mem->va, mem->size))
		bump_log(BUMP_LOG_WARN, "vfio: munmap of DMA memory: %s", strerror(errno));
	memset(mem, 0, sizeof(*mem));
}

/* ---- Translation cache slow path ------------------------------------------- */

int bump_vfio_xlat_miss(struct bump_vfio_xlat *x, unsigned arena_id, uintptr_t va, uint64_t *iova)
{
	uint64_t gen = atomic_load_explicit(&__bump_vfio_map_gen, memory_order_acquire);
	struct bump_arena *a;
	uint64_t base_iova;
	int ret;

	if (x->gen != gen) {
		x->valid = 0;
		x->gen = gen;
	}
	a = arena_id < BUMP_ARENA_MAX ? atomic_load(&__bump_arenas[arena_id]) : NULL;
	if (!a || va - a->base >= a->len)
		return bump_error(EINVAL, "vfio: buffer %#lx names arena %u, which does not hold it",
				  (unsigned long)va, arena_id);
	if (x->hold[arena_id]) {
		struct vfio_mapping *mp = (struct vfio_mapping *)x->hold[arena_id];

		/* Holds keep their mapping alive; the arena may have been replaced. */
		if (mp->va == a->base && mp->len >= a->len) {
			x->delta[arena_id] = (int64_t)(mp->iova - mp->va);
			goto hit;
		}
		bump_vfio_dma_release(x->hold[arena_id]);
		x->hold[arena_id] = NULL;
	}
	ret = bump_vfio_dma_hold((void *)a->base, a->len, &base_iova, &x->hold[arena_id]);
	if (ret)
		return ret;
	x->delta[arena_id] = (int64_t)(base_iova - a->base);
hit:
	x->valid |= 1ull << arena_id;
	*iova = (uint64_t)((int64_t)va + x->delta[arena_id]);
	return 0;
}

void bump_vfio_xlat_release(struct bump_vfio_xlat *x)
{
	for (unsigned i = 0; i < BUMP_ARENA_MAX; i++) {
		bump_vfio_dma_release(x->hold[i]);
		x->hold[i] = NULL;
	}
	x->valid = 0;
}
