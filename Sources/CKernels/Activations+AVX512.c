// σ, tanh and e^v in place, sixteen lanes, x86-64 AVX-512 (the AVX-512 VNNI path's activations).
#include "KernelPaths.h"
#include "X86Vector.h"

#if defined(__x86_64__)

/// exp8 on 16 lanes (see KernelMath.h). t already clamped to [-88, 88].
EK_AVX512VNNI static inline __m512 exp16(__m512 t) {
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, _mm512_set1_ps(EK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EK_LN2_HI), t);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EK_LN2_LO), r);
    __m512 z = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(EK_EXP_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P5));
    __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, z, r), _mm512_set1_ps(1.0f));
    __m512i k = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(e, _mm512_castsi512_ps(k));
}

/// min/max with the constant first pass a NaN lane through, as in sigmoid8.
EK_AVX512VNNI static inline __m512 sigmoid16(__m512 v) {
    __m512 t = _mm512_sub_ps(_mm512_setzero_ps(), v);
    t = _mm512_min_ps(_mm512_set1_ps(EK_EXP_LIMIT), t);
    t = _mm512_max_ps(_mm512_set1_ps(-EK_EXP_LIMIT), t);
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), exp16(t)));
}

EK_AVX512VNNI static inline __m512 tanh16(__m512 v) {
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(v)));
    __m512 z = _mm512_mul_ps(v, v);
    __m512 p = _mm512_set1_ps(EK_TANH_Q0);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q1));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q2));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q3));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q4));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(a, z), p, a);
    __m512 clamped = _mm512_min_ps(_mm512_set1_ps(EK_TANH_LIMIT), a);
    __m512 e = exp16(_mm512_add_ps(clamped, clamped));
    __m512 large = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                                 _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    __mmask16 isSmall = _mm512_cmp_ps_mask(a, _mm512_set1_ps(EK_TANH_SMALL), _CMP_LT_OQ);
    __m512 s = _mm512_mask_blend_ps(isSmall, large, small);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(s), _mm512_and_si512(_mm512_castps_si512(v), sign)));
}

EK_AVX512VNNI static inline __m512 exp_clamped16(__m512 v) {
    v = _mm512_min_ps(_mm512_set1_ps(EK_EXP_LIMIT), v);
    return exp16(_mm512_max_ps(_mm512_set1_ps(-EK_EXP_LIMIT), v));
}

#define EK_MAP16(NAME, FUNCTION)                                                          \
    EK_AVX512VNNI void NAME(float *y, size_t count) {                                     \
        size_t i = 0;                                                                     \
        for (; i + 16 <= count; i += 16) _mm512_storeu_ps(y + i, FUNCTION(_mm512_loadu_ps(y + i))); \
        if (i < count) {                                                                  \
            __mmask16 mask = (__mmask16)((1u << (count - i)) - 1u);                       \
            _mm512_mask_storeu_ps(y + i, mask, FUNCTION(_mm512_maskz_loadu_ps(mask, y + i))); \
        }                                                                                 \
    }

EK_MAP16(ek_avx512_sigmoid, sigmoid16)
EK_MAP16(ek_avx512_tanh, tanh16)
EK_MAP16(ek_avx512_exp, exp_clamped16)

#endif  // __x86_64__
