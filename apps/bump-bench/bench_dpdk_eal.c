/* SPDX-License-Identifier: MIT */
/*
 * bench_dpdk_eal.c - starting DPDK's EAL once for the DPDK peers.
 *
 * The peers run on DPDK 22.11 as a distribution ships it.  EAL gets the two
 * CPUs the cross-thread runs use as lcores (main lcore: the first, which is
 * also where every single-thread benchmark runs), 512 MiB, no PCI and no
 * telemetry; hugepages when the driver (bench_main.cpp) found enough for
 * both sides, otherwise --no-huge, as bump then runs on 4 KiB pages too.
 * --in-memory (or, without hugepages, --no-shconf) and a file prefix of its
 * own keep this binary clear of any other DPDK process that runs beside it,
 * a test suite's included.  EAL's runtime directory of that prefix
 * (/var/run/dpdk/bump-bench-<pid> as root) goes at exit, as bump-fwd's does:
 * EAL itself never removes it.
 */
#include "bench_dpdk.h"

#include "bump_dpdk_rundir.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool bd_ready;
static bool bd_huge;
static char bd_prefix[32];    /* "bump-bench-<pid>": EAL's runtime directory */

/* EAL's runtime directory: after rte_eal_cleanup(), and at exit whichever way it comes. */
static void bd_rundir_remove(void)
{
	char err[256];

	if (bump_dpdk_rundir_remove(bd_prefix, err, sizeof(err)))
		fprintf(stderr, "bump-bench: %s\n", err);
}

int bench_dpdk_init(bool huge)
{
	char lcores[32], mem[16], prefix[48], err[256];
	char *argv[16];
	int argc = 0, cpu_a = 0, cpu_b = -1;

	/* With one CPU (cpu_a is still found), EAL serves the single-thread peers. */
	if (bench_cpu_pair(&cpu_a, &cpu_b))
		cpu_b = -1;
	if (cpu_b >= 0)
		snprintf(lcores, sizeof(lcores), "%d,%d", cpu_a, cpu_b);
	else
		snprintf(lcores, sizeof(lcores), "%d", cpu_a);
	snprintf(mem, sizeof(mem), "%lu", BENCH_DPDK_MEM >> 20);

	snprintf(bd_prefix, sizeof(bd_prefix), "bump-bench-%d", (int)getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", bd_prefix);

	argv[argc++] = (char *)"bump-bench";
	bd_huge = huge;
	if (huge) {
		argv[argc++] = (char *)"--in-memory";
	} else {
		/* --no-huge implies legacy memory, which --in-memory refuses. */
		argv[argc++] = (char *)"--no-huge";
		argv[argc++] = (char *)"--no-shconf";
	}
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=error";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcores;
	argv[argc] = NULL;

	/* Before the start: a start that fails half-way leaves the directory too. */
	if (atexit(bd_rundir_remove))
		fprintf(stderr, "bump-bench: atexit failed: EAL's runtime directory %s stays "
			"at exit\n", bd_prefix);
	if (rte_eal_init(argc, argv) < 0) {
		bench_set_error("rte_eal_init failed: %s", rte_strerror(rte_errno));
		return -1;
	}
	bd_ready = true;
	/* What a bump-bench killed by a signal left behind. */
	if (bump_dpdk_rundir_sweep("bump-bench", err, sizeof(err)) < 0)
		fprintf(stderr, "bump-bench: %s\n", err);
	return 0;
}

bool bench_dpdk_ready(void)
{
	if (!bd_ready)
		bench_set_error("DPDK's EAL did not start (see the first lines of the output)");
	return bd_ready;
}

const char *bench_dpdk_memory(void)
{
	if (!bd_ready)
		return "EAL did not start";
	return bd_huge ? "EAL on 2 MiB hugepages, -m 512" : "EAL --no-huge (4 KiB pages), -m 512";
}

void bench_dpdk_fini(void)
{
	if (bd_ready) {
		if (rte_eal_cleanup())
			fprintf(stderr, "bump-bench: rte_eal_cleanup: %s\n",
				rte_strerror(rte_errno));
		bd_rundir_remove();
	}
	bd_ready = false;
}

void bd_pool_name(char *buf, size_t len, const char *what)
{
	static unsigned seq;

	snprintf(buf, len, "bb_%s_%u", what, seq++);
}

unsigned bd_pool_size(const struct bench_args *args)
{
	return args->outstanding + args->bulk + BENCH_XTHREAD_RING + 3 * BD_CACHE + 1024;
}

int bd_b_enter(struct bench_xthread *x)
{
	if (bench_xthread_b_pin(x))
		return -1;
	if (rte_thread_register() < 0) {
		snprintf(x->b_error, sizeof(x->b_error), "rte_thread_register: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void bd_b_leave(void)
{
	rte_thread_unregister();
}
