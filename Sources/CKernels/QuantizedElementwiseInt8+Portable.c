// TFLite's int8 ADD and MUL (see QuantizedKernels.h). Portable only: in microWakeWord v1 models
// these run on a few hundred values per step, far from the convolutions' cost.
#include "QuantizedRequantize.h"

static inline int8_t eq_add_one(const eq_elementwise_params *p, int32_t a, int32_t b) {
    // TFLite's left shift of 20 for 8-bit inputs keeps precision through the input rescaling.
    int32_t x = (a + p->input1_offset) * (1 << 20);
    int32_t y = (b + p->input2_offset) * (1 << 20);
    int32_t sx = eq_requantize(x, p->input1_multiplier, p->input1_shift, 0);
    int32_t sy = eq_requantize(y, p->input2_multiplier, p->input2_shift, 0);
    int32_t v = eq_requantize(sx + sy, p->output_multiplier, p->output_shift, 0) + p->output_offset;
    if (v < p->activation_min) v = p->activation_min;
    if (v > p->activation_max) v = p->activation_max;
    return (int8_t)v;
}

static inline int8_t eq_mul_one(const eq_elementwise_params *p, int32_t a, int32_t b) {
    int32_t product = (a + p->input1_offset) * (b + p->input2_offset);
    int32_t v = eq_requantize(product, p->output_multiplier, p->output_shift, 0) + p->output_offset;
    if (v < p->activation_min) v = p->activation_min;
    if (v > p->activation_max) v = p->activation_max;
    return (int8_t)v;
}

void eq_elementwise_s8(const eq_elementwise_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    const int32_t *n = p->shape, *s1 = p->stride1, *s2 = p->stride2;
    const int32_t add = p->kind == 0;
    for (int32_t i0 = 0; i0 < n[0]; i0++) {
        for (int32_t i1 = 0; i1 < n[1]; i1++) {
            for (int32_t i2 = 0; i2 < n[2]; i2++) {
                const int8_t *a = input1 + i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                const int8_t *b = input2 + i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                if (add) {
                    for (int32_t i3 = 0; i3 < n[3]; i3++) *output++ = eq_add_one(p, a[i3 * s1[3]], b[i3 * s2[3]]);
                } else {
                    for (int32_t i3 = 0; i3 < n[3]; i3++) *output++ = eq_mul_one(p, a[i3 * s1[3]], b[i3 * s2[3]]);
                }
            }
        }
    }
}
