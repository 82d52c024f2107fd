/* SPDX-License-Identifier: MIT */
/*
 * bump_mem_huge.c - where hugepages come from: the kernel's sysfs counters,
 * memfd_create(MFD_HUGETLB), hugetlbfs mounts, and the messages that tell
 * the user how to get more.
 */
#include "bump_mem_priv.h"
#include "bump_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Older libc headers lack these; the values are the kernel ABI. */
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << MFD_HUGE_SHIFT)
#endif
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB (30u << MFD_HUGE_SHIFT)
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008u
#endif

static atomic_bool hp_force_hugetlbfs;

void bump_mem_test_force_hugetlbfs(bool force)
{
	atomic_store(&hp_force_hugetlbfs, force);
}

const char *bump_mem_size_name(size_t page_size)
{
	switch (page_size) {
	case BUMP_PAGE_4K: return "4 KiB";
	case BUMP_PAGE_2M: return "2 MiB";
	case BUMP_PAGE_1G: return "1 GiB";
	default: return "unsupported-size";
	}
}

/* The sysfs directory of @page_size, per node where the kernel has one. */
static void hp_dir(char *buf, size_t len, size_t page_size, int node)
{
	struct stat st;

	if (node >= 0) {
		snprintf(buf, len, "/sys/devices/system/node/node%d/hugepages/hugepages-%zukB",
			 node, page_size >> 10);
		if (stat(buf, &st) == 0)
			return;
	}
	/* No per-node counters (a kernel without NUMA): the global ones are the node's. */
	snprintf(buf, len, "/sys/kernel/mm/hugepages/hugepages-%zukB", page_size >> 10);
}

bool bump_mem_hp_supported(size_t page_size)
{
	char dir[128];
	struct stat st;

	hp_dir(dir, sizeof(dir), page_size, -1);
	return stat(dir, &st) == 0;
}

long bump_mem_hp_read(size_t page_size, int node, const char *what)
{
	char path[192], buf[32];
	ssize_t n;
	long val;
	char *end;
	int fd;

	hp_dir(path, sizeof(path), page_size, node);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	close(fd);
	buf[n] = '\0';
	errno = 0;
	val = strtol(buf, &end, 10);
	if (errno || end == buf || val < 0)
		return -EIO;
	return val;
}

size_t bump_mem_huge_size(size_t page_size)
{
	if (page_size == BUMP_PAGE_2M || page_size == BUMP_PAGE_1G)
		return page_size;
	if (page_size != 0)
		return 0;
	/*
	 * 2 MiB unless the admin configured only 1 GiB pages: then 1 GiB is what
	 * "hugepages where the machine has them" means, not a 4 KiB fallback.
	 */
	if (bump_mem_hp_read(BUMP_PAGE_2M, -1, "nr_hugepages") <= 0 &&
	    bump_mem_hp_read(BUMP_PAGE_1G, -1, "nr_hugepages") > 0)
		return BUMP_PAGE_1G;
	return BUMP_PAGE_2M;
}

long bump_mem_free_hugepages(size_t page_size, int numa_node)
{
	size_t ps = bump_mem_huge_size(page_size);
	long n;

	if (!ps)
		return bump_error(EINVAL, "bump_mem_free_hugepages: page size %zu is not a hugepage "
				  "size; use 0, BUMP_PAGE_2M or BUMP_PAGE_1G", page_size);
	if (numa_node >= 0) {
		int node, err = bump_mem_resolve_node(numa_node, &node);

		if (err)
			return err;
	}
	n = bump_mem_hp_read(ps, numa_node, "free_hugepages");
	if (n == -ENOENT)
		return bump_error(EOPNOTSUPP, "%s hugepages are not supported by this kernel or CPU",
				  bump_mem_size_name(ps));
	if (n < 0)
		return bump_error((int)-n, "cannot read free %s hugepages of node %d from sysfs: %s",
				  bump_mem_size_name(ps), numa_node, strerror((int)-n));
	return n;
}

void bump_mem_hp_command(char *buf, size_t len, size_t page_size, int node, long target)
{
	char dir[128];

	hp_dir(dir, sizeof(dir), page_size, node);
	snprintf(buf, len, "echo %ld > %s/nr_hugepages", target, dir);
}

int bump_mem_hp_shortage(const char *name, size_t page_size, int node, long needed)
{
	long free_n = bump_mem_hp_read(page_size, node, "free_hugepages");
	long total = bump_mem_hp_read(page_size, node, "nr_hugepages");
	long resv = bump_mem_hp_read(page_size, -1, "resv_hugepages");
	long usable, missing;
	char cmd[192], resv_note[64] = "";

	free_n = free_n < 0 ? 0 : free_n;
	total = total < 0 ? 0 : total;
	resv = resv < 0 ? 0 : resv;
	/*
	 * Enough free but still failed: other mappings hold reservations on
	 * them (free_hugepages counts reserved-but-unfaulted pages as free).
	 */
	usable = free_n;
	if (free_n >= needed && resv > 0) {
		usable = free_n > resv ? free_n - resv : 0;
		snprintf(resv_note, sizeof(resv_note), ", %ld reserved by other mappings", resv);
	}
	missing = needed > usable ? needed - usable : 1;
	bump_mem_hp_command(cmd, sizeof(cmd), page_size, node, total + missing);
	return bump_error(ENOMEM,
			  "region '%.64s' needs %ld hugepage%s of %s on NUMA node %d but only %ld are "
			  "free there (%ld configured%s); as root run `%s`%s",
			  name, needed, needed == 1 ? "" : "s", bump_mem_size_name(page_size), node,
			  free_n, total, resv_note,
			  cmd, page_size == BUMP_PAGE_1G ?
			  " (1 GiB pages may only be available from boot: hugepagesz=1G hugepages=N)" : "");
}

