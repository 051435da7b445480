// TFLite's per-channel requantization, shared by every path of the int8 convolutions (private to
// CKernels) so the SIMD paths finish each output exactly as the portable twin does.
#ifndef EARSHOT_QUANTIZED_REQUANTIZE_H
#define EARSHOT_QUANTIZED_REQUANTIZE_H
#include "QuantizedKernels.h"

/// One output: acc (int32, bias included) requantized to channel `c`'s int8 value.
static inline int8_t eq_finish(const eq_conv_params *p, int32_t acc, int32_t c) {
    // TFLite's optimized depthwise kernel rounds half up in its 8-channel blocks and half away
    // from zero in the scalar tail (channels past the last multiple of 8), as measured.
    int32_t upward = p->rounding_upward && (p->kind != 1 || c < p->output_channels / 8 * 8);
    int32_t v = eq_multiply_by_quantized_multiplier(acc, p->multipliers[c], p->shifts[c], upward);
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
