/* SPDX-License-Identifier: MIT */
/*
 * bump_atomic.h - the atomics of the installed headers, for C and C++.
 *
 * C sees C11 atomics (<stdatomic.h>): fields declared BUMP_ATOMIC(T) are
 * _Atomic T.  C++ has no _Atomic, and std::atomic<T> is not a layout C code
 * may share, so there the same fields are plain T, of the same size and
 * alignment on every ABI bump supports, and the inline fast paths use the
 * GCC/Clang __atomic builtins on them, as liburing's and DPDK's headers do.
 * Only the installed headers use these macros; the library's .c files are C.
 */
#ifndef BUMP_ATOMIC_H
#define BUMP_ATOMIC_H

#ifdef __cplusplus

#define BUMP_ATOMIC(T) T
#define BUMP_MO_RELAXED __ATOMIC_RELAXED
#define BUMP_MO_ACQUIRE __ATOMIC_ACQUIRE
#define BUMP_MO_RELEASE __ATOMIC_RELEASE
#define BUMP_MO_ACQ_REL __ATOMIC_ACQ_REL
#define BUMP_MO_SEQ_CST __ATOMIC_SEQ_CST
#define bump_atomic_load(p, mo) __atomic_load_n((p), (mo))
#define bump_atomic_store(p, v, mo) __atomic_store_n((p), (v), (mo))
#define bump_atomic_fetch_add(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define bump_atomic_cas_weak(p, expected, desired, ok, fail) \
	__atomic_compare_exchange_n((p), (expected), (desired), true, (ok), (fail))

#else

#include <stdatomic.h>

#define BUMP_ATOMIC(T) _Atomic(T)
#define BUMP_MO_RELAXED memory_order_relaxed
#define BUMP_MO_ACQUIRE memory_order_acquire
#define BUMP_MO_RELEASE memory_order_release
#define BUMP_MO_ACQ_REL memory_order_acq_rel
#define BUMP_MO_SEQ_CST memory_order_seq_cst
#define bump_atomic_load(p, mo) atomic_load_explicit((p), (mo))
#define bump_atomic_store(p, v, mo) atomic_store_explicit((p), (v), (mo))
#define bump_atomic_fetch_add(p, v, mo) atomic_fetch_add_explicit((p), (v), (mo))
#define bump_atomic_cas_weak(p, expected, desired, ok, fail) \
	atomic_compare_exchange_weak_explicit((p), (expected), (desired), (ok), (fail))

#endif

#endif /* BUMP_ATOMIC_H */
