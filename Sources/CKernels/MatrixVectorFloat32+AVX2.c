// fp32 matrix-vector product, x86-64 AVX2 + FMA: four rows at a time share each load of x; column
// tails use masked loads (never reading past a row's last element).
#include "KernelPaths.h"
#include "X86Vector.h"

#if defined(__x86_64__)

EK_AVX2 void ek_avx2_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y,
                              int accumulate) {
    const size_t c16 = cols & ~(size_t)15, c8 = cols & ~(size_t)7, rem = cols & 7;
    const __m256i mask = lane_mask(rem);
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            __m256 xa = _mm256_loadu_ps(x + c), xb = _mm256_loadu_ps(x + c + 8);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xa, a3);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), xb, b0);
            b1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c + 8), xb, b1);
            b2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c + 8), xb, b2);
            b3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c + 8), xb, b3);
        }
        if (c < c8) {
            __m256 xa = _mm256_loadu_ps(x + c);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xa, a3);
            c += 8;
        }
        if (rem) {
            __m256 xa = _mm256_maskload_ps(x + c, mask);
            b0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + c, mask), xa, b0);
            b1 = _mm256_fmadd_ps(_mm256_maskload_ps(w1 + c, mask), xa, b1);
            b2 = _mm256_fmadd_ps(_mm256_maskload_ps(w2 + c, mask), xa, b2);
            b3 = _mm256_fmadd_ps(_mm256_maskload_ps(w3 + c, mask), xa, b3);
        }
        __m128 s = sum4_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2),
                           _mm256_add_ps(a3, b3));
        if (accumulate) s = _mm_add_ps(_mm_loadu_ps(y + r), s);
        _mm_storeu_ps(y + r, s);
    }
    for (; r < rows; r++) {
        const float *w0 = w + r * cols;
        __m256 a0 = _mm256_setzero_ps(), b0 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), _mm256_loadu_ps(x + c), a0);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), _mm256_loadu_ps(x + c + 8), b0);
        }
        if (c < c8) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), _mm256_loadu_ps(x + c), a0);
            c += 8;
        }
        if (rem) b0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + c, mask), _mm256_maskload_ps(x + c, mask), b0);
        float s = sum_ps(_mm256_add_ps(a0, b0));
        y[r] = accumulate ? y[r] + s : s;
    }
}

#endif  // __x86_64__
