// The C library's Float functions, exposed for set-up tables only (see CKernels.h): a reference
// that builds its tables with cosf/log1pf/powf gets the C library's rounding (glibc's log1pf, for
// one, is not correctly rounded), and calling the same functions is the only way to get the same
// integers on every platform.
#include <math.h>

#include "CKernels.h"

float ek_platform_cosf(float x) { return cosf(x); }

float ek_platform_log1pf(float x) { return log1pf(x); }

float ek_platform_powf(float x, float y) { return powf(x, y); }
