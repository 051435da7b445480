// fp32 matrix-vector product, aarch64 NEON: four rows at a time share each load of x; column
// tails go 4 wide, then scalar, never reading past a row's end.
#include "KernelPaths.h"
#include "NEONVector.h"

#if defined(__aarch64__)

void ek_neon_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
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

#endif  // __aarch64__
