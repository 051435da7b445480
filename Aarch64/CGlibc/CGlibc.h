// The C library calls the static aarch64 build uses (tools/build_aarch64.sh).
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>

// errno is a macro over a thread-local; Swift sees it through these.
static inline int cglibc_errno(void) { return errno; }
static inline void cglibc_set_errno(int value) { errno = value; }
// open(2) is variadic; Swift cannot call variadic C functions.
static inline int cglibc_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }

// Heap allocations made by the program's own code so far (Aarch64/Support/allocation_counter.c).
long long earshot_allocation_count(void);

// SIG_IGN is a cast macro, which Swift does not import.
static inline __sighandler_t cglibc_sig_ign(void) { return SIG_IGN; }
