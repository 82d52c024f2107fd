/* SPDX-License-Identifier: MIT */
/*
 * bump_common.h - small definitions every bump library shares.
 */
#ifndef BUMP_COMMON_H
#define BUMP_COMMON_H

#include "bump_api.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUMP_CACHE_LINE 64
#define bump_cache_aligned __attribute__((aligned(BUMP_CACHE_LINE)))

#define bump_likely(x) __builtin_expect(!!(x), 1)
#define bump_unlikely(x) __builtin_expect(!!(x), 0)

#define BUMP_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define BUMP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUMP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BUMP_MAX(a, b) ((a) > (b) ? (a) : (b))

/* NUMA node "any", as the kernel's NUMA_NO_NODE. */
#define BUMP_NUMA_ANY (-1)

/*
 * A token that identifies the calling thread for as long as it lives: the
 * thread pointer (%fs base on x86-64).  One instruction, no TLS model
 * pitfalls across shared objects; used to recognise a pool's owner thread.
 */
static inline uintptr_t bump_thread_token(void)
{
	return (uintptr_t)__builtin_thread_pointer();
}

/*
 * Ordering of CPU accesses to memory a device reads or writes by DMA
 * (descriptor rings) against each other and against doorbell writes.  x86
 * keeps stores in order and loads in order (TSO), so only the compiler must
 * be stopped, as DPDK's rte_io_wmb/rte_io_rmb do; elsewhere, a fence.
 */
#if defined(__x86_64__) || defined(__i386__)
#define bump_dma_wmb() __asm__ volatile("" ::: "memory")
#define bump_dma_rmb() __asm__ volatile("" ::: "memory")
#else
#define bump_dma_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define bump_dma_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* Monotonic nanoseconds (CLOCK_MONOTONIC); for stats and timeouts only. */
BUMP_API uint64_t bump_time_ns(void);

/* The version of libbump, e.g. "0.1.0" (meson's project version): for --version. */
BUMP_API const char *bump_version(void);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_COMMON_H */
