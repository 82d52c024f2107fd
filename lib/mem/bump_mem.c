/* SPDX-License-Identifier: MIT */
/*
 * bump_mem.c - packet memory regions: map, bind to a NUMA node, pre-fault,
 * lock; the 4 KiB fallback policy; process-wide stats.
 *
 * Order matters: the NUMA policy is set with mbind() on the fresh, untouched
 * mapping, and only then are pages faulted in, with MADV_POPULATE_WRITE,
 * which reports a lack of hugepages as an error.  Touching hugetlb memory by
 * hand would instead deliver SIGBUS when the node has no page left.
 */
#include "bump_mem_priv.h"
#include "bump_common.h"
#include "bump_log.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Nodes the stack nodemask for mbind() can name (the kernel's MAX_NUMNODES is at most 1024). */
#define BUMP_MEM_MAX_NODES 1024

struct bump_region {
	void *base;
	size_t len;
	size_t page_size;
	int numa_node;
	int fd;                 /* hugetlb file; -1 for anonymous memory */
	enum bump_region_backing backing;
	bool fallback_4k;
	bool locked;
	struct bump_region *prev, *next;  /* every region, under region_list_lock */
	char name[];
};

/* Every region, for bump_region_foreach(); the create and destroy paths only. */
static pthread_mutex_t region_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bump_region *region_head, *region_tail;

static _Atomic uint64_t stat_created;
static _Atomic uint64_t stat_fallback_4k;
static _Atomic uint64_t stat_bytes_huge;
static _Atomic uint64_t stat_bytes_4k;

/* One warning per process each: a fallback or an rlimit repeats for every region. */
static atomic_bool warned_fallback;
static atomic_bool warned_mlock;

static atomic_int numa_state; /* 0 unknown, 1 libnuma works, -1 not */

bool bump_mem_numa_ok(void)
{
	int s = atomic_load(&numa_state);

	if (!s) {
		/* numa_available() must precede any other libnuma call. */
		s = numa_available() < 0 ? -1 : 1;
		atomic_store(&numa_state, s);
	}
	return s > 0;
}

static bool mem_node_valid(int node)
{
	if (!bump_mem_numa_ok())
		return node == 0;
	/* numa_all_nodes_ptr: nodes with memory this process may allocate on. */
	return node >= 0 && node <= numa_max_node() && node < BUMP_MEM_MAX_NODES &&
	       numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node);
}

int bump_mem_resolve_node(int node, int *out)
{
	char list[160] = "";
	size_t used = 0;

	if (node == BUMP_NUMA_ANY) {
		int cpu = sched_getcpu();

		node = cpu >= 0 && bump_mem_numa_ok() ? numa_node_of_cpu(cpu) : 0;
		if (node < 0)
			node = 0;
	}
	if (mem_node_valid(node)) {
		*out = node;
		return 0;
	}
	for (int n = 0; n <= (bump_mem_numa_ok() ? numa_max_node() : 0) && used < sizeof(list); n++)
		if (mem_node_valid(n))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d",
						 used ? "," : "", n);
	return bump_error(EINVAL, "NUMA node %d does not exist or has no memory this process may "
			  "use; valid nodes: %s", node, list);
}

static int region_check_params(const struct bump_region_params *p, const char *name)
{
	const unsigned known = BUMP_REGION_F_HUGE_ONLY | BUMP_REGION_F_NO_HUGE;

	if (p->size == 0)
		return bump_error(EINVAL, "region '%.64s': size is 0; ask for at least one byte "
				  "(it is rounded up to the page size)", name);
	if (p->page_size != 0 && p->page_size != BUMP_PAGE_4K && p->page_size != BUMP_PAGE_2M &&
	    p->page_size != BUMP_PAGE_1G)
		return bump_error(EINVAL, "region '%.64s': page size %zu is not supported; use 0 "
				  "(the default hugepage size), BUMP_PAGE_4K, BUMP_PAGE_2M or "
				  "BUMP_PAGE_1G", name, p->page_size);
	if (p->flags & ~known)
		return bump_error(EINVAL, "region '%.64s': unknown flags 0x%x", name,
				  p->flags & ~known);
	if ((p->flags & BUMP_REGION_F_HUGE_ONLY) &&
	    ((p->flags & BUMP_REGION_F_NO_HUGE) || p->page_size == BUMP_PAGE_4K))
		return bump_error(EINVAL, "region '%.64s': BUMP_REGION_F_HUGE_ONLY contradicts "
				  "4 KiB pages (BUMP_REGION_F_NO_HUGE or BUMP_PAGE_4K)", name);
	return 0;
}

