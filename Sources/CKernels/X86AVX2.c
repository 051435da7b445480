// x86-64 kernels for AVX2 + FMA + F16C (Haswell and later, Zen and later), and int8 kernels for
// AVX-VNNI (Alder Lake, Sapphire Rapids and later) and AVX-512 VNNI (Ice Lake, Zen 4 and later) on
// top of them. Every function carries
// its own target attribute, so the file compiles for the baseline ISA and nothing here runs unless
// Dispatch.c found the features (cpuid + xgetbv).
//
// Matrix–vector products work on four rows at a time: each load of x feeds four rows, and the
// four accumulators are reduced together with three horizontal adds. Column tails use masked
// loads (never reading past a row's last element).
#include "CKernels.h"
#include "KernelMath.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define EK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define EK_AVXVNNI __attribute__((target("avx2,fma,f16c,avxvnni")))
#define EK_AVX512VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/// Eight -1 then eight 0: a load at (8 - n) is the mask of the first n lanes.
static const int32_t ek_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

EK_AVX2 static inline __m256i lane_mask(size_t n) {
    return _mm256_loadu_si256((const __m256i *)(ek_mask_table + 8 - n));
}

/// [Σ a0, Σ a1, Σ a2, Σ a3].
EK_AVX2 static inline __m128 sum4_ps(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

EK_AVX2 static inline __m128i sum4_epi32(__m256i a0, __m256i a1, __m256i a2, __m256i a3) {
    __m256i t = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    return _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

EK_AVX2 static inline float sum_ps(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

EK_AVX2 static inline int32_t sum_epi32(__m256i a) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// MARK: - fp32

EK_AVX2 static void avx2_gemv_f32(const float *w, size_t rows, size_t cols, const float *x, float *y,
                                  int accumulate) {
    const size_t c16 = cols & ~(size_t)15, c8 = cols & ~(size_t)7, rem = cols & 7;
    const __m256i mask = lane_mask(rem);
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            __m256 xa = _mm256_loadu_ps(x + c), xb = _mm256_loadu_ps(x + c + 8);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xa, a3);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), xb, b0);
            b1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c + 8), xb, b1);
            b2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c + 8), xb, b2);
            b3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c + 8), xb, b3);
        }
        if (c < c8) {
            __m256 xa = _mm256_loadu_ps(x + c);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xa, a3);
            c += 8;
        }
        if (rem) {
            __m256 xa = _mm256_maskload_ps(x + c, mask);
            b0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + c, mask), xa, b0);
            b1 = _mm256_fmadd_ps(_mm256_maskload_ps(w1 + c, mask), xa, b1);
            b2 = _mm256_fmadd_ps(_mm256_maskload_ps(w2 + c, mask), xa, b2);
            b3 = _mm256_fmadd_ps(_mm256_maskload_ps(w3 + c, mask), xa, b3);
        }
        __m128 s = sum4_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2),
                           _mm256_add_ps(a3, b3));
        if (accumulate) s = _mm_add_ps(_mm_loadu_ps(y + r), s);
        _mm_storeu_ps(y + r, s);
    }
    for (; r < rows; r++) {
        const float *w0 = w + r * cols;
        __m256 a0 = _mm256_setzero_ps(), b0 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), _mm256_loadu_ps(x + c), a0);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), _mm256_loadu_ps(x + c + 8), b0);
        }
        if (c < c8) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), _mm256_loadu_ps(x + c), a0);
            c += 8;
        }
        if (rem) b0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + c, mask), _mm256_maskload_ps(x + c, mask), b0);
        float s = sum_ps(_mm256_add_ps(a0, b0));
        y[r] = accumulate ? y[r] + s : s;
    }
}

// MARK: - fp16

/// Eight halves at p widened to floats; only the first n (1...8) are read, the rest are 0.
EK_AVX2 static inline __m256 load_half_tail(const uint16_t *p, size_t n) {
    uint16_t buffer[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(buffer, p, n * sizeof(uint16_t));
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)buffer));
}

