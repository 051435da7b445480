// An ALSA external capture plugin for the xrun soak (tools/bench/soak.py): alsa-lib loads it from an
// asoundrc, so the real `earshot listen` opens it by name like any PCM.
//
//     pcm_type.earshot_soak { lib "/abs/path/libasound_module_pcm_earshot_soak.so" }
//     pcm.soak_xrun {
//         type earshot_soak
//         infile "/path/to/fifo"     # raw S16_LE 16 kHz mono samples (a FIFO or a file)
//         xrun_every 300             # an overrun after every 300 periods (0: never)
//         stats "/path/to/stats"     # optional: counters, mapped shared (see soak_plugin_stats_t)
//     }
//
// Like the tests' FakeCapture device (Tests/Support/FakeCapture) it is unpaced: exactly one period
// is always ready beyond what was read, and every `xrun_every` periods the pointer callback reports
// -EPIPE, which alsa-lib turns into an overrun the application must recover from (snd_pcm_recover,
// i.e. prepare and start again). Unlike FakeCapture the samples come from `infile`, read in order:
// an overrun loses no input, so keyword times in the input stay exact; after its end, silence.
//
// Build (PIC selects the dynamic-plugin symbol versioning in <alsa/conf.h>):
//     cc -O2 -shared -fPIC -DPIC -o libasound_module_pcm_earshot_soak.so pcm_soak_capture.c -lasound
#define _GNU_SOURCE
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// What tools/bench/soak.py reads: little-endian uint64 fields in this order.
typedef struct soak_plugin_stats {
    uint64_t magic;             // 0x5055554c50544f48 once set up
    uint64_t xruns_injected;    // -EPIPE returned by the pointer callback
    uint64_t frames_delivered;  // frames handed to the application
    uint64_t prepares;          // prepare callbacks (the open, and each recovery)
    uint64_t input_bytes;       // bytes read from infile
    uint64_t input_ended;       // 1 once infile reached its end
    uint64_t closed;            // 1 after close
} soak_plugin_stats_t;

#define SOAK_PLUGIN_MAGIC 0x5055554c50544f48ULL

typedef struct soak_capture {
    snd_pcm_ioplug_t io;
    int pipe_fds[2];           // the read end is always readable: a period is always ready
    int input_fd;
    unsigned long xrun_every;  // periods between injected overruns (0: never)
    unsigned long frames_since_xrun;
    soak_plugin_stats_t local_stats;
    soak_plugin_stats_t *stats;
} soak_capture_t;

static int sc_start(snd_pcm_ioplug_t *io) {
    (void)io;
    return 0;
}

static int sc_stop(snd_pcm_ioplug_t *io) {
    (void)io;
    return 0;
}

static int sc_prepare(snd_pcm_ioplug_t *io) {
    soak_capture_t *sc = io->private_data;
    sc->stats->prepares++;
    sc->frames_since_xrun = 0;
    return 0;
}

static snd_pcm_sframes_t sc_pointer(snd_pcm_ioplug_t *io) {
    soak_capture_t *sc = io->private_data;
    if (sc->xrun_every != 0 && sc->frames_since_xrun >= sc->xrun_every * io->period_size) {
        sc->frames_since_xrun = 0;
        sc->stats->xruns_injected++;
        return -EPIPE;
    }
    return (snd_pcm_sframes_t)((io->appl_ptr + io->period_size) % io->buffer_size);
}

// Reads exactly `count` bytes unless the input ends (then the rest is zero).
static void read_input(soak_capture_t *sc, char *destination, size_t count) {
    size_t done = 0;
    while (done < count && sc->input_fd >= 0) {
        ssize_t got = read(sc->input_fd, destination + done, count - done);
        if (got > 0) {
            done += (size_t)got;
        } else if (got < 0 && errno == EINTR) {
            continue;
        } else {
            sc->stats->input_ended = 1;
            close(sc->input_fd);
            sc->input_fd = -1;
        }
    }
    sc->stats->input_bytes += done;
    if (done < count) memset(destination + done, 0, count - done);
}

static snd_pcm_sframes_t sc_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
                                     snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
    soak_capture_t *sc = io->private_data;
    // One channel, S16_LE, interleaved (the only configuration offered): contiguous bytes.
    const snd_pcm_channel_area_t *area = &areas[0];
    char *address = (char *)area->addr + (area->first + offset * area->step) / 8;
    read_input(sc, address, size * 2);
    sc->stats->frames_delivered += size;
    sc->frames_since_xrun += size;
    return (snd_pcm_sframes_t)size;
}

static int sc_close(snd_pcm_ioplug_t *io) {
    soak_capture_t *sc = io->private_data;
    sc->stats->closed = 1;
    if (sc->stats != &sc->local_stats) munmap(sc->stats, 4096);
    if (sc->input_fd >= 0) close(sc->input_fd);
    close(sc->pipe_fds[0]);
    close(sc->pipe_fds[1]);
    free(sc);
    return 0;
}

