// CKernels: the innermost loops of Earshot's matrix-vector products and vector activations,
// in C so that each can carry its own CPU target (Swift has no per-function target attribute).
//
// One header documents every kernel once. Each kernel family exists as:
//   generic   portable C, compiled for the baseline ISA; the reference every other path is
//             tested against (and the fallback on CPUs without the faster paths)
//   x86-64    AVX2 + FMA + F16C          (__attribute__((target("avx2,fma,f16c"))))
//             and for int8 AVX-VNNI or AVX-512 VNNI (VPDPBUSD) where cpuid says so
//   aarch64   NEON (baseline on aarch64), and for int8 the dot-product instructions (SDOT,
//             FEAT_DotProd, Armv8.2+; e.g. Raspberry Pi 5's Cortex-A76) where HWCAP_ASIMDDP says so
// and a portable Swift twin in the Kernels module (MatrixVector, Quantization, VectorMath).
// Each kernel family and path has its own file, `Family+Path.c` (e.g. MatrixVectorInt8+NEON.c,
// MatrixVectorFloat16+AVX2.c, QuantizeInt8+Generic.c); KernelPaths.h lists them, Dispatch.c
// holds the tables and the CPU check.
//
// Dispatch happens once: `ek_kernels_best()` checks the CPU (cpuid + xgetbv on x86-64,
// getauxval(AT_HWCAP) on aarch64) on its first call and returns a table of function pointers;
// callers keep the pointers and call them directly, so a step pays one indirect call per kernel
// and no branch on the CPU.
//
// Conventions for every kernel:
//   - Matrices are row-major [rows, cols], row stride = cols, any alignment.
//   - Pointers must not alias unless stated; counts may be 0.
//   - No kernel allocates, locks, or makes a syscall; none reads the floating-point environment
//     except that rounding is the default round-to-nearest-even.
//   - int8 path: weights symmetric per output row, w[r][c] ≈ row_scales[r] · q[r][c] with
//     q in [-127, 127]; the vector is quantized per call by `quantize_s8` (symmetric, dynamic);
//     products are summed exactly in int32 and rescaled as
//         y[r] (+)= (float)acc[r] * (row_scales[r] * x_scale)
//     with the two multiplications rounded separately (no fused multiply-add), so every path
//     gives bit-identical int8 results.
#ifndef EARSHOT_CKERNELS_H
#define EARSHOT_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Every pointer in this header is non-null unless marked _Nullable.
#if defined(__clang__)
#pragma clang assume_nonnull begin
#else
#define _Nullable
#endif

/// The implementation a kernel table uses.
typedef enum ek_path {
    EK_PATH_GENERIC = 0,          ///< portable C (baseline ISA)
    EK_PATH_X86_AVX2 = 1,         ///< x86-64 AVX2 + FMA + F16C
    EK_PATH_AARCH64_NEON = 2,     ///< aarch64 Advanced SIMD
    EK_PATH_AARCH64_DOTPROD = 3,  ///< aarch64 Advanced SIMD + SDOT for int8
    EK_PATH_X86_AVXVNNI = 4,      ///< x86-64 AVX2 + FMA + F16C, and AVX-VNNI (VPDPBUSD) for int8
    EK_PATH_X86_AVX512VNNI = 5,   ///< x86-64 AVX2 + FMA + F16C, and AVX-512 VNNI (512-bit VPDPBUSD) for int8
    EK_PATH_COUNT = 6
} ek_path;

/// y[r] (+)= Σ_c w[r·cols + c] · x[c], r in 0..<rows.
/// w: float32 [rows, cols]; x: cols floats; y: rows floats (overwritten, or added to when
/// `accumulate` is non-zero). Float sums in an implementation-defined order (error bound
/// about cols·ε·Σ|w·x|).
typedef void (*ek_gemv_f32_fn)(const float *w, size_t rows, size_t cols, const float *x, float *y,
                               int accumulate);

/// As `ek_gemv_f32_fn` with w stored as IEEE binary16 bit patterns [rows, cols], each widened
/// exactly to float32 before multiplying.
typedef void (*ek_gemv_f16_fn)(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y,
                               int accumulate);

/// y[r] (+)= (float)(Σ_c w[r·cols + c] · qx[c]) * (row_scales[r] * x_scale), r in 0..<rows.
/// w: int8 [rows, cols] with values in [-127, 127]; row_scales: rows floats; qx: int8 vector in
/// [-127, 127] that must be READABLE for cols rounded up to a multiple of 32 bytes (its values
/// past cols are never used). The int32 sum is exact for cols < 133,000.
typedef void (*ek_gemv_s8_fn)(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                              const int8_t *qx, float x_scale, float *y, int accumulate);

