// Portable int8 convolutions with TFLite's fixed-point requantization (see QuantizedKernels.h).
// Formulas follow TFLite's documented reference arithmetic (gemmlowp's SaturatingRoundingDoublingHighMul
// and RoundingDivideByPOT).
#include "QuantizedRequantize.h"

static inline int32_t srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    // C division truncates toward zero, as gemmlowp relies on.
    return (int32_t)((ab + nudge) / (1LL << 31));
}

static inline int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
    int32_t mask = (int32_t)((1LL << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t eq_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift, int32_t upward) {
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int32_t high = srdhm((int32_t)((uint32_t)x << left), multiplier);
    if (upward) {
        int32_t offset = right > 0 ? (int32_t)(1 << (right - 1)) : 0;
        return (int32_t)(((int64_t)high + offset) >> right);
    }
    return rounding_divide_by_pot(high, right);
}

void eq_conv_s8_portable(const eq_conv_params *p, const int8_t *input, int8_t *output) {
    const int32_t ih = p->input_height, iw = p->input_width, ic = p->input_channels;
    const int32_t oc = p->output_channels, off = p->input_offset;
    if (p->kind == 2) {
        const int32_t n = ih * iw * ic;
        for (int32_t o = 0; o < oc; o++) {
            const int8_t *w = p->weights + (int64_t)o * n;
            int32_t acc = 0;
            for (int32_t i = 0; i < n; i++) acc += ((int32_t)input[i] + off) * (int32_t)w[i];
            output[o] = eq_finish(p, acc + p->bias[o], o);
        }
        return;
    }
    const int32_t kh = p->kernel_height, kw = p->kernel_width;
    for (int32_t oy = 0; oy < p->output_height; oy++) {
        for (int32_t ox = 0; ox < p->output_width; ox++) {
            const int32_t y0 = oy * p->stride_height - p->pad_top;
            const int32_t x0 = ox * p->stride_width - p->pad_left;
            int8_t *out = output + ((int64_t)oy * p->output_width + ox) * oc;
            if (p->kind == 1) {
                const int32_t dm = p->depth_multiplier;
                for (int32_t c = 0; c < oc; c++) {
                    const int32_t ci = c / dm;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < kh; ky++) {
                        const int32_t y = y0 + ky * p->dilation_height;
                        if (y < 0 || y >= ih) continue;
                        for (int32_t kx = 0; kx < kw; kx++) {
                            const int32_t x = x0 + kx * p->dilation_width;
                            if (x < 0 || x >= iw) continue;
                            acc += ((int32_t)input[((int64_t)y * iw + x) * ic + ci] + off)
                                * (int32_t)p->weights[((int64_t)ky * kw + kx) * oc + c];
                        }
                    }
                    out[c] = eq_finish(p, acc + p->bias[c], c);
                }
            } else {
                for (int32_t o = 0; o < oc; o++) {
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < kh; ky++) {
                        const int32_t y = y0 + ky * p->dilation_height;
                        if (y < 0 || y >= ih) continue;
                        for (int32_t kx = 0; kx < kw; kx++) {
                            const int32_t x = x0 + kx * p->dilation_width;
                            if (x < 0 || x >= iw) continue;
                            const int8_t *in = input + ((int64_t)y * iw + x) * ic;
                            const int8_t *w = p->weights + (((int64_t)o * kh + ky) * kw + kx) * ic;
                            for (int32_t i = 0; i < ic; i++) acc += ((int32_t)in[i] + off) * (int32_t)w[i];
                        }
                    }
                    out[o] = eq_finish(p, acc + p->bias[o], o);
                }
            }
        }
    }
}