/*
 * Hugepages wanted: may they be used at all?  0 (use them), 1 (fall back to
 * 4 KiB, warned) or a negative errno under HUGE_ONLY.  A machine with
 * hugepages configured never falls back: running short is an error there.
 */
static int region_huge_policy(const char *name, size_t ps, int node, size_t size, unsigned flags)
{
	long needed = (long)(size / ps + (size % ps != 0));
	/*
	 * What is configured is the persistent pool: nr_hugepages also counts
	 * surplus pages, and those are what is left held after nr_hugepages
	 * was lowered under them, so they are not there to be had.
	 */
	long surplus = bump_mem_hp_read(ps, -1, "surplus_hugepages");
	long nr = bump_mem_hp_read(ps, -1, "nr_hugepages") - (surplus > 0 ? surplus : 0);
	long over = bump_mem_hp_read(ps, -1, "nr_overcommit_hugepages");
	char cmd[192];

	if (nr > 0 || over > 0)
		return 0;
	if (!bump_mem_hp_supported(ps)) {
		if (flags & BUMP_REGION_F_HUGE_ONLY)
			return bump_error(EOPNOTSUPP, "region '%.64s': %s hugepages are not supported "
					  "by this kernel or CPU (BUMP_REGION_F_HUGE_ONLY); use "
					  "BUMP_PAGE_2M", name, bump_mem_size_name(ps));
		if (!atomic_exchange(&warned_fallback, true))
			bump_log(BUMP_LOG_WARN, "%s hugepages are not supported by this kernel or "
				 "CPU: region '%.64s' and later ones use 4 KiB pages instead, which "
				 "costs TLB misses on buffer accesses and gives no physical "
				 "contiguity beyond 4 KiB; ask for BUMP_PAGE_2M pages",
				 bump_mem_size_name(ps), name);
		return 1;
	}
	bump_mem_hp_command(cmd, sizeof(cmd), ps, node, needed);
	if (flags & BUMP_REGION_F_HUGE_ONLY)
		return bump_error(ENOMEM, "region '%.64s' needs %ld hugepage%s of %s on NUMA node %d "
				  "(BUMP_REGION_F_HUGE_ONLY) but none are configured on this "
				  "machine; as root run `%s`%s", name, needed, needed == 1 ? "" : "s",
				  bump_mem_size_name(ps), node, cmd, ps == BUMP_PAGE_1G ?
				  " (1 GiB pages may only be available from boot: hugepagesz=1G "
				  "hugepages=N)" : "");
	if (!atomic_exchange(&warned_fallback, true))
		bump_log(BUMP_LOG_WARN, "no %s hugepages are configured (nr_hugepages, less surplus "
			 "pages still held, is 0): region "
			 "'%.64s' and later ones fall back to 4 KiB pages, which costs TLB misses "
			 "on buffer accesses and gives no physical contiguity beyond 4 KiB; to "
			 "get hugepages, as root run `%s`", bump_mem_size_name(ps), name, cmd);
	return 1;
}

/* mmap a hugetlb file of r->len bytes, after checking the node has enough free pages. */
static int region_map_huge(struct bump_region *r)
{
	long needed = (long)(r->len / r->page_size);
	long free_n = bump_mem_hp_read(r->page_size, r->numa_node, "free_hugepages");
	long over = bump_mem_hp_read(r->page_size, -1, "nr_overcommit_hugepages") -
		    bump_mem_hp_read(r->page_size, -1, "surplus_hugepages");
	int err;

	/* Surplus pages (overcommit) may still cover it: then mmap and populate decide. */
	if (free_n >= 0 && free_n + (over > 0 ? over : 0) < needed)
		return bump_mem_hp_shortage(r->name, r->page_size, r->numa_node, needed);
	r->fd = bump_mem_hp_open(r->name, r->page_size, r->len, &r->backing);
	if (r->fd < 0)
		return r->fd;
	/* MAP_SHARED reserves the pages now; ENOMEM here is a global shortage. */
	r->base = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->base != MAP_FAILED)
		return 0;
	err = errno;
	close(r->fd);
	r->fd = -1;
	if (err == ENOMEM)
		return bump_mem_hp_shortage(r->name, r->page_size, r->numa_node, needed);
	return bump_error(err, "region '%.64s': mmap of %zu bytes of %s hugetlb memory: %s",
			  r->name, r->len, bump_mem_size_name(r->page_size), strerror(err));
}