/* "2M", "1G", "2048k", "2097152" -> bytes; 0 if unparsable. */
static size_t hp_parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	default: break;
	}
	return (size_t)v;
}

/* Hugepagesize: from /proc/meminfo: the size of a mount without pagesize=. */
static size_t hp_default_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/* An unlinked file of @len bytes on a hugetlbfs mount of @page_size, or -errno. */
static int hp_open_hugetlbfs(size_t page_size, size_t len, char *why, size_t why_len)
{
	FILE *mounts = setmntent("/proc/mounts", "re");
	struct mntent *m;
	int fd = -ENOENT;

	if (!mounts) {
		int err = errno;

		snprintf(why, why_len, "cannot read /proc/mounts: %s", strerror(err));
		return -err;
	}
	snprintf(why, why_len, "no hugetlbfs mount with pagesize=%s in /proc/mounts",
		 page_size == BUMP_PAGE_1G ? "1G" : "2M");
	while ((m = getmntent(mounts))) {
		char path[PATH_MAX];
		const char *opt;
		size_t msize;

		if (strcmp(m->mnt_type, "hugetlbfs") != 0)
			continue;
		opt = hasmntopt(m, "pagesize");
		msize = opt && opt[8] == '=' ? hp_parse_size(opt + 9) : hp_default_size();
		if (msize != page_size)
			continue;
		if (snprintf(path, sizeof(path), "%s/bump.XXXXXX", m->mnt_dir) >= (int)sizeof(path))
			continue;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0) {
			/* Not ours to write (permissions, read-only): try the next mount. */
			fd = -errno;
			snprintf(why, why_len, "cannot create a file in hugetlbfs mount %.96s: %s",
				 m->mnt_dir, strerror(-fd));
			continue;
		}
		/* Unlinked at once: the memory goes away with the last fd and mapping. */
		if (unlink(path) < 0 || ftruncate(fd, (off_t)len) < 0) {
			int err = errno;

			snprintf(why, why_len, "hugetlbfs file in %.96s: %s", m->mnt_dir, strerror(err));
			close(fd);
			fd = -err;
			unlink(path);
			continue;
		}
		break;
	}
	endmntent(mounts);
	return fd;
}

int bump_mem_hp_open(const char *name, size_t page_size, size_t len,
		     enum bump_region_backing *backing)
{
	unsigned flags = MFD_CLOEXEC | MFD_HUGETLB |
			 (page_size == BUMP_PAGE_1G ? MFD_HUGE_1GB : MFD_HUGE_2MB);
	char mfd_name[64], memfd_why[96], fs_why[160];
	int fd, err;

	if (atomic_load(&hp_force_hugetlbfs)) {
		snprintf(memfd_why, sizeof(memfd_why), "disabled for testing");
	} else {
		snprintf(mfd_name, sizeof(mfd_name), "bump:%s", name);
		/* NOEXEC_SEAL keeps 6.3+ kernels from warning; older ones reject it. */
		fd = memfd_create(mfd_name, flags | MFD_NOEXEC_SEAL);
		if (fd < 0 && errno == EINVAL)
			fd = memfd_create(mfd_name, flags);
		if (fd >= 0) {
			if (ftruncate(fd, (off_t)len) < 0) {
				err = errno;
				close(fd);
				return bump_error(err, "region '%.64s': ftruncate of %s hugetlb memfd to "
						  "%zu bytes: %s", name, bump_mem_size_name(page_size),
						  len, strerror(err));
			}
			*backing = BUMP_BACKING_MEMFD_HUGETLB;
			return fd;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return bump_error(errno, "region '%.64s': memfd_create: %s", name,
					  strerror(errno));
		snprintf(memfd_why, sizeof(memfd_why), "%s", strerror(errno));
	}
	fd = hp_open_hugetlbfs(page_size, len, fs_why, sizeof(fs_why));
	if (fd >= 0) {
		*backing = BUMP_BACKING_HUGETLBFS;
		return fd;
	}
	return bump_error(-fd, "region '%.64s': cannot get %s hugetlb memory: memfd_create(MFD_HUGETLB) "
			  "failed (%s) and %s; mount one: `mkdir -p /dev/hugepages%s && mount -t "
			  "hugetlbfs -o pagesize=%s none /dev/hugepages%s`", name,
			  bump_mem_size_name(page_size), memfd_why, fs_why,
			  page_size == BUMP_PAGE_1G ? "1G" : "2M", page_size == BUMP_PAGE_1G ? "1G" : "2M",
			  page_size == BUMP_PAGE_1G ? "1G" : "2M");
}
