// Portable int8 convolutions with TFLite's fixed-point requantization (see QuantizedKernels.h and
// QuantizedRequantize.h): the reference every SIMD path is tested against.
#include "QuantizedRequantize.h"

int32_t eq_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift, int32_t upward) {
    return eq_requantize(x, multiplier, shift, upward);
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
