// Symmetric dynamic int8 quantization of a vector, x86-64 AVX2.
#include "KernelPaths.h"
#include "X86Vector.h"

#if defined(__x86_64__)

EK_AVX2 float ek_avx2_quantize_s8(const float *x, size_t count, int8_t *q) {
    const __m256i magnitude = _mm256_set1_epi32(0x7fffffff);
    __m256i m8 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        m8 = _mm256_max_epi32(m8, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), magnitude));
    if (i < count)
        m8 = _mm256_max_epi32(m8, _mm256_and_si256(_mm256_maskload_epi32((const int *)(x + i), lane_mask(count - i)),
                                                   magnitude));
    __m128i m4 = _mm_max_epi32(_mm256_castsi256_si128(m8), _mm256_extracti128_si256(m8, 1));
    m4 = _mm_max_epi32(m4, _mm_shuffle_epi32(m4, 0x4e));
    m4 = _mm_max_epi32(m4, _mm_shuffle_epi32(m4, 0xb1));
    uint32_t maximum = (uint32_t)_mm_cvtsi128_si32(m4);
    if (maximum < EK_QUANTIZE_FLOOR_BITS || maximum >= 0x7f800000u) {
        memset(q, 0, count);
        return maximum < 0x7f800000u ? 0.0f : ek_bits_to_float(0x7fc00000u);
    }
    float m = ek_bits_to_float(maximum);
    float inverse = 127.0f / m;
    const __m256 inv8 = _mm256_set1_ps(inverse);
    const __m256i lower = _mm256_set1_epi8(-127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    i = 0;
    for (; i + 32 <= count; i += 32) {
        // cvtps2dq rounds to nearest even (the default MXCSR mode).
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), inv8));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), inv8));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), inv8));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), inv8));
        // The packs interleave 128-bit lanes; the permutation restores element order.
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        packed = _mm256_permutevar8x32_epi32(packed, order);
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_max_epi8(packed, lower));
    }
    for (; i < count; i++) {
        float v = x[i] * inverse;
        int32_t k = _mm_cvtss_si32(_mm_set_ss(v));
        k = k > 127 ? 127 : k;
        q[i] = (int8_t)(k < -127 ? -127 : k);
    }
    return m / 127.0f;
}

#endif  // __x86_64__
