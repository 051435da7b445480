// The x86-64 int8 row-major kernel body, instantiated for AVX2 (MatrixVectorInt8+AVX2.c) and
// AVX-VNNI (MatrixVectorInt8+AVXVNNI.c). Private to CKernels.
#ifndef EARSHOT_MATRIX_VECTOR_INT8_X86_H
#define EARSHOT_MATRIX_VECTOR_INT8_X86_H

#include "X86Vector.h"

#if defined(__x86_64__)

/// acc += w·x over 32 lanes, as int32. The instructions multiply unsigned by signed bytes, so
/// they get |x| and w with x's sign moved onto it: |x| · (w · sign x) = w · x.
/// AVX2: VPMADDUBSW sums pairs to int16 (within ±2·127·127, so nothing saturates), VPMADDWD
/// by ones widens them to int32. AVX-VNNI: VPDPBUSD does all of it in one instruction.
#define EK_DOT_AVX2(acc, wv, xv, ax) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv)), ones))
#define EK_DOT_VNNI(acc, wv, xv, ax) _mm256_dpbusd_avx_epi32(acc, ax, _mm256_sign_epi8(wv, xv))

/// The int8 kernel, eight rows at a time (each load of x and |x| feeds eight rows; the eight sums
/// are reduced together and rescaled as one vector), then single rows. Column tails: whole 4-byte
/// words by masked loads (qx is readable to a multiple of 32 bytes; w is never read past a row),
/// the last 0-3 bytes in scalar code.
#define EK_GEMV_S8(NAME, ATTRIBUTES, DOT)                                                                  \
    ATTRIBUTES void NAME(const int8_t *w, const float *row_scales, size_t rows, size_t cols,         \
                         const int8_t *qx, float x_scale, float *y, int accumulate) {                \
        const size_t c32 = cols & ~(size_t)31, words = (cols & 31) >> 2, wordEnd = c32 + words * 4;         \
        const __m256i mask = lane_mask(words);                                                              \
        const __m256i ones = _mm256_set1_epi16(1);                                                          \
        (void)ones;                                                                                         \
        size_t r = 0;                                                                                       \
        for (; r + 8 <= rows; r += 8) {                                                                     \
            const int8_t *w0 = w + r * cols;                                                                \
            const int8_t *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols, *w4 = w3 + cols;                \
            const int8_t *w5 = w4 + cols, *w6 = w5 + cols, *w7 = w6 + cols;                                 \
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,      \
                    a7 = a0;                                                                                \
            for (size_t c = 0; c < c32; c += 32) {                                                          \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c));                                 \
                __m256i ax = _mm256_abs_epi8(xv);                                                           \
                a0 = DOT(a0, _mm256_loadu_si256((const __m256i *)(w0 + c)), xv, ax);                        \
                a1 = DOT(a1, _mm256_loadu_si256((const __m256i *)(w1 + c)), xv, ax);                        \
                a2 = DOT(a2, _mm256_loadu_si256((const __m256i *)(w2 + c)), xv, ax);                        \
                a3 = DOT(a3, _mm256_loadu_si256((const __m256i *)(w3 + c)), xv, ax);                        \
                a4 = DOT(a4, _mm256_loadu_si256((const __m256i *)(w4 + c)), xv, ax);                        \
                a5 = DOT(a5, _mm256_loadu_si256((const __m256i *)(w5 + c)), xv, ax);                        \
                a6 = DOT(a6, _mm256_loadu_si256((const __m256i *)(w6 + c)), xv, ax);                        \
                a7 = DOT(a7, _mm256_loadu_si256((const __m256i *)(w7 + c)), xv, ax);                        \
            }                                                                                               \
            if (words) {                                                                                    \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c32));                               \
                __m256i ax = _mm256_abs_epi8(xv);                                                           \
                a0 = DOT(a0, _mm256_maskload_epi32((const int *)(w0 + c32), mask), xv, ax);                 \
                a1 = DOT(a1, _mm256_maskload_epi32((const int *)(w1 + c32), mask), xv, ax);                 \
                a2 = DOT(a2, _mm256_maskload_epi32((const int *)(w2 + c32), mask), xv, ax);                 \
                a3 = DOT(a3, _mm256_maskload_epi32((const int *)(w3 + c32), mask), xv, ax);                 \
                a4 = DOT(a4, _mm256_maskload_epi32((const int *)(w4 + c32), mask), xv, ax);                 \
                a5 = DOT(a5, _mm256_maskload_epi32((const int *)(w5 + c32), mask), xv, ax);                 \
                a6 = DOT(a6, _mm256_maskload_epi32((const int *)(w6 + c32), mask), xv, ax);                 \
                a7 = DOT(a7, _mm256_maskload_epi32((const int *)(w7 + c32), mask), xv, ax);                 \
            }                                                                                               \
            __m256i s = sum8_epi32(a0, a1, a2, a3, a4, a5, a6, a7);                                         \
            if (wordEnd < cols) {                                                                           \
                int32_t e[8];                                                                               \
                for (size_t k = 0; k < 8; k++) {                                                            \
                    const int8_t *row = w0 + k * cols;                                                      \
                    int32_t sum = 0;                                                                        \
                    for (size_t c = wordEnd; c < cols; c++) sum += row[c] * (int32_t)qx[c];                 \
                    e[k] = sum;                                                                             \
                }                                                                                           \
                s = _mm256_add_epi32(s, _mm256_loadu_si256((const __m256i *)e));                            \
            }                                                                                               \
            __m256 scale = _mm256_mul_ps(_mm256_loadu_ps(row_scales + r), _mm256_set1_ps(x_scale));         \
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s), scale);                                         \
            if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(y + r), v);                                   \
            _mm256_storeu_ps(y + r, v);                                                                     \
        }                                                                                                   \
        for (; r < rows; r++) {                                                                             \
            const int8_t *w0 = w + r * cols;                                                                \
            __m256i a0 = _mm256_setzero_si256();                                                            \
            for (size_t c = 0; c < c32; c += 32) {                                                          \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c));                                 \
                a0 = DOT(a0, _mm256_loadu_si256((const __m256i *)(w0 + c)), xv, _mm256_abs_epi8(xv));       \
            }                                                                                               \
            if (words) {                                                                                    \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c32));                               \
                a0 = DOT(a0, _mm256_maskload_epi32((const int *)(w0 + c32), mask), xv, _mm256_abs_epi8(xv)); \
            }                                                                                               \
            int32_t s = sum_epi32(a0);                                                                      \
            for (size_t c = wordEnd; c < cols; c++) s += w0[c] * (int32_t)qx[c];                            \
            float scale = row_scales[r] * x_scale;                                                          \
            float v = (float)s * scale;                                                                     \
            y[r] = accumulate ? y[r] + v : v;                                                               \
        }                                                                                                   \
    }

#endif  // __x86_64__
#endif  // EARSHOT_MATRIX_VECTOR_INT8_X86_H
