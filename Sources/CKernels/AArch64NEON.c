// aarch64 kernels: Advanced SIMD (NEON, part of every Armv8-A CPU, e.g. Raspberry Pi 4's
// Cortex-A72), and for int8 the dot-product instructions (SDOT, FEAT_DotProd, Armv8.2-A, e.g.
// Raspberry Pi 5's Cortex-A76) in functions compiled for that extension only; Dispatch.c picks
// them when getauxval(AT_HWCAP) has HWCAP_ASIMDDP.
//
// Four rows at a time share each load of x; column tails go 8 wide, then scalar, never reading
// past a row's end. tools/test_aarch64.sh cross-compiles this file and runs it under qemu-user
// against Generic.c on a CPU model with and without dot-product instructions.
#include "CKernels.h"
#include "KernelMath.h"

#if defined(__aarch64__)
#include <arm_neon.h>

// GCC's arm_neon.h declares the SDOT intrinsics for arch=armv8.2-a+dotprod, and only inlines
// them into functions with that target; clang wants the feature name.
#if defined(__clang__)
#define EK_DOTPROD __attribute__((target("dotprod")))
#else
#define EK_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

static inline float32x4_t sum4_f32(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

static inline int32x4_t sum4_s32(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3) {
    return vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
}

// MARK: - fp32

static void neon_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    const size_t c8 = cols & ~(size_t)7, c4 = cols & ~(size_t)3;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t c = 0;
        for (; c < c8; c += 8) {
            float32x4_t xa = vld1q_f32(x + c), xb = vld1q_f32(x + c + 4);
            a0 = vfmaq_f32(a0, vld1q_f32(w0 + c), xa);
            a1 = vfmaq_f32(a1, vld1q_f32(w1 + c), xa);
            a2 = vfmaq_f32(a2, vld1q_f32(w2 + c), xa);
            a3 = vfmaq_f32(a3, vld1q_f32(w3 + c), xa);
            b0 = vfmaq_f32(b0, vld1q_f32(w0 + c + 4), xb);
            b1 = vfmaq_f32(b1, vld1q_f32(w1 + c + 4), xb);
            b2 = vfmaq_f32(b2, vld1q_f32(w2 + c + 4), xb);
            b3 = vfmaq_f32(b3, vld1q_f32(w3 + c + 4), xb);
        }
        if (c < c4) {
            float32x4_t xa = vld1q_f32(x + c);
            a0 = vfmaq_f32(a0, vld1q_f32(w0 + c), xa);
            a1 = vfmaq_f32(a1, vld1q_f32(w1 + c), xa);
            a2 = vfmaq_f32(a2, vld1q_f32(w2 + c), xa);
            a3 = vfmaq_f32(a3, vld1q_f32(w3 + c), xa);
            c += 4;
        }
        float32x4_t s = sum4_f32(vaddq_f32(a0, b0), vaddq_f32(a1, b1), vaddq_f32(a2, b2), vaddq_f32(a3, b3));
        float e[4] = {0, 0, 0, 0};
        for (; c < cols; c++) {
            e[0] += w0[c] * x[c];
            e[1] += w1[c] * x[c];
            e[2] += w2[c] * x[c];
            e[3] += w3[c] * x[c];
        }
        s = vaddq_f32(s, vld1q_f32(e));
        if (accumulate) s = vaddq_f32(vld1q_f32(y + r), s);
        vst1q_f32(y + r, s);
    }
    for (; r < rows; r++) {
        const float *w0 = w + r * cols;
        float32x4_t a0 = vdupq_n_f32(0), b0 = a0;
        size_t c = 0;
        for (; c < c8; c += 8) {
            a0 = vfmaq_f32(a0, vld1q_f32(w0 + c), vld1q_f32(x + c));
            b0 = vfmaq_f32(b0, vld1q_f32(w0 + c + 4), vld1q_f32(x + c + 4));
        }
        if (c < c4) {
            a0 = vfmaq_f32(a0, vld1q_f32(w0 + c), vld1q_f32(x + c));
            c += 4;
        }
        float s = vaddvq_f32(vaddq_f32(a0, b0));
        for (; c < cols; c++) s += w0[c] * x[c];
        y[r] = accumulate ? y[r] + s : s;
    }
}

// MARK: - fp16

