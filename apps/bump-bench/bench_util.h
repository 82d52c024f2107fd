/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h - small helpers every workload file shares: CPU placement,
 * aligned arrays, and the touch of a received packet.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_CACHE_LINE 64
#define bench_cache_aligned __attribute__((aligned(BENCH_CACHE_LINE)))
/* The pattern templates (bench_pattern.h) must be inlined into each
 * implementation so that its alloc and put calls become direct calls. */
#define bench_always_inline inline __attribute__((always_inline))
#define bench_unlikely(x) __builtin_expect(!!(x), 0)
#define BENCH_MIN_U(a, b) ((a) < (b) ? (a) : (b))

/*
 * Where a NIC would start writing a packet: past a headroom, as
 * RTE_PKTMBUF_HEADROOM (128).  Every implementation touches the same offset
 * of its buffer, so no one pays for 4 KiB-aligned lines sharing a cache set
 * that another does not.
 */
#define BENCH_RX_HEADROOM 128

/* The two CPUs a cross-thread run uses (A: the main thread's, B: the next). */
int bench_cpu_pair(int *cpu_a, int *cpu_b);

/* A zeroed, cache-line-aligned array of @n pointers, or NULL (error set). */
void **bench_ptr_array(size_t n);

static inline void bench_relax(void)
{
	__builtin_ia32_pause();
}

/*
 * Read and write the first cache line of a received packet, as a driver
 * reading the headers and a forwarder rewriting a MAC address would.
 */
static inline void bench_touch(void *data)
{
	volatile uint64_t *line = data;

	line[0] = line[0] + 1;
}

#endif /* BENCH_UTIL_H */
