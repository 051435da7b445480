#define _GNU_SOURCE
#include "CListenerShims.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

extern char **environ;

int earshot_set_thread_affinity(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], &set);
    }
    // pid 0: the calling thread (Linux applies affinity per thread).
    if (sched_setaffinity(0, sizeof set, &set) != 0) return errno;
    return 0;
}

int earshot_allowed_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    return CPU_COUNT(&set);
}

char *const *earshot_environment(void) {
    return environ;
}
