/* SPDX-License-Identifier: MIT */
/*
 * test_mem.c - packet memory regions: 4 KiB and hugepage regions, NUMA
 * placement (checked with the kernel's own move_pages() answer), the 4 KiB
 * fallback and its single warning, running out of hugepages, bad parameters.
 *
 * Cases that change vm.nr_hugepages need root; they restore the original
 * value afterwards, also when a check fails or the program is killed.
 */
#include "bump_mem.h"
#include "bump_mem_priv.h"
#include "bump_common.h"
#include "bump_test.h"

#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define HP2M_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB"

/* ------------------------------------------------------------ helpers */

static long read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int write_long(const char *path, long val)
{
	char buf[32];
	int fd = open(path, O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%ld\n", val);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok ? 0 : -1;
}

/* The node test regions ask for: the caller's own, as BUMP_NUMA_ANY resolves it. */
static int test_node(void)
{
	int cpu = sched_getcpu();
	int node = numa_available() >= 0 && cpu >= 0 ? numa_node_of_cpu(cpu) : 0;

	return node < 0 ? 0 : node;
}

static long node_free_2m(int node)
{
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/free_hugepages", node);
	return read_long(path);
}

/* The kernel's own answer, independent of bump_region_page_node(). */
static int kernel_page_node(void *addr)
{
	int status = -1;

	if (move_pages(0, 1, &addr, NULL, &status, 0) < 0)
		return -errno;
	return status;
}

/*
 * KernelPageSize (kB) of the mapping holding @base, from /proc/self/smaps
 * (contains, not starts at: the kernel merges neighbouring anonymous mappings).
 */
static long smaps_page_kb(const void *base)
{
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		/* Mapping headers start with a hex address, fields with a capitalised name. */
		if (((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			in = start <= (uintptr_t)base && (uintptr_t)base < end;
		else if (in && sscanf(line, "KernelPageSize: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* vm.nr_hugepages as found at start; put back on every exit path. */
static long saved_nr_hugepages = -1;

static void restore_nr_hugepages(void)
{
	if (saved_nr_hugepages >= 0 && write_long(NR_HUGEPAGES, saved_nr_hugepages) < 0)
		fprintf(stderr, "test_mem: could not restore %s to %ld\n", NR_HUGEPAGES,
			saved_nr_hugepages);
}

static void restore_on_signal(int sig)
{
	restore_nr_hugepages();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Set vm.nr_hugepages to @n (root); the kernel may give fewer. -1 if we may not. */
static long set_nr_hugepages(long n)
{
	if (geteuid() != 0)
		return -1;
	if (saved_nr_hugepages < 0) {
		saved_nr_hugepages = read_long(NR_HUGEPAGES);
		if (saved_nr_hugepages < 0)
			return -1;
	}
	if (write_long(NR_HUGEPAGES, n) < 0)
		return -1;
	return read_long(HP2M_DIR "/nr_hugepages");
}

static void check_region_memory(struct bump_region *r, int node)
{
	struct bump_region_info info;
	unsigned char *p;
	size_t bad = 0, misplaced = 0;

	bump_region_get_info(r, &info);
	p = info.base;
	/* Every byte writable and keeps what was written. */
	for (size_t i = 0; i < info.len; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < info.len; i++)
		bad += p[i] != (unsigned char)(i * 7 + 3);
	CHECK_EQ(bad, 0);

	CHECK(bump_region_contains(r, p));
	CHECK(bump_region_contains(r, p + info.len - 1));
	CHECK(!bump_region_contains(r, p + info.len));
	CHECK(!bump_region_contains(r, p - 1));

	/* Placement of every page, as bump reports it and as the kernel does. */
	for (size_t off = 0; off < info.len; off += info.page_size) {
		int got = bump_region_page_node(r, p + off + info.page_size / 2);

		misplaced += got != node || kernel_page_node(p + off) != node;
	}
	CHECK_EQ(misplaced, 0);
	CHECK_EQ(bump_region_page_node(r, p + info.len), -EINVAL);
	CHECK_ERROR_SAYS("not inside region");
}

/* ------------------------------------------------------------ cases */

static void test_bad_params(void)
{
	struct bump_region_params p = { .name = "bad", .size = 1 << 20, .numa_node = 0 };
	struct bump_region *r = (struct bump_region *)&p;
	struct bump_mem_stats before, after;

	bump_mem_get_stats(&before);

	p.size = 0;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("size is 0");
	CHECK(r == NULL);
	p.size = 1 << 20;

	p.page_size = 65536;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("page size 65536 is not supported");
	p.page_size = 0;

	p.numa_node = 63;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("NUMA node 63 does not exist");
	CHECK_ERROR_SAYS("valid nodes: 0");
	p.numa_node = -2;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("NUMA node -2");
	p.numa_node = 0;

	p.flags = BUMP_REGION_F_HUGE_ONLY | BUMP_REGION_F_NO_HUGE;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("contradicts");
	p.flags = 1u << 7;
	CHECK_EQ(bump_region_create(&p, &r), -EINVAL);
	CHECK_ERROR_SAYS("unknown flags");
	p.flags = 0;

	CHECK_EQ(bump_region_create(NULL, &r), -EINVAL);
	CHECK_EQ(bump_region_create(&p, NULL), -EINVAL);

	CHECK_EQ(bump_mem_free_hugepages(BUMP_PAGE_4K, -1), -EINVAL);
	CHECK_ERROR_SAYS("not a hugepage size");
	CHECK_EQ(bump_mem_free_hugepages(BUMP_PAGE_2M, 63), -EINVAL);
	CHECK_ERROR_SAYS("NUMA node 63");

	bump_mem_get_stats(&after);
	CHECK_EQ(after.regions_created, before.regions_created);
}

static void test_region_4k(void)
{
	char name[16] = "rx-4k";
	struct bump_region_params p = { .name = name, .size = (1 << 20) + 1,
					 .numa_node = BUMP_NUMA_ANY,
					 .flags = BUMP_REGION_F_NO_HUGE };
	struct test_log log = { { 0 } };
	struct bump_mem_stats before, mid, after;
	struct bump_region_info info;
	struct bump_region *r = NULL;
	int node = test_node();

	bump_mem_get_stats(&before);
	bump_log_set_handler(test_log_handler, &log);
	CHECK_EQ(bump_region_create(&p, &r), 0);
	bump_log_set_handler(NULL, NULL);
	if (!r)
		return;
	strcpy(name, "changed"); /* the region keeps its own copy */

	bump_region_get_info(r, &info);
	CHECK(strcmp(info.name, "rx-4k") == 0);
	CHECK(info.base != NULL);
	CHECK_EQ((uintptr_t)info.base % BUMP_PAGE_4K, 0);
	CHECK_EQ(info.len, (1 << 20) + BUMP_PAGE_4K);
	CHECK_EQ(info.page_size, BUMP_PAGE_4K);
	CHECK_EQ(info.numa_node, node);
	CHECK_EQ(info.backing, BUMP_BACKING_ANON_4K);
	CHECK(!info.fallback_4k);
	if (geteuid() == 0)
		CHECK(info.locked);
	CHECK_EQ(log.lines[BUMP_LOG_WARN], 0); /* 4 KiB on request is no degradation */
	CHECK_EQ(smaps_page_kb(info.base), 4);

	CHECK(bump_region_base(r) == info.base);
	CHECK_EQ(bump_region_len(r), info.len);
	CHECK_EQ(bump_region_page_size(r), BUMP_PAGE_4K);
	CHECK_EQ(bump_region_numa_node(r), node);
	check_region_memory(r, node);

	bump_mem_get_stats(&mid);
	CHECK_EQ(mid.regions_created, before.regions_created + 1);
	CHECK_EQ(mid.regions_fallback_4k, before.regions_fallback_4k);
	CHECK_EQ(mid.bytes_4k, before.bytes_4k + info.len);
	CHECK_EQ(mid.bytes_huge, before.bytes_huge);

	bump_region_destroy(r);
	bump_mem_get_stats(&after);
	CHECK_EQ(after.regions_created, before.regions_created + 1);
	CHECK_EQ(after.bytes_4k, before.bytes_4k);

	/* An explicit node and BUMP_PAGE_4K work the same way. */
	p.numa_node = 0;
	p.flags = 0;
	p.page_size = BUMP_PAGE_4K;
	r = NULL;
	CHECK_EQ(bump_region_create(&p, &r), 0);
	if (r) {
		CHECK_EQ(bump_region_numa_node(r), 0);
		CHECK_EQ(bump_region_page_node(r, bump_region_base(r)), 0);
		bump_region_destroy(r);
	}
	bump_region_destroy(NULL); /* harmless, as free(NULL) */
}

static void test_region_huge(void)
{
	int node = test_node();
	long free_before = bump_mem_free_hugepages(BUMP_PAGE_2M, node);
	long pages = free_before >= 4 ? 4 : free_before;
	struct bump_region_params p = { .name = "rx-huge", .numa_node = node,
					 .flags = BUMP_REGION_F_HUGE_ONLY };
	struct bump_mem_stats before, mid, after;
	struct bump_region_info info;
	struct bump_region *r = NULL;

	/* The sysfs count as bump reads it is the one the kernel shows. */
	CHECK_EQ(free_before, node_free_2m(node));
	CHECK_EQ(bump_mem_free_hugepages(BUMP_PAGE_2M, -1), read_long(HP2M_DIR "/free_hugepages"));
	if (free_before <= 0)
		TEST_SKIP("no free 2 MiB hugepages: echo N > /proc/sys/vm/nr_hugepages");

	p.size = (size_t)pages * BUMP_PAGE_2M - 100; /* rounded up to whole hugepages */
	/* page_size 0 is the default size: 2 MiB, unless only 1 GiB pages exist. */
	p.page_size = read_long("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages") > 0 &&
		      read_long(HP2M_DIR "/nr_hugepages") <= 0 ? BUMP_PAGE_2M : 0;
	bump_mem_get_stats(&before);
	CHECK_EQ(bump_region_create(&p, &r), 0);
	if (!r)
		return;
	bump_region_get_info(r, &info);
	CHECK(info.backing == BUMP_BACKING_MEMFD_HUGETLB || info.backing == BUMP_BACKING_HUGETLBFS);
	CHECK_EQ(info.page_size, BUMP_PAGE_2M);
	CHECK_EQ(info.len, (size_t)pages * BUMP_PAGE_2M);
	CHECK(!info.fallback_4k);
	CHECK_EQ((uintptr_t)info.base % BUMP_PAGE_2M, 0);
	CHECK_EQ(info.numa_node, node);
	if (geteuid() == 0)
		CHECK(info.locked);
	CHECK_EQ(smaps_page_kb(info.base), 2048);
	/* Pre-faulted: the pages left the free pool at create, not at first touch. */
	CHECK_EQ(bump_mem_free_hugepages(BUMP_PAGE_2M, node), free_before - pages);
	check_region_memory(r, node);

	bump_mem_get_stats(&mid);
	CHECK_EQ(mid.regions_created, before.regions_created + 1);
	CHECK_EQ(mid.bytes_huge, before.bytes_huge + info.len);
	CHECK_EQ(mid.bytes_4k, before.bytes_4k);
	CHECK_EQ(mid.regions_fallback_4k, before.regions_fallback_4k);

	bump_region_destroy(r);
	bump_mem_get_stats(&after);
	CHECK_EQ(after.bytes_huge, before.bytes_huge);
	CHECK_EQ(bump_mem_free_hugepages(BUMP_PAGE_2M, node), free_before);
}

/* The hugetlbfs-mount path, as on kernels where memfd_create(MFD_HUGETLB) fails. */
static void test_region_hugetlbfs(void)
{
	struct bump_region_params p = { .name = "rx-fs", .size = BUMP_PAGE_2M,
					 .numa_node = test_node(), .page_size = BUMP_PAGE_2M };
	char dir[] = "/tmp/bump-hugetlbfs-XXXXXX";
	struct bump_region *r = NULL;
	struct bump_region_info info;
	FILE *mounts;
	char line[512];
	bool have_mount = false;

	if (geteuid() != 0)
		TEST_SKIP("needs root to mount hugetlbfs");
	if (bump_mem_free_hugepages(BUMP_PAGE_2M, p.numa_node) <= 0)
		TEST_SKIP("no free 2 MiB hugepages: echo N > /proc/sys/vm/nr_hugepages");
	mounts = fopen("/proc/mounts", "r");
	while (mounts && fgets(line, sizeof(line), mounts))
		have_mount |= strstr(line, " hugetlbfs ") && strstr(line, "pagesize=2M");
	if (mounts)
		fclose(mounts);

	bump_mem_test_force_hugetlbfs(true);
	if (!have_mount) {
		CHECK_EQ(bump_region_create(&p, &r), -ENOENT);
		CHECK_ERROR_SAYS("mount -t hugetlbfs -o pagesize=2M");
	}
	if (!mkdtemp(dir)) {
		bump_mem_test_force_hugetlbfs(false);
		CHECK(!"mkdtemp");
		return;
	}
	if (mount("none", dir, "hugetlbfs", 0, "pagesize=2M") == 0) {
		r = NULL;
		CHECK_EQ(bump_region_create(&p, &r), 0);
		if (r) {
			bump_region_get_info(r, &info);
			CHECK_EQ(info.backing, BUMP_BACKING_HUGETLBFS);
			CHECK_EQ(info.page_size, BUMP_PAGE_2M);
			CHECK_EQ(smaps_page_kb(info.base), 2048);
			check_region_memory(r, p.numa_node);
			bump_region_destroy(r);
		}
		CHECK_EQ(umount(dir), 0); /* busy if the unlinked file leaked */
	} else {
		CHECK(!"mount -t hugetlbfs");
	}
	rmdir(dir);
	bump_mem_test_force_hugetlbfs(false);
}

/* No hugepages configured at all: 4 KiB with one warning, or an error under HUGE_ONLY. */
static void test_fallback(void)
{
	struct bump_region_params p = { .name = "rx-fb", .size = 3 * BUMP_PAGE_2M,
					 .numa_node = test_node(), .page_size = BUMP_PAGE_2M };
	struct bump_region *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct test_log log = { { 0 } };
	struct bump_mem_stats before, after;
	struct bump_region_info info;

	if (read_long(HP2M_DIR "/nr_overcommit_hugepages") != 0)
		TEST_SKIP("nr_overcommit_hugepages is set: hugepages count as configured");
	if (set_nr_hugepages(0) != 0)
		TEST_SKIP("needs root (and a writable /proc/sys/vm/nr_hugepages) to set it to 0");

	bump_mem_get_stats(&before);
	bump_log_set_handler(test_log_handler, &log);
	CHECK_EQ(bump_region_create(&p, &r1), 0);
	p.page_size = 0; /* the default size: also nothing configured */
	CHECK_EQ(bump_region_create(&p, &r2), 0);
	p.flags = BUMP_REGION_F_HUGE_ONLY;
	CHECK_EQ(bump_region_create(&p, &r3), -ENOMEM);
	bump_log_set_handler(NULL, NULL);
	restore_nr_hugepages();

	CHECK(r3 == NULL);
	CHECK_ERROR_SAYS("none are configured");
	CHECK_ERROR_SAYS("echo 3 > /sys/devices/system/node/node");
	CHECK_ERROR_SAYS("hugepages-2048kB/nr_hugepages");
	CHECK_EQ(log.lines[BUMP_LOG_WARN], 1);
	CHECK(strstr(log.last[BUMP_LOG_WARN], "fall back to 4 KiB pages"));
	CHECK(strstr(log.last[BUMP_LOG_WARN], "TLB misses"));
	CHECK(strstr(log.last[BUMP_LOG_WARN], "contiguity"));
	CHECK(strstr(log.last[BUMP_LOG_WARN], "echo 3 > "));
	if (r1) {
		bump_region_get_info(r1, &info);
		CHECK(info.fallback_4k);
		CHECK_EQ(info.page_size, BUMP_PAGE_4K);
		CHECK_EQ(info.backing, BUMP_BACKING_ANON_4K);
		CHECK_EQ(info.len, 3 * BUMP_PAGE_2M);
		CHECK_EQ(smaps_page_kb(info.base), 4);
		check_region_memory(r1, p.numa_node);
	}
	if (r2) {
		bump_region_get_info(r2, &info);
		CHECK(info.fallback_4k);
	}
	bump_mem_get_stats(&after);
	CHECK_EQ(after.regions_fallback_4k, before.regions_fallback_4k + 2);
	CHECK_EQ(after.regions_created, before.regions_created + 2);
	CHECK_EQ(after.bytes_4k, before.bytes_4k + 6 * BUMP_PAGE_2M);
	CHECK_EQ(after.bytes_huge, before.bytes_huge);
	bump_region_destroy(r1);
	bump_region_destroy(r2);
}

/*
 * Issue 10 item 9: nr_hugepages lowered to 0 while a region holds pages.
 * sysfs then counts the held pages (now surplus) in nr_hugepages, yet none
 * can be had: a new region must take the 4 KiB fallback, not fail with
 * "only 0 are free (N configured)".
 */
static void test_fallback_with_surplus(void)
{
	struct bump_region_params p = { .name = "rx-held", .size = 2 * BUMP_PAGE_2M,
					 .numa_node = test_node(), .page_size = BUMP_PAGE_2M };
	struct bump_region *held = NULL, *r = NULL;
	struct bump_region_info info;

	if (read_long(HP2M_DIR "/nr_overcommit_hugepages") != 0)
		TEST_SKIP("nr_overcommit_hugepages is set: hugepages count as configured");
	if (set_nr_hugepages(2) < 2)
		TEST_SKIP("needs root and 2 free 2 MiB hugepages (set vm.nr_hugepages)");
	if (bump_region_create(&p, &held)) {
		restore_nr_hugepages();
		TEST_SKIP("2 MiB hugepages could not be had for the held region");
	}
	CHECK_EQ(set_nr_hugepages(0), 2);  /* the held two, now surplus */
	CHECK_EQ(read_long(HP2M_DIR "/surplus_hugepages"), 2);
	p.name = "rx-after";
	CHECK_EQ(bump_region_create(&p, &r), 0);
	if (r) {
		bump_region_get_info(r, &info);
		CHECK(info.fallback_4k);
		CHECK_EQ(info.page_size, BUMP_PAGE_4K);
		bump_region_destroy(r);
	}
	bump_region_destroy(held);
	restore_nr_hugepages();
}

/*
 * Pages that look free but are reserved by another mapping (mapped, never
 * touched): the free-count check passes, the kernel's reservation at mmap
 * fails, and the message must account for the reserved pages.
 */
static void check_reserved_elsewhere(int node)
{
	struct bump_region_params p = { .name = "rx-resv", .numa_node = node,
					 .size = 2 * BUMP_PAGE_2M };
	struct bump_region *r = NULL;
	long total = set_nr_hugepages(4);
	long free_n = node_free_2m(node);
	int fd = memfd_create("test-resv", MFD_HUGETLB);
	void *other = MAP_FAILED;
	char expect[96];

	if (fd >= 0 && ftruncate(fd, 3 * BUMP_PAGE_2M) == 0)
		other = mmap(NULL, 3 * BUMP_PAGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (total != 4 || free_n != 4 || other == MAP_FAILED) {
		fprintf(stderr, "  (reservation check not run: %ld/%ld 2 MiB pages, mmap %s)\n",
			free_n, total, other == MAP_FAILED ? "failed" : "ok");
	} else {
		CHECK_EQ(bump_region_create(&p, &r), -ENOMEM);
		CHECK(r == NULL);
		CHECK_ERROR_SAYS("only 4 are free there (4 configured, 3 reserved by other mappings)");
		snprintf(expect, sizeof(expect), "echo 5 > /sys/devices/system/node/node%d/", node);
		CHECK_ERROR_SAYS(expect);
	}
	if (other != MAP_FAILED)
		munmap(other, 3 * BUMP_PAGE_2M);
	if (fd >= 0)
		close(fd);
}

/* Hugepages configured but too few: -ENOMEM that says what to do, never 4 KiB. */
static void test_out_of_hugepages(void)
{
	int node = test_node();
	struct bump_region_params p = { .name = "rx-oom", .numa_node = node };
	struct bump_region *r = NULL, *all = NULL;
	struct bump_mem_stats before, after;
	long total, free_n, want;
	char expect[160];

	if (set_nr_hugepages(2) < 1)
		TEST_SKIP("needs root (and a writable /proc/sys/vm/nr_hugepages) to set it to 2");
	snprintf(expect, sizeof(expect),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages", node);
	total = read_long(expect);
	free_n = node_free_2m(node);
	want = free_n + 3;

	bump_mem_get_stats(&before);
	p.size = (size_t)want * BUMP_PAGE_2M;
	CHECK_EQ(bump_region_create(&p, &r), -ENOMEM);
	CHECK(r == NULL);
	snprintf(expect, sizeof(expect), "needs %ld hugepages of 2 MiB on NUMA node %d", want, node);
	CHECK_ERROR_SAYS(expect);
	snprintf(expect, sizeof(expect), "only %ld are free", free_n);
	CHECK_ERROR_SAYS(expect);
	snprintf(expect, sizeof(expect), "`echo %ld > /sys/devices/system/node/node%d/hugepages/"
		 "hugepages-2048kB/nr_hugepages`", total + 3, node);
	CHECK_ERROR_SAYS(expect);

	/* Take every free page, then ask for one more. */
	if (free_n > 0) {
		p.size = (size_t)free_n * BUMP_PAGE_2M;
		CHECK_EQ(bump_region_create(&p, &all), 0);
		p.size = 1;
		CHECK_EQ(bump_region_create(&p, &r), -ENOMEM);
		CHECK_ERROR_SAYS("only 0 are free");
		snprintf(expect, sizeof(expect), "echo %ld > ", total + 1);
		CHECK_ERROR_SAYS(expect);
		bump_region_destroy(all);
	}
	check_reserved_elsewhere(node);
	restore_nr_hugepages();

	bump_mem_get_stats(&after);
	CHECK_EQ(after.regions_fallback_4k, before.regions_fallback_4k);
	CHECK_EQ(after.regions_created, before.regions_created + (all != NULL));
	CHECK_EQ(after.bytes_4k, before.bytes_4k);
}

int main(void)
{
	atexit(restore_nr_hugepages);
	signal(SIGTERM, restore_on_signal);
	signal(SIGINT, restore_on_signal);
	signal(SIGSEGV, restore_on_signal);
	signal(SIGBUS, restore_on_signal);
	signal(SIGABRT, restore_on_signal);

	TEST_RUN(test_bad_params);
	TEST_RUN(test_region_4k);
	TEST_RUN(test_region_huge);
	TEST_RUN(test_region_hugetlbfs);
	TEST_RUN(test_fallback);
	TEST_RUN(test_fallback_with_surplus);
	TEST_RUN(test_out_of_hugepages);
	return test_exit();
}
