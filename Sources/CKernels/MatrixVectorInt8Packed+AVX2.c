// int8 matrix-vector product on packed weights, x86-64 AVX2; and the 8-row packing that the AVX2
// and AVX-VNNI packed kernels share.
#include "KernelPaths.h"
#include "X86Vector.h"
#include "MatrixVectorInt8Packed+X86.h"

#if defined(__x86_64__)

// Packed layout: rows in groups of 8. Group g holds 32 bytes of int32 row sums Σ_c w[r][c] (the
// AVX-VNNI kernel's correction, see below), then one 32-byte block per quad of 4 columns: rows
// 8g..8g+7 × those 4 columns (rows past the matrix and columns past cols are zero). One
// VPDPBUSD / VPMADDUBSW on a block and the broadcast quad of x sums 4 products for each of the 8
// rows into its own int32 lane, so no horizontal sums are needed.
size_t ek_x86_packed_s8_size(size_t rows, size_t cols) {
    return ((rows + 7) / 8) * 32 * (1 + (cols + 3) / 4);
}

void ek_x86_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
    const size_t groups = (rows + 7) / 8, quads = (cols + 3) / 4, stride = 32 * (1 + quads);
    int8_t *out = packed;
    for (size_t g = 0; g < groups; g++) {
        int8_t *group = out + g * stride;
        for (size_t j = 0; j < 8; j++) {
            size_t r = 8 * g + j;
            int32_t sum = 0;
            if (r < rows)
                for (size_t c = 0; c < cols; c++) sum += w[r * cols + c];
            memcpy(group + 4 * j, &sum, 4);
        }
        for (size_t k = 0; k < quads; k++)
            for (size_t j = 0; j < 8; j++)
                for (size_t i = 0; i < 4; i++) {
                    size_t r = 8 * g + j, c = 4 * k + i;
                    group[32 + 32 * k + 4 * j + i] = (r < rows && c < cols) ? w[r * cols + c] : 0;
                }
    }
}

EK_GEMV_S8_PACKED(ek_avx2_gemv_s8_packed, EK_AVX2, EK_PACKED_PREPARE_AVX2, EK_PACKED_DOT_AVX2, EK_PACKED_FIX_AVX2)

#endif  // __x86_64__
