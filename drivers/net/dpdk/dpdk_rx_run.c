/* SPDX-License-Identifier: MIT */
/*
 * dpdk_rx_run.c - RX as it is (dpdk_mbuf.c): the loop that turns a burst's
 * mbufs into packet handles, written twice: portable C, and AVX-512 eight
 * mbufs at a time (four loads of two mbufs' 32 bytes each, transposed into
 * the eight rearm words, flags and lengths; one compare checks them all,
 * two stores write eight handles; gathers cost more than the portable loop
 * on the machine measured).  bump's own choice of bulk loops
 * (bump_bulk_impl(): AVX-512 when the CPU has it, unless BUMP_NO_AVX512=1)
 * picks which, once per queue.
 *
 * Both stop before the first mbuf that is not a buffer of the queue's
 * arena with one segment and one reference (not indirect, not external);
 * rx_burst takes that one its own way and runs the loop again after it.
 * An mbuf inside the queue's arena is one of this driver's: nothing else
 * makes mbufs of bump buffers (pinned and attached mbufs are DPDK mempool
 * objects, outside every arena), so its mempool's ops are not looked at.
 */
#include "dpdk_priv.h"

#include <string.h>

/* What the vector loop tests in the rearm word and ol_flags (dpdk_rx_plain). */
#define RX_REARM_MASK (0xffffffffull << 16)
#define RX_REARM_WANT ((1ull | 1ull << 16) << 16)
#define RX_BAD_FLAGS (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

static unsigned dpdk_rx_run_scalar(const struct dpdk_rx_pool *rp, struct rte_mbuf *const *mb,
				   unsigned n, struct bump_pkt *pkts, uint64_t *bytes)
{
	const uintptr_t base = rp->base, span = rp->span;
	const uint64_t magic = rp->magic;
	const bump_ref_t aref = bump_ref_make(rp->arena_id, 0);
	const uint16_t bport = rp->bport;
	const uint8_t shift = rp->shift;
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		const char *m = (const char *)mb[i];
		uintptr_t off = (uintptr_t)m - base;
		uint64_t rearm, flags, dl;

		if (bump_unlikely(off >= span))
			break;
		memcpy(&rearm, m + 16, sizeof(rearm));
		memcpy(&flags, m + 24, sizeof(flags));
		memcpy(&dl, m + 40, sizeof(dl));
		if (bump_unlikely(!dpdk_rx_plain(rearm, flags)))
			break;
		dpdk_rx_handle(&pkts[i], aref | __bump_page_index_of(off, shift, magic), rearm, flags,
			       dl, bport);
		sum += (uint16_t)dl;
	}
	*bytes += sum;
	return i;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define RX_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq")))

/* Two mbufs' qwords at 16 (rearm, ol_flags, packet_type/pkt_len, data_len/hash): one register. */
RX_AVX512 static inline __m512i rx_two(struct rte_mbuf *const *mb)
{
	const char *m0 = (const char *)mb[0] + 16, *m1 = (const char *)mb[1] + 16;

	return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const void *)m0)),
				  _mm256_loadu_si256((const void *)m1), 1);
}

