// An in-process ALSA capture device for tests, built on alsa-lib's external-plugin (ioplug)
// API: no sound card, no .so to install. fake_capture_open returns a real snd_pcm_t made by
// snd_pcm_ioplug_create; everything an application does with it (hw_params, readi, wait,
// recover, close) goes through libasound's ordinary PCM code.
//
// The "hardware" always has exactly one period ready beyond what was read, and fills it with
// a ramp: channel c of frame f (counted over the device's lifetime) holds
// (int16_t)((f * 3 + c * 1000) % 30000 - 15000), as S16_LE or, when negotiated, S32_LE
// (the same value << 16). Faults are injected on schedule:
//   - an overrun (the pointer callback reports -EPIPE) after every `xrun_every_periods` periods;
//   - a disconnect (the stream goes to SND_PCM_STATE_DISCONNECTED, reads fail with -ENODEV)
//     once `disconnect_after_periods` periods were delivered.
// 0 disables either.
#ifndef EARSHOT_FAKE_CAPTURE_H
#define EARSHOT_FAKE_CAPTURE_H

#include <alsa/asoundlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What the fake device did; owned by the caller and updated while the PCM is open.
typedef struct fake_capture_stats {
    unsigned long frames_delivered;   ///< frames written into the application's buffers
    unsigned long xruns_injected;     ///< overruns reported by the pointer callback
    unsigned long prepares;           ///< prepare callbacks (snd_pcm_prepare, snd_pcm_recover)
    unsigned long starts;             ///< start callbacks
    int disconnected;                 ///< 1 once the disconnect was injected
    int closed;                       ///< 1 after snd_pcm_close
} fake_capture_stats_t;

/// Opens a fake capture PCM named `name` in non-blocking mode.
///
/// Offers interleaved access, S16_LE and S32_LE (only S16_LE when `only_s16` is non-zero),
/// 1–2 channels, rates 8000–48000, periods of 32–8192 bytes, 2–16 periods.
/// Returns 0 or a negative errno; on success *pcm is the PCM (close it with snd_pcm_close).
int fake_capture_open(snd_pcm_t **pcm, const char *name, unsigned int xrun_every_periods,
                      unsigned int disconnect_after_periods, int only_s16,
                      fake_capture_stats_t *stats);

/// The ramp value of channel `channel` in lifetime frame `frame` (see above).
short fake_capture_sample(unsigned long frame, unsigned int channel);

#ifdef __cplusplus
}
#endif

#endif
