// Int8 convolutions with TFLite's requantization, aarch64 NEON: int32 accumulation with
// SMLAL on (input + offset, weight) int16 values (exact), then the portable twin's per-channel
// requantization (QuantizedRequantize.h), so results are identical. Shapes with padding or a
// depth multiplier above 1 go to the portable twin.
#include "QuantizedRequantize.h"
#include "NEONVector.h"

#if defined(__aarch64__)

/// eq_finish of four channels from c: SQRDMULH is exactly SaturatingRoundingDoublingHighMul;
/// the power-of-two division is a rounding shift (half up) or RoundingDivideByPOT's remainder
/// test (half away from zero).
static inline int32x4_t finish4(const eq_conv_params *p, int32x4_t acc, int32_t c, int32_t upward) {
    const int32x4_t shift = vld1q_s32(p->shifts + c), zero = vdupq_n_s32(0), one = vdupq_n_s32(1);
    const int32x4_t left = vmaxq_s32(shift, zero), right = vmaxq_s32(vnegq_s32(shift), zero);
    const int32x4_t high = vqrdmulhq_s32(vshlq_s32(acc, left), vld1q_s32(p->multipliers + c));
    int32x4_t v;
    if (upward) {
        v = vrshlq_s32(high, vnegq_s32(right));
    } else {
        const int32x4_t mask = vsubq_s32(vshlq_s32(one, right), one);
        const int32x4_t remainder = vandq_s32(high, mask);
        const int32x4_t threshold = vsubq_s32(vshrq_n_s32(mask, 1), vreinterpretq_s32_u32(vcltq_s32(high, zero)));
        v = vsubq_s32(vshlq_s32(high, vnegq_s32(right)), vreinterpretq_s32_u32(vcgtq_s32(remainder, threshold)));
    }
    v = vaddq_s32(v, vdupq_n_s32(p->output_zero_point));
    v = vmaxq_s32(v, vdupq_n_s32(p->activation_min));
    return vminq_s32(v, vdupq_n_s32(p->activation_max));
}

/// Eight channels from c finished (same rounding for all) and stored as int8.
static inline void finish8(const eq_conv_params *p, int32x4_t a, int32x4_t b, int32_t c, int32_t upward, int8_t *out) {
    const int16x8_t words = vcombine_s16(vqmovn_s32(finish4(p, a, c, upward)), vqmovn_s32(finish4(p, b, c + 4, upward)));
    vst1_s8(out, vqmovn_s16(words));
}

/// Σ (in[i] + off) · w[i] over n values.
static inline int32_t dot_offset(const int8_t *in, const int8_t *w, int32_t n, int32_t off) {
    const int16x8_t off16 = vdupq_n_s16((int16_t)off);
    int32x4_t acc0 = vdupq_n_s32(0), acc1 = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t a = vaddq_s16(vmovl_s8(vld1_s8(in + i)), off16);
        int16x8_t b = vmovl_s8(vld1_s8(w + i));
        acc0 = vmlal_s16(acc0, vget_low_s16(a), vget_low_s16(b));
        acc1 = vmlal_high_s16(acc1, a, b);
    }
    int32_t sum = vaddvq_s32(vaddq_s32(acc0, acc1));
    for (; i < n; i++) sum += ((int32_t)in[i] + off) * (int32_t)w[i];
    return sum;
}

/// Σ (in[i] + off) · w[r·n + i] for rows r = 0..3 at once (the input widened once), into sums[r].
static inline void dot4_offset(const int8_t *in, const int8_t *w, int32_t n, int32_t off, int32_t sums[4]) {
    const int16x8_t off16 = vdupq_n_s16((int16_t)off);
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const int16x8_t x = vaddq_s16(vmovl_s8(vld1_s8(in + i)), off16);
        const int16x8_t w0 = vmovl_s8(vld1_s8(w + i)), w1 = vmovl_s8(vld1_s8(w + n + i));
        const int16x8_t w2 = vmovl_s8(vld1_s8(w + 2 * n + i)), w3 = vmovl_s8(vld1_s8(w + 3 * n + i));
        a0 = vmlal_high_s16(vmlal_s16(a0, vget_low_s16(x), vget_low_s16(w0)), x, w0);
        a1 = vmlal_high_s16(vmlal_s16(a1, vget_low_s16(x), vget_low_s16(w1)), x, w1);
        a2 = vmlal_high_s16(vmlal_s16(a2, vget_low_s16(x), vget_low_s16(w2)), x, w2);
        a3 = vmlal_high_s16(vmlal_s16(a3, vget_low_s16(x), vget_low_s16(w3)), x, w3);
    }
    sums[0] = vaddvq_s32(a0);
    sums[1] = vaddvq_s32(a1);
    sums[2] = vaddvq_s32(a2);
    sums[3] = vaddvq_s32(a3);
    for (; i < n; i++) {
        const int32_t x = (int32_t)in[i] + off;
        sums[0] += x * (int32_t)w[i];
        sums[1] += x * (int32_t)w[n + i];
        sums[2] += x * (int32_t)w[2 * n + i];
        sums[3] += x * (int32_t)w[3 * n + i];
    }
}

