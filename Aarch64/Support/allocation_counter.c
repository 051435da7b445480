// Counts the heap allocations of the static aarch64 build's own code (tools/build_aarch64.sh links
// with -Wl,--wrap=malloc,... so every malloc/calloc/realloc/posix_memalign/aligned_alloc call from
// the Swift and C objects comes here first; glibc's internal allocations are not counted).
// Read by `earshot count-allocations` (Aarch64/earshot/EmbeddedAllocationCount.swift). The program
// is single-threaded, so a plain counter suffices.
#include <stddef.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
int __real_posix_memalign(void **result, size_t alignment, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);

static long long allocation_count;

long long earshot_allocation_count(void) { return allocation_count; }

void *__wrap_malloc(size_t size) {
    allocation_count++;
    return __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size) {
    allocation_count++;
    return __real_calloc(count, size);
}

void *__wrap_realloc(void *pointer, size_t size) {
    allocation_count++;
    return __real_realloc(pointer, size);
}

int __wrap_posix_memalign(void **result, size_t alignment, size_t size) {
    allocation_count++;
    return __real_posix_memalign(result, alignment, size);
}

void *__wrap_aligned_alloc(size_t alignment, size_t size) {
    allocation_count++;
    return __real_aligned_alloc(alignment, size);
}
