// Symmetric dynamic int8 quantization of a vector, aarch64 NEON.
#include "KernelPaths.h"
#include "NEONVector.h"

#if defined(__aarch64__)

float ek_neon_quantize_s8(const float *x, size_t count, int8_t *q) {
    uint32x4_t m4 = vdupq_n_u32(0);
    const uint32x4_t magnitude = vdupq_n_u32(0x7fffffffu);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) m4 = vmaxq_u32(m4, vandq_u32(vld1q_u32((const uint32_t *)(x + i)), magnitude));
    uint32_t maximum = vmaxvq_u32(m4);
    for (; i < count; i++) {
        uint32_t bits = ek_float_to_bits(x[i]) & 0x7fffffffu;
        maximum = bits > maximum ? bits : maximum;
    }
    if (maximum < EK_QUANTIZE_FLOOR_BITS || maximum >= 0x7f800000u) {
        memset(q, 0, count);
        return maximum < 0x7f800000u ? 0.0f : ek_bits_to_float(0x7fc00000u);
    }
    float m = ek_bits_to_float(maximum);
    float inverse = 127.0f / m;
    const float32x4_t inv4 = vdupq_n_f32(inverse);
    const int8x16_t lower = vdupq_n_s8(-127);
    i = 0;
    for (; i + 16 <= count; i += 16) {
        // FCVTNS: round to nearest, ties to even.
        int32x4_t i0 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i), inv4));
        int32x4_t i1 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 4), inv4));
        int32x4_t i2 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 8), inv4));
        int32x4_t i3 = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 12), inv4));
        int16x8_t h0 = vcombine_s16(vqmovn_s32(i0), vqmovn_s32(i1));
        int16x8_t h1 = vcombine_s16(vqmovn_s32(i2), vqmovn_s32(i3));
        int8x16_t b = vcombine_s8(vqmovn_s16(h0), vqmovn_s16(h1));
        vst1q_s8(q + i, vmaxq_s8(b, lower));
    }
    for (; i < count; i++) {
        float v = x[i] * inverse;
        q[i] = ek_round_to_s8(v);
    }
    return m / 127.0f;
}

#endif  // __aarch64__
