// Symmetric dynamic int8 quantization of a vector, portable C (the reference).
#include "KernelPaths.h"

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
