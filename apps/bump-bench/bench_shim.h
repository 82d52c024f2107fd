/* SPDX-License-Identifier: MIT */
/*
 * bench_shim.h - the line between the C workloads and the C++ driver.
 *
 * Every workload is written in C (bench_bump.c, bench_dpdk_*.c, bench_malloc.c)
 * and shown to Google Benchmark (bench_main.cpp) as a struct bench_impl: a
 * setup that builds the pool and the buffers the workload keeps, a run that
 * moves a fixed number of buffers through the allocator, and a teardown that
 * gives everything back.  The driver times run() only, so pool creation and
 * warm-up never show in the figures, and divides by the buffers it reports.
 */
#ifndef BENCH_SHIM_H
#define BENCH_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The workloads, by the name that starts every benchmark's name. */
#define BENCH_W_OWNER "owner"             /* alloc+put on the pool's own thread */
#define BENCH_W_OUTSTANDING "outstanding" /* the same with N buffers held in a FIFO */
#define BENCH_W_FRAG "frag"               /* sub-buffer fragments */
#define BENCH_W_XTHREAD "xthread"         /* A allocates, B (other CPU) returns */
#define BENCH_W_RX "rx"                   /* RX ring refill: touch, put, refill */
#define BENCH_W_ORDER2 "order2"           /* 16 KiB (four-page) buffers */

/* What a workload is asked to do; fields a workload does not use are 0. */
struct bench_args {
	unsigned bulk;         /* buffers per alloc and per put call (rx: the burst) */
	unsigned outstanding;  /* outstanding: buffers held; rx: ring entries */
	unsigned size;         /* frag: bytes per fragment */
};

/* One implementation (bump or a peer) of one workload. */
struct bench_impl {
	const char *workload;  /* BENCH_W_* */
	const char *impl;      /* "bump", "mempool_ring", ..., one word */
	/*
	 * Build what run() needs; NULL on failure, with bench_last_error() set.
	 * *@bufs_per_run: how many buffers one run() allocates and returns.
	 */
	void *(*setup)(const struct bench_impl *impl, const struct bench_args *args,
		       uint64_t *bufs_per_run);
	/* One timed batch; 0, or -1 with bench_last_error() set. */
	int (*run)(void *ctx);
	/* Return every buffer and free the pool; NULL-safe. */
	void (*teardown)(void *ctx);
	const void *variant;   /* for setup: what tells this peer from its siblings */
};

/* The tables each implementation file exports (NULL-terminated by .workload). */
extern const struct bench_impl bench_bump_impls[];
extern const struct bench_impl bench_mempool_impls[];
extern const struct bench_impl bench_mbuf_impls[];
extern const struct bench_impl bench_malloc_impls[];

/* Buffers one run() moves: enough to hide the driver's loop, few enough to
 * give Google Benchmark many iterations to choose from. */
#define BENCH_BUFS_PER_RUN 4096u

/* The calling thread's last error message (set by setup and run). */
const char *bench_last_error(void);
void bench_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The process-wide environment is set up once, by the driver
 * (bench_main.cpp), before any benchmark: bump's region, then DPDK's EAL,
 * then the main thread pinned to the first CPU of its set.  These are its
 * parts; each workload file knows only its own.
 */
/* Remember the process's CPU set before anything pins the main thread. */
void bench_cpus_record(void);
/* The first CPU of that set, or -1 when there is none. */
int bench_first_cpu(void);
/* Pin the calling thread to @cpu; 0 or -1 with bench_last_error() set. */
int bench_pin_self(int cpu);
/* Free 2 MiB hugepages, in bytes, when a hugetlbfs is mounted (else 0). */
size_t bench_hugepages_free(void);

/* bench_dpdk_eal.c: EAL start-up; the DPDK workloads refuse to run without it. */
int bench_dpdk_init(bool huge);
bool bench_dpdk_ready(void);
void bench_dpdk_fini(void);
#define BENCH_DPDK_MEM (512ul << 20)  /* EAL's -m */

/* bench_bump.c: the region and arena every bump pool of the run shares. */
int bench_bump_init(bool huge);
void bench_bump_fini(void);
#define BENCH_BUMP_REGION (352ul << 20)  /* 65536 outstanding, caches, rings, slack; rx's objects */

/* What memory each side runs on, for the results' context (and their readers). */
const char *bench_bump_memory(void);
const char *bench_dpdk_memory(void);

#ifdef __cplusplus
}
#endif
#endif /* BENCH_SHIM_H */
