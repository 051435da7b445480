// What Embedded Swift code expects from its platform beyond the C library, provided from glibc for
// the static aarch64 build (tools/build_aarch64.sh).
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

// Double(String) / Float(String): parse the whole C string in the "C" locale (this program never
// calls setlocale). Returns the end of the parsed text, which the caller checks is the string's end;
// NULL when nothing parses (leading white space is refused, as Swift's initializers refuse it).
const char *_swift_stdlib_strtod_clocale(const char *text, double *result) {
    if (text[0] == '\0' || isspace((unsigned char)text[0])) return NULL;
    char *end = NULL;
    errno = 0;
    *result = strtod(text, &end);
    return end == text ? NULL : end;
}

const char *_swift_stdlib_strtof_clocale(const char *text, float *result) {
    if (text[0] == '\0' || isspace((unsigned char)text[0])) return NULL;
    char *end = NULL;
    errno = 0;
    *result = strtof(text, &end);
    return end == text ? NULL : end;
}
