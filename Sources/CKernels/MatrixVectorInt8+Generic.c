// int8 matrix-vector product on row-major weights, portable C: the reference every int8 path must
// match bit for bit.
#include "KernelPaths.h"

void ek_generic_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                        const int8_t *qx, float x_scale, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const int8_t *row = w + r * cols;
        int32_t sum = 0;
        for (size_t c = 0; c < cols; c++) sum += (int32_t)row[c] * (int32_t)qx[c];
        float scale = row_scales[r] * x_scale;
        float value = (float)sum * scale;
        y[r] = accumulate ? y[r] + value : value;
    }
}
