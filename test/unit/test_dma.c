/* SPDX-License-Identifier: MIT */
/*
 * test_dma.c - unit tests for lib/dma: the generic device/map layer, the
 * identity device, the pagemap device (4 KiB pages and a 2 MiB hugepage)
 * and custom ops with sync callbacks.
 *
 * The pagemap cases need CAP_SYS_ADMIN (the kernel hides PFNs otherwise) and
 * skip with a reason without it; the hugepage case skips when no 2 MiB
 * hugepage is free (echo 8 > /proc/sys/vm/nr_hugepages to run it).  The
 * -EPERM path is tested by dropping CAP_SYS_ADMIN from the effective set
 * while the pagemap device is opened (the kernel decides at open time).
 */
#include "bump_dma.h"
#include "bump_test.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)  /* log2(2 MiB) << MFD_HUGE_SHIFT, as <linux/memfd.h> */
#endif

#define PAGE 4096u
#define HUGE_2M (2u << 20)

/* ---- helpers ---- */

/* Read this process's pagemap entry for @va independently of the library. */
static uint64_t read_pagemap_entry(const void *va)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)va / PAGE * sizeof(entry))) !=
	    (ssize_t)sizeof(entry))
		entry = 0;
	close(fd);
	return entry;
}

/* Physical address of @va (0 when not present or the PFN is hidden). */
static uint64_t read_phys(const void *va)
{
	uint64_t entry = read_pagemap_entry(va);

	if (!(entry & (UINT64_C(1) << 63)))
		return 0;
	return (entry & ((UINT64_C(1) << 55) - 1)) * PAGE + (uintptr_t)va % PAGE;
}

/* A locked, pre-faulted anonymous buffer of @npages 4 KiB pages. */
static char *alloc_locked(size_t npages)
{
	size_t len = npages * PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_NOHUGEPAGE);  /* keep 4 KiB pages even with THP */
	if (mlock(p, len) != 0) {
		munmap(p, len);
		return NULL;
	}
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (char)i;
	return p;
}

/* Can we read PFNs?  Checked on a locked page of our own. */
static int have_pfns(void)
{
	char *p = alloc_locked(1);
	int ok;

	if (!p)
		return 0;
	ok = read_phys(p) != 0;
	munmap(p, PAGE);
	return ok;
}

static int caps_get(struct __user_cap_header_struct *hdr, struct __user_cap_data_struct *data)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = _LINUX_CAPABILITY_VERSION_3;
	hdr->pid = 0;
	return (int)syscall(SYS_capget, hdr, data);
}

/* Raise or lower CAP_SYS_ADMIN in the effective set (permitted is untouched). */
static int set_sys_admin_effective(int on)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	if (caps_get(&hdr, data) != 0)
		return -1;
	if (on)
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective |= CAP_TO_MASK(CAP_SYS_ADMIN);
	else
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return (int)syscall(SYS_capset, &hdr, data);
}

static int sys_admin_effective(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	if (caps_get(&hdr, data) != 0)
		return 0;
	return !!(data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN));
}

/* ---- custom ops with counting callbacks ---- */

struct fake {
	int maps, unmaps, closes, fail_map, fail_unmap;
	int sync_dev, sync_cpu;
	uint64_t last_iova;
	size_t last_len;
	enum bump_dma_dir last_dir;
};

#define FAKE_BUS 0x80000000ull

static int fake_map(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	struct fake *f = dev->priv;

	if (f->fail_map)
		return bump_error(EIO, "fake map refused; clear fail_map");
	f->maps++;
	m->linear = true;
	m->iova_base = FAKE_BUS;
	m->contig = 0;  /* let the generic layer pick the default */
	return 0;
}

static int fake_unmap(struct bump_dma_dev *dev, struct bump_dma_map *m)
{
	struct fake *f = dev->priv;

	(void)m;
	if (f->fail_unmap) {
		f->fail_unmap--;
		return bump_error(EIO, "fake unmap refused; retry");
	}
	f->unmaps++;
	return 0;
}