static int region_bind(struct bump_region *r)
{
	unsigned long mask[BUMP_MEM_MAX_NODES / (8 * sizeof(unsigned long))] = { 0 };
	unsigned bits = 8 * sizeof(unsigned long);

	if (!bump_mem_numa_ok())
		return 0; /* one node, nothing to bind to */
	mask[r->numa_node / bits] |= 1ul << (r->numa_node % bits);
	/* maxnode is one more than the bits in the mask: the kernel drops the last. */
	if (mbind(r->base, r->len, MPOL_BIND, mask, BUMP_MEM_MAX_NODES + 1, 0) < 0)
		return bump_error(errno, "region '%.64s': mbind to NUMA node %d: %s", r->name,
				  r->numa_node, strerror(errno));
	return 0;
}

/* 0; a negative errno with a message; or 1: hugetlb pages ran out (explained by the caller). */
static int region_populate(struct bump_region *r)
{
	int err;

	if (madvise(r->base, r->len, MADV_POPULATE_WRITE) == 0)
		return 0;
	err = errno;
	if (err == EINVAL && r->fd < 0) {
		/* Kernel < 5.14: anonymous 4 KiB memory is safe to touch by hand. */
		for (size_t off = 0; off < r->len; off += BUMP_PAGE_4K)
			((volatile char *)r->base)[off] = 0;
		return 0;
	}
	if (err == EINVAL)
		return bump_error(EOPNOTSUPP, "region '%.64s': pre-faulting hugetlb memory safely "
				  "needs MADV_POPULATE_WRITE (Linux 5.14 or later)", r->name);
	if (r->fd >= 0) {
		/* The node ran out of hugepages (EFAULT or ENOMEM): the caller explains. */
		bump_log(BUMP_LOG_DEBUG, "region '%.64s': MADV_POPULATE_WRITE: %s", r->name,
			 strerror(err));
		return 1;
	}
	return bump_error(err, "region '%.64s': cannot fault in %zu bytes on NUMA node %d: %s",
			  r->name, r->len, r->numa_node, strerror(err));
}

static void region_lock(struct bump_region *r)
{
	r->locked = mlock(r->base, r->len) == 0;
	if (!r->locked && !atomic_exchange(&warned_mlock, true))
		bump_log(BUMP_LOG_WARN, "cannot mlock region '%.64s' (%zu bytes): %s; its pages "
			 "stay unlocked (raise `ulimit -l` or grant CAP_IPC_LOCK)", r->name,
			 r->len, strerror(errno));
}

static void region_unmap(struct bump_region *r)
{
	if (munmap(r->base, r->len) < 0)
		bump_log(BUMP_LOG_WARN, "region '%.64s': munmap: %s", r->name, strerror(errno));
	if (r->fd >= 0 && close(r->fd) < 0)
		bump_log(BUMP_LOG_WARN, "region '%.64s': close: %s", r->name, strerror(errno));
}

