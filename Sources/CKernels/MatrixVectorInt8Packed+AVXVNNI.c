// int8 matrix-vector product on packed weights (MatrixVectorInt8Packed+AVX2.c's layout), x86-64
// AVX-VNNI.
#include "KernelPaths.h"
#include "X86Vector.h"
#include "MatrixVectorInt8Packed+X86.h"

#if defined(__x86_64__)

EK_GEMV_S8_PACKED(ek_avxvnni_gemv_s8_packed, EK_AVXVNNI, EK_PACKED_PREPARE_VNNI, EK_PACKED_DOT_VNNI, EK_PACKED_FIX_VNNI)

#endif  // __x86_64__
