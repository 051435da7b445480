// int8 matrix-vector product on row-major weights, x86-64 AVX2 (VPMADDUBSW + VPMADDWD).
#include "KernelPaths.h"
#include "X86Vector.h"
#include "MatrixVectorInt8+X86.h"

#if defined(__x86_64__)

EK_GEMV_S8(ek_avx2_gemv_s8, EK_AVX2, EK_DOT_AVX2)

#endif  // __x86_64__
