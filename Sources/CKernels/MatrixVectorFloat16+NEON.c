// fp16-weight matrix-vector product, aarch64 NEON (FCVTL widens four halves at a time).
#include "KernelPaths.h"
#include "NEONVector.h"

#if defined(__aarch64__)

static inline float32x4_t half4(const uint16_t *p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

void ek_neon_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
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

#endif  // __aarch64__