RX_AVX512 static unsigned dpdk_rx_run_avx512(const struct dpdk_rx_pool *rp,
					      struct rte_mbuf *const *mb, unsigned n,
					      struct bump_pkt *pkts, uint64_t *bytes)
{
	const __m512i base = _mm512_set1_epi64((long long)rp->base);
	const __m512i span = _mm512_set1_epi64((long long)rp->span);
	const __m512i rearm_mask = _mm512_set1_epi64((long long)RX_REARM_MASK);
	const __m512i rearm_want = _mm512_set1_epi64((long long)RX_REARM_WANT);
	const __m512i bad_flags = _mm512_set1_epi64((long long)RX_BAD_FLAGS);
	const __m512i rss_flag = _mm512_set1_epi64((long long)RTE_MBUF_F_RX_RSS_HASH);
	const __m512i aref = _mm512_set1_epi64((long long)rp->arena_id << BUMP_REF_INDEX_BITS);
	const __m512i bport = _mm512_set1_epi64(rp->bport);
	const __m512i hdr = _mm512_set1_epi64(DPDK_MBUF_HDR);
	const __m512i u16 = _mm512_set1_epi64(0xffff);
	const __m512i magic = _mm512_set1_epi64(rp->vec_magic);
	const bool odd = !rp->shift;
	const __m128i shift = _mm_cvtsi32_si128(odd ? rp->vec_shift : rp->shift);
	/* Transposing four registers of two mbufs each into one register per field. */
	const __m512i rf = _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0);  /* r0-r3, f0-f3 */
	const __m512i d4 = _mm512_set_epi64(15, 11, 7, 3, 15, 11, 7, 3); /* d0-d3 twice */
	const __m512i lo4 = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
	const __m512i hi4 = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
	/* Handles 0-3 take lo/hi lanes 0-3, handles 4-7 lanes 4-7 (8 + i: the hi register). */
	const __m512i first = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
	const __m512i second = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
	__m512i sum = _mm512_setzero_si512();
	unsigned i = 0;

	for (; i + 8 <= n; i += 8) {
		__m512i off = _mm512_sub_epi64(_mm512_loadu_si512(mb + i), base);
		__m512i z0, z1, z2, z3, t01, t23, rearm, flags, dl, idx, lo, hi;

		if (_mm512_cmplt_epu64_mask(off, span) != 0xff)
			break;
		z0 = rx_two(mb + i);
		z1 = rx_two(mb + i + 2);
		z2 = rx_two(mb + i + 4);
		z3 = rx_two(mb + i + 6);
		t01 = _mm512_permutex2var_epi64(z0, rf, z1);
		t23 = _mm512_permutex2var_epi64(z2, rf, z3);
		rearm = _mm512_permutex2var_epi64(t01, lo4, t23);
		flags = _mm512_permutex2var_epi64(t01, hi4, t23);
		if (_mm512_cmpeq_epi64_mask(_mm512_and_si512(rearm, rearm_mask), rearm_want) != 0xff ||
		    _mm512_test_epi64_mask(flags, bad_flags))
			break;
		dl = _mm512_shuffle_i64x2(_mm512_permutex2var_epi64(z0, d4, z1),
					  _mm512_permutex2var_epi64(z2, d4, z3), 0x44);
		/* The page index: a shift, or for pages of an odd size a 32x32 multiply (< 4 GiB). */
		idx = odd ? _mm512_srl_epi64(_mm512_mul_epu32(_mm512_srli_epi64(off, 6), magic), shift)
			  : _mm512_srl_epi64(off, shift);
		lo = _mm512_or_si512(_mm512_or_si512(aref, idx),
				     _mm512_or_si512(_mm512_slli_epi64(_mm512_and_si512(
							     _mm512_add_epi64(rearm, hdr), u16), 32),
						     _mm512_slli_epi64(dl, 48)));
		hi = _mm512_mask_or_epi64(bport, _mm512_test_epi64_mask(flags, rss_flag), bport,
					  _mm512_slli_epi64(_mm512_srli_epi64(dl, 32), 32));
		_mm512_storeu_si512(&pkts[i], _mm512_permutex2var_epi64(lo, first, hi));
		_mm512_storeu_si512(&pkts[i + 4], _mm512_permutex2var_epi64(lo, second, hi));
		sum = _mm512_add_epi64(sum, _mm512_and_si512(dl, u16));
	}
	*bytes += (uint64_t)_mm512_reduce_add_epi64(sum);
	/* A whole burst of eights (net_null's 32) needs no tail. */
	return i == n ? i : i + dpdk_rx_run_scalar(rp, mb + i, n - i, pkts + i, bytes);
}
#endif

dpdk_rx_run_fn *dpdk_rx_run_pick(const struct bump_pool *pool)
{
#if defined(__x86_64__)
	/* The vector index needs the odd-size multiply to be exact: arenas under 4 GiB. */
	if (!strcmp(bump_bulk_impl(), "avx512") && (pool->page_shift || pool->vec_magic))
		return dpdk_rx_run_avx512;
#endif
	(void)pool;
	return dpdk_rx_run_scalar;
}