static const snd_pcm_ioplug_callback_t soak_callbacks = {
    .start = sc_start,
    .stop = sc_stop,
    .pointer = sc_pointer,
    .transfer = sc_transfer,
    .close = sc_close,
    .prepare = sc_prepare,
};

static soak_plugin_stats_t *map_stats(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return NULL;
    if (ftruncate(fd, 4096) != 0) {
        close(fd);
        return NULL;
    }
    void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (shared == MAP_FAILED) return NULL;
    return shared;
}

SND_PCM_PLUGIN_DEFINE_FUNC(earshot_soak) {
    (void)root;
    const char *infile = NULL, *stats_path = NULL;
    long xrun_every = 0;
    snd_config_iterator_t i, next;
    snd_config_for_each(i, next, conf) {
        snd_config_t *entry = snd_config_iterator_entry(i);
        const char *id;
        if (snd_config_get_id(entry, &id) < 0) continue;
        if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 || strcmp(id, "hint") == 0) continue;
        if (strcmp(id, "infile") == 0) {
            if (snd_config_get_string(entry, &infile) < 0) {
                SNDERR("earshot_soak: infile must be a string");
                return -EINVAL;
            }
        } else if (strcmp(id, "stats") == 0) {
            if (snd_config_get_string(entry, &stats_path) < 0) {
                SNDERR("earshot_soak: stats must be a string");
                return -EINVAL;
            }
        } else if (strcmp(id, "xrun_every") == 0) {
            if (snd_config_get_integer(entry, &xrun_every) < 0 || xrun_every < 0) {
                SNDERR("earshot_soak: xrun_every must be an integer >= 0");
                return -EINVAL;
            }
        } else {
            SNDERR("earshot_soak: unknown field %s", id);
            return -EINVAL;
        }
    }
    if (infile == NULL) {
        SNDERR("earshot_soak: infile is required");
        return -EINVAL;
    }
    if (stream != SND_PCM_STREAM_CAPTURE) {
        SNDERR("earshot_soak: capture only");
        return -EINVAL;
    }

    soak_capture_t *sc = calloc(1, sizeof *sc);
    if (sc == NULL) return -ENOMEM;
    sc->stats = &sc->local_stats;
    if (stats_path != NULL) {
        soak_plugin_stats_t *mapped = map_stats(stats_path);
        if (mapped == NULL) {
            int error = errno;
            SNDERR("earshot_soak: cannot map stats file %s", stats_path);
            free(sc);
            return -error;
        }
        memset(mapped, 0, sizeof *mapped);
        mapped->magic = SOAK_PLUGIN_MAGIC;
        sc->stats = mapped;
    }
    sc->input_fd = open(infile, O_RDONLY | O_CLOEXEC);
    if (sc->input_fd < 0) {
        int error = errno;
        SNDERR("earshot_soak: cannot open infile %s", infile);
        if (sc->stats != &sc->local_stats) munmap(sc->stats, 4096);
        free(sc);
        return -error;
    }
    if (pipe(sc->pipe_fds) != 0) {
        int error = errno;
        close(sc->input_fd);
        if (sc->stats != &sc->local_stats) munmap(sc->stats, 4096);
        free(sc);
        return -error;
    }
    char byte = 1;
    if (write(sc->pipe_fds[1], &byte, 1) != 1) {
        sc_close(&sc->io);
        return -EIO;
    }
    sc->xrun_every = (unsigned long)xrun_every;
    sc->io.version = SND_PCM_IOPLUG_VERSION;
    sc->io.name = "Earshot soak capture";
    sc->io.callback = &soak_callbacks;
    sc->io.private_data = sc;
    sc->io.poll_fd = sc->pipe_fds[0];
    sc->io.poll_events = POLLIN;
    sc->io.mmap_rw = 0;

    int err = snd_pcm_ioplug_create(&sc->io, name, stream, mode);
    if (err < 0) {
        sc_close(&sc->io);
        return err;
    }
    static const unsigned int access_list[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
    static const unsigned int formats[] = {SND_PCM_FORMAT_S16_LE};
    if ((err = snd_pcm_ioplug_set_param_list(&sc->io, SND_PCM_IOPLUG_HW_ACCESS, 1, access_list)) < 0 ||
        (err = snd_pcm_ioplug_set_param_list(&sc->io, SND_PCM_IOPLUG_HW_FORMAT, 1, formats)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&sc->io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 1)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&sc->io, SND_PCM_IOPLUG_HW_RATE, 16000, 16000)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&sc->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 32, 8192)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&sc->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 16)) < 0) {
        snd_pcm_ioplug_delete(&sc->io);   // calls sc_close, which frees sc
        return err;
    }
    *pcmp = sc->io.pcm;
    return 0;
}

SND_PCM_PLUGIN_SYMBOL(earshot_soak);