static int fake_iova(const struct bump_dma_map *m, const void *va, size_t len, uint64_t *iova)
{
	(void)m;
	(void)va;
	(void)len;
	(void)iova;
	return bump_error(EINVAL, "fake iova: outside the mapping");
}

static void fake_sync_dev(struct bump_dma_dev *dev, uint64_t iova, size_t len,
			  enum bump_dma_dir dir)
{
	struct fake *f = dev->priv;

	f->sync_dev++;
	f->last_iova = iova;
	f->last_len = len;
	f->last_dir = dir;
}

static void fake_sync_cpu(struct bump_dma_dev *dev, uint64_t iova, size_t len,
			  enum bump_dma_dir dir)
{
	struct fake *f = dev->priv;

	f->sync_cpu++;
	f->last_iova = iova;
	f->last_len = len;
	f->last_dir = dir;
}

static void fake_close(struct bump_dma_dev *dev)
{
	struct fake *f = dev->priv;

	f->closes++;
}

static const struct bump_dma_ops fake_ops = {
	.name = "fake",
	.map = fake_map,
	.unmap = fake_unmap,
	.iova = fake_iova,
	.sync_for_device = fake_sync_dev,
	.sync_for_cpu = fake_sync_cpu,
	.close = fake_close,
};

/* ---- generic layer ---- */

static void test_dev_open_args(void)
{
	struct bump_dma_dev *dev = (struct bump_dma_dev *)1;
	struct bump_dma_ops no_map = fake_ops;
	struct fake f = { 0 };

	no_map.map = NULL;
	CHECK_EQ(bump_dma_dev_open(&fake_ops, "x", NULL, NULL), -EINVAL);
	CHECK_EQ(bump_dma_dev_open(NULL, "x", NULL, &dev), -EINVAL);
	CHECK(dev == NULL);
	CHECK_EQ(bump_dma_dev_open(&no_map, "x", NULL, &dev), -EINVAL);
	CHECK_ERROR_SAYS("map, unmap or iova");
	CHECK_EQ(bump_dma_dev_open(&fake_ops, "a-name-that-is-much-too-long-for-32-bytes", NULL,
				   &dev), -EINVAL);
	CHECK_ERROR_SAYS("shorter name");
	CHECK_EQ(bump_dma_dev_open(&fake_ops, "", NULL, &dev), -EINVAL);

	/* NULL name: the ops' name. */
	CHECK_EQ(bump_dma_dev_open(&fake_ops, NULL, &f, &dev), 0);
	CHECK(dev && strcmp(dev->name, "fake") == 0);
	CHECK(dev && dev->ops == &fake_ops && dev->priv == &f);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	CHECK_EQ(f.closes, 1);

	CHECK_EQ(bump_dma_dev_close(NULL), 0);
	CHECK_EQ(bump_dma_unmap(NULL), 0);
	CHECK_EQ(bump_dma_identity_open(NULL), -EINVAL);
	CHECK_EQ(bump_dma_pagemap_open(NULL), -EINVAL);
}

static void test_map_args(void)
{
	static char buf[2 * PAGE] __attribute__((aligned(PAGE)));
	struct bump_dma_dev *dev;
	struct bump_dma_map *m = (struct bump_dma_map *)1;

	CHECK_EQ(bump_dma_identity_open(&dev), 0);
	CHECK_EQ(bump_dma_map(NULL, buf, PAGE, PAGE, &m), -EINVAL);
	CHECK(m == NULL);
	CHECK_ERROR_SAYS("open a DMA device");
	CHECK_EQ(bump_dma_map(dev, NULL, PAGE, PAGE, &m), -EINVAL);
	CHECK_EQ(bump_dma_map(dev, buf, 0, PAGE, &m), -EINVAL);
	CHECK_EQ(bump_dma_map(dev, buf, PAGE, 0, &m), -EINVAL);
	CHECK_EQ(bump_dma_map(dev, buf, PAGE, 3000, &m), -EINVAL);
	CHECK_EQ(bump_dma_map(dev, buf, PAGE, 3 * PAGE, &m), -EINVAL);
	CHECK_ERROR_SAYS("page_size");
	CHECK_EQ(bump_dma_map(dev, (void *)(UINTPTR_MAX - 100), PAGE, PAGE, &m), -EINVAL);
	CHECK_ERROR_SAYS("wraps");
	CHECK_EQ(bump_dma_map(dev, buf, PAGE, PAGE, NULL), -EINVAL);
	CHECK_EQ(atomic_load(&dev->maps), 0);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
}

