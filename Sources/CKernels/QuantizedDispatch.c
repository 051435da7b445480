// Which int8 convolution each kernel path uses (TFLite-exact kernels, QuantizedKernels.h); the CPU
// check is Dispatch.c's.
#include "KernelPaths.h"
#include "QuantizedKernels.h"

#if defined(__x86_64__)
void eq_conv_s8_avx2(const eq_conv_params *p, const int8_t *input, int8_t *output);
#elif defined(__aarch64__)
void eq_conv_s8_neon(const eq_conv_params *p, const int8_t *input, int8_t *output);
#endif

eq_conv_s8_fn eq_conv_s8_for_path(int32_t path) {
    if (path < 0 || path >= EK_PATH_COUNT || !ek_kernels_for_path((ek_path)path)) return 0;
    switch (path) {
    case EK_PATH_GENERIC:
        return eq_conv_s8_portable;
#if defined(__x86_64__)
    case EK_PATH_X86_AVX2:
    case EK_PATH_X86_AVXVNNI:
    case EK_PATH_X86_AVX512VNNI:
        return eq_conv_s8_avx2;
#elif defined(__aarch64__)
    case EK_PATH_AARCH64_NEON:
    case EK_PATH_AARCH64_DOTPROD:
        return eq_conv_s8_neon;
#endif
    default:
        return 0;
    }
}

eq_conv_s8_fn eq_conv_s8_best(void) {
    return eq_conv_s8_for_path((int32_t)ek_kernels_best()->path);
}
