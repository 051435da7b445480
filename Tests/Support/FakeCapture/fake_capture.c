// See FakeCapture.h. Written for these tests against alsa-lib's documented ioplug interface
// (<alsa/pcm_ioplug.h>).
#include "FakeCapture.h"

#include <alsa/pcm_external.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fake_capture {
    snd_pcm_ioplug_t io;
    int pipe_fds[2];               // the read end is always readable: data is always "ready"
    unsigned int xrun_every;       // periods between injected overruns (0: never)
    unsigned int disconnect_after; // periods before the injected disconnect (0: never)
    unsigned long frames_since_xrun;
    fake_capture_stats_t *stats;
} fake_capture_t;

short fake_capture_sample(unsigned long frame, unsigned int channel) {
    return (short)((long)((frame * 3 + channel * 1000UL) % 30000UL) - 15000L);
}

static int fc_start(snd_pcm_ioplug_t *io) {
    fake_capture_t *fc = io->private_data;
    fc->stats->starts++;
    return 0;
}

static int fc_stop(snd_pcm_ioplug_t *io) {
    (void)io;
    return 0;
}

static int fc_prepare(snd_pcm_ioplug_t *io) {
    fake_capture_t *fc = io->private_data;
    fc->stats->prepares++;
    fc->frames_since_xrun = 0;
    return 0;
}

// The hardware position: one period beyond what the application has read, in [0, buffer).
static snd_pcm_sframes_t fc_pointer(snd_pcm_ioplug_t *io) {
    fake_capture_t *fc = io->private_data;
    if (fc->disconnect_after != 0 && !fc->stats->disconnected &&
        fc->stats->frames_delivered >= (unsigned long)fc->disconnect_after * io->period_size) {
        fc->stats->disconnected = 1;
        snd_pcm_ioplug_set_state(io, SND_PCM_STATE_DISCONNECTED);
    }
    if (fc->xrun_every != 0 && fc->frames_since_xrun >= (unsigned long)fc->xrun_every * io->period_size) {
        fc->frames_since_xrun = 0;
        fc->stats->xruns_injected++;
        return -EPIPE;
    }
    return (snd_pcm_sframes_t)((io->appl_ptr + io->period_size) % io->buffer_size);
}

static snd_pcm_sframes_t fc_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
                                     snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
    fake_capture_t *fc = io->private_data;
    unsigned long base = fc->stats->frames_delivered;
    for (snd_pcm_uframes_t i = 0; i < size; i++) {
        for (unsigned int c = 0; c < io->channels; c++) {
            const snd_pcm_channel_area_t *a = &areas[c];
            char *address = (char *)a->addr + (a->first + (offset + i) * a->step) / 8;
            short value = fake_capture_sample(base + i, c);
            if (io->format == SND_PCM_FORMAT_S32_LE) {
                int32_t wide = (int32_t)((uint32_t)(uint16_t)value << 16);
                memcpy(address, &wide, sizeof wide);
            } else {
                memcpy(address, &value, sizeof value);
            }
        }
    }
    fc->stats->frames_delivered += size;
    fc->frames_since_xrun += size;
    return (snd_pcm_sframes_t)size;
}

static int fc_close(snd_pcm_ioplug_t *io) {
    fake_capture_t *fc = io->private_data;
    fc->stats->closed = 1;
    close(fc->pipe_fds[0]);
    close(fc->pipe_fds[1]);
    free(fc);
    return 0;
}

static const snd_pcm_ioplug_callback_t fake_callbacks = {
    .start = fc_start,
    .stop = fc_stop,
    .pointer = fc_pointer,
    .transfer = fc_transfer,
    .close = fc_close,
    .prepare = fc_prepare,
};

int fake_capture_open(snd_pcm_t **pcm, const char *name, unsigned int xrun_every_periods,
                      unsigned int disconnect_after_periods, int only_s16,
                      fake_capture_stats_t *stats) {
    if (pcm == NULL || stats == NULL) return -EINVAL;
    memset(stats, 0, sizeof *stats);
    fake_capture_t *fc = calloc(1, sizeof *fc);
    if (fc == NULL) return -ENOMEM;
    if (pipe(fc->pipe_fds) != 0) {
        int error = errno;
        free(fc);
        return -error;
    }
    char byte = 1;
    if (write(fc->pipe_fds[1], &byte, 1) != 1) {
        close(fc->pipe_fds[0]);
        close(fc->pipe_fds[1]);
        free(fc);
        return -EIO;
    }
    fc->xrun_every = xrun_every_periods;
    fc->disconnect_after = disconnect_after_periods;
    fc->stats = stats;
    fc->io.version = SND_PCM_IOPLUG_VERSION;
    fc->io.name = "Earshot fake capture";
    fc->io.callback = &fake_callbacks;
    fc->io.private_data = fc;
    fc->io.poll_fd = fc->pipe_fds[0];
    fc->io.poll_events = POLLIN;
    fc->io.mmap_rw = 0;

    int err = snd_pcm_ioplug_create(&fc->io, name, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
    if (err < 0) {
        close(fc->pipe_fds[0]);
        close(fc->pipe_fds[1]);
        free(fc);
        return err;
    }
    static const unsigned int access_list[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
    static const unsigned int formats[] = {SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE};
    if ((err = snd_pcm_ioplug_set_param_list(&fc->io, SND_PCM_IOPLUG_HW_ACCESS, 1, access_list)) < 0 ||
        (err = snd_pcm_ioplug_set_param_list(&fc->io, SND_PCM_IOPLUG_HW_FORMAT, only_s16 ? 1 : 2, formats)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&fc->io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 2)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&fc->io, SND_PCM_IOPLUG_HW_RATE, 8000, 48000)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&fc->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 32, 8192)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&fc->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 16)) < 0) {
        snd_pcm_ioplug_delete(&fc->io);   // calls fc_close, which frees fc
        return err;
    }
    *pcm = fc->io.pcm;
    return 0;
}
