// σ, tanh and e^v in place, portable C: the scalar polynomials of KernelMath.h (the reference).
#include "KernelPaths.h"

void ek_generic_sigmoid(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_sigmoid_scalar(y[i]);
}

void ek_generic_tanh(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_tanh_scalar(y[i]);
}

void ek_generic_exp(float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = ek_exp_clamped_scalar(y[i]);
}