/// Bytes `pack_s8` needs for an int8 matrix [rows, cols] (a multiple of 32, so packed segments
/// laid end to end stay aligned).
typedef size_t (*ek_packed_s8_size_fn)(size_t rows, size_t cols);

/// Rewrites an int8 matrix [rows, cols] (values in [-127, 127]) into the path's packed layout at
/// `packed` (`packed_s8_size` bytes, 64-byte aligned): rows in groups whose products one vector
/// instruction computes together, so `gemv_s8_packed` needs no horizontal sums. Called once, at load.
typedef void (*ek_pack_s8_fn)(const int8_t *w, size_t rows, size_t cols, void *packed);

/// `ek_gemv_s8_fn` on a matrix packed by `pack_s8` (same rows and cols); bit-identical to it.
typedef void (*ek_gemv_s8_packed_fn)(const void *packed, const float *row_scales, size_t rows, size_t cols,
                                     const int8_t *qx, float x_scale, float *y, int accumulate);

/// Symmetric dynamic quantization of x (count floats) into q (count int8), returning the scale:
///     m = max_i |x[i]|,  q[i] = clamp(roundeven(x[i] · (127 / m)), -127, 127),  scale = m / 127
/// with each operation rounded in float. m < 2^-100 (all zero, in practice) gives q = 0 and scale 0; a NaN or infinite x
/// gives q = 0 and scale NaN (so products computed with it are NaN, as in float).
typedef float (*ek_quantize_s8_fn)(const float *x, size_t count, int8_t *q);

/// y[i] = f(y[i]) in place for i in 0..<count, with f the logistic σ(v) = 1 / (1 + e^(−v)), tanh,
/// or e^v with v clamped to [−88, 88] (softmax's exponential; results below the smallest normal
/// float, v < −87.3, may be 0).
/// Single-precision polynomial approximations (absolute error below 3e-7, see VectorMath.swift);
/// NaN stays NaN, ±∞ go to the limits.
typedef void (*ek_map_fn)(float *y, size_t count);

/// One complete set of kernels for one path.
typedef struct ek_kernels {
    ek_path path;
    /// "generic", "x86-64 avx2+fma+f16c", "x86-64 avx2+fma+f16c+avxvnni",
    /// "x86-64 avx2+fma+f16c+avx512vnni", "aarch64 neon", "aarch64 neon+dotprod".
    const char *name;
    ek_gemv_f32_fn gemv_f32;
    ek_gemv_f16_fn gemv_f16;
    ek_gemv_s8_fn gemv_s8;
    ek_quantize_s8_fn quantize_s8;
    ek_map_fn sigmoid;
    ek_map_fn tanh;
    ek_map_fn exp;
    /// Packed int8 weights: all three NULL on paths that multiply row-major int8 directly.
    ek_packed_s8_size_fn _Nullable packed_s8_size;
    ek_pack_s8_fn _Nullable pack_s8;
    ek_gemv_s8_packed_fn _Nullable gemv_s8_packed;
} ek_kernels;

/// The fastest table this CPU supports (checked once, on the first call; thread-safe).
const ek_kernels *ek_kernels_best(void);

/// The table of `path`, or NULL when this build or this CPU lacks it. `EK_PATH_GENERIC` is
/// always available.
const ek_kernels *_Nullable ek_kernels_for_path(ek_path path);

// The generic kernels, exported so tests and tools can call the reference directly.
void ek_generic_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_generic_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_generic_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols,
                        const int8_t *qx, float x_scale, float *y, int accumulate);
float ek_generic_quantize_s8(const float *x, size_t count, int8_t *q);
void ek_generic_sigmoid(float *y, size_t count);
void ek_generic_tanh(float *y, size_t count);
void ek_generic_exp(float *y, size_t count);

// The C library's single-precision cosf, log1pf and powf (PlatformMath.c), for set-up tables that
// must come out as those of a reference built on them (TensorFlow Lite Micro's audio front end as
// pymicro-features compiles it). Not for hot paths, where Earshot uses its own ElementaryMath.
float ek_platform_cosf(float x);
float ek_platform_log1pf(float x);
float ek_platform_powf(float x, float y);

#if defined(__clang__)
#pragma clang assume_nonnull end
#endif

#ifdef __cplusplus
}
#endif

// Imported TFLite int8 graphs (issue 14).
#include "QuantizedKernels.h"

#endif  // EARSHOT_CKERNELS_H