EK_AVX2 static inline __m256 load_half(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

EK_AVX2 static void avx2_gemv_f16(const uint16_t *w, size_t rows, size_t cols, const float *x, float *y,
                                  int accumulate) {
    const size_t c16 = cols & ~(size_t)15, c8 = cols & ~(size_t)7, rem = cols & 7;
    const __m256i mask = lane_mask(rem);
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const uint16_t *w0 = w + r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            __m256 xa = _mm256_loadu_ps(x + c), xb = _mm256_loadu_ps(x + c + 8);
            a0 = _mm256_fmadd_ps(load_half(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(load_half(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(load_half(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(load_half(w3 + c), xa, a3);
            b0 = _mm256_fmadd_ps(load_half(w0 + c + 8), xb, b0);
            b1 = _mm256_fmadd_ps(load_half(w1 + c + 8), xb, b1);
            b2 = _mm256_fmadd_ps(load_half(w2 + c + 8), xb, b2);
            b3 = _mm256_fmadd_ps(load_half(w3 + c + 8), xb, b3);
        }
        if (c < c8) {
            __m256 xa = _mm256_loadu_ps(x + c);
            a0 = _mm256_fmadd_ps(load_half(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(load_half(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(load_half(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(load_half(w3 + c), xa, a3);
            c += 8;
        }
        if (rem) {
            __m256 xa = _mm256_maskload_ps(x + c, mask);
            b0 = _mm256_fmadd_ps(load_half_tail(w0 + c, rem), xa, b0);
            b1 = _mm256_fmadd_ps(load_half_tail(w1 + c, rem), xa, b1);
            b2 = _mm256_fmadd_ps(load_half_tail(w2 + c, rem), xa, b2);
            b3 = _mm256_fmadd_ps(load_half_tail(w3 + c, rem), xa, b3);
        }
        __m128 s = sum4_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2),
                           _mm256_add_ps(a3, b3));
        if (accumulate) s = _mm_add_ps(_mm_loadu_ps(y + r), s);
        _mm_storeu_ps(y + r, s);
    }
    for (; r < rows; r++) {
        const uint16_t *w0 = w + r * cols;
        __m256 a0 = _mm256_setzero_ps(), b0 = a0;
        size_t c = 0;
        for (; c < c16; c += 16) {
            a0 = _mm256_fmadd_ps(load_half(w0 + c), _mm256_loadu_ps(x + c), a0);
            b0 = _mm256_fmadd_ps(load_half(w0 + c + 8), _mm256_loadu_ps(x + c + 8), b0);
        }
        if (c < c8) {
            a0 = _mm256_fmadd_ps(load_half(w0 + c), _mm256_loadu_ps(x + c), a0);
            c += 8;
        }
        if (rem) b0 = _mm256_fmadd_ps(load_half_tail(w0 + c, rem), _mm256_maskload_ps(x + c, mask), b0);
        float s = sum_ps(_mm256_add_ps(a0, b0));
        y[r] = accumulate ? y[r] + s : s;
    }
}

// MARK: - int8

/// [Σ a0, …, Σ a7] of eight int32 accumulators.
EK_AVX2 static inline __m256i sum8_epi32(__m256i a0, __m256i a1, __m256i a2, __m256i a3, __m256i a4, __m256i a5,
                                         __m256i a6, __m256i a7) {
    __m256i low = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    __m256i high = _mm256_hadd_epi32(_mm256_hadd_epi32(a4, a5), _mm256_hadd_epi32(a6, a7));
    // low = [rows 0-3 over lanes 0-3 | rows 0-3 over lanes 4-7], high likewise for rows 4-7.
    return _mm256_add_epi32(_mm256_permute2x128_si256(low, high, 0x20), _mm256_permute2x128_si256(low, high, 0x31));
}

/// acc += w·x over 32 lanes, as int32. The instructions multiply unsigned by signed bytes, so
/// they get |x| and w with x's sign moved onto it: |x| · (w · sign x) = w · x.
/// AVX2: VPMADDUBSW sums pairs to int16 (within ±2·127·127, so nothing saturates), VPMADDWD
/// by ones widens them to int32. AVX-VNNI: VPDPBUSD does all of it in one instruction.
#define EK_DOT_AVX2(acc, wv, xv, ax) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv)), ones))
#define EK_DOT_VNNI(acc, wv, xv, ax) _mm256_dpbusd_avx_epi32(acc, ax, _mm256_sign_epi8(wv, xv))

/// The int8 kernel, eight rows at a time (each load of x and |x| feeds eight rows; the eight sums
/// are reduced together and rescaled as one vector), then single rows. Column tails: whole 4-byte
/// words by masked loads (qx is readable to a multiple of 32 bytes; w is never read past a row),
/// the last 0-3 bytes in scalar code.
#define EK_GEMV_S8(NAME, ATTRIBUTES, DOT)                                                                  \
    ATTRIBUTES static void NAME(const int8_t *w, const float *row_scales, size_t rows, size_t cols,         \
                                const int8_t *qx, float x_scale, float *y, int accumulate) {                \
        const size_t c32 = cols & ~(size_t)31, words = (cols & 31) >> 2, wordEnd = c32 + words * 4;         \
        const __m256i mask = lane_mask(words);                                                              \
        const __m256i ones = _mm256_set1_epi16(1);                                                          \
        (void)ones;                                                                                         \
        size_t r = 0;                                                                                       \
        for (; r + 8 <= rows; r += 8) {                                                                     \
            const int8_t *w0 = w + r * cols;                                                                \
            const int8_t *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols, *w4 = w3 + cols;                \
            const int8_t *w5 = w4 + cols, *w6 = w5 + cols, *w7 = w6 + cols;                                 \
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,      \
                    a7 = a0;                                                                                \
            for (size_t c = 0; c < c32; c += 32) {                                                          \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c));                                 \
                __m256i ax = _mm256_abs_epi8(xv);                                                           \
                a0 = DOT(a0, _mm256_loadu_si256((const __m256i *)(w0 + c)), xv, ax);                        \
                a1 = DOT(a1, _mm256_loadu_si256((const __m256i *)(w1 + c)), xv, ax);                        \
                a2 = DOT(a2, _mm256_loadu_si256((const __m256i *)(w2 + c)), xv, ax);                        \
                a3 = DOT(a3, _mm256_loadu_si256((const __m256i *)(w3 + c)), xv, ax);                        \
                a4 = DOT(a4, _mm256_loadu_si256((const __m256i *)(w4 + c)), xv, ax);                        \
                a5 = DOT(a5, _mm256_loadu_si256((const __m256i *)(w5 + c)), xv, ax);                        \
                a6 = DOT(a6, _mm256_loadu_si256((const __m256i *)(w6 + c)), xv, ax);                        \
                a7 = DOT(a7, _mm256_loadu_si256((const __m256i *)(w7 + c)), xv, ax);                        \
            }                                                                                               \
            if (words) {                                                                                    \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c32));                               \
                __m256i ax = _mm256_abs_epi8(xv);                                                           \
                a0 = DOT(a0, _mm256_maskload_epi32((const int *)(w0 + c32), mask), xv, ax);                 \
                a1 = DOT(a1, _mm256_maskload_epi32((const int *)(w1 + c32), mask), xv, ax);                 \
                a2 = DOT(a2, _mm256_maskload_epi32((const int *)(w2 + c32), mask), xv, ax);                 \
                a3 = DOT(a3, _mm256_maskload_epi32((const int *)(w3 + c32), mask), xv, ax);                 \
                a4 = DOT(a4, _mm256_maskload_epi32((const int *)(w4 + c32), mask), xv, ax);                 \
                a5 = DOT(a5, _mm256_maskload_epi32((const int *)(w5 + c32), mask), xv, ax);                 \
                a6 = DOT(a6, _mm256_maskload_epi32((const int *)(w6 + c32), mask), xv, ax);                 \
                a7 = DOT(a7, _mm256_maskload_epi32((const int *)(w7 + c32), mask), xv, ax);                 \
            }                                                                                               \
            __m256i s = sum8_epi32(a0, a1, a2, a3, a4, a5, a6, a7);                                         \
            if (wordEnd < cols) {                                                                           \
                int32_t e[8];                                                                               \
                for (size_t k = 0; k < 8; k++) {                                                            \
                    const int8_t *row = w0 + k * cols;                                                      \
                    int32_t sum = 0;                                                                        \
                    for (size_t c = wordEnd; c < cols; c++) sum += row[c] * (int32_t)qx[c];                 \
                    e[k] = sum;                                                                             \
                }                                                                                           \
                s = _mm256_add_epi32(s, _mm256_loadu_si256((const __m256i *)e));                            \
            }                                                                                               \
            __m256 scale = _mm256_mul_ps(_mm256_loadu_ps(row_scales + r), _mm256_set1_ps(x_scale));         \
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(s), scale);                                         \
            if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(y + r), v);                                   \
            _mm256_storeu_ps(y + r, v);                                                                     \
        }                                                                                                   \
        for (; r < rows; r++) {                                                                             \
            const int8_t *w0 = w + r * cols;                                                                \
            __m256i a0 = _mm256_setzero_si256();                                                            \
            for (size_t c = 0; c < c32; c += 32) {                                                          \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c));                                 \
                a0 = DOT(a0, _mm256_loadu_si256((const __m256i *)(w0 + c)), xv, _mm256_abs_epi8(xv));       \
            }                                                                                               \
            if (words) {                                                                                    \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(qx + c32));                               \
                a0 = DOT(a0, _mm256_maskload_epi32((const int *)(w0 + c32), mask), xv, _mm256_abs_epi8(xv)); \
            }                                                                                               \
            int32_t s = sum_epi32(a0);                                                                      \
            for (size_t c = wordEnd; c < cols; c++) s += w0[c] * (int32_t)qx[c];                            \
            float scale = row_scales[r] * x_scale;                                                          \
            float v = (float)s * scale;                                                                     \
            y[r] = accumulate ? y[r] + v : v;                                                               \
        }                                                                                                   \
    }