/* ---- identity ---- */

static void test_identity(void)
{
	static char buf[4 * PAGE] __attribute__((aligned(PAGE)));
	struct bump_dma_dev *dev;
	struct bump_dma_map *m, *m2;
	uint64_t iova = 0;

	CHECK_EQ(bump_dma_identity_open(&dev), 0);
	CHECK(strcmp(dev->name, "identity") == 0);
	CHECK_EQ(bump_dma_map(dev, buf, sizeof(buf), PAGE, &m), 0);
	CHECK(m->dev == dev && m->va == buf && m->len == sizeof(buf));
	CHECK(m->linear);
	CHECK_EQ(m->iova_base, (uintptr_t)buf);
	CHECK_EQ(m->contig, sizeof(buf));
	CHECK_EQ(m->page_size, PAGE);
	CHECK_EQ(atomic_load(&dev->maps), 1);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), sizeof(buf));

	CHECK_EQ(bump_dma_iova(m, buf + 100, 2048, &iova), 0);
	CHECK_EQ(iova, (uintptr_t)(buf + 100));
	/* Any range inside is fine for a linear map, even across pages. */
	CHECK_EQ(bump_dma_iova(m, buf + PAGE - 10, 20, &iova), 0);
	CHECK_EQ(iova, (uintptr_t)(buf + PAGE - 10));
	CHECK_EQ(bump_dma_iova(m, buf, sizeof(buf), &iova), 0);

	/* Outside: past the end, straddling the end, before the start. */
	CHECK_EQ(bump_dma_iova(m, buf + sizeof(buf), 1, &iova), -EINVAL);
	CHECK_ERROR_SAYS("not inside the mapping");
	CHECK_EQ(bump_dma_iova(m, buf + sizeof(buf) - 10, 20, &iova), -EINVAL);
	CHECK_EQ(bump_dma_iova(m, (const void *)((uintptr_t)buf - 1), 1, &iova), -EINVAL);
	/* The op itself, called directly, agrees with the inline fast path. */
	CHECK_EQ(dev->ops->iova(m, buf + 5, 5, &iova), 0);
	CHECK_EQ(iova, (uintptr_t)(buf + 5));

	/* Two live mappings; close refuses and closes nothing. */
	CHECK_EQ(bump_dma_map(dev, buf, PAGE, PAGE, &m2), 0);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), sizeof(buf) + PAGE);
	CHECK_EQ(bump_dma_dev_close(dev), -EBUSY);
	CHECK_ERROR_SAYS("2 mapping");
	CHECK_ERROR_SAYS("bump_dma_unmap");
	CHECK_EQ(bump_dma_unmap(m2), 0);
	CHECK_EQ(bump_dma_dev_close(dev), -EBUSY);
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(atomic_load(&dev->maps), 2);
	CHECK_EQ(atomic_load(&dev->unmaps), 2);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
}

static void test_identity_no_sync(void)
{
	static char buf[PAGE] __attribute__((aligned(PAGE)));
	struct bump_dma_dev *dev;
	struct bump_dma_map *m;

	CHECK_EQ(bump_dma_identity_open(&dev), 0);
	CHECK(dev->ops->sync_for_device == NULL && dev->ops->sync_for_cpu == NULL);
	CHECK_EQ(bump_dma_map(dev, buf, sizeof(buf), PAGE, &m), 0);
	bump_dma_sync_for_device(m, m->iova_base, 64, BUMP_DMA_FROM_DEVICE);
	bump_dma_sync_for_cpu(m, m->iova_base, 64, BUMP_DMA_FROM_DEVICE);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 0);
	CHECK_EQ(atomic_load(&dev->syncs_for_cpu), 0);
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
}

