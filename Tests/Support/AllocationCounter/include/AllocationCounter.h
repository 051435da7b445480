// Counts heap allocations made by the calling thread, for tests that prove a code path
// allocates nothing.
//
// The target defines malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign,
// valloc and pvalloc. Linked into the test executable, these definitions interpose the C
// library's for the whole process (libswiftCore's allocations included) and forward to glibc's
// __libc_* entry points. Only calls made on a thread between allocation_counter_begin() and
// allocation_counter_end() are counted, so tests running in parallel on other threads do not
// disturb the count. Frees are not counted. Linux/glibc only.
#ifndef EARSHOT_ALLOCATION_COUNTER_H
#define EARSHOT_ALLOCATION_COUNTER_H

#ifdef __cplusplus
extern "C" {
#endif

/// Starts counting this thread's allocation calls from zero.
void allocation_counter_begin(void);

/// Stops counting on this thread and returns the allocation calls (malloc, calloc, realloc,
/// posix_memalign, aligned_alloc, memalign, valloc, pvalloc) it made since the matching begin.
long allocation_counter_end(void);

/// 1 when an allocation made inside another shared object (libc's strdup) is counted, that is
/// when the counter's malloc interposes the whole process's; 0 otherwise.
int allocation_counter_is_active(void);

/// Called on every counted allocation (does nothing): break on it in a debugger to trace them.
void allocation_counter_counted(void);

#ifdef __cplusplus
}
#endif

#endif
