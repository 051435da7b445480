// The C API of libasound (alsa-lib) as seen from Swift: the PCM, configuration and input
// interfaces from <alsa/asoundlib.h>, plus the external-plugin (ioplug) interface from
// <alsa/pcm_external.h>, which lets tests build an in-process PCM without a sound card.
#ifndef EARSHOT_CALSA_SHIM_H
#define EARSHOT_CALSA_SHIM_H

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

/// An ALSA library error handler that prints nothing. alsa-lib's handler type is variadic,
/// which Swift cannot define, so it lives here.
static void earshot_alsa_quiet_error_handler(const char *file, int line, const char *function,
                                             int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

/// Turns alsa-lib's own messages on stderr ("ALSA lib pcm.c:...") off (quiet != 0) or back on.
/// Wraps snd_lib_error_set_handler.
static inline int earshot_alsa_set_quiet(int quiet) {
    return snd_lib_error_set_handler(quiet ? earshot_alsa_quiet_error_handler : NULL);
}

#endif
