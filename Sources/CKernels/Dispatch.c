// The kernel tables (which file's kernel each path uses) and the runtime CPU check that picks one.
// Checked once; the answer is cached.
#include "KernelPaths.h"

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#endif

static const ek_kernels ek_generic_kernels = {
    .path = EK_PATH_GENERIC,
    .name = "generic",
    .gemv_f32 = ek_generic_gemv_f32,
    .gemv_f16 = ek_generic_gemv_f16,
    .gemv_s8 = ek_generic_gemv_s8,
    .quantize_s8 = ek_generic_quantize_s8,
    .sigmoid = ek_generic_sigmoid,
    .tanh = ek_generic_tanh,
    .exp = ek_generic_exp,
};

#if defined(__x86_64__)
static const ek_kernels ek_avx512vnni_kernels = {
    .path = EK_PATH_X86_AVX512VNNI,
    .name = "x86-64 avx2+fma+f16c+avx512vnni",
    .gemv_f32 = ek_avx2_gemv_f32,
    .gemv_f16 = ek_avx2_gemv_f16,
    .gemv_s8 = ek_avx2_gemv_s8,
    .packed_s8_size = ek_x86_packed16_s8_size,
    .pack_s8 = ek_x86_pack16_s8,
    .gemv_s8_packed = ek_avx512vnni_gemv_s8_packed,
    .quantize_s8 = ek_avx2_quantize_s8,
    .sigmoid = ek_avx512_sigmoid,
    .tanh = ek_avx512_tanh,
    .exp = ek_avx512_exp,
};

static const ek_kernels ek_avxvnni_kernels = {
    .path = EK_PATH_X86_AVXVNNI,
    .name = "x86-64 avx2+fma+f16c+avxvnni",
    .gemv_f32 = ek_avx2_gemv_f32,
    .gemv_f16 = ek_avx2_gemv_f16,
    .gemv_s8 = ek_avxvnni_gemv_s8,
    .packed_s8_size = ek_x86_packed_s8_size,
    .pack_s8 = ek_x86_pack_s8,
    .gemv_s8_packed = ek_avxvnni_gemv_s8_packed,
    .quantize_s8 = ek_avx2_quantize_s8,
    .sigmoid = ek_avx2_sigmoid,
    .tanh = ek_avx2_tanh,
    .exp = ek_avx2_exp,
};

static const ek_kernels ek_avx2_kernels = {
    .path = EK_PATH_X86_AVX2,
    .name = "x86-64 avx2+fma+f16c",
    .gemv_f32 = ek_avx2_gemv_f32,
    .gemv_f16 = ek_avx2_gemv_f16,
    .gemv_s8 = ek_avx2_gemv_s8,
    .packed_s8_size = ek_x86_packed_s8_size,
    .pack_s8 = ek_x86_pack_s8,
    .gemv_s8_packed = ek_avx2_gemv_s8_packed,
    .quantize_s8 = ek_avx2_quantize_s8,
    .sigmoid = ek_avx2_sigmoid,
    .tanh = ek_avx2_tanh,
    .exp = ek_avx2_exp,
};

/// AVX2, FMA and F16C in cpuid, and the OS saving the YMM state (OSXSAVE + XCR0 bits 1 and 2).
static int x86_has_avx2_fma_f16c(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((ecx & (fma | osxsave | avx | f16c)) != (fma | osxsave | avx | f16c)) return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    if ((xcr0_low & 6u) != 6u) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 5)) != 0;  // AVX2
}

/// AVX-512 F, BW, VL and VNNI in cpuid leaf 7, and the OS saving the opmask and ZMM state (XCR0 bits 5-7).
static int x86_has_avx512vnni(void) {
    unsigned int eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned int f = 1u << 16, bw = 1u << 30, vl = 1u << 31, vnni = 1u << 11;
    if ((ebx & (f | bw | vl)) != (f | bw | vl) || (ecx & vnni) == 0) return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    return (xcr0_low & 0xe6u) == 0xe6u;
}

/// AVX-VNNI: cpuid leaf 7 subleaf 1, EAX bit 4 (its VEX form works on the YMM state checked above).
static int x86_has_avxvnni(void) {
    unsigned int eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    return (eax & (1u << 4)) != 0;
}
#elif defined(__aarch64__)
static const ek_kernels ek_neon_kernels = {
    .path = EK_PATH_AARCH64_NEON,
    .name = "aarch64 neon",
    .gemv_f32 = ek_neon_gemv_f32,
    .gemv_f16 = ek_neon_gemv_f16,
    .gemv_s8 = ek_neon_gemv_s8,
    .quantize_s8 = ek_neon_quantize_s8,
    .sigmoid = ek_neon_sigmoid,
    .tanh = ek_neon_tanh,
    .exp = ek_neon_exp,
};

static const ek_kernels ek_dotprod_kernels = {
    .path = EK_PATH_AARCH64_DOTPROD,
    .name = "aarch64 neon+dotprod",
    .gemv_f32 = ek_neon_gemv_f32,
    .gemv_f16 = ek_neon_gemv_f16,
    .gemv_s8 = ek_dotprod_gemv_s8,
    .packed_s8_size = ek_sdot_packed_s8_size,
    .pack_s8 = ek_sdot_pack_s8,
    .gemv_s8_packed = ek_sdot_gemv_s8_packed,
    .quantize_s8 = ek_neon_quantize_s8,
    .sigmoid = ek_neon_sigmoid,
    .tanh = ek_neon_tanh,
    .exp = ek_neon_exp,
};
#endif

const ek_kernels *ek_kernels_for_path(ek_path path) {
    switch (path) {
    case EK_PATH_GENERIC:
        return &ek_generic_kernels;
#if defined(__x86_64__)
    case EK_PATH_X86_AVX2:
        return x86_has_avx2_fma_f16c() ? &ek_avx2_kernels : 0;
    case EK_PATH_X86_AVXVNNI:
        return x86_has_avx2_fma_f16c() && x86_has_avxvnni() ? &ek_avxvnni_kernels : 0;
    case EK_PATH_X86_AVX512VNNI:
        return x86_has_avx2_fma_f16c() && x86_has_avx512vnni() ? &ek_avx512vnni_kernels : 0;
#elif defined(__aarch64__)
    case EK_PATH_AARCH64_NEON:
        return &ek_neon_kernels;
    case EK_PATH_AARCH64_DOTPROD:
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? &ek_dotprod_kernels : 0;
#endif
    default:
        return 0;
    }
}

static _Atomic(const ek_kernels *) ek_best_cache;

const ek_kernels *ek_kernels_best(void) {
    const ek_kernels *best = atomic_load_explicit(&ek_best_cache, memory_order_acquire);
    if (best) return best;
    // Fastest first; racing first calls compute the same answer.
    static const ek_path order[] = {EK_PATH_AARCH64_DOTPROD, EK_PATH_AARCH64_NEON, EK_PATH_X86_AVX512VNNI,
                                      EK_PATH_X86_AVXVNNI, EK_PATH_X86_AVX2, EK_PATH_GENERIC};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        best = ek_kernels_for_path(order[i]);
        if (best) break;
    }
    atomic_store_explicit(&ek_best_cache, best, memory_order_release);
    return best;
}
