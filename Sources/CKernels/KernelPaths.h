// Every kernel of every path, declared once for the files that define them and for the kernel
// tables in Dispatch.c (private to CKernels; the portable ones are public, in CKernels.h).
//
// One file per kernel family and path, named `Family+Path.c`:
//   MatrixVectorFloat32, MatrixVectorFloat16   fp32 / fp16 weights × float vector
//   MatrixVectorInt8                           int8 row-major weights × quantized vector
//   MatrixVectorInt8Packed                     int8 weights in the path's packed layout (and its packing)
//   QuantizeInt8                               the vector's symmetric dynamic quantization
//   Activations                                σ, tanh, e^v in place
// with Path one of Generic (portable C, the reference), AVX2, AVXVNNI, AVX512VNNI / AVX512
// (x86-64), NEON, DotProd (aarch64). Signatures and contracts: include/CKernels.h.
#ifndef EARSHOT_KERNEL_PATHS_H
#define EARSHOT_KERNEL_PATHS_H

#include "CKernels.h"
#include "KernelMath.h"

#if defined(__x86_64__)
void ek_avx2_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_avx2_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_avx2_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                     float x_scale, float *y, int accumulate);
void ek_avxvnni_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                        float x_scale, float *y, int accumulate);
size_t ek_x86_packed_s8_size(size_t rows, size_t cols);
void ek_x86_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed);
void ek_avx2_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
                            const int8_t *qx, float x_scale, float *y, int accumulate);
void ek_avxvnni_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
                               const int8_t *qx, float x_scale, float *y, int accumulate);
size_t ek_x86_packed16_s8_size(size_t rows, size_t cols);
void ek_x86_pack16_s8(const int8_t *w, size_t rows, size_t cols, void *packed);
void ek_avx512vnni_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
                                  const int8_t *qx, float x_scale, float *y, int accumulate);
float ek_avx2_quantize_s8(const float *x, size_t count, int8_t *q);
void ek_avx2_sigmoid(float *y, size_t count);
void ek_avx2_tanh(float *y, size_t count);
void ek_avx2_exp(float *y, size_t count);
void ek_avx512_sigmoid(float *y, size_t count);
void ek_avx512_tanh(float *y, size_t count);
void ek_avx512_exp(float *y, size_t count);
#elif defined(__aarch64__)
void ek_neon_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_neon_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y, int accumulate);
void ek_neon_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                     float x_scale, float *y, int accumulate);
void ek_dotprod_gemv_s8(const int8_t *w, const float *row_scales, size_t rows, size_t cols, const int8_t *qx,
                        float x_scale, float *y, int accumulate);
size_t ek_sdot_packed_s8_size(size_t rows, size_t cols);
void ek_sdot_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed);
void ek_sdot_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows, size_t cols,
                            const int8_t *qx, float x_scale, float *y, int accumulate);
float ek_neon_quantize_s8(const float *x, size_t count, int8_t *q);
void ek_neon_sigmoid(float *y, size_t count);
void ek_neon_tanh(float *y, size_t count);
void ek_neon_exp(float *y, size_t count);
#endif

#endif  // EARSHOT_KERNEL_PATHS_H
