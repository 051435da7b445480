// Target attributes and small vector helpers shared by the x86-64 kernel files (private to
// CKernels). Every function carries its own target attribute, so each file compiles for the
// baseline ISA and nothing runs unless Dispatch.c found the features (cpuid + xgetbv).
#ifndef EARSHOT_X86_VECTOR_H
#define EARSHOT_X86_VECTOR_H

#include "KernelMath.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define EK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define EK_AVXVNNI __attribute__((target("avx2,fma,f16c,avxvnni")))
#define EK_AVX512VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/// The mask of the first n (0...8) int32 lanes: a load at (8 - n) from eight -1 then eight 0.
EK_AVX2 static inline __m256i lane_mask(size_t n) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - n));
}

/// [Σ a0, Σ a1, Σ a2, Σ a3].
EK_AVX2 static inline __m128 sum4_ps(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

EK_AVX2 static inline __m128i sum4_epi32(__m256i a0, __m256i a1, __m256i a2, __m256i a3) {
    __m256i t = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    return _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

EK_AVX2 static inline float sum_ps(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

EK_AVX2 static inline int32_t sum_epi32(__m256i a) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/// [Σ a0, …, Σ a7] of eight int32 accumulators.
EK_AVX2 static inline __m256i sum8_epi32(__m256i a0, __m256i a1, __m256i a2, __m256i a3, __m256i a4, __m256i a5,
                                         __m256i a6, __m256i a7) {
    __m256i low = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    __m256i high = _mm256_hadd_epi32(_mm256_hadd_epi32(a4, a5), _mm256_hadd_epi32(a6, a7));
    // low = [rows 0-3 over lanes 0-3 | rows 0-3 over lanes 4-7], high likewise for rows 4-7.
    return _mm256_add_epi32(_mm256_permute2x128_si256(low, high, 0x20), _mm256_permute2x128_si256(low, high, 0x31));
}

/// The quad of x at column 4k, broadcast to all eight lanes (a load-and-broadcast instruction).
#define EK_QUAD(qx, k) _mm256_set1_epi32(load_quad((qx) + 4 * (k)))

static inline int32_t load_quad(const int8_t *p) {
    int32_t quad;
    memcpy(&quad, p, 4);
    return quad;
}

#endif  // __x86_64__
#endif  // EARSHOT_X86_VECTOR_H
