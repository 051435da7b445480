import CALSA

/// The state of a PCM stream, as `snd_pcm_state` reports it.
public enum PCMState: Sendable, Equatable {
    case open, setup, prepared, running, xrun, draining, paused, suspended, disconnected
    /// A state this module does not name (future alsa-lib versions), with its raw value.
    case other(UInt32)

    init(_ state: snd_pcm_state_t) {
        switch state {
        case SND_PCM_STATE_OPEN: self = .open
        case SND_PCM_STATE_SETUP: self = .setup
        case SND_PCM_STATE_PREPARED: self = .prepared
        case SND_PCM_STATE_RUNNING: self = .running
        case SND_PCM_STATE_XRUN: self = .xrun
        case SND_PCM_STATE_DRAINING: self = .draining
        case SND_PCM_STATE_PAUSED: self = .paused
        case SND_PCM_STATE_SUSPENDED: self = .suspended
        case SND_PCM_STATE_DISCONNECTED: self = .disconnected
        default: self = .other(state.rawValue)
        }
    }
}

/// An open ALSA capture PCM (`snd_pcm_t *`): a thin handle with one method per alsa-lib call.
///
/// The handle does not close itself; `CaptureDevice` owns one and closes it. Failures carry the
/// PCM name and alsa-lib's negative error code.
public struct PCMHandle: RawRepresentable, @unchecked Sendable {
    /// The `snd_pcm_t *`.
    public let rawValue: OpaquePointer

    /// Wraps an open `snd_pcm_t *` (for example one made with `snd_pcm_ioplug_create`).
    public init(rawValue: OpaquePointer) {
        self.rawValue = rawValue
    }

    /// Opens the PCM `name` for capture (`default`, `hw:1,0`, `plughw:CARD=Mic`, or any PCM
    /// defined in the ALSA configuration), in non-blocking mode: a device held by another
    /// program fails at once with `.deviceBusy` instead of waiting for it to be released.
    ///
    /// - Throws: `AudioError.deviceNotFound` (`-ENOENT`, `-ENODEV`, `-ENXIO`),
    ///   `.deviceBusy` (`-EBUSY`), `.open` otherwise.
    /// Wraps `snd_pcm_open`.
    public static func openCapture(name: String) throws(AudioError) -> PCMHandle {
        var pcm: OpaquePointer? = nil
        let code = systemPCMOpen(&pcm, name, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)
        return try opened(pcm, code, name)
    }

    /// Opens the PCM `name` for capture in non-blocking mode, looking it up in `configuration`
    /// instead of the global configuration.
    ///
    /// - Throws: as `openCapture(name:)`.
    /// Wraps `snd_pcm_open_lconf`.
    public static func openCapture(name: String, configuration: ALSAConfiguration) throws(AudioError) -> PCMHandle {
        var pcm: OpaquePointer? = nil
        let code = systemPCMOpenLocalConfiguration(
            &pcm, name, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK, configuration.root)
        return try opened(pcm, code, name)
    }

    private static func opened(_ pcm: OpaquePointer?, _ code: Int32, _ name: String) throws(AudioError) -> PCMHandle {
        if code >= 0, let pcm { return PCMHandle(rawValue: pcm) }
        switch -code {
        case ENOENT, ENODEV, ENXIO: throw .deviceNotFound(device: name, code: code)
        case EBUSY: throw .deviceBusy(device: name)
        default: throw .open(device: name, code: code)
        }
    }

    /// The PCM's name as ALSA reports it. Wraps `snd_pcm_name`.
    public var name: String {
        guard let text = systemPCMName(rawValue) else { return "" }
        return String(cString: text)
    }

    /// The stream's current state. Allocates: never. Wraps `snd_pcm_state`.
    public var state: PCMState { PCMState(systemPCMState(rawValue)) }

    /// Closes the PCM; the handle must not be used afterwards. Wraps `snd_pcm_close`.
    public func close() throws(AudioError) {
        let code = systemPCMClose(rawValue)
        if code < 0 { throw .control(device: "pcm", operation: "close", code: code) }
    }

    /// Prepares the stream for (re)starting. Wraps `snd_pcm_prepare`.
    public func prepare() throws(AudioError) {
        let code = systemPCMPrepare(rawValue)
        if code < 0 { throw .control(device: name, operation: "prepare", code: code) }
    }

    /// Starts a prepared stream. Wraps `snd_pcm_start`.
    public func start() throws(AudioError) {
        let code = systemPCMStart(rawValue)
        if code < 0 { throw .control(device: name, operation: "start", code: code) }
    }

    /// Stops the stream and drops pending frames. Wraps `snd_pcm_drop`.
    public func drop() throws(AudioError) {
        let code = systemPCMDrop(rawValue)
        if code < 0 { throw .control(device: name, operation: "stop", code: code) }
    }

    /// Switches between blocking and non-blocking reads. Wraps `snd_pcm_nonblock`.
    public func setBlocking(_ blocking: Bool) throws(AudioError) {
        let code = systemPCMNonblock(rawValue, blocking ? 0 : 1)
        if code < 0 { throw .control(device: name, operation: "set the blocking mode of", code: code) }
    }

    /// Resumes a suspended stream; `-EAGAIN` while the device is still suspending, `-ENOSYS`
    /// when the device cannot resume (prepare it instead). Wraps `snd_pcm_resume`.
    public func resume() -> Int32 { systemPCMResume(rawValue) }

    /// Reads up to `frames` interleaved frames into `buffer` (which holds at least
    /// `frames` × channels × bytes per sample). Does not wait in non-blocking mode (the mode
    /// `openCapture` opens in).
    ///
    /// - Returns: frames read (≥ 0), or alsa-lib's negative error code: `-EPIPE` overrun,
    ///   `-ESTRPIPE` suspended, `-ENODEV` disconnected, `-EAGAIN` nothing available in
    ///   non-blocking mode, `-EINTR` interrupted.
    /// Allocates: never (in this module). Wraps `snd_pcm_readi`.
    @inline(__always)
    public func readInterleaved(_ buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        systemPCMReadInterleaved(rawValue, buffer, frames)
    }

    /// Frames ready to read, or a negative error code (`-EPIPE` after an overrun).
    /// Allocates: never. Wraps `snd_pcm_avail_update`.
    @inline(__always)
    public func availableFrames() -> Int { systemPCMAvailableUpdate(rawValue) }

    /// Waits up to `timeoutMilliseconds` (-1: forever) until the stream has at least its
    /// wake-up threshold (one period) ready to read.
    ///
    /// - Returns: 1 when ready, 0 on timeout, or alsa-lib's negative error code (`-EPIPE`,
    ///   `-ESTRPIPE`, `-ENODEV`, `-EINTR`).
    /// Allocates: never. Wraps `snd_pcm_wait`.
    @inline(__always)
    public func wait(timeoutMilliseconds: Int) -> Int32 {
        systemPCMWait(rawValue, Int32(clamping: timeoutMilliseconds))
    }

    /// Recovers from an overrun (`-EPIPE`, by preparing) or suspend (`-ESTRPIPE`, by resuming or
    /// preparing) without printing; returns 0 on success or the error it could not handle.
    /// Wraps `snd_pcm_recover`.
    @inline(__always)
    public func recover(from code: Int32) -> Int32 { systemPCMRecover(rawValue, code, 1) }
}
