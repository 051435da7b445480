// int8 matrix-vector product on row-major weights, aarch64 NEON (widening multiplies, pairwise
// accumulate): the Raspberry Pi 4's path.
#include "KernelPaths.h"
#include "NEONVector.h"
#include "MatrixVectorInt8+AArch64.h"

#if defined(__aarch64__)

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

void ek_neon_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                     float x_scale, float *y, int accumulate) {
    EK_GEMV_S8_BODY(dot16_neon, dot8_neon)
}

#endif  // __aarch64__