/* ---- custom ops ---- */

static void test_custom_ops(void)
{
	static char buf[8 * PAGE] __attribute__((aligned(PAGE)));
	struct bump_dma_dev *dev;
	struct bump_dma_map *m = (struct bump_dma_map *)1;
	struct fake f = { 0 };
	uint64_t iova = 0;

	CHECK_EQ(bump_dma_dev_open(&fake_ops, "fake0", &f, &dev), 0);
	CHECK(strcmp(dev->name, "fake0") == 0);

	/* A failing map: its error comes back, nothing is counted. */
	f.fail_map = 1;
	CHECK_EQ(bump_dma_map(dev, buf, sizeof(buf), PAGE, &m), -EIO);
	CHECK(m == NULL);
	CHECK_ERROR_SAYS("fake map refused");
	CHECK_EQ(atomic_load(&dev->maps), 0);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), 0);
	f.fail_map = 0;

	CHECK_EQ(bump_dma_map(dev, buf, sizeof(buf), PAGE, &m), 0);
	CHECK_EQ(f.maps, 1);
	CHECK_EQ(m->contig, PAGE);  /* 0 from the op: defaults to page_size */
	CHECK_EQ(bump_dma_iova(m, buf + 3 * PAGE + 8, 256, &iova), 0);
	CHECK_EQ(iova, FAKE_BUS + 3 * PAGE + 8);
	CHECK_EQ(bump_dma_iova(m, buf + sizeof(buf), 1, &iova), -EINVAL);
	CHECK_ERROR_SAYS("fake iova");

	bump_dma_sync_for_device(m, iova, 1500, BUMP_DMA_TO_DEVICE);
	CHECK_EQ(f.sync_dev, 1);
	CHECK_EQ(f.last_iova, iova);
	CHECK_EQ(f.last_len, 1500);
	CHECK_EQ(f.last_dir, BUMP_DMA_TO_DEVICE);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 1);
	bump_dma_sync_for_cpu(m, iova + 64, 128, BUMP_DMA_FROM_DEVICE);
	bump_dma_sync_for_cpu(m, iova, 64, BUMP_DMA_BIDIRECTIONAL);
	CHECK_EQ(f.sync_cpu, 2);
	CHECK_EQ(f.last_dir, BUMP_DMA_BIDIRECTIONAL);
	CHECK_EQ(atomic_load(&dev->syncs_for_cpu), 2);
	CHECK_EQ(atomic_load(&dev->syncs_for_device), 1);

	/* A failing unmap leaves the mapping live and counted; a retry works. */
	f.fail_unmap = 1;
	CHECK_EQ(bump_dma_unmap(m), -EIO);
	CHECK_EQ(atomic_load(&dev->unmaps), 0);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), sizeof(buf));
	CHECK_EQ(bump_dma_dev_close(dev), -EBUSY);
	CHECK_EQ(f.closes, 0);
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(f.unmaps, 1);
	CHECK_EQ(atomic_load(&dev->maps), atomic_load(&dev->unmaps));
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	CHECK_EQ(f.closes, 1);
}

/* ---- pagemap, 4 KiB pages ---- */

#define NPAGES 64

