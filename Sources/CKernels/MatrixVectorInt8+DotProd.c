// int8 matrix-vector product on row-major weights, aarch64 NEON + SDOT (FEAT_DotProd, e.g. the
// Raspberry Pi 5's Cortex-A76), compiled for that extension only.
#include "KernelPaths.h"
#include "NEONVector.h"
#include "MatrixVectorInt8+AArch64.h"

#if defined(__aarch64__)

EK_DOTPROD static inline int32x4_t dot16_sdot(int32x4_t acc, int8x16_t wv, int8x16_t xv) {
    return vdotq_s32(acc, wv, xv);
}

/// 8 lanes with SDOT: the 64-bit form sums into two int32 lanes, widened into the low half.
EK_DOTPROD static inline int32x4_t dot8_sdot(int32x4_t acc, int8x8_t wv, int8x8_t xv) {
    return vaddq_s32(acc, vcombine_s32(vdot_s32(vdup_n_s32(0), wv, xv), vdup_n_s32(0)));
}

EK_DOTPROD void ek_dotprod_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                                   const int8_t *qx, float x_scale, float *y, int accumulate) {
    EK_GEMV_S8_BODY(dot16_sdot, dot8_sdot)
}

#endif  // __aarch64__
