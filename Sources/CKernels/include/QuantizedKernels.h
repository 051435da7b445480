// Integer kernels that reproduce TensorFlow Lite's int8 arithmetic bit for bit (imported models).
// Portable C twin: Sources/CKernels/QuantizedConvInt8+Portable.c; AVX2 / NEON variants
// (QuantizedConvInt8+AVX2.c, +NEON.c) give identical results, picked by QuantizedDispatch.c. Layouts are TFLite's
// NHWC with batch 1; filters: convolution [O, KH, KW, I], depthwise [KH, KW, O], fully connected
// [O, I]. Requantization per output channel: acc (int32, with bias) ->
// MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + output_zero_point, clamped to the
// activation range; `rounding_upward` selects TFLite's optimized depthwise / fully-connected
// rounding of the final power-of-two division (half up) instead of half away from zero.
#ifndef EARSHOT_QUANTIZED_KERNELS_H
#define EARSHOT_QUANTIZED_KERNELS_H
#include <stdint.h>

typedef struct {
    int32_t kind; // 0 convolution, 1 depthwise, 2 fully connected
    int32_t input_height, input_width, input_channels;
    int32_t output_height, output_width, output_channels;
    int32_t kernel_height, kernel_width, stride_height, stride_width;
    int32_t dilation_height, dilation_width, pad_top, pad_left, depth_multiplier;
    int32_t input_offset, output_zero_point, activation_min, activation_max;
    int32_t rounding_upward;
    const int8_t *weights;
    const int32_t *bias, *multipliers, *shifts;
} eq_conv_params;

/// Runs one CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED. Taps outside the input are skipped
/// (TFLite's zero padding in the input's offset domain).
void eq_conv_s8_portable(const eq_conv_params *p, const int8_t *input, int8_t *output);

/// A convolution kernel of one path (same contract as `eq_conv_s8_portable`).
typedef void (*eq_conv_s8_fn)(const eq_conv_params *p, const int8_t *input, int8_t *output);

/// The convolution of kernel path `path` (an `ek_path` value), or NULL when this CPU or build lacks it.
eq_conv_s8_fn eq_conv_s8_for_path(int32_t path);

/// The convolution of the fastest path this CPU has (the same path as `ek_kernels_best`).
eq_conv_s8_fn eq_conv_s8_best(void);

/// TFLite's MultiplyByQuantizedMultiplier (double rounding: SaturatingRoundingDoublingHighMul,
/// then RoundingDivideByPOT, or a half-up shift when `upward`).
int32_t eq_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift, int32_t upward);

/// TFLite's int8 ADD and MUL over 4-D shapes with broadcasting (each input's element stride per
/// output axis, 0 on a broadcast axis). ADD: each input, offset by its -zero point and shifted
/// left by 20, is scaled by its multiplier (at most 1/2), the sum by the output multiplier. MUL:
/// the product of the offset inputs is scaled by the output multiplier. Then + output offset,
/// clamped to the activation range. Every scaling is MultiplyByQuantizedMultiplier with
/// RoundingDivideByPOT, as TFLite's reference and optimized int8 kernels compute it.
typedef struct {
    int32_t kind; // 0 add, 1 mul
    int32_t shape[4];
    int32_t stride1[4], stride2[4];
    int32_t input1_offset, input2_offset, output_offset;
    int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t activation_min, activation_max;
} eq_elementwise_params;

/// Runs one ADD or MUL (portable C; the loops are short in wake-word models).
void eq_elementwise_s8(const eq_elementwise_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
