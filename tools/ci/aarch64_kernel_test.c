// Test driver for Sources/CKernels on aarch64, run under qemu-user by tools/ci/test_aarch64.sh.
//
//     aarch64_kernel_test [--expect-path NAME]
//
// Prints the path the runtime dispatch chose (ek_kernels_best) and checks it is NAME when given,
// then compares every aarch64 path the CPU supports (NEON; NEON + SDOT) with the portable C
// reference (the Family+Generic.c files) on seeded random data:
//   int8 matrix-vector (row-major, and packed where the path packs) and activation quantization:
//   bit for bit
//   fp32 / fp16 matrix-vector: within 2·(cols + 2)·ε·Σ|w·x|
//   σ, tanh: within 2e-7 absolute; exp: within 4 ulp
//   TFLite-exact int8 convolution / depthwise / fully connected (QuantizedKernels.h): bit for bit
// Ends with the line "N passed, M failed"; exits 1 on any failure.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CKernels.h"
#include "QuantizedKernels.h"

static int passed, failed;

static void check(int ok, const char *path, const char *what, size_t rows, size_t cols, const char *detail) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s: %s [%zu x %zu] %s\n", path, what, rows, cols, detail);
    }
}

// SplitMix64, as the Swift tests use.
static uint64_t state = 42;
static uint64_t next_u64(void) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float uniform(float scale) { return scale * (2.0f * (float)(next_u64() >> 40) / 16777216.0f - 1.0f); }

/// IEEE half from float by truncation of a float that is exactly representable: the test builds
/// its halves from random bit patterns instead, so no float->half rounding is needed here.
static uint16_t random_half(void) {
    // sign, exponent 9..19 (values about 2^-6 .. 2^4), random mantissa: finite, normal halves.
    uint16_t exponent = (uint16_t)(9 + next_u64() % 11);
    return (uint16_t)(((next_u64() & 1) << 15) | (exponent << 10) | (next_u64() & 0x3ff));
}

static float half_to_float(uint16_t h) {  // normal halves only (see random_half)
    uint32_t bits = ((uint32_t)(h & 0x8000) << 16) | ((((h >> 10) & 0x1f) + 112u) << 23) | ((uint32_t)(h & 0x3ff) << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static const size_t shapes[][2] = {
    {1, 1}, {1, 7}, {3, 8}, {4, 9}, {5, 15}, {7, 16}, {8, 17}, {9, 31}, {12, 32}, {13, 33},
    {4, 35}, {16, 40}, {17, 63}, {33, 64}, {5, 65}, {64, 128}, {11, 129}, {512, 40}, {512, 128}, {6, 1000},
};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])