static inline float32x4_t half4(const uint16_t *p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

static void neon_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    const size_t c8 = cols & ~(size_t)7, c4 = cols & ~(size_t)3;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const uint16_t *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t c = 0;
        for (; c < c8; c += 8) {
            float32x4_t xa = vld1q_f32(x + c), xb = vld1q_f32(x + c + 4);
            a0 = vfmaq_f32(a0, half4(w0 + c), xa);
            a1 = vfmaq_f32(a1, half4(w1 + c), xa);
            a2 = vfmaq_f32(a2, half4(w2 + c), xa);
            a3 = vfmaq_f32(a3, half4(w3 + c), xa);
            b0 = vfmaq_f32(b0, half4(w0 + c + 4), xb);
            b1 = vfmaq_f32(b1, half4(w1 + c + 4), xb);
            b2 = vfmaq_f32(b2, half4(w2 + c + 4), xb);
            b3 = vfmaq_f32(b3, half4(w3 + c + 4), xb);
        }
        if (c < c4) {
            float32x4_t xa = vld1q_f32(x + c);
            a0 = vfmaq_f32(a0, half4(w0 + c), xa);
            a1 = vfmaq_f32(a1, half4(w1 + c), xa);
            a2 = vfmaq_f32(a2, half4(w2 + c), xa);
            a3 = vfmaq_f32(a3, half4(w3 + c), xa);
            c += 4;
        }
        float32x4_t s = sum4_f32(vaddq_f32(a0, b0), vaddq_f32(a1, b1), vaddq_f32(a2, b2), vaddq_f32(a3, b3));
        float e[4] = {0, 0, 0, 0};
        for (; c < cols; c++) {
            e[0] += ek_half_to_float(w0[c]) * x[c];
            e[1] += ek_half_to_float(w1[c]) * x[c];
            e[2] += ek_half_to_float(w2[c]) * x[c];
            e[3] += ek_half_to_float(w3[c]) * x[c];
        }
        s = vaddq_f32(s, vld1q_f32(e));
        if (accumulate) s = vaddq_f32(vld1q_f32(y + r), s);
        vst1q_f32(y + r, s);
    }
    for (; r < rows; r++) {
        const uint16_t *w0 = w + r * cols;
        float32x4_t a0 = vdupq_n_f32(0), b0 = a0;
        size_t c = 0;
        for (; c < c8; c += 8) {
            a0 = vfmaq_f32(a0, half4(w0 + c), vld1q_f32(x + c));
            b0 = vfmaq_f32(b0, half4(w0 + c + 4), vld1q_f32(x + c + 4));
        }
        if (c < c4) {
            a0 = vfmaq_f32(a0, half4(w0 + c), vld1q_f32(x + c));
            c += 4;
        }
        float s = vaddvq_f32(vaddq_f32(a0, b0));
        for (; c < cols; c++) s += ek_half_to_float(w0[c]) * x[c];
        y[r] = accumulate ? y[r] + s : s;
    }
}

// MARK: - int8

/// acc += w·x over 16 lanes: widening multiplies to int16 (two products per lane stay within
/// ±2·127·127), then pairwise-add-accumulate into int32.
static inline int32x4_t dot16_neon(int32x4_t acc, int8x16_t wv, int8x16_t xv) {
    int16x8_t p = vmull_s8(vget_low_s8(wv), vget_low_s8(xv));
    p = vmlal_high_s8(p, wv, xv);
    return vpadalq_s16(acc, p);
}

static inline int32x4_t dot8_neon(int32x4_t acc, int8x8_t wv, int8x8_t xv) {
    return vpadalq_s16(acc, vmull_s8(wv, xv));
}

static inline void rescale4(int32x4_t s, const float *row_scales, float x_scale, float *y, int accumulate) {
    float32x4_t scale = vmulq_f32(vld1q_f32(row_scales), vdupq_n_f32(x_scale));
    float32x4_t v = vmulq_f32(vcvtq_f32_s32(s), scale);
    if (accumulate) v = vaddq_f32(vld1q_f32(y), v);
    vst1q_f32(y, v);
}

static inline void rescale1(int32_t s, float row_scale, float x_scale, float *y, int accumulate) {
    float scale = row_scale * x_scale;
    float v = (float)s * scale;
    *y = accumulate ? *y + v : v;
}

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

