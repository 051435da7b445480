import CALSA

// One internal shim per alsa-lib call, so every call into C is visible in one place.
// Each returns alsa-lib's result unchanged (negative errno on failure).

// MARK: - PCM lifetime

func systemPCMOpen(_ pcm: inout OpaquePointer?, _ name: String, _ stream: snd_pcm_stream_t, _ mode: Int32) -> Int32 {
    snd_pcm_open(&pcm, name, stream, mode)
}

func systemPCMOpenLocalConfiguration(
    _ pcm: inout OpaquePointer?, _ name: String, _ stream: snd_pcm_stream_t, _ mode: Int32,
    _ configuration: OpaquePointer
) -> Int32 {
    snd_pcm_open_lconf(&pcm, name, stream, mode, configuration)
}

func systemPCMClose(_ pcm: OpaquePointer) -> Int32 { snd_pcm_close(pcm) }
func systemPCMName(_ pcm: OpaquePointer) -> UnsafePointer<CChar>? { snd_pcm_name(pcm) }

// MARK: - PCM state

func systemPCMPrepare(_ pcm: OpaquePointer) -> Int32 { snd_pcm_prepare(pcm) }
func systemPCMStart(_ pcm: OpaquePointer) -> Int32 { snd_pcm_start(pcm) }
func systemPCMDrop(_ pcm: OpaquePointer) -> Int32 { snd_pcm_drop(pcm) }
func systemPCMResume(_ pcm: OpaquePointer) -> Int32 { snd_pcm_resume(pcm) }
func systemPCMState(_ pcm: OpaquePointer) -> snd_pcm_state_t { snd_pcm_state(pcm) }
func systemPCMNonblock(_ pcm: OpaquePointer, _ nonblock: Int32) -> Int32 { snd_pcm_nonblock(pcm, nonblock) }
func systemPCMRecover(_ pcm: OpaquePointer, _ error: Int32, _ silent: Int32) -> Int32 {
    snd_pcm_recover(pcm, error, silent)
}

// MARK: - PCM transfer

func systemPCMReadInterleaved(_ pcm: OpaquePointer, _ buffer: UnsafeMutableRawPointer, _ frames: Int) -> Int {
    snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(frames))
}

func systemPCMAvailableUpdate(_ pcm: OpaquePointer) -> Int { snd_pcm_avail_update(pcm) }
func systemPCMWait(_ pcm: OpaquePointer, _ timeoutMilliseconds: Int32) -> Int32 { snd_pcm_wait(pcm, timeoutMilliseconds) }

// MARK: - Hardware parameters