EK_GEMV_S8(avx2_gemv_s8, EK_AVX2, EK_DOT_AVX2)
EK_GEMV_S8(avxvnni_gemv_s8, EK_AVXVNNI, EK_DOT_VNNI)

// MARK: - int8, packed

// Packed layout: rows in groups of 8. Group g holds 32 bytes of int32 row sums Σ_c w[r][c] (the
// AVX-VNNI kernel's correction, see below), then one 32-byte block per quad of 4 columns: rows
// 8g..8g+7 × those 4 columns (rows past the matrix and columns past cols are zero). One
// VPDPBUSD / VPMADDUBSW on a block and the broadcast quad of x sums 4 products for each of the 8
// rows into its own int32 lane, so no horizontal sums are needed.
static size_t x86_packed_s8_size(size_t rows, size_t cols) {
    return ((rows + 7) / 8) * 32 * (1 + (cols + 3) / 4);
}

static void x86_pack_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
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

/// The quad of x at column 4k, broadcast to all eight lanes (a load-and-broadcast instruction).
#define EK_QUAD(qx, k) _mm256_set1_epi32(load_quad((qx) + 4 * (k)))

static inline int32_t load_quad(const int8_t *p) {
    int32_t quad;
    memcpy(&quad, p, 4);
    return quad;
}

