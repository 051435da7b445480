// The C allocator's entry points, interposed: each allocation call runs EARSHOT_COUNT_ALLOCATION()
// (the includer defines it; it must not allocate) and forwards to glibc's __libc_* functions.
// Included by the tests' counter (counter.c) and the soak's LD_PRELOAD probe
// (tools/soak/soak_counter.c), so both count exactly the same calls. Frees are not counted.
// Linux/glibc only. Needs <errno.h>, <stddef.h> and <unistd.h>.
#ifndef EARSHOT_ALLOCATOR_INTERPOSE_H
#define EARSHOT_ALLOCATOR_INTERPOSE_H

#ifndef EARSHOT_COUNT_ALLOCATION
#error "define EARSHOT_COUNT_ALLOCATION() before including allocator_interpose.h"
#endif

// glibc's own allocator entry points (exported by libc.so.6 under GLIBC_2.2.5).
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

void *malloc(size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    __libc_free(pointer);
}

static int is_power_of_two(size_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    // POSIX: alignment must be a power of two and a multiple of sizeof(void *); errors are
    // returned, errno is left alone, *result is untouched on failure.
    if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
    int saved = errno;
    void *p = __libc_memalign(alignment, size);
    if (p == NULL && size != 0) {
        errno = saved;
        return ENOMEM;
    }
    errno = saved;
    *result = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    // C17/glibc 2.38: alignment must be a power of two, else NULL with EINVAL.
    if (!is_power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    return __libc_memalign((size_t)getpagesize(), size);
}

void *pvalloc(size_t size) {
    EARSHOT_COUNT_ALLOCATION();
    size_t page = (size_t)getpagesize();
    size_t rounded = size == 0 ? page : (size + page - 1) & ~(page - 1);
    if (rounded < size) {  // overflow
        errno = ENOMEM;
        return NULL;
    }
    return __libc_memalign(page, rounded);
}

#endif
