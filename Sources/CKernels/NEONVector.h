// The dot-product target attribute and small vector helpers shared by the aarch64 kernel files
// (private to CKernels). NEON is part of every Armv8-A CPU; SDOT functions carry EK_DOTPROD and
// run only when Dispatch.c finds HWCAP_ASIMDDP.
#ifndef EARSHOT_NEON_VECTOR_H
#define EARSHOT_NEON_VECTOR_H

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

#endif  // __aarch64__
#endif  // EARSHOT_NEON_VECTOR_H