/// y for group g from its eight int32 sums (rows past `rows` are not written).
EK_AVX2 static inline void finish_group(__m256i sums, size_t g, size_t rows, const float *row_scales, float x_scale,
                                        float *y, int accumulate) {
    size_t r = 8 * g, valid = rows - r < 8 ? rows - r : 8;
    __m256 xs = _mm256_set1_ps(x_scale);
    if (valid == 8) {
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(_mm256_loadu_ps(row_scales + r), xs));
        if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(y + r), v);
        _mm256_storeu_ps(y + r, v);
    } else {
        __m256i mask = lane_mask(valid);
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(_mm256_maskload_ps(row_scales + r, mask), xs));
        if (accumulate) v = _mm256_add_ps(_mm256_maskload_ps(y + r, mask), v);
        _mm256_maskstore_ps(y + r, mask, v);
    }
}

// AVX-VNNI multiplies unsigned by signed bytes; the broadcast x gets +128 (x + 128 in 1...255)
// and the sum loses 128 · Σ w again: Σ w·(x + 128) − 128·Σ w = Σ w·x, exactly in int32.
// AVX2 uses the sign trick of EK_DOT_AVX2 instead (VPMADDUBSW would saturate on x + 128).
#define EK_PACKED_PREPARE_VNNI(xv) _mm256_xor_si256(xv, _mm256_set1_epi8((char)0x80))
#define EK_PACKED_DOT_VNNI(acc, wv, xv) _mm256_dpbusd_avx_epi32(acc, xv, wv)
#define EK_PACKED_FIX_VNNI(acc, group) \
    _mm256_sub_epi32(acc, _mm256_slli_epi32(_mm256_load_si256((const __m256i *)(group)), 7))
