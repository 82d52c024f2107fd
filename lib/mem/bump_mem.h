/* SPDX-License-Identifier: MIT */
/*
 * bump_mem.h - packet memory regions.
 *
 * A region is one contiguous virtual range of packet memory: backed by
 * hugetlbfs pages (2 MiB, or 1 GiB where configured) when the machine has
 * them, pre-faulted, locked, and bound to one NUMA node.  Where no hugepages
 * are available it falls back to 4 KiB anonymous pages with one warning per
 * process and a flag in its info (as DPDK's --no-huge), never silently.
 */
#ifndef BUMP_MEM_H
#define BUMP_MEM_H

#include "bump_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUMP_PAGE_4K (4096ul)
#define BUMP_PAGE_2M (2ul << 20)
#define BUMP_PAGE_1G (1ul << 30)

enum bump_region_flags {
	/* Fail (with the command that provides hugepages) rather than fall back. */
	BUMP_REGION_F_HUGE_ONLY = 1u << 0,
	/* Use 4 KiB pages on purpose (no warning: the caller asked for it). */
	BUMP_REGION_F_NO_HUGE = 1u << 1,
};

/* Where the pages of a region came from. */
enum bump_region_backing {
	BUMP_BACKING_MEMFD_HUGETLB = 0, /* memfd_create(MFD_HUGETLB) */
	BUMP_BACKING_HUGETLBFS = 1,     /* a file on a hugetlbfs mount from /proc/mounts */
	BUMP_BACKING_ANON_4K = 2,       /* 4 KiB anonymous pages: the fallback */
};

struct bump_region_params {
	const char *name;   /* for messages and stats; copied */
	size_t size;        /* bytes; rounded up to the page size */
	int numa_node;      /* BUMP_NUMA_ANY (-1): the calling thread's node */
	size_t page_size;   /* 0: the default hugepage size; or BUMP_PAGE_2M / _1G / _4K */
	unsigned flags;     /* enum bump_region_flags */
};

struct bump_region_info {
	const char *name;
	void *base;
	size_t len;               /* bytes mapped (a multiple of page_size) */
	size_t page_size;         /* backing page size actually used */
	int numa_node;            /* node the region was bound to */
	enum bump_region_backing backing;
	bool fallback_4k;         /* hugepages were wanted but not available */
	bool locked;              /* mlock() succeeded */
};

struct bump_region;

/*
 * Map, bind, pre-fault and lock a region.  Returns 0 or a negative errno
 * (bump_last_error() says why and what to do; for missing hugepages: how
 * many of which size on which node, and the command that provides them).
 */
BUMP_API int bump_region_create(const struct bump_region_params *params, struct bump_region **out);
/* Unmap the region.  The caller guarantees nothing uses it any more. */
BUMP_API void bump_region_destroy(struct bump_region *region);

BUMP_API void bump_region_get_info(const struct bump_region *region, struct bump_region_info *info);
BUMP_API void *bump_region_base(const struct bump_region *region);
BUMP_API size_t bump_region_len(const struct bump_region *region);
BUMP_API size_t bump_region_page_size(const struct bump_region *region);
BUMP_API int bump_region_numa_node(const struct bump_region *region);
BUMP_API bool bump_region_contains(const struct bump_region *region, const void *addr);

/*
 * The NUMA node the kernel actually placed the page holding @addr on
 * (a move_pages() query, not the requested policy); negative errno on error.
 */
BUMP_API int bump_region_page_node(const struct bump_region *region, const void *addr);

/*
 * Call @fn for every region, oldest first, until it returns nonzero (which
 * is returned; 0 when it never did).  For statistics readers (lib/telemetry):
 * @fn runs under the region list's lock, so the region stays valid; it must
 * not create or destroy a region.
 */
typedef int (*bump_region_visit_fn)(const struct bump_region_info *info, void *arg);
BUMP_API int bump_region_foreach(bump_region_visit_fn fn, void *arg);

/* Process-wide counters, for stats tools and tests. */
struct bump_mem_stats {
	uint64_t regions_created;
	uint64_t regions_fallback_4k;  /* regions that fell back to 4 KiB pages */
	uint64_t bytes_huge;           /* bytes currently mapped on hugepages */
	uint64_t bytes_4k;             /* bytes currently mapped on 4 KiB pages */
};
BUMP_API void bump_mem_get_stats(struct bump_mem_stats *stats);

/*
 * Validate NUMA node @node, resolving BUMP_NUMA_ANY to the calling thread's
 * node, into *@out.  0, or -EINVAL with a message listing the valid nodes.
 */
BUMP_API int bump_mem_resolve_node(int node, int *out);

/*
 * Free hugepages of @page_size on @node (sysfs), or a negative errno.
 * Used for the out-of-memory message and by tests to decide what can run.
 */
BUMP_API long bump_mem_free_hugepages(size_t page_size, int numa_node);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_MEM_H */
