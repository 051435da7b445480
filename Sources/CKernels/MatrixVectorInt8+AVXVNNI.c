// int8 matrix-vector product on row-major weights, x86-64 AVX-VNNI (VPDPBUSD, 256-bit).
#include "KernelPaths.h"
#include "X86Vector.h"
#include "MatrixVectorInt8+X86.h"

#if defined(__x86_64__)

EK_GEMV_S8(ek_avxvnni_gemv_s8, EK_AVXVNNI, EK_DOT_VNNI)

#endif  // __x86_64__