static void neon_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                         float x_scale, float *y, int accumulate) {
    EK_GEMV_S8_BODY(dot16_neon, dot8_neon)
}

EK_DOTPROD static inline int32x4_t dot16_sdot(int32x4_t acc, int8x16_t wv, int8x16_t xv) {
    return vdotq_s32(acc, wv, xv);
}

/// 8 lanes with SDOT: the 64-bit form sums into two int32 lanes, widened into the low half.
EK_DOTPROD static inline int32x4_t dot8_sdot(int32x4_t acc, int8x8_t wv, int8x8_t xv) {
    return vaddq_s32(acc, vcombine_s32(vdot_s32(vdup_n_s32(0), wv, xv), vdup_n_s32(0)));
}

EK_DOTPROD static void dotprod_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                                       const int8_t *qx, float x_scale, float *y, int accumulate) {
    EK_GEMV_S8_BODY(dot16_sdot, dot8_sdot)
}

// MARK: - int8, packed for SDOT

// Packed layout: rows in groups of 4; per quad of 4 columns 16 bytes (rows 4g..4g+3 × 4 columns,
// zero past the matrix). SDOT by element (vdotq_laneq_s32) multiplies one such block by one quad
// of x and adds 4 products to each row's own int32 lane: no horizontal sums. Signed × signed, so
// unlike x86 no offset or row sums are needed.
static size_t sdot_packed_s8_size(size_t rows, size_t cols) {
    size_t bytes = ((rows + 3) / 4) * 16 * ((cols + 3) / 4);
    return (bytes + 31) & ~(size_t)31;
}

static void sdot_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
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
EK_DOTPROD static void sdot_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
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

static float neon_quantize_s8(const float *x, size_t count, int8_t *q) {
    uint32x4_t m4 = vdupq_n_u32(0);
    const uint32x4_t magnitude = vdupq_n_u32(0x7fffffffu);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) m4 = vmaxq_u32(m4, vandq_u32(vld1q_u32((const uint32_t *)(x + i)), magnitude));
    uint32_t maximum = vmaxvq_u32(m4);
    for (; i < count; i++) {
        uint32_t bits = ek_float_to_bits(x[i]) & 0x7fffffffu;
        maximum = bits > maximum ? bits : maximum;
    }
    if (maximum < EK_QUANTIZE_FLOOR_BITS || maximum >= 0x7f800000u) {
        memset(q, 0, count);
        return maximum < 0x7f800000u ? 0.0f : ek_bits_to_float(0x7fc00000u);
    }
    float m = ek_bits_to_float(maximum);
    float inverse = 127.0f / m;
    const float32x4_t inv4 = vdupq_n_f32(inverse);
    const int8x16_t lower = vdupq_n_s8(-127);
    i = 0;
    for (; i + 16 <= count; i += 16) {
        // FCVTNS: round to nearest, ties to even.
        int32x4_t i0 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i), inv4));
        int32x4_t i1 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 4), inv4));
        int32x4_t i2 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 8), inv4));
        int32x4_t i3 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 12), inv4));
        int16x8_t h0 = vcombine_s16(vqmovn_s32(i0), vqmovn_s32(i1));
        int16x8_t h1 = vcombine_s16(vqmovn_s32(i2), vqmovn_s32(i3));
        int8x16_t b = vcombine_s8(vqmovn_s16(h0), vqmovn_s16(h1));
        vst1q_s8(q + i, vmaxq_s8(b, lower));
    }
    for (; i < count; i++) {
        float v = x[i] * inverse;
        q[i] = ek_round_to_s8(v);
    }
    return m / 127.0f;
}

// MARK: - Activations

static inline float32x4_t exp4(float32x4_t t) {
    float32x4_t n = vrndnq_f32(vmulq_f32(t, vdupq_n_f32(EK_LOG2E)));
    float32x4_t r = vfmsq_f32(t, n, vdupq_n_f32(EK_LN2_HI));
    r = vfmsq_f32(r, n, vdupq_n_f32(EK_LN2_LO));
    float32x4_t z = vmulq_f32(r, r);
    float32x4_t p = vdupq_n_f32(EK_EXP_P0);
    p = vfmaq_f32(vdupq_n_f32(EK_EXP_P1), p, r);
    p = vfmaq_f32(vdupq_n_f32(EK_EXP_P2), p, r);
    p = vfmaq_f32(vdupq_n_f32(EK_EXP_P3), p, r);
    p = vfmaq_f32(vdupq_n_f32(EK_EXP_P4), p, r);
    p = vfmaq_f32(vdupq_n_f32(EK_EXP_P5), p, r);
    float32x4_t e = vaddq_f32(vfmaq_f32(r, p, z), vdupq_n_f32(1.0f));
    int32x4_t k = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(e, vreinterpretq_f32_s32(k));
}

