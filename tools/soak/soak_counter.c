// Soak-test probe, loaded into `earshot listen` with LD_PRELOAD by tools/bench/soak.py.
//
// Counts, for the capture thread only (the process's main thread: `listen` runs the capture
// loop there; the reporting thread and --exec children are not counted):
//   - heap allocations: malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign,
//     valloc, pvalloc (free is not counted);
//   - snd_pcm_readi calls made by the program and the frames they returned (the periods read).
// The counters live in a file mapped MAP_SHARED (path in EARSHOT_SOAK_COUNTERS), so the soak
// driver reads them while the process runs, without signals or extra threads in it.
//
// Build: cc -O2 -shared -fPIC -I Tests/Support/AllocationCounter -o soak_counter.so soak_counter.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

// The layout tools/bench/soak.py reads: little-endian uint64 fields in this order.
typedef struct soak_counters {
    uint64_t magic;               // 0x4b414f53544f4853 ("SHOTSOAK") once set up
    uint64_t main_allocations;    // heap allocations on the main thread
    uint64_t other_allocations;   // heap allocations on all other threads (for information)
    uint64_t main_reads;          // snd_pcm_readi calls by the program on the main thread
    uint64_t main_frames;         // frames those calls returned (> 0 results summed)
    uint64_t main_read_errors;    // calls that returned a negative error (-EPIPE, -EAGAIN, ...)
    uint64_t ramp_breaks;         // EARSHOT_SOAK_RAMP=1: samples that did not continue the ramp
    uint64_t ramp_first_break;    // the frame index (1-based) of the first such sample, or 0
} soak_counters_t;

#define SOAK_MAGIC 0x4b414f53544f4853ULL

// Before setup (and if it fails), counts go to a private dummy so the hot path never branches
// on a null pointer.
static soak_counters_t dummy_counters;
static soak_counters_t *counters = &dummy_counters;
static pid_t main_tid;

// 0: not yet known, 1: the main thread, 2: another thread. initial-exec TLS: reading it inside
// malloc never allocates.
static __thread int thread_role __attribute__((tls_model("initial-exec")));
static __thread int read_depth __attribute__((tls_model("initial-exec")));

static inline int on_main_thread(void) {
    if (thread_role == 0) {
        if (main_tid == 0) return 0;   // before the constructor ran: not counted
        thread_role = gettid() == main_tid ? 1 : 2;
    }
    return thread_role == 1;
}

static inline void count_allocation(void) {
    if (on_main_thread()) {
        counters->main_allocations += 1;   // one writer: a plain 64-bit store
    } else {
        __atomic_fetch_add(&counters->other_allocations, 1, __ATOMIC_RELAXED);
    }
}

typedef snd_pcm_sframes_t (*readi_function)(snd_pcm_t *, void *, snd_pcm_uframes_t);
static readi_function real_readi;
// EARSHOT_SOAK_RAMP=1: the input is a ramp (sample i is (int16_t)i, mono S16_LE) and every
// sample the program reads is checked against it: an inserted, lost or shifted sample breaks it.
static int check_ramp;
static uint16_t ramp_next;

__attribute__((constructor)) static void soak_counter_setup(void) {
    real_readi = (readi_function)dlsym(RTLD_NEXT, "snd_pcm_readi");
    main_tid = getpid();
    const char *ramp = getenv("EARSHOT_SOAK_RAMP");
    check_ramp = ramp != NULL && ramp[0] == '1';
    const char *path = getenv("EARSHOT_SOAK_COUNTERS");
    if (path == NULL || path[0] == 0) return;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (ftruncate(fd, 4096) != 0) {
        close(fd);
        return;
    }
    void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (shared == MAP_FAILED) return;
    soak_counters_t *mapped = shared;
    memset(mapped, 0, sizeof *mapped);
    mapped->magic = SOAK_MAGIC;
    counters = mapped;
}

snd_pcm_sframes_t snd_pcm_readi(snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size) {
    if (real_readi == NULL) return -ENOSYS;
    // Count only the program's own calls, not a plugin reading its slave through the same symbol.
    int outermost = read_depth == 0 && on_main_thread();
    read_depth += 1;
    snd_pcm_sframes_t result = real_readi(pcm, buffer, size);
    read_depth -= 1;
    if (outermost) {
        counters->main_reads += 1;
        if (result > 0) {
            if (check_ramp) {
                const uint16_t *samples = buffer;
                for (snd_pcm_sframes_t k = 0; k < result; k++) {
                    if (samples[k] != ramp_next) {
                        counters->ramp_breaks += 1;
                        if (counters->ramp_first_break == 0)
                            counters->ramp_first_break = counters->main_frames + (uint64_t)k + 1;
                    }
                    ramp_next = (uint16_t)(samples[k] + 1);
                }
            }
            counters->main_frames += (uint64_t)result;
        }
        else if (result < 0) counters->main_read_errors += 1;
    }
    return result;
}

// MARK: - The allocator, counted: the tests' interposer (Tests/Support/AllocationCounter)

#define EARSHOT_COUNT_ALLOCATION() count_allocation()
#include "allocator_interpose.h"
