// Small C helpers for the Listener module: the pieces of the C library that Swift cannot
// reach directly (macros such as CPU_SET, and the `environ` global, which Swift 6 refuses as
// shared mutable state).
#ifndef EARSHOT_LISTENER_SHIMS_H
#define EARSHOT_LISTENER_SHIMS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Restricts the calling thread to the `count` CPUs listed in `cpus` (each 0...1023).
/// Returns 0, or an errno value (EINVAL for a CPU number out of range or not present).
/// Wraps sched_setaffinity with CPU_ZERO/CPU_SET.
int earshot_set_thread_affinity(const int *cpus, int count);

/// The number of CPUs the process may run on now (sched_getaffinity), or -1.
int earshot_allowed_cpu_count(void);

/// The process environment (`environ`), NULL-terminated.
char *const *earshot_environment(void);

#ifdef __cplusplus
}
#endif

#endif