static void test_path(const ek_kernels *k, const ek_kernels *g) {
    char detail[160];
    for (size_t s = 0; s < SHAPE_COUNT; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1];
        size_t padded = (cols + 31) & ~(size_t)31;
        float *w = malloc(rows * cols * sizeof(float));
        uint16_t *h = malloc(rows * cols * sizeof(uint16_t));
        int8_t *q = malloc(rows * cols);
        float *x = malloc(cols * sizeof(float));
        float *scales = malloc(rows * sizeof(float));
        float *start = malloc(rows * sizeof(float));
        float *bound = malloc(rows * sizeof(float));
        float *bound16 = malloc(rows * sizeof(float));
        float *ya = malloc(rows * sizeof(float)), *yb = malloc(rows * sizeof(float));
        int8_t *qa = malloc(padded), *qb = malloc(padded);
        for (size_t i = 0; i < rows * cols; i++) {
            w[i] = uniform(1);
            h[i] = random_half();
            q[i] = (int8_t)((int)(next_u64() % 255) - 127);
        }
        for (size_t c = 0; c < cols; c++) x[c] = uniform(2);
        for (size_t r = 0; r < rows; r++) {
            scales[r] = fabsf(uniform(0.02f));
            start[r] = uniform(3);
            double b = fabs(start[r]), b16 = fabs(start[r]);
            for (size_t c = 0; c < cols; c++) {
                b += fabs((double)w[r * cols + c] * x[c]);
                b16 += fabs((double)half_to_float(h[r * cols + c]) * x[c]);
            }
            bound[r] = (float)b;
            bound16[r] = (float)b16;
        }

        // Quantization: bit for bit.
        memset(qa, 0x55, padded);
        memset(qb, 0x55, padded);
        float sa = k->quantize_s8(x, cols, qa), sb = g->quantize_s8(x, cols, qb);
        check(memcmp(qa, qb, cols) == 0 && memcmp(&sa, &sb, 4) == 0, k->name, "quantize_s8", 1, cols, "");

        for (int accumulate = 0; accumulate < 2; accumulate++) {
            // int8 matrix-vector: bit for bit.
            memcpy(ya, start, rows * 4);
            memcpy(yb, start, rows * 4);
            k->gemv_s8(q, scales, rows, cols, qb, sb, ya, accumulate);
            g->gemv_s8(q, scales, rows, cols, qb, sb, yb, accumulate);
            int same = memcmp(ya, yb, rows * 4) == 0;
            snprintf(detail, sizeof detail, "accumulate %d", accumulate);
            check(same, k->name, "gemv_s8", rows, cols, detail);
            if (k->pack_s8) {
                void *packed = aligned_alloc(64, (k->packed_s8_size(rows, cols) + 63) & ~(size_t)63);
                k->pack_s8(q, rows, cols, packed);
                memcpy(ya, start, rows * 4);
                k->gemv_s8_packed(packed, scales, rows, cols, qb, sb, ya, accumulate);
                check(memcmp(ya, yb, rows * 4) == 0, k->name, "gemv_s8_packed", rows, cols, detail);
                free(packed);
            }

            // fp32 and fp16 matrix-vector: within the summation-order bound.
            const char *names[2] = {"gemv_f32", "gemv_f16"};
            for (int type = 0; type < 2; type++) {
                memcpy(ya, start, rows * 4);
                memcpy(yb, start, rows * 4);
                if (type == 0) {
                    k->gemv_f32(w, rows, cols, x, ya, accumulate);
                    g->gemv_f32(w, rows, cols, x, yb, accumulate);
                } else {
                    k->gemv_f16(h, rows, cols, x, ya, accumulate);
                    g->gemv_f16(h, rows, cols, x, yb, accumulate);
                }
                int ok = 1;
                for (size_t r = 0; r < rows; r++) {
                    float tolerance = 2.0f * (float)(cols + 2) * 1.1920929e-7f * (type == 0 ? bound[r] : bound16[r]);
                    if (!(fabsf(ya[r] - yb[r]) <= tolerance)) {
                        snprintf(detail, sizeof detail, "accumulate %d row %zu: %.9g vs %.9g", accumulate, r, ya[r], yb[r]);
                        ok = 0;
                        break;
                    }
                }
                if (ok) snprintf(detail, sizeof detail, "accumulate %d", accumulate);
                check(ok, k->name, names[type], rows, cols, detail);
            }
        }
        free(w); free(h); free(q); free(x); free(scales); free(start); free(bound); free(bound16);
        free(ya); free(yb); free(qa); free(qb);
    }

    // Activations over a sweep, odd counts for the tails.
    size_t n = 0;
    static float values[12000], a[12000], b[12000];
    for (float v = -40; v <= 40 && n < 11900; v += 0.0071f) values[n++] = v;
    const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0.6249f, 0.625f, 9.0f, 88.0f, 100.0f, -100.0f, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) values[n++] = specials[i];
    const char *names[3] = {"sigmoid", "tanh", "exp"};
    for (int f = 0; f < 3; f++) {
        memcpy(a, values, n * 4);
        memcpy(b, values, n * 4);
        ek_map_fn mine = f == 0 ? k->sigmoid : f == 1 ? k->tanh : k->exp;
        ek_map_fn reference = f == 0 ? g->sigmoid : f == 1 ? g->tanh : g->exp;
        mine(a, n);
        reference(b, n);
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            float tolerance = f < 2 ? 2e-7f : 4.0f * fmaxf(fabsf(b[i]) * 1.1920929e-7f, 1e-38f);
            if (!(fabsf(a[i] - b[i]) <= tolerance)) {
                snprintf(detail, sizeof detail, "at %.9g: %.9g vs %.9g", values[i], a[i], b[i]);
                ok = 0;
                break;
            }
        }
        if (ok) detail[0] = 0;
        check(ok, k->name, names[f], 1, n, detail);
    }
    float nan_values[9] = {NAN, 1, NAN, 2, 3, 4, 5, 6, NAN};
    k->sigmoid(nan_values, 9);
    check(isnan(nan_values[0]) && isnan(nan_values[8]) && !isnan(nan_values[1]), k->name, "sigmoid keeps NaN", 1, 9, "");
}

