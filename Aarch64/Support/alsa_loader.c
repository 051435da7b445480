// libasound loaded at run time for the static aarch64 build (tools/build_aarch64.sh): each alsa-lib
// function the Audio module calls is defined here with alsa-lib's own prototype (the headers check
// them) and forwards to libasound.so.2, opened with dlopen() on the first call. So the one static
// file runs on any board; only `listen` and `profile --device` need alsa-lib, and without it they
// stop with a message saying what to install. glibc's static dlopen needs the board's glibc to be
// the one the binary was linked with (2.36: Debian bookworm, Raspberry Pi OS bookworm).
#define _GNU_SOURCE  // struct timespec from <time.h>, so alsa-lib does not define its own
#include <alsa/asoundlib.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *earshot_alsa_library;

// The address of `name` in libasound.so.2; exits with a clear message when it cannot be loaded.
static void *earshot_alsa_symbol(const char *name) {
    // A race between two first calls only opens the library twice (dlopen counts references).
    if (earshot_alsa_library == NULL) {
        earshot_alsa_library = dlopen("libasound.so.2", RTLD_NOW | RTLD_GLOBAL);
        if (earshot_alsa_library == NULL) {
            fflush(stdout);
            fprintf(stderr,
                    "Error: capturing audio needs libasound.so.2 (alsa-lib), which could not be loaded (%s); "
                    "install it (Debian, Raspberry Pi OS: apt install libasound2)\n", dlerror());
            exit(1);
        }
    }
    void *address = dlsym(earshot_alsa_library, name);
    if (address == NULL) {
        fflush(stdout);
        fprintf(stderr, "Error: libasound.so.2 has no %s (alsa-lib too old; 1.1 or newer is needed)\n", name);
        exit(1);
    }
    return address;
}

// FORWARD(result type, name, (parameters), (arguments)): `name` resolved once, then called.
#define FORWARD(type, name, parameters, arguments)                                  \
    type name parameters {                                                          \
        static type (*function) parameters;                                         \
        if (function == NULL) function = (type (*) parameters)earshot_alsa_symbol(#name); \
        return function arguments;                                                  \
    }

// Configuration and error reporting.
FORWARD(int, snd_lib_error_set_handler, (snd_lib_error_handler_t handler), (handler))
FORWARD(const char *, snd_strerror, (int error), (error))
FORWARD(int, snd_config_update_ref, (snd_config_t **top), (top))
FORWARD(int, snd_config_top, (snd_config_t **config), (config))
FORWARD(int, snd_config_load, (snd_config_t *config, snd_input_t *in), (config, in))
FORWARD(int, snd_config_copy, (snd_config_t **destination, snd_config_t *source), (destination, source))
FORWARD(int, snd_config_delete, (snd_config_t *config), (config))
FORWARD(int, snd_input_stdio_open, (snd_input_t **input, const char *file, const char *mode), (input, file, mode))
FORWARD(int, snd_input_buffer_open, (snd_input_t **input, const char *buffer, ssize_t size), (input, buffer, size))
FORWARD(int, snd_input_close, (snd_input_t *input), (input))

// PCM lifetime, state and transfer.
FORWARD(int, snd_pcm_open, (snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode),
        (pcm, name, stream, mode))
FORWARD(int, snd_pcm_open_lconf,
        (snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode, snd_config_t *configuration),
        (pcm, name, stream, mode, configuration))
FORWARD(int, snd_pcm_close, (snd_pcm_t *pcm), (pcm))
FORWARD(const char *, snd_pcm_name, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_prepare, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_start, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_drop, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_resume, (snd_pcm_t *pcm), (pcm))
FORWARD(snd_pcm_state_t, snd_pcm_state, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_nonblock, (snd_pcm_t *pcm, int nonblock), (pcm, nonblock))
FORWARD(int, snd_pcm_recover, (snd_pcm_t *pcm, int error, int silent), (pcm, error, silent))
FORWARD(snd_pcm_sframes_t, snd_pcm_readi, (snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size), (pcm, buffer, size))
FORWARD(snd_pcm_sframes_t, snd_pcm_avail_update, (snd_pcm_t *pcm), (pcm))
FORWARD(int, snd_pcm_wait, (snd_pcm_t *pcm, int timeout), (pcm, timeout))

// Hardware parameters.
FORWARD(int, snd_pcm_hw_params_malloc, (snd_pcm_hw_params_t **params), (params))
FORWARD(int, snd_pcm_hw_params_any, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params), (pcm, params))
FORWARD(int, snd_pcm_hw_params, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params), (pcm, params))
FORWARD(int, snd_pcm_hw_params_set_access, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, snd_pcm_access_t access),
        (pcm, params, access))
