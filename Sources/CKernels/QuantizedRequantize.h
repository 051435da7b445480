// TFLite's per-channel requantization, shared by every path of the int8 convolutions (private to
// CKernels) so the SIMD paths finish each output exactly as the portable twin does.
#ifndef EARSHOT_QUANTIZED_REQUANTIZE_H
#define EARSHOT_QUANTIZED_REQUANTIZE_H
#include "QuantizedKernels.h"

// Formulas follow TFLite's documented reference arithmetic (gemmlowp's
// SaturatingRoundingDoublingHighMul and RoundingDivideByPOT).
static inline int32_t eq_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    // C division truncates toward zero, as gemmlowp relies on.
    return (int32_t)((ab + nudge) / (1LL << 31));
}

static inline int32_t eq_rounding_divide_by_pot(int32_t x, int32_t exponent) {
    int32_t mask = (int32_t)((1LL << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/// TFLite's MultiplyByQuantizedMultiplier (inline here so every path's finish is one loop body).
static inline int32_t eq_requantize(int32_t x, int32_t multiplier, int32_t shift, int32_t upward) {
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int32_t high = eq_srdhm((int32_t)((uint32_t)x << left), multiplier);
    if (upward) {
        int32_t offset = right > 0 ? (int32_t)(1 << (right - 1)) : 0;
        return (int32_t)(((int64_t)high + offset) >> right);
    }
    return eq_rounding_divide_by_pot(high, right);
}

/// One output: acc (int32, bias included) requantized to channel `c`'s int8 value.
static inline int8_t eq_finish(const eq_conv_params *p, int32_t acc, int32_t c) {
    // TFLite's optimized depthwise kernel rounds half up in its 8-channel blocks and half away
    // from zero in the scalar tail (channels past the last multiple of 8), as measured.
    int32_t upward = p->rounding_upward && (p->kind != 1 || c < p->output_channels / 8 * 8);
    int32_t v = eq_requantize(acc, p->multipliers[c], p->shifts[c], upward);
    v += p->output_zero_point;
    if (v < p->activation_min) v = p->activation_min;
    if (v > p->activation_max) v = p->activation_max;
    return (int8_t)v;
}

/// True when every tap of every output lies inside the input (no padding to skip) and the
/// depthwise multiplier is 1: the shapes the SIMD paths handle (microWakeWord's streaming layers).
static inline int eq_simd_shape(const eq_conv_params *p) {
    if (p->kind == 2) return 1;
    if (p->kind == 1 && p->depth_multiplier != 1) return 0;
    if (p->pad_top != 0 || p->pad_left != 0) return 0;
    int32_t last_y = (p->output_height - 1) * p->stride_height + (p->kernel_height - 1) * p->dilation_height;
    int32_t last_x = (p->output_width - 1) * p->stride_width + (p->kernel_width - 1) * p->dilation_width;
    return last_y < p->input_height && last_x < p->input_width;
}
#endif
