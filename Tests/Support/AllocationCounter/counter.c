// Allocation counter: interposes the C allocator in the test executable (see AllocationCounter.h),
// or, under AddressSanitizer/ThreadSanitizer, counts through the sanitizer's allocation hook.
#define _GNU_SOURCE
#include "AllocationCounter.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <unistd.h>

// Under AddressSanitizer or ThreadSanitizer (`swift test --sanitize=address|thread`) the
// sanitizer owns malloc: interposing it would bypass the sanitizer's heap checks (and crash, as
// our malloc runs before the sanitizer is initialized). There the counter uses the sanitizer's
// allocation hook instead, which sees every user allocation (malloc, calloc, realloc, the aligned
// ones, operator new) on the thread that makes it. Same counts, same API.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EARSHOT_COUNTER_USES_SANITIZER_HOOK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EARSHOT_COUNTER_USES_SANITIZER_HOOK 1
#endif

// initial-exec: no lazy TLS allocation, so reading these inside malloc cannot recurse.
static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread long allocations __attribute__((tls_model("initial-exec")));

// Called once per counted allocation: a place to break on to see where counted allocations come
// from (gdb: `break allocation_counter_counted`, `commands`, `bt`, `continue`). Not inlined.
__attribute__((noinline)) void allocation_counter_counted(void) { __asm__ volatile(""); }

static inline void count_one(void) {
    if (counting) {
        allocations += 1;
        allocation_counter_counted();
    }
}

void allocation_counter_begin(void) {
    allocations = 0;
    counting = 1;
}

long allocation_counter_end(void) {
    counting = 0;
    return allocations;
}

int allocation_counter_is_active(void) {
    // The probe allocation is made inside another shared object (libc's strdup), not by a malloc
    // call from this file: a call from here binds to our own malloc even when the dynamic linker
    // did not interpose it for other objects, so it would report "active" while libswiftCore's
    // allocations (the ones the tests are about) went uncounted. Called through a volatile pointer
    // so the compiler cannot fold it away.
    char *(*volatile duplicate)(const char *) = strdup;
    int was_counting = counting;
    long before = allocations;
    counting = 1;
    char *p = duplicate("allocation probe");
    int active = allocations > before;
    free(p);
    allocations = before;
    counting = was_counting;
    return active;
}

#ifdef EARSHOT_COUNTER_USES_SANITIZER_HOOK

// compiler-rt's sanitizer_common interface (sanitizer/allocator_interface.h).
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void counter_malloc_hook(const volatile void *pointer, size_t size) {
    (void)pointer;
    (void)size;
    count_one();
}

static void counter_free_hook(const volatile void *pointer) { (void)pointer; }

__attribute__((constructor)) static void install_counter_hooks(void) {
    __sanitizer_install_malloc_and_free_hooks(counter_malloc_hook, counter_free_hook);
}

#else

// The interposed allocator, shared with the soak's LD_PRELOAD probe (tools/soak/soak_counter.c).
#define EARSHOT_COUNT_ALLOCATION() count_one()
#include "allocator_interpose.h"

#endif  // EARSHOT_COUNTER_USES_SANITIZER_HOOK