int bump_region_create(const struct bump_region_params *params, struct bump_region **out)
{
	struct bump_region *r;
	const char *name;
	size_t ps = BUMP_PAGE_4K;
	bool fallback = false;
	int node, err;

	if (!out || !params)
		return bump_error(EINVAL, "bump_region_create: params and out must not be NULL");
	*out = NULL;
	name = params->name && params->name[0] ? params->name : "unnamed";
	err = region_check_params(params, name);
	if (!err)
		err = bump_mem_resolve_node(params->numa_node, &node);
	if (err)
		return err;
	if (!(params->flags & BUMP_REGION_F_NO_HUGE) && params->page_size != BUMP_PAGE_4K) {
		size_t hps = bump_mem_huge_size(params->page_size);

		err = region_huge_policy(name, hps, node, params->size, params->flags);
		if (err < 0)
			return err;
		fallback = err == 1;
		ps = fallback ? BUMP_PAGE_4K : hps;
	}
	if (params->size > SIZE_MAX - (ps - 1))
		return bump_error(EINVAL, "region '%.64s': size %zu is too large", name, params->size);

	r = calloc(1, sizeof(*r) + strlen(name) + 1);
	if (!r)
		return bump_error(ENOMEM, "region '%.64s': out of memory for its descriptor", name);
	strcpy(r->name, name);
	r->len = BUMP_ALIGN_UP(params->size, ps);
	r->page_size = ps;
	r->numa_node = node;
	r->fd = -1;
	r->backing = BUMP_BACKING_ANON_4K;
	r->fallback_4k = fallback;

	if (ps == BUMP_PAGE_4K) {
		r->base = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		err = r->base == MAP_FAILED ?
		      bump_error(errno, "region '%.64s': mmap of %zu bytes: %s", name, r->len,
				 strerror(errno)) : 0;
	} else {
		err = region_map_huge(r);
	}
	if (err) {
		free(r);
		return err;
	}
	err = region_bind(r);
	if (!err)
		err = region_populate(r);
	if (err) {
		region_unmap(r);
		/* After the unmap: the free counts must not include pages this attempt held. */
		if (err > 0)
			err = bump_mem_hp_shortage(r->name, r->page_size, r->numa_node,
						   (long)(r->len / r->page_size));
		free(r);
		return err;
	}
	region_lock(r);

	atomic_fetch_add(&stat_created, 1);
	if (fallback)
		atomic_fetch_add(&stat_fallback_4k, 1);
	atomic_fetch_add(ps == BUMP_PAGE_4K ? &stat_bytes_4k : &stat_bytes_huge, r->len);
	pthread_mutex_lock(&region_list_lock);
	r->prev = region_tail;
	if (region_tail)
		region_tail->next = r;
	else
		region_head = r;
	region_tail = r;
	pthread_mutex_unlock(&region_list_lock);
	*out = r;
	return 0;
}

void bump_region_destroy(struct bump_region *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&region_list_lock);
	if (r->prev)
		r->prev->next = r->next;
	else
		region_head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		region_tail = r->prev;
	pthread_mutex_unlock(&region_list_lock);
	region_unmap(r);
	atomic_fetch_sub(r->page_size == BUMP_PAGE_4K ? &stat_bytes_4k : &stat_bytes_huge, r->len);
	free(r);
}

void bump_region_get_info(const struct bump_region *r, struct bump_region_info *info)
{
	info->name = r->name;
	info->base = r->base;
	info->len = r->len;
	info->page_size = r->page_size;
	info->numa_node = r->numa_node;
	info->backing = r->backing;
	info->fallback_4k = r->fallback_4k;
	info->locked = r->locked;
}

int bump_region_foreach(bump_region_visit_fn fn, void *arg)
{
	struct bump_region_info info;
	int ret = 0;

	pthread_mutex_lock(&region_list_lock);
	for (struct bump_region *r = region_head; r && !ret; r = r->next) {
		bump_region_get_info(r, &info);
		ret = fn(&info, arg);
	}
	pthread_mutex_unlock(&region_list_lock);
	return ret;
}

void *bump_region_base(const struct bump_region *r)
{
	return r->base;
}

size_t bump_region_len(const struct bump_region *r)
{
	return r->len;
}

size_t bump_region_page_size(const struct bump_region *r)
{
	return r->page_size;
}

int bump_region_numa_node(const struct bump_region *r)
{
	return r->numa_node;
}

bool bump_region_contains(const struct bump_region *r, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)r->base;

	return a >= base && a - base < r->len;
}

int bump_region_page_node(const struct bump_region *r, const void *addr)
{
	void *page;
	int status = -1;

	if (!bump_region_contains(r, addr))
		return bump_error(EINVAL, "address %p is not inside region '%.64s' [%p, +%zu)",
				  addr, r->name, r->base, r->len);
	page = (void *)((uintptr_t)addr & ~(uintptr_t)(r->page_size - 1));
	/* nodes == NULL: a query, nothing moves. */
	if (move_pages(0, 1, &page, NULL, &status, 0) < 0) {
		if (errno == ENOSYS && !bump_mem_numa_ok())
			return 0; /* kernel without NUMA: everything is on node 0 */
		return bump_error(errno, "region '%.64s': move_pages query of %p: %s", r->name,
				  page, strerror(errno));
	}
	if (status < 0)
		return bump_error(-status, "region '%.64s': page %p has no node: %s", r->name, page,
				  strerror(-status));
	return status;
}

void bump_mem_get_stats(struct bump_mem_stats *stats)
{
	stats->regions_created = atomic_load(&stat_created);
	stats->regions_fallback_4k = atomic_load(&stat_fallback_4k);
	stats->bytes_huge = atomic_load(&stat_bytes_huge);
	stats->bytes_4k = atomic_load(&stat_bytes_4k);
}