FORWARD(int, snd_pcm_hw_params_test_format, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, snd_pcm_format_t format),
        (pcm, params, format))
FORWARD(int, snd_pcm_hw_params_set_format, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, snd_pcm_format_t format),
        (pcm, params, format))
FORWARD(int, snd_pcm_hw_params_set_rate_resample, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, unsigned int value),
        (pcm, params, value))
FORWARD(int, snd_pcm_hw_params_set_rate_near,
        (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, unsigned int *value, int *direction), (pcm, params, value, direction))
FORWARD(int, snd_pcm_hw_params_set_channels_near, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, unsigned int *value),
        (pcm, params, value))
FORWARD(int, snd_pcm_hw_params_set_period_size_near,
        (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, snd_pcm_uframes_t *value, int *direction),
        (pcm, params, value, direction))
FORWARD(int, snd_pcm_hw_params_set_buffer_size_near, (snd_pcm_t *pcm, snd_pcm_hw_params_t *params, snd_pcm_uframes_t *value),
        (pcm, params, value))
FORWARD(int, snd_pcm_hw_params_get_buffer_size, (const snd_pcm_hw_params_t *params, snd_pcm_uframes_t *value), (params, value))
FORWARD(int, snd_pcm_hw_params_get_channels, (const snd_pcm_hw_params_t *params, unsigned int *value), (params, value))
FORWARD(int, snd_pcm_hw_params_get_format, (const snd_pcm_hw_params_t *params, snd_pcm_format_t *value), (params, value))
FORWARD(int, snd_pcm_hw_params_get_period_size, (const snd_pcm_hw_params_t *params, snd_pcm_uframes_t *value, int *direction),
        (params, value, direction))
FORWARD(int, snd_pcm_hw_params_get_rate, (const snd_pcm_hw_params_t *params, unsigned int *value, int *direction),
        (params, value, direction))

// Software parameters.
FORWARD(int, snd_pcm_sw_params_malloc, (snd_pcm_sw_params_t **params), (params))
FORWARD(int, snd_pcm_sw_params_current, (snd_pcm_t *pcm, snd_pcm_sw_params_t *params), (pcm, params))
FORWARD(int, snd_pcm_sw_params, (snd_pcm_t *pcm, snd_pcm_sw_params_t *params), (pcm, params))
FORWARD(int, snd_pcm_sw_params_set_avail_min, (snd_pcm_t *pcm, snd_pcm_sw_params_t *params, snd_pcm_uframes_t value),
        (pcm, params, value))

// The three that return nothing.
void snd_pcm_hw_params_free(snd_pcm_hw_params_t *params) {
    static void (*function)(snd_pcm_hw_params_t *);
    if (function == NULL) function = (void (*)(snd_pcm_hw_params_t *))earshot_alsa_symbol("snd_pcm_hw_params_free");
    function(params);
}

void snd_pcm_sw_params_free(snd_pcm_sw_params_t *params) {
    static void (*function)(snd_pcm_sw_params_t *);
    if (function == NULL) function = (void (*)(snd_pcm_sw_params_t *))earshot_alsa_symbol("snd_pcm_sw_params_free");
    function(params);
}

void snd_config_unref(snd_config_t *top) {
    static void (*function)(snd_config_t *);
    if (function == NULL) function = (void (*)(snd_config_t *))earshot_alsa_symbol("snd_config_unref");
    function(top);
}