static void test_pagemap_4k(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m;
	uint64_t phys[NPAGES], iova = 0;
	int joined = -1;
	char *p;

	if (!have_pfns())
		TEST_SKIP("reading PFNs from /proc/self/pagemap needs root/CAP_SYS_ADMIN");
	p = alloc_locked(NPAGES);
	if (!p)
		TEST_SKIP("cannot mmap+mlock a test buffer (raise RLIMIT_MEMLOCK)");

	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	CHECK(strcmp(dev->name, "pagemap") == 0);
	CHECK_EQ(bump_dma_map(dev, p, NPAGES * PAGE, PAGE, &m), 0);
	CHECK(!m->linear);
	CHECK_EQ(m->contig, PAGE);
	CHECK(m->priv != NULL);
	CHECK_EQ(atomic_load(&dev->maps), 1);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), NPAGES * PAGE);

	for (int i = 0; i < NPAGES; i++) {
		phys[i] = read_phys(p + i * PAGE);
		CHECK(phys[i] != 0);
		/* A whole page, and a small buffer at an offset in it. */
		CHECK_EQ(bump_dma_iova(m, p + i * PAGE, PAGE, &iova), 0);
		CHECK_EQ(iova, phys[i]);
		CHECK_EQ(bump_dma_iova(m, p + i * PAGE + 2048, 1024, &iova), 0);
		CHECK_EQ(iova, phys[i] + 2048);
	}
	for (int i = 0; i + 1 < NPAGES && joined < 0; i++)
		if (phys[i + 1] == phys[i] + PAGE)
			joined = i;
	if (joined >= 0) {
		/* Adjacent pages that happen to be contiguous are accepted. */
		CHECK_EQ(bump_dma_iova(m, p + joined * PAGE + PAGE - 64, 128, &iova), 0);
		CHECK_EQ(iova, phys[joined] + PAGE - 64);
	}
	/* Outside the mapping. */
	CHECK_EQ(bump_dma_iova(m, p + NPAGES * PAGE, 1, &iova), -EINVAL);
	CHECK_ERROR_SAYS("not inside the mapping");
	CHECK_EQ(bump_dma_iova(m, p + NPAGES * PAGE - 8, 16, &iova), -EINVAL);
	CHECK_EQ(bump_dma_iova(m, p - PAGE, 16, &iova), -EINVAL);

	CHECK_EQ(bump_dma_dev_close(dev), -EBUSY);
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(atomic_load(&dev->maps), atomic_load(&dev->unmaps));
	CHECK_EQ(atomic_load(&dev->bytes_mapped), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(p, NPAGES * PAGE);
}

/* A range across two 4 KiB pages that are not physically adjacent is refused. */
static void test_pagemap_discontinuity(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m;
	uint64_t iova = 0;
	int broken = -1;
	char *p;

	if (!have_pfns())
		TEST_SKIP("reading PFNs from /proc/self/pagemap needs root/CAP_SYS_ADMIN");
	p = alloc_locked(NPAGES);
	if (!p)
		TEST_SKIP("cannot mmap+mlock a test buffer (raise RLIMIT_MEMLOCK)");
	for (int i = 0; i + 1 < NPAGES && broken < 0; i++)
		if (read_phys(p + (i + 1) * PAGE) != read_phys(p + i * PAGE) + PAGE)
			broken = i;
	if (broken < 0) {
		munmap(p, NPAGES * PAGE);
		TEST_SKIP("all 64 test pages happen to be physically contiguous; "
			  "no discontinuity to test -ERANGE on");
	}
	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	CHECK_EQ(bump_dma_map(dev, p, NPAGES * PAGE, PAGE, &m), 0);
	CHECK_EQ(bump_dma_iova(m, p + broken * PAGE + PAGE - 64, 128, &iova), -ERANGE);
	CHECK_ERROR_SAYS("physical discontinuity");
	CHECK_ERROR_SAYS("keep each buffer inside one page");
	/* Each side on its own is fine. */
	CHECK_EQ(bump_dma_iova(m, p + broken * PAGE + PAGE - 64, 64, &iova), 0);
	CHECK_EQ(bump_dma_iova(m, p + (broken + 1) * PAGE, 64, &iova), 0);
	CHECK_EQ(iova, read_phys(p + (broken + 1) * PAGE));
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(p, NPAGES * PAGE);
}

