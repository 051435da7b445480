// int8 matrix-vector product on packed weights, aarch64 NEON + SDOT by element, and its packing.
#include "KernelPaths.h"
#include "NEONVector.h"

#if defined(__aarch64__)

// Packed layout: rows in groups of 4; per quad of 4 columns 16 bytes (rows 4g..4g+3 × 4 columns,
// zero past the matrix). SDOT by element (vdotq_laneq_s32) multiplies one such block by one quad
// of x and adds 4 products to each row's own int32 lane: no horizontal sums. Signed × signed, so
// unlike x86 no offset or row sums are needed.
size_t ek_sdot_packed_s8_size(size_t rows, size_t cols) {
    size_t bytes = ((rows + 3) / 4) * 16 * ((cols + 3) / 4);
    return (bytes + 31) & ~(size_t)31;
}

void ek_sdot_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
    const size_t groups = (rows + 3) / 4, quads = (cols + 3) / 4;
    int8_t *out = packed;
    for (size_t g = 0; g < groups; g++)
        for (size_t k = 0; k < quads; k++)
            for (size_t j = 0; j < 4; j++)
                for (size_t i = 0; i < 4; i++) {
                    size_t r = 4 * g + j, c = 4 * k + i;
                    out[(g * quads + k) * 16 + 4 * j + i] = (r < rows && c < cols) ? w[r * cols + c] : 0;
                }
}

static inline void finish_group4(int32x4_t acc, size_t g, size_t rows, const float *row_scales, float x_scale,
                                 float *y, int accumulate) {
    size_t r = 4 * g;
    if (rows - r >= 4) {
        rescale4(acc, row_scales + r, x_scale, y + r, accumulate);
    } else {
        int32_t sums[4];
        vst1q_s32(sums, acc);
        for (size_t j = 0; r + j < rows; j++) rescale1(sums[j], row_scales[r + j], x_scale, y + r + j, accumulate);
    }
}

/// One group's products with the quads k..k+3 of x (xv), the blocks at p.
#define EK_SDOT4(acc, p, xv)                                            \
    do {                                                                \
        acc = vdotq_laneq_s32(acc, vld1q_s8(p), xv, 0);                 \
        acc = vdotq_laneq_s32(acc, vld1q_s8((p) + 16), xv, 1);          \
        acc = vdotq_laneq_s32(acc, vld1q_s8((p) + 32), xv, 2);          \
        acc = vdotq_laneq_s32(acc, vld1q_s8((p) + 48), xv, 3);          \
    } while (0)

/// The last 1-3 quads of a group.
EK_DOTPROD static inline int32x4_t sdot_tail(int32x4_t acc, const int8_t *p, int8x16_t xv, size_t count) {
    acc = vdotq_laneq_s32(acc, vld1q_s8(p), xv, 0);
    if (count > 1) acc = vdotq_laneq_s32(acc, vld1q_s8(p + 16), xv, 1);
    if (count > 2) acc = vdotq_laneq_s32(acc, vld1q_s8(p + 32), xv, 2);
    return acc;
}

/// Four groups (16 rows) at a time, each 16-byte load of x feeding 16 SDOTs; then single groups.
/// qx is readable to a multiple of 32 bytes, so the 16-byte loads of x never fault.
EK_DOTPROD void ek_sdot_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
                                       const int8_t *qx, float x_scale, float *y, int accumulate) {
    const size_t groups = (rows + 3) / 4, quads = (cols + 3) / 4, stride = 16 * quads;
    const size_t whole = quads & ~(size_t)3;
    const int8_t *base = packed;
    size_t g = 0;
    for (; g + 4 <= groups; g += 4) {
        const int8_t *p0 = base + g * stride, *p1 = p0 + stride, *p2 = p1 + stride, *p3 = p2 + stride;
        int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
        size_t k = 0;
        for (; k < whole; k += 4) {
            int8x16_t xv = vld1q_s8(qx + 4 * k);
            EK_SDOT4(a0, p0 + 16 * k, xv);
            EK_SDOT4(a1, p1 + 16 * k, xv);
            EK_SDOT4(a2, p2 + 16 * k, xv);
            EK_SDOT4(a3, p3 + 16 * k, xv);
        }
        if (k < quads) {
            int8x16_t xv = vld1q_s8(qx + 4 * k);
            a0 = sdot_tail(a0, p0 + 16 * k, xv, quads - k);
            a1 = sdot_tail(a1, p1 + 16 * k, xv, quads - k);
            a2 = sdot_tail(a2, p2 + 16 * k, xv, quads - k);
            a3 = sdot_tail(a3, p3 + 16 * k, xv, quads - k);
        }
        finish_group4(a0, g, rows, row_scales, x_scale, y, accumulate);
        finish_group4(a1, g + 1, rows, row_scales, x_scale, y, accumulate);
        finish_group4(a2, g + 2, rows, row_scales, x_scale, y, accumulate);
        finish_group4(a3, g + 3, rows, row_scales, x_scale, y, accumulate);
    }
    for (; g < groups; g++) {
        const int8_t *p0 = base + g * stride;
        int32x4_t a0 = vdupq_n_s32(0);
        size_t k = 0;
        for (; k < whole; k += 4) {
            int8x16_t xv = vld1q_s8(qx + 4 * k);
            EK_SDOT4(a0, p0 + 16 * k, xv);
        }
        if (k < quads) a0 = sdot_tail(a0, p0 + 16 * k, vld1q_s8(qx + 4 * k), quads - k);
        finish_group4(a0, g, rows, row_scales, x_scale, y, accumulate);
    }
}

#endif  // __aarch64__
