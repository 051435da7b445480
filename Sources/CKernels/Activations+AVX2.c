// σ, tanh and e^v in place, eight lanes, x86-64 AVX2 + FMA (the polynomials of KernelMath.h).
#include "KernelPaths.h"
#include "X86Vector.h"

#if defined(__x86_64__)

/// e^t for t already clamped to [-88, 88] (NaN lanes give NaN). See KernelMath.h.
EK_AVX2 static inline __m256 exp8(__m256 t) {
    __m256 n = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(EK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EK_LN2_HI), t);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EK_LN2_LO), r);
    __m256 z = _mm256_mul_ps(r, r);
    __m256 p = _mm256_set1_ps(EK_EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P5));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, z, r), _mm256_set1_ps(1.0f));
    __m256i k = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(e, _mm256_castsi256_ps(k));
}

/// σ(v); min/max take the constant first so a NaN lane passes through.
EK_AVX2 static inline __m256 sigmoid8(__m256 v) {
    __m256 t = _mm256_sub_ps(_mm256_setzero_ps(), v);
    t = _mm256_min_ps(_mm256_set1_ps(EK_EXP_LIMIT), t);
    t = _mm256_max_ps(_mm256_set1_ps(-EK_EXP_LIMIT), t);
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(t)));
}

EK_AVX2 static inline __m256 tanh8(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, v);
    __m256 z = _mm256_mul_ps(v, v);
    __m256 p = _mm256_set1_ps(EK_TANH_Q0);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q1));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q2));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q3));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q4));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, z), p, a);
    __m256 clamped = _mm256_min_ps(_mm256_set1_ps(EK_TANH_LIMIT), a);
    __m256 e = exp8(_mm256_add_ps(clamped, clamped));
    __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                                 _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    __m256 isSmall = _mm256_cmp_ps(a, _mm256_set1_ps(EK_TANH_SMALL), _CMP_LT_OQ);
    __m256 s = _mm256_blendv_ps(large, small, isSmall);
    return _mm256_or_ps(s, _mm256_and_ps(v, sign));
}

EK_AVX2 void ek_avx2_sigmoid(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, sigmoid8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, sigmoid8(_mm256_maskload_ps(y + i, mask)));
    }
}

EK_AVX2 static inline __m256 exp_clamped8(__m256 v) {
    v = _mm256_min_ps(_mm256_set1_ps(EK_EXP_LIMIT), v);
    return exp8(_mm256_max_ps(_mm256_set1_ps(-EK_EXP_LIMIT), v));
}

EK_AVX2 void ek_avx2_exp(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, exp_clamped8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, exp_clamped8(_mm256_maskload_ps(y + i, mask)));
    }
}

EK_AVX2 void ek_avx2_tanh(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, tanh8(_mm256_maskload_ps(y + i, mask)));
    }
}

#endif  // __x86_64__
