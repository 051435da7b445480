// fp16-weight matrix-vector product, portable C (the reference; see MatrixVectorFloat32+Generic.c).
#include "KernelPaths.h"

void ek_generic_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * cols;
        float sum = 0.0f;
        for (size_t c = 0; c < cols; c++) sum += ek_half_to_float(row[c]) * x[c];
        y[r] = accumulate ? y[r] + sum : sum;
    }
}
