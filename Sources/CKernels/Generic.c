// The portable kernels: plain C for the baseline ISA. They are the reference the SIMD paths are
// tested against (tools/test_aarch64.sh, KernelsTests) and the fallback on CPUs without them.
// Straightforward loops on purpose: correctness first, speed comes from the other paths.
#include "CKernels.h"
#include "KernelMath.h"

void ek_generic_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = w + r * cols;
        float sum = 0.0f;
        for (size_t c = 0; c < cols; c++) sum += row[c] * x[c];
        y[r] = accumulate ? y[r] + sum : sum;
    }
}

void ek_generic_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * cols;
        float sum = 0.0f;
        for (size_t c = 0; c < cols; c++) sum += ek_half_to_float(row[c]) * x[c];
        y[r] = accumulate ? y[r] + sum : sum;
    }
}

void ek_generic_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                        const int8_t *qx, float x_scale, float *y, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        const int8_t *row = w + r * cols;
        int32_t sum = 0;
        for (size_t c = 0; c < cols; c++) sum += (int32_t)row[c] * (int32_t)qx[c];
        float scale = row_scales[r] * x_scale;
        float value = (float)sum * scale;
        y[r] = accumulate ? y[r] + value : value;
    }
}

float ek_generic_quantize_s8(const float *x, size_t count, int8_t *q) {
    // max |x| on the bit patterns: for non-negative floats integer order is float order, and
    // every NaN or infinity is above every finite value.
    uint32_t maximum = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = ek_float_to_bits(x[i]) & 0x7fffffffu;
        maximum = bits > maximum ? bits : maximum;
    }
    if (maximum < EK_QUANTIZE_FLOOR_BITS || maximum >= 0x7f800000u) {
        for (size_t i = 0; i < count; i++) q[i] = 0;
        return maximum < 0x7f800000u ? 0.0f : ek_bits_to_float(0x7fc00000u);
    }
    float m = ek_bits_to_float(maximum);
    float inverse = 127.0f / m;
    for (size_t i = 0; i < count; i++) {
        float v = x[i] * inverse;
        q[i] = ek_round_to_s8(v);
    }
    return m / 127.0f;
}

void ek_generic_sigmoid(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_sigmoid_scalar(y[i]);
}

void ek_generic_tanh(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_tanh_scalar(y[i]);
}

void ek_generic_exp(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_exp_clamped_scalar(y[i]);
}