static int32_t random_in(int32_t low, int32_t high) { return low + (int32_t)(next_u64() % (uint64_t)(high - low + 1)); }

/// The path's TFLite-exact int8 convolutions against the portable twin on random layers.
static void test_quantized_conv(ek_path path, const char *name) {
    eq_conv_s8_fn kernel = eq_conv_s8_for_path((int32_t)path);
    check(kernel != NULL, name, "quantized convolution for the path", 0, 0, "");
    if (!kernel) return;
    static int8_t weights[70 * 21 * 3 * 70], input[8 * 64 * 70], out_a[8 * 70], out_b[8 * 70];
    static int32_t bias[70], multipliers[70], shifts[70];
    for (int trial = 0; trial < 300; trial++) {
        eq_conv_params p;
        memset(&p, 0, sizeof p);
        p.kind = trial % 3;
        p.input_channels = random_in(1, 70);
        p.output_channels = p.kind == 1 ? p.input_channels : random_in(1, 70);
        p.depth_multiplier = 1;
        p.kernel_height = p.kind == 2 ? 1 : random_in(1, 21);
        p.kernel_width = p.kind == 2 ? 1 : random_in(1, 3);
        p.stride_height = random_in(1, 3);
        p.stride_width = random_in(1, 2);
        p.dilation_height = random_in(1, 2);
        p.dilation_width = 1;
        p.output_height = p.kind == 2 ? 1 : random_in(1, 2);
        p.output_width = p.kind == 2 ? 1 : random_in(1, 2);
        p.input_height = (p.output_height - 1) * p.stride_height + (p.kernel_height - 1) * p.dilation_height + 1;
        p.input_width = (p.output_width - 1) * p.stride_width + p.kernel_width;
        if (p.kind == 2) p.input_height = p.input_width = 1;
        p.input_offset = random_in(-127, 128);
        p.output_zero_point = random_in(-128, 127);
        p.activation_min = -128;
        p.activation_max = 127;
        p.rounding_upward = random_in(0, 1);
        int32_t oc = p.output_channels;
        int32_t wcount = p.kind == 0 ? oc * p.kernel_height * p.kernel_width * p.input_channels
                       : p.kind == 1 ? oc * p.kernel_height * p.kernel_width : oc * p.input_channels;
        int32_t icount = p.input_height * p.input_width * p.input_channels;
        for (int32_t i = 0; i < wcount; i++) weights[i] = (int8_t)random_in(-127, 127);
        for (int32_t i = 0; i < icount; i++) input[i] = (int8_t)random_in(-128, 127);
        for (int32_t c = 0; c < oc; c++) {
            bias[c] = random_in(-20000, 20000);
            multipliers[c] = random_in(1 << 30, INT32_MAX);
            shifts[c] = random_in(-14, 1);
        }
        p.weights = weights;
        p.bias = bias;
        p.multipliers = multipliers;
        p.shifts = shifts;
        int32_t ocount = p.output_height * p.output_width * oc;
        eq_conv_s8_portable(&p, input, out_a);
        kernel(&p, input, out_b);
        char detail[64];
        snprintf(detail, sizeof detail, "trial %d kind %d", trial, (int)p.kind);
        check(memcmp(out_a, out_b, (size_t)ocount) == 0, name, "quantized convolution", (size_t)oc,
              (size_t)icount, detail);
    }
}

int main(int argc, char **argv) {
    const char *expected = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--expect-path") == 0 && i + 1 < argc) {
            expected = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--expect-path NAME]\n", argv[0]);
            return 2;
        }
    }
    const ek_kernels *best = ek_kernels_best();
    const ek_kernels *generic = ek_kernels_for_path(EK_PATH_GENERIC);
    printf("dispatch chose: %s\n", best->name);
    if (expected) check(strcmp(best->name, expected) == 0, best->name, "dispatch chose the expected path", 0, 0, expected);
    const ek_path paths[] = {EK_PATH_AARCH64_NEON, EK_PATH_AARCH64_DOTPROD};
    for (size_t i = 0; i < 2; i++) {
        const ek_kernels *k = ek_kernels_for_path(paths[i]);
        if (!k) {
            printf("path %d not available on this CPU\n", (int)paths[i]);
            continue;
        }
        int before = failed;
        test_path(k, generic);
        test_quantized_conv(paths[i], k->name);
        printf("%s against generic: %s\n", k->name, failed == before ? "all agree" : "DIFFERENCES");
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
