// Int8 convolutions with TFLite's requantization, x86-64 AVX2: int32 accumulation with
// VPMADDWD on (input + offset, weight) int16 pairs (exact: |(x+off)·w| <= 255·128, two per lane),
// then the portable twin's per-channel requantization (QuantizedRequantize.h), so results are
// identical. Shapes with padding or a depth multiplier above 1 go to the portable twin.
#include "QuantizedRequantize.h"
#include "X86Vector.h"

#if defined(__x86_64__)

/// eq_finish for channels c..c+7 at once, all with the same rounding (`upward`), stored as int8.
/// SaturatingRoundingDoublingHighMul: (a·b + nudge) / 2^31 truncated equals (a·b + 2^30) >> 31
/// (floor) for either sign of a·b; its saturating case (a = b = INT32_MIN) cannot occur because
/// multipliers are positive. Half-up division by 2^r: (h >> r) + bit r-1 of h (no overflow).
EK_AVX2 static inline void finish8(const eq_conv_params *p, __m256i acc, int32_t c, int32_t upward, int8_t *out) {
    const __m256i shift = _mm256_loadu_si256((const __m256i *)(p->shifts + c));
    const __m256i multiplier = _mm256_loadu_si256((const __m256i *)(p->multipliers + c));
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
    const __m256i left = _mm256_max_epi32(shift, zero), right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
    const __m256i x = _mm256_sllv_epi32(acc, left);
    const __m256i nudge = _mm256_set1_epi64x(1LL << 30);
    __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, multiplier), nudge);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(multiplier, 32)), nudge);
    even = _mm256_srli_epi64(even, 31);  // the low 32 bits are the arithmetic shift's
    odd = _mm256_slli_epi64(_mm256_srli_epi64(odd, 31), 32);
    const __m256i high = _mm256_blend_epi32(even, odd, 0xaa);
    __m256i v;
    if (upward) {
        const __m256i positive = _mm256_cmpgt_epi32(right, zero);
        const __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(high, _mm256_sub_epi32(right, one)), one);
        v = _mm256_add_epi32(_mm256_srav_epi32(high, right), _mm256_and_si256(bit, positive));
    } else {
        const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
        const __m256i remainder = _mm256_and_si256(high, mask);
        const __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(zero, high));
        v = _mm256_sub_epi32(_mm256_srav_epi32(high, right), _mm256_cmpgt_epi32(remainder, threshold));
    }
    v = _mm256_add_epi32(v, _mm256_set1_epi32(p->output_zero_point));
    v = _mm256_max_epi32(v, _mm256_set1_epi32(p->activation_min));
    v = _mm256_min_epi32(v, _mm256_set1_epi32(p->activation_max));
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)out, _mm_packs_epi16(words, words));
}

/// Σ (in[i] + off) · w[i] over n values.
EK_AVX2 static inline int32_t dot_offset(const int8_t *in, const int8_t *w, int32_t n, int32_t off) {
    const __m256i off16 = _mm256_set1_epi16((int16_t)off);
    __m256i acc = _mm256_setzero_si256();
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i a = _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(in + i))), off16);
        __m256i b = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
    }
    __m128i acc4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    if (i + 8 <= n) {
        __m128i a = _mm_add_epi16(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(in + i))),
                                  _mm256_castsi256_si128(off16));
        __m128i b = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(w + i)));
        acc4 = _mm_add_epi32(acc4, _mm_madd_epi16(a, b));
        i += 8;
    }
    acc4 = _mm_add_epi32(acc4, _mm_shuffle_epi32(acc4, 0x4e));
    acc4 = _mm_add_epi32(acc4, _mm_shuffle_epi32(acc4, 0xb1));
    int32_t sum = _mm_cvtsi128_si32(acc4);
    for (; i < n; i++) sum += ((int32_t)in[i] + off) * (int32_t)w[i];
    return sum;
}

/// Σ (in[i] + off) · w[r·n + i] for rows r = 0..3 at once (the input widened once), into sums[r].
EK_AVX2 static inline void dot4_offset(const int8_t *in, const int8_t *w, int32_t n, int32_t off, int32_t sums[4]) {
    const __m256i off16 = _mm256_set1_epi16((int16_t)off);
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i x = _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(in + i))), off16);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + i)))));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + n + i)))));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 2 * n + i)))));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 3 * n + i)))));
    }
    _mm_storeu_si128((__m128i *)sums, sum4_epi32(a0, a1, a2, a3));
    for (; i < n; i++) {
        const int32_t x = (int32_t)in[i] + off;
        sums[0] += x * (int32_t)w[i];
        sums[1] += x * (int32_t)w[n + i];
        sums[2] += x * (int32_t)w[2 * n + i];
        sums[3] += x * (int32_t)w[3 * n + i];
    }
}

/// Depthwise (multiplier 1) at one output position: 8 channels at a time, taps outer.
EK_AVX2 static void depthwise_position(const eq_conv_params *p, const int8_t *input, int32_t y0, int32_t x0,
                                       int8_t *out) {
    const int32_t oc = p->output_channels, iw = p->input_width, kh = p->kernel_height, kw = p->kernel_width;
    const __m256i off = _mm256_set1_epi32(p->input_offset);
    int32_t c = 0;
    for (; c + 8 <= oc; c += 8) {
        __m256i acc = _mm256_loadu_si256((const __m256i *)(p->bias + c));
        for (int32_t ky = 0; ky < kh; ky++) {
            const int32_t y = y0 + ky * p->dilation_height;
            for (int32_t kx = 0; kx < kw; kx++) {
                const int32_t x = x0 + kx * p->dilation_width;
                const int8_t *in = input + ((int64_t)y * iw + x) * oc + c;
                const int8_t *w = p->weights + ((int64_t)ky * kw + kx) * oc + c;
                __m256i a = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)in)), off);
                __m256i b = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)w));
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(a, b));
            }
        }
        finish8(p, acc, c, p->rounding_upward, out + c);
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

/// Every output channel o: finish(bias[o] + Σ (in[i] + off) · weights[o·n + i]), four rows at a time.
EK_AVX2 static void rows_dot(const eq_conv_params *p, const int8_t *in, int32_t n, int8_t *out) {
    const int32_t oc = p->output_channels, off = p->input_offset;
    int32_t o = 0;
    int32_t sums[8];
    for (; o + 8 <= oc; o += 8) {
        dot4_offset(in, p->weights + (int64_t)o * n, n, off, sums);
        dot4_offset(in, p->weights + (int64_t)(o + 4) * n, n, off, sums + 4);
        __m256i acc = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)sums),
                                       _mm256_loadu_si256((const __m256i *)(p->bias + o)));
        // Convolution and fully connected round the same way in every channel.
        finish8(p, acc, o, p->rounding_upward, out + o);
    }
    for (; o + 4 <= oc; o += 4) {
        dot4_offset(in, p->weights + (int64_t)o * n, n, off, sums);
        for (int32_t j = 0; j < 4; j++) out[o + j] = eq_finish(p, sums[j] + p->bias[o + j], o + j);
    }
    for (; o < oc; o++) out[o] = eq_finish(p, dot_offset(in, p->weights + (int64_t)o * n, n, off) + p->bias[o], o);
}

EK_AVX2 void eq_conv_s8_avx2(const eq_conv_params *p, const int8_t *input, int8_t *output) {
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

#endif  // __x86_64__
