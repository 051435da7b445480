// fp32 matrix-vector product, portable C: the reference the SIMD paths are tested against
// (tools/ci/test_aarch64.sh, KernelsTests) and the fallback on CPUs without them. Straightforward
// loops on purpose: correctness first, speed comes from the other paths.
#include "KernelPaths.h"

void ek_generic_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = w + r * cols;
        float sum = 0.0f;
        for (size_t c = 0; c < cols; c++) sum += row[c] * x[c];
        y[r] = accumulate ? y[r] + sum : sum;
    }
}
