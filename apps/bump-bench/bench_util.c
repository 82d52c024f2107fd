/* SPDX-License-Identifier: MIT */
/*
 * bench_util.c - error messages, CPU placement, aligned arrays and free
 * hugepages: what every workload file and the driver share.
 */
#include "bench_shim.h"
#include "bench_util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread char bench_error_msg[256];
/* The CPUs the process may use, as it started (EAL pins the main thread later). */
static cpu_set_t bench_cpus;
static int bench_cpus_known;

const char *bench_last_error(void)
{
	return bench_error_msg;
}

void bench_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bench_error_msg, sizeof(bench_error_msg), fmt, ap);
	va_end(ap);
}

void bench_cpus_record(void)
{
	if (bench_cpus_known)
		return;
	CPU_ZERO(&bench_cpus);
	if (sched_getaffinity(0, sizeof(bench_cpus), &bench_cpus) == 0)
		bench_cpus_known = 1;
}

int bench_first_cpu(void)
{
	bench_cpus_record();
	for (int cpu = 0; bench_cpus_known && cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &bench_cpus))
			return cpu;
	return -1;
}

int bench_cpu_pair(int *cpu_a, int *cpu_b)
{
	int found = 0;

	bench_cpus_record();
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &bench_cpus))
			continue;
		if (found++ == 0)
			*cpu_a = cpu;
		else
			*cpu_b = cpu;
	}
	if (found < 2) {
		bench_set_error("a cross-thread run needs two CPUs; this process may use %d", found);
		return -1;
	}
	return 0;
}

int bench_pin_self(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		bench_set_error("cannot pin a thread to CPU %d: %s", cpu, strerror(err));
		return -1;
	}
	return 0;
}

void **bench_ptr_array(size_t n)
{
	size_t bytes = (n * sizeof(void *) + BENCH_CACHE_LINE - 1) & ~(size_t)(BENCH_CACHE_LINE - 1);
	void **a = aligned_alloc(BENCH_CACHE_LINE, bytes ? bytes : BENCH_CACHE_LINE);

	if (!a) {
		bench_set_error("out of memory for %zu buffer pointers", n);
		return NULL;
	}
	memset(a, 0, bytes);
	return a;
}

size_t bench_hugepages_free(void)
{
	char line[256];
	long free_pages = 0;
	bool mounted = false;
	FILE *f = fopen("/proc/mounts", "r");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " hugetlbfs ") && strstr(line, "pagesize=2M"))
				mounted = true;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
				break;
		fclose(f);
	}
	return mounted && free_pages > 0 ? (size_t)free_pages << 21 : 0;
}