#define EK_PACKED_PREPARE_AVX2(xv) (xv)
#define EK_PACKED_DOT_AVX2(acc, wv, xv) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(xv), _mm256_sign_epi8(wv, xv)), ones))
#define EK_PACKED_FIX_AVX2(acc, group) (acc)

/// Eight groups (64 rows) at a time, one accumulator each, every broadcast quad of x feeding all
/// eight; then single groups with two accumulators (even and odd quads).
#define EK_GEMV_S8_PACKED(NAME, ATTRIBUTES, PREPARE, DOT, FIX)                                              \
    ATTRIBUTES static void NAME(const void *packed, const float *row_scales, size_t rows, size_t cols,      \
                                const int8_t *qx, float x_scale, float *y, int accumulate) {                \
        const size_t quads = (cols + 3) / 4, groups = (rows + 7) / 8, stride = 32 * (1 + quads);            \
        const int8_t *base = packed;                                                                        \
        const __m256i ones = _mm256_set1_epi16(1);                                                          \
        (void)ones;                                                                                         \
        size_t g = 0;                                                                                       \
        for (; g + 8 <= groups; g += 8) {                                                                   \
            const int8_t *p = base + g * stride + 32;                                                       \
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
            for (size_t k = 0; k < quads; k++) {                                                            \
                __m256i x = PREPARE(EK_QUAD(qx, k));                                                        \
                const int8_t *q = p + 32 * k;                                                               \
                a0 = DOT(a0, _mm256_load_si256((const __m256i *)q), x);                                     \
                a1 = DOT(a1, _mm256_load_si256((const __m256i *)(q + stride)), x);                          \
                a2 = DOT(a2, _mm256_load_si256((const __m256i *)(q + 2 * stride)), x);                      \
                a3 = DOT(a3, _mm256_load_si256((const __m256i *)(q + 3 * stride)), x);                      \
                a4 = DOT(a4, _mm256_load_si256((const __m256i *)(q + 4 * stride)), x);                      \
                a5 = DOT(a5, _mm256_load_si256((const __m256i *)(q + 5 * stride)), x);                      \
                a6 = DOT(a6, _mm256_load_si256((const __m256i *)(q + 6 * stride)), x);                      \
                a7 = DOT(a7, _mm256_load_si256((const __m256i *)(q + 7 * stride)), x);                      \
            }                                                                                               \
            const int8_t *sums = p - 32;                                                                    \
            finish_group(FIX(a0, sums), g, rows, row_scales, x_scale, y, accumulate);                       \
            finish_group(FIX(a1, sums + stride), g + 1, rows, row_scales, x_scale, y, accumulate);          \
            finish_group(FIX(a2, sums + 2 * stride), g + 2, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a3, sums + 3 * stride), g + 3, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a4, sums + 4 * stride), g + 4, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a5, sums + 5 * stride), g + 5, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a6, sums + 6 * stride), g + 6, rows, row_scales, x_scale, y, accumulate);      \
            finish_group(FIX(a7, sums + 7 * stride), g + 7, rows, row_scales, x_scale, y, accumulate);      \
        }                                                                                                   \
        for (; g < groups; g++) {                                                                           \
            const int8_t *p0 = base + g * stride + 32;                                                      \
            __m256i a0 = _mm256_setzero_si256(), b0 = a0;                                                   \
            size_t k = 0;                                                                                   \
            for (; k + 2 <= quads; k += 2) {                                                                \
                a0 = DOT(a0, _mm256_load_si256((const __m256i *)(p0 + 32 * k)), PREPARE(EK_QUAD(qx, k)));   \
                b0 = DOT(b0, _mm256_load_si256((const __m256i *)(p0 + 32 * k + 32)), PREPARE(EK_QUAD(qx, k + 1))); \
            }                                                                                               \
            if (k < quads) a0 = DOT(a0, _mm256_load_si256((const __m256i *)(p0 + 32 * k)), PREPARE(EK_QUAD(qx, k))); \
            finish_group(FIX(_mm256_add_epi32(a0, b0), p0 - 32), g, rows, row_scales, x_scale, y, accumulate); \
        }                                                                                                   \
    }

