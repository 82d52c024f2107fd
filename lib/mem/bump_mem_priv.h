/* SPDX-License-Identifier: MIT */
/*
 * bump_mem_priv.h - internals shared by the files of lib/mem (not installed).
 *
 * bump_mem.c owns regions (map, bind, pre-fault, lock, stats);
 * bump_mem_huge.c knows where hugepages come from (sysfs counters, memfd,
 * hugetlbfs mounts) and how to tell the user to get more.
 */
#ifndef BUMP_MEM_PRIV_H
#define BUMP_MEM_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "bump_mem.h"

/* "4 KiB", "2 MiB", "1 GiB": how messages name a page size. */
const char *bump_mem_size_name(size_t page_size);

/*
 * The hugepage size to use for @page_size: 0 means 2 MiB, or 1 GiB where
 * only 1 GiB pages are configured; 2M/1G stay; anything else gives 0.
 */
size_t bump_mem_huge_size(size_t page_size);

/*
 * Read hugepage counter @what ("nr_hugepages", "free_hugepages", ...) for
 * @page_size on @node (node < 0, or no NUMA in the kernel: the global one).
 * Returns the value, -ENOENT where the kernel has no such hugepage size.
 */
long bump_mem_hp_read(size_t page_size, int node, const char *what);

/* True when the kernel has hugepages of @page_size at all (a sysfs directory). */
bool bump_mem_hp_supported(size_t page_size);

/*
 * The -ENOMEM for "not enough @page_size hugepages on @node": how many are
 * needed, how many are free, and the echo command that provides them.
 */
int bump_mem_hp_shortage(const char *name, size_t page_size, int node, long needed);

/* The shell command (into @buf) that sets @node's @page_size hugepages to @target. */
void bump_mem_hp_command(char *buf, size_t len, size_t page_size, int node, long target);

/*
 * Open an fd of @len bytes of hugetlb memory: memfd_create(MFD_HUGETLB)
 * where it works, else an unlinked file on a hugetlbfs mount of the right
 * page size.  Returns the fd (and *backing) or a negative errno with a message.
 */
int bump_mem_hp_open(const char *name, size_t page_size, size_t len,
		     enum bump_region_backing *backing);

/* True when libnuma works here (numa_available() >= 0); cached. */
bool bump_mem_numa_ok(void);

/*
 * Test hook: pretend memfd_create(MFD_HUGETLB) is unavailable, so that the
 * hugetlbfs-mount path can be tested on kernels where memfd works.
 */
void bump_mem_test_force_hugetlbfs(bool force);

#endif /* BUMP_MEM_PRIV_H */
