// The x86-64 int8 packed kernel body (8-row groups), instantiated for AVX2
// (MatrixVectorInt8Packed+AVX2.c) and AVX-VNNI (MatrixVectorInt8Packed+AVXVNNI.c). Private to CKernels.
#ifndef EARSHOT_MATRIX_VECTOR_INT8_PACKED_X86_H
#define EARSHOT_MATRIX_VECTOR_INT8_PACKED_X86_H

#include "X86Vector.h"

#if defined(__x86_64__)


/// y for group g from its eight int32 sums (rows past `rows` are not written).
EK_AVX2 static inline void finish_group(__m256i sums, size_t g, size_t rows, const float *row_scales, float x_scale,
                                        float *y, int accumulate) {
    size_t r = 8 * g, valid = rows - r < 8 ? rows - r : 8;
    __m256 xs = _mm256_set1_ps(x_scale);
    if (valid == 8) {
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(_mm256_loadu_ps(row_scales + r), xs));
        if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(y + r), v);
        _mm256_storeu_ps(y + r, v);
    } else {
        __m256i mask = lane_mask(valid);
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(_mm256_maskload_ps(row_scales + r, mask), xs));
        if (accumulate) v = _mm256_add_ps(_mm256_maskload_ps(y + r, mask), v);
        _mm256_maskstore_ps(y + r, mask, v);
    }
}

// AVX-VNNI multiplies unsigned by signed bytes; the broadcast x gets +128 (x + 128 in 1...255)
// and the sum loses 128 · Σ w again: Σ w·(x + 128) − 128·Σ w = Σ w·x, exactly in int32.
// AVX2 uses the sign trick of EK_DOT_AVX2 instead (VPMADDUBSW would saturate on x + 128).
#define EK_PACKED_PREPARE_VNNI(xv) _mm256_xor_si256(xv, _mm256_set1_epi8((char)0x80))
#define EK_PACKED_DOT_VNNI(acc, wv, xv) _mm256_dpbusd_avx_epi32(acc, xv, wv)
#define EK_PACKED_FIX_VNNI(acc, group) \
    _mm256_sub_epi32(acc, _mm256_slli_epi32(_mm256_load_si256((const __m256i *)(group)), 7))
#define EK_PACKED_PREPARE_AVX2(xv) (xv)
#define EK_PACKED_DOT_AVX2(acc, wv, xv) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(xv), _mm256_sign_epi8(wv, xv)), ones))
#define EK_PACKED_FIX_AVX2(acc, group) ((void)(group), (acc))

/// Eight groups (64 rows) at a time, one accumulator each, every broadcast quad of x feeding all
/// eight; then single groups with two accumulators (even and odd quads).
#define EK_GEMV_S8_PACKED(NAME, ATTRIBUTES, PREPARE, DOT, FIX)                                              \
    ATTRIBUTES void NAME(const void *packed, const float *row_scales, size_t rows, size_t cols,      \
                         const int8_t *qx, float x_scale, float *y, int accumulate) {                \
        const size_t quads = (cols + 3) / 4, groups = (rows + 7) / 8, stride = 32 * (1 + quads);            \
        const int8_t *base = packed;                                                                        \
        const __m256i ones = _mm256_set1_epi16(1);                                                          \
        (void)ones;                                                                                         \
        size_t g = 0;                                                                                       \
        for (; g + 8 <= groups; g += 8) {                                                                   \
            const int8_t *p = base + g * stride + 32;                                                       \
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
            for (size_t k = 0; k < quads; k++) {                                                            \
                __m256i x = PREPARE(EK_QUAD(qx, k));                                                        \
                const int8_t *q = p + 32 * k;                                                               \
                a0 = DOT(a0, _mm256_load_si256((const __m256i *)q), x);                                     \
                a1 = DOT(a1, _mm256_load_si256((const __m256i *)(q + stride)), x);                          \
                a2 = DOT(a2, _mm256_load_si256((const __m256i *)(q + 2 * stride)), x);                      \
                a3 = DOT(a3, _mm256_load_si256((const __m256i *)(q + 3 * stride)), x);                      \
                a4 = DOT(a4, _mm256_load_si256((const __m256i *)(q + 4 * stride)), x);                      \
                a5 = DOT(a5, _mm256_load_si256((const __m256i *)(q + 5 * stride)), x);                      \
                a6 = DOT(a6, _mm256_load_si256((const __m256i *)(q + 6 * stride)), x);                      \
                a7 = DOT(a7, _mm256_load_si256((const __m256i *)(q + 7 * stride)), x);                      \
            }                                                                                               \
            const int8_t *sums = p - 32;                                                                    \
            finish_group(FIX(a0, sums), g, rows, row_scales, x_scale, y, accumulate);                       \
            finish_group(FIX(a1, sums + stride), g + 1, rows, row_scales, x_scale, y, accumulate);          \
            finish_group(FIX(a2, sums + 2 * stride), g + 2, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a3, sums + 3 * stride), g + 3, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a4, sums + 4 * stride), g + 4, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a5, sums + 5 * stride), g + 5, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a6, sums + 6 * stride), g + 6, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a7, sums + 7 * stride), g + 7, rows, row_scales, x_scale, y, accumulate);      \
        }                                                                                                   \
        for (; g < groups; g++) {                                                                           \
            const int8_t *p0 = base + g * stride + 32;                                                      \
            __m256i a0 = _mm256_setzero_si256(), b0 = a0;                                                   \
            size_t k = 0;                                                                                   \
            for (; k + 2 <= quads; k += 2) {                                                                \
                a0 = DOT(a0, _mm256_load_si256((const __m256i *)(p0 + 32 * k)), PREPARE(EK_QUAD(qx, k)));   \
                b0 = DOT(b0, _mm256_load_si256((const __m256i *)(p0 + 32 * k + 32)), PREPARE(EK_QUAD(qx, k + 1))); \
            }                                                                                               \
            if (k < quads) a0 = DOT(a0, _mm256_load_si256((const __m256i *)(p0 + 32 * k)), PREPARE(EK_QUAD(qx, k))); \
            finish_group(FIX(_mm256_add_epi32(a0, b0), p0 - 32), g, rows, row_scales, x_scale, y, accumulate); \
        }                                                                                                   \
    }

#endif  // __x86_64__
#endif  // EARSHOT_MATRIX_VECTOR_INT8_PACKED_X86_H
