// int8 matrix-vector product on packed weights, x86-64 AVX-512 VNNI (512-bit VPDPBUSD), with its
// own 16-row packing.
#include "KernelPaths.h"
#include "X86Vector.h"

#if defined(__x86_64__)

// As above with groups of 16 rows: 64 bytes of int32 row sums, then 64 bytes per quad of columns
// (rows 16g..16g+15 × 4 columns); one 512-bit VPDPBUSD covers 16 rows × 4 columns.
size_t ek_x86_packed16_s8_size(size_t rows, size_t cols) {
    return ((rows + 15) / 16) * 64 * (1 + (cols + 3) / 4);
}

void ek_x86_pack16_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
    const size_t groups = (rows + 15) / 16, quads = (cols + 3) / 4, stride = 64 * (1 + quads);
    int8_t *out = packed;
    for (size_t g = 0; g < groups; g++) {
        int8_t *group = out + g * stride;
        for (size_t j = 0; j < 16; j++) {
            size_t r = 16 * g + j;
            int32_t sum = 0;
            if (r < rows)
                for (size_t c = 0; c < cols; c++) sum += w[r * cols + c];
            memcpy(group + 4 * j, &sum, 4);
        }
        for (size_t k = 0; k < quads; k++)
            for (size_t j = 0; j < 16; j++)
                for (size_t i = 0; i < 4; i++) {
                    size_t r = 16 * g + j, c = 4 * k + i;
                    group[64 + 64 * k + 4 * j + i] = (r < rows && c < cols) ? w[r * cols + c] : 0;
                }
    }
}

/// y for 16-row group g: subtract 128·Σw (the +128 on x), rescale, store the valid rows.
EK_AVX512VNNI static inline void finish_group16(__m512i acc, const int8_t *sums, size_t g, size_t rows,
                                                const float *row_scales, float x_scale, float *y, int accumulate) {
    size_t r = 16 * g, valid = rows - r < 16 ? rows - r : 16;
    __mmask16 mask = (__mmask16)((1u << valid) - 1u);
    acc = _mm512_sub_epi32(acc, _mm512_slli_epi32(_mm512_load_si512((const void *)sums), 7));
    __m512 scale = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row_scales + r), _mm512_set1_ps(x_scale));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, y + r), v);
    _mm512_mask_storeu_ps(y + r, mask, v);
}

/// Eight 16-row groups (128 rows) at a time, one accumulator each; then single groups.
EK_AVX512VNNI void ek_avx512vnni_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows,
                                                size_t cols, const int8_t *qx, float x_scale, float *y,
                                                int accumulate) {
    const size_t quads = (cols + 3) / 4, groups = (rows + 15) / 16, stride = 64 * (1 + quads);
    const int8_t *base = packed;
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    size_t g = 0;
    for (; g + 8 <= groups; g += 8) {
        const int8_t *p = base + g * stride + 64;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (size_t k = 0; k < quads; k++) {
            __m512i x = _mm512_xor_si512(_mm512_set1_epi32(load_quad(qx + 4 * k)), bias);
            const int8_t *q = p + 64 * k;
            a0 = _mm512_dpbusd_epi32(a0, x, _mm512_load_si512((const void *)q));
            a1 = _mm512_dpbusd_epi32(a1, x, _mm512_load_si512((const void *)(q + stride)));
            a2 = _mm512_dpbusd_epi32(a2, x, _mm512_load_si512((const void *)(q + 2 * stride)));
            a3 = _mm512_dpbusd_epi32(a3, x, _mm512_load_si512((const void *)(q + 3 * stride)));
            a4 = _mm512_dpbusd_epi32(a4, x, _mm512_load_si512((const void *)(q + 4 * stride)));
            a5 = _mm512_dpbusd_epi32(a5, x, _mm512_load_si512((const void *)(q + 5 * stride)));
            a6 = _mm512_dpbusd_epi32(a6, x, _mm512_load_si512((const void *)(q + 6 * stride)));
            a7 = _mm512_dpbusd_epi32(a7, x, _mm512_load_si512((const void *)(q + 7 * stride)));
        }
        const int8_t *sums = p - 64;
        finish_group16(a0, sums, g, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a1, sums + stride, g + 1, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a2, sums + 2 * stride, g + 2, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a3, sums + 3 * stride, g + 3, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a4, sums + 4 * stride, g + 4, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a5, sums + 5 * stride, g + 5, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a6, sums + 6 * stride, g + 6, rows, row_scales, x_scale, y, accumulate);
        finish_group16(a7, sums + 7 * stride, g + 7, rows, row_scales, x_scale, y, accumulate);
    }
    for (; g < groups; g++) {
        const int8_t *p = base + g * stride + 64;
        __m512i a0 = _mm512_setzero_si512(), b0 = a0;
        size_t k = 0;
        for (; k + 2 <= quads; k += 2) {
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_set1_epi32(load_quad(qx + 4 * k)), bias),
                                     _mm512_load_si512((const void *)(p + 64 * k)));
            b0 = _mm512_dpbusd_epi32(b0, _mm512_xor_si512(_mm512_set1_epi32(load_quad(qx + 4 * k + 4)), bias),
                                     _mm512_load_si512((const void *)(p + 64 * k + 64)));
        }
        if (k < quads)
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_set1_epi32(load_quad(qx + 4 * k)), bias),
                                     _mm512_load_si512((const void *)(p + 64 * k)));
        finish_group16(_mm512_add_epi32(a0, b0), p - 64, g, rows, row_scales, x_scale, y, accumulate);
    }
}

#endif  // __x86_64__
