/* SPDX-License-Identifier: MIT */
/*
 * bump_bulk_avx512.c - the plain bulk loops of bump_bulk.c, eight buffers at
 * a time: the descriptor offsets are computed in one register, the eight
 * state words (refcount and tag, bump_types.h) come in with one gather and
 * are checked with one compare.  A group that fails any check is handed to
 * the portable loop, which stops at the exact buffer.
 *
 * Compiled for AVX-512 (F, VL, DQ) whatever the build's baseline is, and
 * called only where bulk_choose() found the CPU has it.
 */
#include "bump_bulk.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BULK_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq")))

static_assert(offsetof(struct bump_desc, state) == 8 && sizeof(struct bump_desc) == 32,
	      "the gathers read state at 8 + 32 * index");

/*
 * What both loops check of eight buffers at a time, by their offsets in the
 * arena and their descriptors' byte offsets: all inside the arena, all with
 * the state word the owner's put wants.
 */
struct bulk8 {
	__m512i base, span, want;
	const char *states;
};

BULK_AVX512 static inline struct bulk8 bulk8_init(const struct bump_bulk_view *v)
{
	return (struct bulk8){
		.base = _mm512_set1_epi64((long long)v->base),
		.span = _mm512_set1_epi64((long long)v->span),
		.want = _mm512_set1_epi64((long long)v->owned_state),
		.states = (const char *)v->descs + offsetof(struct bump_desc, state),
	};
}

BULK_AVX512 static inline __m512i bulk8_off(const struct bulk8 *c, void *const *bufs)
{
	return _mm512_sub_epi64(_mm512_loadu_si512(bufs), c->base);
}

BULK_AVX512 static inline bool bulk8_owned(const struct bulk8 *c, __m512i off, __m512i doff)
{
	__mmask8 inside = _mm512_cmplt_epu64_mask(off, c->span);
	/* Lanes outside the arena are not loaded (and fail the compare). */
	__m512i st = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), inside, doff, c->states, 1);

	return _mm512_mask_cmpeq_epi64_mask(inside, st, c->want) == 0xff;
}

BULK_AVX512 unsigned bump_bulk_give_plain_avx512(const struct bump_bulk_view *v, void *const *bufs,
						 void **dst, unsigned k)
{
	const struct bulk8 c = bulk8_init(v);
	const __m512i desc_mask = _mm512_set1_epi64((long long)v->desc_mask);
	const __m512i buf_mask = _mm512_set1_epi64((long long)v->buf_mask);
	const __m128i desc_shift = _mm_cvtsi32_si128(v->desc_shift);
	unsigned i = 0;

	for (; i + 8 <= k; i += 8) {
		__m512i off = bulk8_off(&c, bufs + i);
		__m512i doff = _mm512_and_si512(_mm512_srl_epi64(off, desc_shift), desc_mask);

		if (!bulk8_owned(&c, off, doff))
			break;
		_mm512_storeu_si512(dst + i, _mm512_add_epi64(_mm512_and_si512(off, buf_mask), c.base));
	}
	return i + bump_bulk_give_plain(v, bufs + i, dst + i, k - i);
}

/*
 * Pages of an odd size: the page index of eight offsets by a 32x32-bit
 * multiply per lane (the arena's vec_magic, bump_types.h), exact below 4 GiB.
 */
BULK_AVX512 static inline __m512i odd_index(__m512i off, __m512i magic, __m128i shift)
{
	return _mm512_srl_epi64(_mm512_mul_epu32(_mm512_srli_epi64(off, 6), magic), shift);
}

BULK_AVX512 unsigned bump_bulk_give_odd_avx512(const struct bump_bulk_view *v, void *const *bufs,
					       void **dst, unsigned k)
{
	const struct bulk8 c = bulk8_init(v);
	const __m512i magic = _mm512_set1_epi64(v->vec_magic);
	const __m512i head_mask = _mm512_set1_epi64(v->head_mask);
	const __m512i page_size = _mm512_set1_epi64(v->page_size);
	const __m128i shift = _mm_cvtsi32_si128(v->vec_shift);
	unsigned i = 0;

	for (; i + 8 <= k; i += 8) {
		__m512i off = bulk8_off(&c, bufs + i);
		__m512i head = _mm512_and_si512(odd_index(off, magic, shift), head_mask);

		if (!bulk8_owned(&c, off, _mm512_slli_epi64(head, 5)))
			break;
		_mm512_storeu_si512(dst + i, _mm512_add_epi64(_mm512_mullo_epi64(head, page_size),
							      c.base));
	}
	return i + bump_bulk_give_odd(v, bufs + i, dst + i, k - i);
}

#endif /* x86-64; elsewhere bulk_choose() never names these loops */