func systemHardwareParametersAllocate(_ params: inout OpaquePointer?) -> Int32 { snd_pcm_hw_params_malloc(&params) }
func systemHardwareParametersFree(_ params: OpaquePointer) { snd_pcm_hw_params_free(params) }
func systemHardwareParametersAny(_ pcm: OpaquePointer, _ params: OpaquePointer) -> Int32 {
    snd_pcm_hw_params_any(pcm, params)
}
func systemHardwareParametersSetAccess(_ pcm: OpaquePointer, _ params: OpaquePointer, _ access: snd_pcm_access_t) -> Int32 {
    snd_pcm_hw_params_set_access(pcm, params, access)
}
func systemHardwareParametersTestFormat(_ pcm: OpaquePointer, _ params: OpaquePointer, _ format: snd_pcm_format_t) -> Int32 {
    snd_pcm_hw_params_test_format(pcm, params, format)
}
func systemHardwareParametersSetFormat(_ pcm: OpaquePointer, _ params: OpaquePointer, _ format: snd_pcm_format_t) -> Int32 {
    snd_pcm_hw_params_set_format(pcm, params, format)
}
func systemHardwareParametersSetRateResample(_ pcm: OpaquePointer, _ params: OpaquePointer, _ enabled: Bool) -> Int32 {
    snd_pcm_hw_params_set_rate_resample(pcm, params, enabled ? 1 : 0)
}
func systemHardwareParametersSetChannelsNear(_ pcm: OpaquePointer, _ params: OpaquePointer, _ value: inout UInt32) -> Int32 {
    snd_pcm_hw_params_set_channels_near(pcm, params, &value)
}
func systemHardwareParametersSetRateNear(_ pcm: OpaquePointer, _ params: OpaquePointer, _ value: inout UInt32) -> Int32 {
    var direction: Int32 = 0
    return snd_pcm_hw_params_set_rate_near(pcm, params, &value, &direction)
}
func systemHardwareParametersSetPeriodSizeNear(_ pcm: OpaquePointer, _ params: OpaquePointer, _ value: inout snd_pcm_uframes_t) -> Int32 {
    var direction: Int32 = 0
    return snd_pcm_hw_params_set_period_size_near(pcm, params, &value, &direction)
}
func systemHardwareParametersSetBufferSizeNear(_ pcm: OpaquePointer, _ params: OpaquePointer, _ value: inout snd_pcm_uframes_t) -> Int32 {
    snd_pcm_hw_params_set_buffer_size_near(pcm, params, &value)
}
func systemHardwareParametersInstall(_ pcm: OpaquePointer, _ params: OpaquePointer) -> Int32 { snd_pcm_hw_params(pcm, params) }
func systemHardwareParametersGetFormat(_ params: OpaquePointer, _ value: inout snd_pcm_format_t) -> Int32 {
    snd_pcm_hw_params_get_format(params, &value)
}
func systemHardwareParametersGetChannels(_ params: OpaquePointer, _ value: inout UInt32) -> Int32 {
    snd_pcm_hw_params_get_channels(params, &value)
}
func systemHardwareParametersGetRate(_ params: OpaquePointer, _ value: inout UInt32) -> Int32 {
    var direction: Int32 = 0
    return snd_pcm_hw_params_get_rate(params, &value, &direction)
}
func systemHardwareParametersGetPeriodSize(_ params: OpaquePointer, _ value: inout snd_pcm_uframes_t) -> Int32 {
    var direction: Int32 = 0
    return snd_pcm_hw_params_get_period_size(params, &value, &direction)
}
func systemHardwareParametersGetBufferSize(_ params: OpaquePointer, _ value: inout snd_pcm_uframes_t) -> Int32 {
    snd_pcm_hw_params_get_buffer_size(params, &value)
}

// MARK: - Software parameters

func systemSoftwareParametersAllocate(_ params: inout OpaquePointer?) -> Int32 { snd_pcm_sw_params_malloc(&params) }
func systemSoftwareParametersFree(_ params: OpaquePointer) { snd_pcm_sw_params_free(params) }
func systemSoftwareParametersCurrent(_ pcm: OpaquePointer, _ params: OpaquePointer) -> Int32 {
    snd_pcm_sw_params_current(pcm, params)
}
func systemSoftwareParametersSetAvailableMinimum(_ pcm: OpaquePointer, _ params: OpaquePointer, _ frames: Int) -> Int32 {
    snd_pcm_sw_params_set_avail_min(pcm, params, snd_pcm_uframes_t(frames))
}
func systemSoftwareParametersInstall(_ pcm: OpaquePointer, _ params: OpaquePointer) -> Int32 { snd_pcm_sw_params(pcm, params) }

// MARK: - Configuration

func systemConfigUpdateReference(_ top: inout OpaquePointer?) -> Int32 { snd_config_update_ref(&top) }
func systemConfigUnreference(_ config: OpaquePointer) { snd_config_unref(config) }
func systemConfigTop(_ config: inout OpaquePointer?) -> Int32 { snd_config_top(&config) }
func systemConfigCopy(_ destination: inout OpaquePointer?, _ source: OpaquePointer) -> Int32 {
    snd_config_copy(&destination, source)
}
func systemConfigLoad(_ config: OpaquePointer, _ input: OpaquePointer) -> Int32 { snd_config_load(config, input) }
func systemConfigDelete(_ config: OpaquePointer) -> Int32 { snd_config_delete(config) }
func systemInputBufferOpen(_ input: inout OpaquePointer?, _ bytes: UnsafePointer<CChar>, _ count: Int) -> Int32 {
    snd_input_buffer_open(&input, bytes, count)
}
func systemInputFileOpen(_ input: inout OpaquePointer?, _ path: String) -> Int32 {
    snd_input_stdio_open(&input, path, "r")
}
func systemInputClose(_ input: OpaquePointer) -> Int32 { snd_input_close(input) }

// MARK: - Library

func systemSetQuietErrors(_ quiet: Bool) -> Int32 { earshot_alsa_set_quiet(quiet ? 1 : 0) }
