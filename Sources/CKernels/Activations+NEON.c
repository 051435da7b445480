// σ, tanh and e^v in place, four lanes, aarch64 NEON (the polynomials of KernelMath.h).
#include "KernelPaths.h"
#include "NEONVector.h"

#if defined(__aarch64__)

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

void ek_neon_sigmoid(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) vst1q_f32(y + i, sigmoid4(vld1q_f32(y + i)));
    for (; i < count; i++) y[i] = ek_sigmoid_scalar(y[i]);
}

void ek_neon_exp(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        float32x4_t v = vld1q_f32(y + i);
        v = vmaxq_f32(vminq_f32(v, vdupq_n_f32(EK_EXP_LIMIT)), vdupq_n_f32(-EK_EXP_LIMIT));
        vst1q_f32(y + i, exp4(v));
    }
    for (; i < count; i++) y[i] = ek_exp_clamped_scalar(y[i]);
}

void ek_neon_tanh(float *y, size_t count) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) vst1q_f32(y + i, tanh4(vld1q_f32(y + i)));
    for (; i < count; i++) y[i] = ek_tanh_scalar(y[i]);
}

#endif  // __aarch64__