EK_GEMV_S8_PACKED(avx2_gemv_s8_packed, EK_AVX2, EK_PACKED_PREPARE_AVX2, EK_PACKED_DOT_AVX2, EK_PACKED_FIX_AVX2)
EK_GEMV_S8_PACKED(avxvnni_gemv_s8_packed, EK_AVXVNNI, EK_PACKED_PREPARE_VNNI, EK_PACKED_DOT_VNNI, EK_PACKED_FIX_VNNI)

// MARK: - int8, packed for AVX-512 VNNI

// As above with groups of 16 rows: 64 bytes of int32 row sums, then 64 bytes per quad of columns
// (rows 16g..16g+15 × 4 columns); one 512-bit VPDPBUSD covers 16 rows × 4 columns.
static size_t x86_packed16_s8_size(size_t rows, size_t cols) {
    return ((rows + 15) / 16) * 64 * (1 + (cols + 3) / 4);
}

static void x86_pack16_s8(const int8_t *w, size_t rows, size_t cols, void *packed) {
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
EK_AVX512VNNI static void avx512vnni_gemv_s8_packed(const void *packed, const float *row_scales, size_t rows,
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

EK_AVX2 static float avx2_quantize_s8(const float *x, size_t count, int8_t *q) {
    const __m256i magnitude = _mm256_set1_epi32(0x7fffffff);
    __m256i m8 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        m8 = _mm256_max_epi32(m8, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), magnitude));
    if (i < count)
        m8 = _mm256_max_epi32(m8, _mm256_and_si256(_mm256_maskload_epi32((const int *)(x + i), lane_mask(count - i)),
                                                   magnitude));
    __m128i m4 = _mm_max_epi32(_mm256_castsi256_si128(m8), _mm256_extracti128_si256(m8, 1));
    m4 = _mm_max_epi32(m4, _mm_shuffle_epi32(m4, 0x4e));
    m4 = _mm_max_epi32(m4, _mm_shuffle_epi32(m4, 0xb1));
    uint32_t maximum = (uint32_t)_mm_cvtsi128_si32(m4);
    if (maximum < EK_QUANTIZE_FLOOR_BITS || maximum >= 0x7f800000u) {
        memset(q, 0, count);
        return maximum < 0x7f800000u ? 0.0f : ek_bits_to_float(0x7fc00000u);
    }
    float m = ek_bits_to_float(maximum);
    float inverse = 127.0f / m;
    const __m256 inv8 = _mm256_set1_ps(inverse);
    const __m256i lower = _mm256_set1_epi8(-127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    i = 0;
    for (; i + 32 <= count; i += 32) {
        // cvtps2dq rounds to nearest even (the default MXCSR mode).
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), inv8));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), inv8));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), inv8));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), inv8));
        // The packs interleave 128-bit lanes; the permutation restores element order.
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        packed = _mm256_permutevar8x32_epi32(packed, order);
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_max_epi8(packed, lower));
    }
    for (; i < count; i++) {
        float v = x[i] * inverse;
        int32_t k = _mm_cvtss_si32(_mm_set_ss(v));
        k = k > 127 ? 127 : k;
        q[i] = (int8_t)(k < -127 ? -127 : k);
    }
    return m / 127.0f;
}

