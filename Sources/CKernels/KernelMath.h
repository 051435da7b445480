// Constants and scalar helpers shared by every path (private to CKernels).
//
// The activation approximations, written once here and mirrored by the Swift twin
// (Kernels/VectorMath.swift):
//
//   e^t, t clamped to [-88, 88]:  n = roundeven(t · log2 e),  r = t − n·C1 − n·C2  (C1 + C2 = ln 2,
//       |r| ≤ ln2/2),  e^r ≈ 1 + r + r²·P(r) with P of degree 5 (Cephes' expf coefficients),
//       times 2^n built from exponent bits.  Relative error ≈ 2 ulp.
//   σ(v)    = 1 / (1 + e^(−v))
//   tanh(v) = sign(v) · ( |v| < 0.625 ? |v| + |v|·v²·Q(v²)          (Cephes' tanhf, degree 4)
//                                     : 1 − 2 / (e^(2·min(|v|, 9)) + 1) )
//   Absolute error of both below 3e-7 over all floats (measured in KernelsTests).
#ifndef EARSHOT_KERNEL_MATH_H
#define EARSHOT_KERNEL_MATH_H

#include <stdint.h>
#include <string.h>

// Products must round before they are added (the int8 rescale and the quantizer's rounding are
// specified that way, and bit-identical across paths). Clang honours this pragma; GCC builds are
// compiled with -ffp-contract=off (tools/ci/test_aarch64.sh).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#define EK_EXP_LIMIT 88.0f
#define EK_LOG2E 1.44269504088896341f
#define EK_LN2_HI 0.693359375f
#define EK_LN2_LO (-2.12194440e-4f)
#define EK_EXP_P0 1.9875691500e-4f
#define EK_EXP_P1 1.3981999507e-3f
#define EK_EXP_P2 8.3334519073e-3f
#define EK_EXP_P3 4.1665795894e-2f
#define EK_EXP_P4 1.6666665459e-1f
#define EK_EXP_P5 5.0000001201e-1f

#define EK_TANH_SMALL 0.625f
#define EK_TANH_LIMIT 9.0f
#define EK_TANH_Q0 (-5.70498872745e-3f)
#define EK_TANH_Q1 2.06390887954e-2f
#define EK_TANH_Q2 (-5.37397155531e-2f)
#define EK_TANH_Q3 1.33314422036e-1f
#define EK_TANH_Q4 (-3.33332819422e-1f)

/// 1.5 · 2^23: (v + EK_ROUND_MAGIC) − EK_ROUND_MAGIC rounds |v| < 2^22 to the nearest integer, ties to even.
#define EK_ROUND_MAGIC 12582912.0f

/// Bit pattern of 2^-100: a vector whose largest magnitude is below it quantizes to zero (so that
/// 127 / max never overflows).
#define EK_QUANTIZE_FLOOR_BITS 0x0d800000u

static inline float ek_bits_to_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline uint32_t ek_float_to_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

/// IEEE binary16 → binary32, exact (subnormals, ±∞ and NaN payloads included).
static inline float ek_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0x1f) return ek_bits_to_float(sign | 0x7f800000u | (mantissa << 13));
    if (exponent != 0) return ek_bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    // zero or subnormal: mantissa · 2^-24, exact in float
    float magnitude = (float)mantissa * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
}

/// e^t for t in [-88, 88] (not NaN), the polynomial above, scalar.
static inline float ek_exp_scalar(float t) {
    float n = (t * EK_LOG2E + EK_ROUND_MAGIC) - EK_ROUND_MAGIC;
    float r = t - n * EK_LN2_HI;
    r = r - n * EK_LN2_LO;
    float z = r * r;
    float p = EK_EXP_P0;
    p = p * r + EK_EXP_P1;
    p = p * r + EK_EXP_P2;
    p = p * r + EK_EXP_P3;
    p = p * r + EK_EXP_P4;
    p = p * r + EK_EXP_P5;
    float e = p * z + r + 1.0f;
    int32_t k = (int32_t)n;
    return e * ek_bits_to_float((uint32_t)(k + 127) << 23);
}

static inline float ek_sigmoid_scalar(float v) {
    if (v != v) return v;
    float t = -v;
    t = t > EK_EXP_LIMIT ? EK_EXP_LIMIT : t;
    t = t < -EK_EXP_LIMIT ? -EK_EXP_LIMIT : t;
    return 1.0f / (1.0f + ek_exp_scalar(t));
}

static inline float ek_exp_clamped_scalar(float v) {
    if (v != v) return v;
    v = v > EK_EXP_LIMIT ? EK_EXP_LIMIT : v;
    v = v < -EK_EXP_LIMIT ? -EK_EXP_LIMIT : v;
    return ek_exp_scalar(v);
}

static inline float ek_tanh_scalar(float v) {
    if (v != v) return v;
    float a = v < 0 ? -v : v;
    float s;
    if (a < EK_TANH_SMALL) {
        float z = v * v;
        float p = EK_TANH_Q0;
        p = p * z + EK_TANH_Q1;
        p = p * z + EK_TANH_Q2;
        p = p * z + EK_TANH_Q3;
        p = p * z + EK_TANH_Q4;
        s = a + a * z * p;
    } else {
        a = a > EK_TANH_LIMIT ? EK_TANH_LIMIT : a;
        s = 1.0f - 2.0f / (ek_exp_scalar(2.0f * a) + 1.0f);
    }
    return ek_bits_to_float(ek_float_to_bits(s) | (ek_float_to_bits(v) & 0x80000000u));
}

/// Rounds v (|v| < 2^22) to the nearest integer, ties to even, and clamps it to [-127, 127].
static inline int8_t ek_round_to_s8(float v) {
    float r = (v + EK_ROUND_MAGIC) - EK_ROUND_MAGIC;
    r = r > 127.0f ? 127.0f : r;
    r = r < -127.0f ? -127.0f : r;
    return (int8_t)(int32_t)r;
}

#endif  // EARSHOT_KERNEL_MATH_H
