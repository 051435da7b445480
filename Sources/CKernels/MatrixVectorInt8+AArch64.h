// The aarch64 int8 row-major kernel body, instantiated for NEON (MatrixVectorInt8+NEON.c) and
// NEON + SDOT (MatrixVectorInt8+DotProd.c): the two differ only in the 16- and 8-lane dot.
// Private to CKernels.
#ifndef EARSHOT_MATRIX_VECTOR_INT8_AARCH64_H
#define EARSHOT_MATRIX_VECTOR_INT8_AARCH64_H

#include "NEONVector.h"

#if defined(__aarch64__)

// The two int8 kernels differ only in the 16- and 8-lane dot; one body, two instantiations.
#define EK_GEMV_S8_BODY(DOT16, DOT8)                                                                  \
    const size_t c16 = cols & ~(size_t)15, c8 = cols & ~(size_t)7;                                    \
    size_t r = 0;                                                                                     \
    for (; r + 4 <= rows; r += 4) {                                                                   \
        const int8_t *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;           \
        int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;                                     \
        size_t c = 0;                                                                                 \
        for (; c < c16; c += 16) {                                                                    \
            int8x16_t xv = vld1q_s8(qx + c);                                                          \
            a0 = DOT16(a0, vld1q_s8(w0 + c), xv);                                                     \
            a1 = DOT16(a1, vld1q_s8(w1 + c), xv);                                                     \
            a2 = DOT16(a2, vld1q_s8(w2 + c), xv);                                                     \
            a3 = DOT16(a3, vld1q_s8(w3 + c), xv);                                                     \
        }                                                                                             \
        if (c < c8) {                                                                                 \
            int8x8_t xv = vld1_s8(qx + c);                                                            \
            a0 = DOT8(a0, vld1_s8(w0 + c), xv);                                                       \
            a1 = DOT8(a1, vld1_s8(w1 + c), xv);                                                       \
            a2 = DOT8(a2, vld1_s8(w2 + c), xv);                                                       \
            a3 = DOT8(a3, vld1_s8(w3 + c), xv);                                                       \
            c += 8;                                                                                   \
        }                                                                                             \
        int32x4_t s = sum4_s32(a0, a1, a2, a3);                                                       \
        int32_t e[4] = {0, 0, 0, 0};                                                                  \
        for (; c < cols; c++) {                                                                       \
            int32_t xc = qx[c];                                                                       \
            e[0] += w0[c] * xc;                                                                       \
            e[1] += w1[c] * xc;                                                                       \
            e[2] += w2[c] * xc;                                                                       \
            e[3] += w3[c] * xc;                                                                       \
        }                                                                                             \
        rescale4(vaddq_s32(s, vld1q_s32(e)), row_scales + r, x_scale, y + r, accumulate);             \
    }                                                                                                 \
    for (; r < rows; r++) {                                                                           \
        const int8_t *w0 = w + r * cols;                                                              \
        int32x4_t a0 = vdupq_n_s32(0);                                                                \
        size_t c = 0;                                                                                 \
        for (; c < c16; c += 16) a0 = DOT16(a0, vld1q_s8(w0 + c), vld1q_s8(qx + c));                  \
        if (c < c8) {                                                                                 \
            a0 = DOT8(a0, vld1_s8(w0 + c), vld1_s8(qx + c));                                          \
            c += 8;                                                                                   \
        }                                                                                             \
        int32_t s = vaddvq_s32(a0);                                                                   \
        for (; c < cols; c++) s += w0[c] * (int32_t)qx[c];                                            \
        rescale1(s, row_scales[r], x_scale, y + r, accumulate);                                       \
    }

#endif  // __aarch64__
#endif  // EARSHOT_MATRIX_VECTOR_INT8_AARCH64_H