// MARK: - Activations

/// e^t for t already clamped to [-88, 88] (NaN lanes give NaN). See KernelMath.h.
EK_AVX2 static inline __m256 exp8(__m256 t) {
    __m256 n = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(EK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EK_LN2_HI), t);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EK_LN2_LO), r);
    __m256 z = _mm256_mul_ps(r, r);
    __m256 p = _mm256_set1_ps(EK_EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EK_EXP_P5));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, z, r), _mm256_set1_ps(1.0f));
    __m256i k = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(e, _mm256_castsi256_ps(k));
}

/// σ(v); min/max take the constant first so a NaN lane passes through.
EK_AVX2 static inline __m256 sigmoid8(__m256 v) {
    __m256 t = _mm256_sub_ps(_mm256_setzero_ps(), v);
    t = _mm256_min_ps(_mm256_set1_ps(EK_EXP_LIMIT), t);
    t = _mm256_max_ps(_mm256_set1_ps(-EK_EXP_LIMIT), t);
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(t)));
}

EK_AVX2 static inline __m256 tanh8(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, v);
    __m256 z = _mm256_mul_ps(v, v);
    __m256 p = _mm256_set1_ps(EK_TANH_Q0);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q1));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q2));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q3));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(EK_TANH_Q4));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, z), p, a);
    __m256 clamped = _mm256_min_ps(_mm256_set1_ps(EK_TANH_LIMIT), a);
    __m256 e = exp8(_mm256_add_ps(clamped, clamped));
    __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                                 _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    __m256 isSmall = _mm256_cmp_ps(a, _mm256_set1_ps(EK_TANH_SMALL), _CMP_LT_OQ);
    __m256 s = _mm256_blendv_ps(large, small, isSmall);
    return _mm256_or_ps(s, _mm256_and_ps(v, sign));
}

EK_AVX2 static void avx2_sigmoid(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, sigmoid8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, sigmoid8(_mm256_maskload_ps(y + i, mask)));
    }
}

EK_AVX2 static inline __m256 exp_clamped8(__m256 v) {
    v = _mm256_min_ps(_mm256_set1_ps(EK_EXP_LIMIT), v);
    return exp8(_mm256_max_ps(_mm256_set1_ps(-EK_EXP_LIMIT), v));
}

EK_AVX2 static void avx2_exp(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, exp_clamped8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, exp_clamped8(_mm256_maskload_ps(y + i, mask)));
    }
}

EK_AVX2 static void avx2_tanh(float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(y + i)));
    if (i < count) {
        __m256i mask = lane_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, tanh8(_mm256_maskload_ps(y + i, mask)));
    }
}

// MARK: - Activations, 16 wide (the AVX-512 path)

/// exp8 on 16 lanes (see KernelMath.h). t already clamped to [-88, 88].
EK_AVX512VNNI static inline __m512 exp16(__m512 t) {
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, _mm512_set1_ps(EK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EK_LN2_HI), t);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EK_LN2_LO), r);
    __m512 z = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(EK_EXP_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EK_EXP_P5));
    __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, z, r), _mm512_set1_ps(1.0f));
    __m512i k = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(e, _mm512_castsi512_ps(k));
}

/// min/max with the constant first pass a NaN lane through, as in sigmoid8.
EK_AVX512VNNI static inline __m512 sigmoid16(__m512 v) {
    __m512 t = _mm512_sub_ps(_mm512_setzero_ps(), v);
    t = _mm512_min_ps(_mm512_set1_ps(EK_EXP_LIMIT), t);
    t = _mm512_max_ps(_mm512_set1_ps(-EK_EXP_LIMIT), t);
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), exp16(t)));
}