/// Every output channel o: finish(bias[o] + Σ (in[i] + off) · weights[o·n + i]), four rows at a time.
static void rows_dot(const eq_conv_params *p, const int8_t *in, int32_t n, int8_t *out) {
    const int32_t oc = p->output_channels, off = p->input_offset;
    int32_t o = 0;
    int32_t sums[8];
    for (; o + 8 <= oc; o += 8) {
        dot4_offset(in, p->weights + (int64_t)o * n, n, off, sums);
        dot4_offset(in, p->weights + (int64_t)(o + 4) * n, n, off, sums + 4);
        // Convolution and fully connected round the same way in every channel.
        finish8(p, vaddq_s32(vld1q_s32(sums), vld1q_s32(p->bias + o)), vaddq_s32(vld1q_s32(sums + 4), vld1q_s32(p->bias + o + 4)),
                o, p->rounding_upward, out + o);
    }
    for (; o + 4 <= oc; o += 4) {
        dot4_offset(in, p->weights + (int64_t)o * n, n, off, sums);
        for (int32_t j = 0; j < 4; j++) out[o + j] = eq_finish(p, sums[j] + p->bias[o + j], o + j);
    }
    for (; o < oc; o++) out[o] = eq_finish(p, dot_offset(in, p->weights + (int64_t)o * n, n, off) + p->bias[o], o);
}

/// Depthwise (multiplier 1) at one output position: 8 channels at a time, taps outer.
static void depthwise_position(const eq_conv_params *p, const int8_t *input, int32_t y0, int32_t x0, int8_t *out) {
    const int32_t oc = p->output_channels, iw = p->input_width, kh = p->kernel_height, kw = p->kernel_width;
    const int16x8_t off = vdupq_n_s16((int16_t)p->input_offset);
    int32_t c = 0;
    for (; c + 8 <= oc; c += 8) {
        int32x4_t acc0 = vld1q_s32(p->bias + c), acc1 = vld1q_s32(p->bias + c + 4);
        for (int32_t ky = 0; ky < kh; ky++) {
            const int32_t y = y0 + ky * p->dilation_height;
            for (int32_t kx = 0; kx < kw; kx++) {
                const int32_t x = x0 + kx * p->dilation_width;
                int16x8_t a = vaddq_s16(vmovl_s8(vld1_s8(input + ((int64_t)y * iw + x) * oc + c)), off);
                int16x8_t b = vmovl_s8(vld1_s8(p->weights + ((int64_t)ky * kw + kx) * oc + c));
                acc0 = vmlal_s16(acc0, vget_low_s16(a), vget_low_s16(b));
                acc1 = vmlal_high_s16(acc1, a, b);
            }
        }
        finish8(p, acc0, acc1, c, p->rounding_upward, out + c);
    }
    for (; c < oc; c++) {
        int32_t acc = p->bias[c];
        for (int32_t ky = 0; ky < kh; ky++) {
            const int32_t y = y0 + ky * p->dilation_height;
            for (int32_t kx = 0; kx < kw; kx++) {
                const int32_t x = x0 + kx * p->dilation_width;
                acc += ((int32_t)input[((int64_t)y * iw + x) * oc + c] + p->input_offset)
                    * (int32_t)p->weights[((int64_t)ky * kw + kx) * oc + c];
            }
        }
        out[c] = eq_finish(p, acc, c);
    }
}

void eq_conv_s8_neon(const eq_conv_params *p, const int8_t *input, int8_t *output) {
    if (!eq_simd_shape(p)) {
        eq_conv_s8_portable(p, input, output);
        return;
    }
    const int32_t ih = p->input_height, iw = p->input_width, ic = p->input_channels;
    const int32_t oc = p->output_channels, off = p->input_offset;
    if (p->kind == 2) {
        rows_dot(p, input, ih * iw * ic, output);
        return;
    }
    const int32_t kh = p->kernel_height, kw = p->kernel_width;
    // Whole input rows under the kernel with no row gaps: the receptive field is one contiguous span.
    const int contiguous = kw == iw && p->dilation_height == 1;
    for (int32_t oy = 0; oy < p->output_height; oy++) {
        for (int32_t ox = 0; ox < p->output_width; ox++) {
            const int32_t y0 = oy * p->stride_height, x0 = ox * p->stride_width;
            int8_t *out = output + ((int64_t)oy * p->output_width + ox) * oc;
            if (p->kind == 1) {
                depthwise_position(p, input, y0, x0, out);
                continue;
            }
            const int8_t *base = input + ((int64_t)y0 * iw + x0) * ic;
            const int32_t n = kh * kw * ic;
            if (contiguous) {
                rows_dot(p, base, n, out);
                continue;
            }
            for (int32_t o = 0; o < oc; o++) {
                const int8_t *w = p->weights + (int64_t)o * n;
                int32_t acc = p->bias[o];
                if (contiguous) {
                    acc += dot_offset(base, w, n, off);
                } else {
                    for (int32_t ky = 0; ky < kh; ky++)
                        for (int32_t kx = 0; kx < kw; kx++)
                            acc += dot_offset(base + ((int64_t)ky * p->dilation_height * iw + kx * p->dilation_width) * ic,
                                              w + ((int64_t)ky * kw + kx) * ic, ic, off);
                }
                out[o] = eq_finish(p, acc, o);
            }
        }
    }
}

#endif  // __aarch64__