/// FMIN/FMAX propagate NaN, so a NaN lane stays NaN through the clamps.
static inline float32x4_t sigmoid4(float32x4_t v) {
    float32x4_t t = vnegq_f32(v);
    t = vmaxq_f32(vminq_f32(t, vdupq_n_f32(EK_EXP_LIMIT)), vdupq_n_f32(-EK_EXP_LIMIT));
    return vdivq_f32(vdupq_n_f32(1.0f), vaddq_f32(vdupq_n_f32(1.0f), exp4(t)));
}

static inline float32x4_t tanh4(float32x4_t v) {
    float32x4_t a = vabsq_f32(v);
    float32x4_t z = vmulq_f32(v, v);
    float32x4_t p = vdupq_n_f32(EK_TANH_Q0);
    p = vfmaq_f32(vdupq_n_f32(EK_TANH_Q1), p, z);
    p = vfmaq_f32(vdupq_n_f32(EK_TANH_Q2), p, z);
    p = vfmaq_f32(vdupq_n_f32(EK_TANH_Q3), p, z);
    p = vfmaq_f32(vdupq_n_f32(EK_TANH_Q4), p, z);
    float32x4_t small = vfmaq_f32(a, vmulq_f32(a, z), p);
    float32x4_t clamped = vminq_f32(a, vdupq_n_f32(EK_TANH_LIMIT));
    float32x4_t e = exp4(vaddq_f32(clamped, clamped));
    float32x4_t large = vsubq_f32(vdupq_n_f32(1.0f), vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, vdupq_n_f32(1.0f))));
    uint32x4_t isSmall = vcltq_f32(a, vdupq_n_f32(EK_TANH_SMALL));
    float32x4_t s = vbslq_f32(isSmall, small, large);
    uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x80000000u));
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(s), sign));
}

static void neon_sigmoid(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) vst1q_f32(y + i, sigmoid4(vld1q_f32(y + i)));
    for (; i < count; i++) y[i] = ek_sigmoid_scalar(y[i]);
}

static void neon_exp(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        float32x4_t v = vld1q_f32(y + i);
        v = vmaxq_f32(vminq_f32(v, vdupq_n_f32(EK_EXP_LIMIT)), vdupq_n_f32(-EK_EXP_LIMIT));
        vst1q_f32(y + i, exp4(v));
    }
    for (; i < count; i++) y[i] = ek_exp_clamped_scalar(y[i]);
}

static void neon_tanh(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) vst1q_f32(y + i, tanh4(vld1q_f32(y + i)));
    for (; i < count; i++) y[i] = ek_tanh_scalar(y[i]);
}

const ek_kernels ek_neon_kernels = {
    .path = EK_PATH_AARCH64_NEON,
    .name = "aarch64 neon",
    .gemv_f32 = neon_gemv_f32,
    .gemv_f16 = neon_gemv_f16,
    .gemv_s8 = neon_gemv_s8,
    .quantize_s8 = neon_quantize_s8,
    .sigmoid = neon_sigmoid,
    .tanh = neon_tanh,
    .exp = neon_exp,
};

const ek_kernels ek_dotprod_kernels = {
    .path = EK_PATH_AARCH64_DOTPROD,
    .name = "aarch64 neon+dotprod",
    .gemv_f32 = neon_gemv_f32,
    .gemv_f16 = neon_gemv_f16,
    .gemv_s8 = dotprod_gemv_s8,
    .packed_s8_size = sdot_packed_s8_size,
    .pack_s8 = sdot_pack_s8,
    .gemv_s8_packed = sdot_gemv_s8_packed,
    .quantize_s8 = neon_quantize_s8,
    .sigmoid = neon_sigmoid,
    .tanh = neon_tanh,
    .exp = neon_exp,
};

#endif  // __aarch64__