EK_AVX512VNNI static inline __m512 tanh16(__m512 v) {
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(v)));
    __m512 z = _mm512_mul_ps(v, v);
    __m512 p = _mm512_set1_ps(EK_TANH_Q0);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q1));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q2));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q3));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(EK_TANH_Q4));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(a, z), p, a);
    __m512 clamped = _mm512_min_ps(_mm512_set1_ps(EK_TANH_LIMIT), a);
    __m512 e = exp16(_mm512_add_ps(clamped, clamped));
    __m512 large = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                                 _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    __mmask16 isSmall = _mm512_cmp_ps_mask(a, _mm512_set1_ps(EK_TANH_SMALL), _CMP_LT_OQ);
    __m512 s = _mm512_mask_blend_ps(isSmall, large, small);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(s), _mm512_and_si512(_mm512_castps_si512(v), sign)));
}

EK_AVX512VNNI static inline __m512 exp_clamped16(__m512 v) {
    v = _mm512_min_ps(_mm512_set1_ps(EK_EXP_LIMIT), v);
    return exp16(_mm512_max_ps(_mm512_set1_ps(-EK_EXP_LIMIT), v));
}

#define EK_MAP16(NAME, FUNCTION)                                                          \
    EK_AVX512VNNI static void NAME(float *y, size_t count) {                              \
        size_t i = 0;                                                                     \
        for (; i + 16 <= count; i += 16) _mm512_storeu_ps(y + i, FUNCTION(_mm512_loadu_ps(y + i))); \
        if (i < count) {                                                                  \
            __mmask16 mask = (__mmask16)((1u << (count - i)) - 1u);                       \
            _mm512_mask_storeu_ps(y + i, mask, FUNCTION(_mm512_maskz_loadu_ps(mask, y + i))); \
        }                                                                                 \
    }

EK_MAP16(avx512_sigmoid, sigmoid16)
EK_MAP16(avx512_tanh, tanh16)
EK_MAP16(avx512_exp, exp_clamped16)

const ek_kernels ek_avx512vnni_kernels = {
    .path = EK_PATH_X86_AVX512VNNI,
    .name = "x86-64 avx2+fma+f16c+avx512vnni",
    .gemv_f32 = avx2_gemv_f32,
    .gemv_f16 = avx2_gemv_f16,
    .gemv_s8 = avx2_gemv_s8,
    .packed_s8_size = x86_packed16_s8_size,
    .pack_s8 = x86_pack16_s8,
    .gemv_s8_packed = avx512vnni_gemv_s8_packed,
    .quantize_s8 = avx2_quantize_s8,
    .sigmoid = avx512_sigmoid,
    .tanh = avx512_tanh,
    .exp = avx512_exp,
};

const ek_kernels ek_avxvnni_kernels = {
    .path = EK_PATH_X86_AVXVNNI,
    .name = "x86-64 avx2+fma+f16c+avxvnni",
    .gemv_f32 = avx2_gemv_f32,
    .gemv_f16 = avx2_gemv_f16,
    .gemv_s8 = avxvnni_gemv_s8,
    .packed_s8_size = x86_packed_s8_size,
    .pack_s8 = x86_pack_s8,
    .gemv_s8_packed = avxvnni_gemv_s8_packed,
    .quantize_s8 = avx2_quantize_s8,
    .sigmoid = avx2_sigmoid,
    .tanh = avx2_tanh,
    .exp = avx2_exp,
};

const ek_kernels ek_avx2_kernels = {
    .path = EK_PATH_X86_AVX2,
    .name = "x86-64 avx2+fma+f16c",
    .gemv_f32 = avx2_gemv_f32,
    .gemv_f16 = avx2_gemv_f16,
    .gemv_s8 = avx2_gemv_s8,
    .packed_s8_size = x86_packed_s8_size,
    .pack_s8 = x86_pack_s8,
    .gemv_s8_packed = avx2_gemv_s8_packed,
    .quantize_s8 = avx2_quantize_s8,
    .sigmoid = avx2_sigmoid,
    .tanh = avx2_tanh,
    .exp = avx2_exp,
};

#endif  // __x86_64__