static void test_pagemap_unfaulted(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m = (struct bump_dma_map *)1;
	size_t len = 4 * PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		TEST_SKIP("mmap failed");
	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	CHECK_EQ(bump_dma_map(dev, p, len, PAGE, &m), -EFAULT);
	CHECK(m == NULL);
	CHECK_ERROR_SAYS("pre-faulted and locked");
	/* Fault only the first pages: the last ones still fail (with PFNs visible). */
	p[0] = 1;
	p[PAGE] = 1;
	if (have_pfns()) {
		CHECK_EQ(bump_dma_map(dev, p, len, PAGE, &m), -EFAULT);
		CHECK_ERROR_SAYS("pre-faulted and locked");
	}
	CHECK_EQ(atomic_load(&dev->maps), 0);
	CHECK_EQ(atomic_load(&dev->bytes_mapped), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(p, len);
}

static void test_pagemap_args(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m;
	char *p = alloc_locked(4);

	if (!p)
		TEST_SKIP("cannot mmap+mlock a test buffer (raise RLIMIT_MEMLOCK)");
	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	CHECK_EQ(bump_dma_map(dev, p + 64, PAGE, PAGE, &m), -EINVAL);
	CHECK_ERROR_SAYS("whole");
	CHECK_EQ(bump_dma_map(dev, p, PAGE + 64, PAGE, &m), -EINVAL);
	CHECK_ERROR_SAYS("align");
	CHECK_EQ(atomic_load(&dev->maps), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(p, 4 * PAGE);
}

/* 4 KiB memory passed off as a 2 MiB page is caught (not contiguous or not aligned). */
static void test_pagemap_wrong_page_size(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m = NULL;
	size_t npages = 2 * HUGE_2M / PAGE;
	char *raw, *p;
	int contiguous = 1, ret;

	if (!have_pfns())
		TEST_SKIP("reading PFNs from /proc/self/pagemap needs root/CAP_SYS_ADMIN");
	raw = alloc_locked(npages);
	if (!raw)
		TEST_SKIP("cannot mmap+mlock 4 MiB (raise RLIMIT_MEMLOCK)");
	p = (char *)(((uintptr_t)raw + HUGE_2M - 1) & ~((uintptr_t)HUGE_2M - 1));
	for (size_t i = 1; i < HUGE_2M / PAGE; i++)
		if (read_phys(p + i * PAGE) != read_phys(p) + i * PAGE)
			contiguous = 0;
	if (read_phys(p) % HUGE_2M)
		contiguous = 0;

	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	ret = bump_dma_map(dev, p, HUGE_2M, HUGE_2M, &m);
	if (!contiguous) {
		CHECK_EQ(ret, -EINVAL);
		CHECK_ERROR_SAYS("real backing page size");
	} else if (ret == 0) {
		CHECK_EQ(bump_dma_unmap(m), 0);
	}
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(raw, npages * PAGE);
	if (contiguous)
		TEST_SKIP("2 MiB of 4 KiB pages happened to be physically contiguous");
}

/* ---- pagemap, a 2 MiB hugepage ---- */

static void test_pagemap_hugepage(void)
{
	struct bump_dma_dev *dev;
	struct bump_dma_map *m;
	uint64_t iova = 0, phys0;
	size_t off = HUGE_2M / 2 + 3 * PAGE;
	char *p;
	int fd;

	if (!have_pfns())
		TEST_SKIP("reading PFNs from /proc/self/pagemap needs root/CAP_SYS_ADMIN");
	fd = memfd_create("test_dma", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd < 0)
		TEST_SKIP("memfd_create(MFD_HUGETLB) failed: no hugetlb support");
	if (ftruncate(fd, HUGE_2M) != 0) {
		close(fd);
		TEST_SKIP("no free 2 MiB hugepage (echo 8 > /proc/sys/vm/nr_hugepages)");
	}
	p = mmap(NULL, HUGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		TEST_SKIP("no free 2 MiB hugepage (echo 8 > /proc/sys/vm/nr_hugepages)");
	p[0] = 1;
	phys0 = read_phys(p);
	CHECK(phys0 != 0);
	CHECK_EQ(phys0 % HUGE_2M, 0);

	CHECK_EQ(bump_dma_pagemap_open(&dev), 0);
	CHECK_EQ(bump_dma_map(dev, p, HUGE_2M, HUGE_2M, &m), 0);
	CHECK(!m->linear);
	CHECK_EQ(m->contig, HUGE_2M);
	/* A 64 KiB buffer inside the hugepage translates, crossing 4 KiB boundaries. */
	CHECK_EQ(bump_dma_iova(m, p + off, 64 << 10, &iova), 0);
	CHECK_EQ(iova, phys0 + off);
	CHECK_EQ(iova, read_phys(p + off));
	CHECK_EQ(bump_dma_iova(m, p, HUGE_2M, &iova), 0);
	CHECK_EQ(iova, phys0);
	CHECK_EQ(bump_dma_iova(m, p + HUGE_2M - 32, 64, &iova), -EINVAL);
	CHECK_EQ(bump_dma_unmap(m), 0);

	/* Passing the hugepage as 4 KiB pages works too, with 4 KiB contiguity. */
	CHECK_EQ(bump_dma_map(dev, p, HUGE_2M, PAGE, &m), 0);
	CHECK_EQ(m->contig, PAGE);
	CHECK_EQ(bump_dma_iova(m, p + off, 64 << 10, &iova), 0);
	CHECK_EQ(iova, phys0 + off);
	CHECK_EQ(bump_dma_unmap(m), 0);
	CHECK_EQ(bump_dma_dev_close(dev), 0);
	munmap(p, HUGE_2M);
}

/* ---- pagemap without CAP_SYS_ADMIN ---- */

static void test_pagemap_eperm(void)
{
	struct bump_dma_dev *dev = NULL;
	struct bump_dma_map *m = (struct bump_dma_map *)1;
	int had = sys_admin_effective(), ret;
	char *p = alloc_locked(2);

	if (!p)
		TEST_SKIP("cannot mmap+mlock a test buffer (raise RLIMIT_MEMLOCK)");
	/* The kernel decides whether to show PFNs when pagemap is opened. */
	if (had && set_sys_admin_effective(0) != 0) {
		munmap(p, 2 * PAGE);
		TEST_SKIP("capset cannot drop CAP_SYS_ADMIN here");
	}
	ret = bump_dma_pagemap_open(&dev);
	if (had)
		CHECK_EQ(set_sys_admin_effective(1), 0);
	CHECK_EQ(ret, 0);
	if (ret == 0) {
		CHECK_EQ(bump_dma_map(dev, p, 2 * PAGE, PAGE, &m), -EPERM);
		CHECK(m == NULL);
		CHECK_ERROR_SAYS("CAP_SYS_ADMIN");
		CHECK_ERROR_SAYS("vfio");
		/* Still refused after regaining the capability: it is the fd that counts. */
		CHECK_EQ(bump_dma_map(dev, p, 2 * PAGE, PAGE, &m), -EPERM);
		CHECK_EQ(atomic_load(&dev->maps), 0);
		CHECK_EQ(bump_dma_dev_close(dev), 0);
	}
	munmap(p, 2 * PAGE);
}

int main(void)
{
	static struct test_log log;

	/* The cases provoke errors on purpose: collect log lines instead of printing them. */
	bump_log_set_handler(test_log_handler, &log);
	TEST_RUN(test_dev_open_args);
	TEST_RUN(test_map_args);
	TEST_RUN(test_identity);
	TEST_RUN(test_identity_no_sync);
	TEST_RUN(test_custom_ops);
	TEST_RUN(test_pagemap_4k);
	TEST_RUN(test_pagemap_discontinuity);
	TEST_RUN(test_pagemap_unfaulted);
	TEST_RUN(test_pagemap_args);
	TEST_RUN(test_pagemap_wrong_page_size);
	TEST_RUN(test_pagemap_hugepage);
	TEST_RUN(test_pagemap_eperm);
	return test_exit();
}
