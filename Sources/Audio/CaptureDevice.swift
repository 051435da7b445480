#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CALSA

/// An ALSA capture stream that delivers one period at a time as mono `Float` samples.
///
/// Opening (non-blocking, so a busy device fails at once) negotiates the parameters: format by
/// the fallback order of `SampleFormat.negotiationOrder`, then the nearest channel count, rate,
/// period and buffer size; `configuration.granted` says what the device accepted. It allocates
/// the one raw buffer reads go through. After that, `read(into:)` allocates nothing; it waits
/// with a timeout (so a caller can notice a stop request), recovers from overruns and suspends
/// by itself and counts them.
///
/// ```
/// let mic = try CaptureDevice(device: "plughw:1,0", parameters: CaptureParameters(rate: 16_000))
/// let samples = UnsafeMutableBufferPointer<Float>.allocate(capacity: mic.periodFrames)
/// while running { if try mic.read(into: samples) > 0 { ... } }
/// ```
public final class CaptureDevice {
    /// The open PCM.
    public let handle: PCMHandle
    /// What was asked for and what the device granted.
    public let configuration: CaptureConfiguration
    /// Overruns (`-EPIPE`) recovered from since opening.
    public private(set) var xrunCount: Int = 0
    /// Suspends (`-ESTRPIPE`) recovered from since opening.
    public private(set) var suspendCount: Int = 0
    /// Frames delivered by `read(into:)` since opening.
    public private(set) var framesRead: Int = 0
    /// How long one `read(into:)` waits for a period before returning 0 (milliseconds;
    /// 0 = do not wait, -1 = wait forever).
    public var waitTimeoutMilliseconds: Int = 200

    /// The configuration the PCM was looked up in; kept alive as long as the PCM.
    private let localConfiguration: ALSAConfiguration?
    /// One period of raw interleaved samples in the granted format.
    private let raw: UnsafeMutableRawPointer
    private let rawByteCount: Int
    private let bytesPerFrame: Int
    /// Frames of the current period already in `raw`.
    private var filledFrames = 0
    private var isClosed = false

    /// The granted period: frames per `read(into:)`.
    public var periodFrames: Int { configuration.granted.periodFrames }
    /// The granted sample rate.
    public var rate: Int { configuration.granted.rate }
    /// The PCM name that was opened.
    public var device: String { configuration.device }

    // MARK: - Opening

    /// Opens `device` for capture and negotiates `parameters`.
    ///
    /// - Parameters:
    ///   - device: an ALSA PCM name (`default`, `hw:1,0`, `plughw:...`, or a PCM defined in the
    ///     ALSA configuration or in `configuration`).
    ///   - parameters: the requested format, rate, channels, period and buffer.
    ///   - configuration: a private configuration to look `device` up in (`snd_pcm_open_lconf`);
    ///     nil for the system's (`snd_pcm_open`).
    /// - Throws: `AudioError.deviceNotFound`, `.deviceBusy`, `.open`, `.invalidParameter`,
    ///   `.unsupportedFormat`, `.hardwareParameter`, `.softwareParameter`.
    public convenience init(
        device: String, parameters: CaptureParameters = CaptureParameters(),
        configuration: ALSAConfiguration? = nil
    ) throws(AudioError) {
        try Self.validate(parameters)
        let handle: PCMHandle
        if let configuration {
            handle = try PCMHandle.openCapture(name: device, configuration: configuration)
        } else {
            handle = try PCMHandle.openCapture(name: device)
        }
        try self.init(handle: handle, device: device, parameters: parameters, configuration: configuration)
    }

    /// Takes ownership of an already open capture PCM (for example an in-process `ioplug` PCM)
    /// and negotiates `parameters` on it. The handle is closed if negotiation fails. Reads
    /// assume the handle is in non-blocking mode (`snd_pcm_nonblock`) and wait with `snd_pcm_wait`.
    ///
    /// - Throws: as `init(device:parameters:configuration:)`, without the open errors.
    public init(
        handle: PCMHandle, device: String, parameters: CaptureParameters = CaptureParameters(),
        configuration: ALSAConfiguration? = nil
    ) throws(AudioError) {
        let granted: CaptureParameters
        do {
            try Self.validate(parameters)
            granted = try Self.negotiate(handle, device: device, requested: parameters)
        } catch {
            try? handle.close()
            throw error
        }
        self.handle = handle
        self.configuration = CaptureConfiguration(device: device, requested: parameters, granted: granted)
        self.localConfiguration = configuration
        self.bytesPerFrame = granted.channels &* granted.format.bytesPerSample
        self.rawByteCount = granted.periodFrames &* bytesPerFrame
        self.raw = UnsafeMutableRawPointer.allocate(byteCount: max(rawByteCount, 1), alignment: 16)
        self.raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(rawByteCount, 1))
    }

    deinit {
        if !isClosed { _ = systemPCMClose(handle.rawValue) }
        raw.deallocate()
    }

    /// Stops and closes the PCM now (otherwise it is closed when the object goes away).
    /// Wraps `snd_pcm_drop` and `snd_pcm_close`.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = systemPCMDrop(handle.rawValue)
        _ = systemPCMClose(handle.rawValue)
    }

    private static func validate(_ p: CaptureParameters) throws(AudioError) {
        if p.rate <= 0 || p.rate > 1_536_000 { throw .invalidParameter(name: "rate", value: p.rate) }
        if p.channels <= 0 || p.channels > 256 { throw .invalidParameter(name: "channels", value: p.channels) }
        if p.periodFrames <= 0 || p.periodFrames > 1 << 20 {
            throw .invalidParameter(name: "periodFrames", value: p.periodFrames)
        }
        if p.bufferFrames < p.periodFrames || p.bufferFrames > 1 << 24 {
            throw .invalidParameter(name: "bufferFrames", value: p.bufferFrames)
        }
    }

    /// Negotiates interleaved access, format, channels, rate, period and buffer size, in that
    /// order, installs them, and sets the wake-up threshold to one period.
    private static func negotiate(
        _ handle: PCMHandle, device: String, requested: CaptureParameters
    ) throws(AudioError) -> CaptureParameters {
        let pcm = handle.rawValue
        var allocated: OpaquePointer? = nil
        let made = systemHardwareParametersAllocate(&allocated)
        guard made >= 0, let hw = allocated else {
            throw .hardwareParameter(device: device, name: "allocation", value: 0, code: made)
        }
        defer { systemHardwareParametersFree(hw) }

        var code = systemHardwareParametersAny(pcm, hw)
        if code < 0 { throw .hardwareParameter(device: device, name: "any", value: 0, code: code) }
        code = systemHardwareParametersSetAccess(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)
        if code < 0 { throw .hardwareParameter(device: device, name: "interleaved access", value: 1, code: code) }

        let order = SampleFormat.negotiationOrder(preferring: requested.format)
        var chosen: SampleFormat? = nil
        for format in order where systemHardwareParametersTestFormat(pcm, hw, format.alsaFormat) == 0 {
            chosen = format
            break
        }
        guard let format = chosen else { throw .unsupportedFormat(device: device, tried: order) }
        code = systemHardwareParametersSetFormat(pcm, hw, format.alsaFormat)
        if code < 0 { throw .unsupportedFormat(device: device, tried: order) }

        var channels = UInt32(requested.channels)
        code = systemHardwareParametersSetChannelsNear(pcm, hw, &channels)
        if code < 0 { throw .hardwareParameter(device: device, name: "channels", value: requested.channels, code: code) }

        code = systemHardwareParametersSetRateResample(pcm, hw, requested.deviceResampling)
        if code < 0 && requested.deviceResampling {
            throw .hardwareParameter(device: device, name: "rate resampling", value: 1, code: code)
        }
        var rate = UInt32(requested.rate)
        code = systemHardwareParametersSetRateNear(pcm, hw, &rate)
        if code < 0 { throw .hardwareParameter(device: device, name: "rate", value: requested.rate, code: code) }

        // Period and buffer are asked for in time: frames at the requested rate, scaled to the
        // granted one (160 frames at 16 kHz = 10 ms = 480 frames at 48 kHz).
        let periodRequest = scaled(requested.periodFrames, from: requested.rate, to: Int(rate))
        var period = snd_pcm_uframes_t(periodRequest)
        code = systemHardwareParametersSetPeriodSizeNear(pcm, hw, &period)
        if code < 0 {
            throw .hardwareParameter(device: device, name: "period", value: periodRequest, code: code)
        }

        let bufferRequest = max(scaled(requested.bufferFrames, from: requested.rate, to: Int(rate)), 2 &* Int(period))
        var buffer = snd_pcm_uframes_t(bufferRequest)
        code = systemHardwareParametersSetBufferSizeNear(pcm, hw, &buffer)
        if code < 0 {
            throw .hardwareParameter(device: device, name: "buffer", value: bufferRequest, code: code)
        }

        code = systemHardwareParametersInstall(pcm, hw)
        if code < 0 { throw .hardwareParameter(device: device, name: "parameters", value: 0, code: code) }

        // Read back what the device actually holds.
        var grantedFormat = format.alsaFormat
        _ = systemHardwareParametersGetFormat(hw, &grantedFormat)
        _ = systemHardwareParametersGetChannels(hw, &channels)
        _ = systemHardwareParametersGetRate(hw, &rate)
        _ = systemHardwareParametersGetPeriodSize(hw, &period)
        _ = systemHardwareParametersGetBufferSize(hw, &buffer)
        guard let finalFormat = SampleFormat(alsaFormat: grantedFormat) else {
            throw .unsupportedFormat(device: device, tried: order)
        }

        var software: OpaquePointer? = nil
        code = systemSoftwareParametersAllocate(&software)
        guard code >= 0, let sw = software else {
            throw .softwareParameter(device: device, name: "allocation", code: code)
        }
        defer { systemSoftwareParametersFree(sw) }
        code = systemSoftwareParametersCurrent(pcm, sw)
        if code < 0 { throw .softwareParameter(device: device, name: "current", code: code) }
        code = systemSoftwareParametersSetAvailableMinimum(pcm, sw, Int(period))
        if code < 0 { throw .softwareParameter(device: device, name: "avail_min", code: code) }
        code = systemSoftwareParametersInstall(pcm, sw)
        if code < 0 { throw .softwareParameter(device: device, name: "parameters", code: code) }

        return CaptureParameters(
            format: finalFormat, rate: Int(rate), channels: Int(channels),
            periodFrames: Int(period), bufferFrames: Int(buffer),
            deviceResampling: requested.deviceResampling)
    }

    /// `frames` at `from` Hz expressed at `to` Hz, rounded, at least 1.
    private static func scaled(_ frames: Int, from: Int, to: Int) -> Int {
        guard from != to, from > 0 else { return frames }
        return max(1, Int((Double(frames) * Double(to) / Double(from)).rounded()))
    }

    // MARK: - Reading

    /// Reads one period and writes it to `output` as mono `Float` samples in [-1, 1]
    /// (channels averaged; see `convertToMono`).
    ///
    /// Returns `periodFrames` when a whole period was read, or 0 when it has not arrived within
    /// `waitTimeoutMilliseconds` or the wait was interrupted by a signal: check for a stop
    /// request and call again (frames already received are kept for the next call). A stream in
    /// the prepared state is started. Overruns (`-EPIPE`) and suspends (`-ESTRPIPE`) are
    /// recovered from with `snd_pcm_recover`, counted in `xrunCount` / `suspendCount`, and the
    /// partial period is dropped; the lost frames are not replaced. The raw buffer is cleared
    /// before each period, so a source that delivers frames without writing them (ALSA's
    /// `file` plugin after the end of its `infile`) reads as silence.
    ///
    /// - Parameter output: at least `periodFrames` floats.
    /// - Throws: `AudioError.deviceDisconnected` (close it, then `reopen`), `.recovery`,
    ///   `.read`, `.bufferTooSmall`.
    /// Allocates: never (the error paths aside). Wraps `snd_pcm_readi`, `snd_pcm_wait`,
    /// `snd_pcm_start`, `snd_pcm_recover`.
    public func read(into output: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let period = configuration.granted.periodFrames
        guard let destination = output.baseAddress, output.count >= period else {
            throw .bufferTooSmall(required: period, provided: output.count)
        }
        let pcm = handle.rawValue
        while filledFrames < period {
            if filledFrames == 0 { raw.initializeMemory(as: UInt8.self, repeating: 0, count: rawByteCount) }
            if systemPCMState(pcm) == SND_PCM_STATE_PREPARED {
                let started = systemPCMStart(pcm)
                if started < 0 {
                    if try recover(started) { return 0 }
                    continue
                }
            }
            let result = systemPCMReadInterleaved(
                pcm, raw.advanced(by: filledFrames &* bytesPerFrame), period &- filledFrames)
            if result > 0 {
                filledFrames &+= result
                continue
            }
            if result == 0 || result == -Int(EAGAIN) {
                // Less than the rest of the period is ready: wait for the wake-up threshold.
                let waited = systemPCMWait(pcm, Int32(clamping: waitTimeoutMilliseconds))
                if waited == 0 { return 0 }
                if waited < 0, try recover(waited) { return 0 }
                continue
            }
            if try recover(Int32(truncatingIfNeeded: result)) { return 0 }
        }
        convertToMono(UnsafeRawPointer(raw), format: configuration.granted.format,
                      channels: configuration.granted.channels, frames: period, into: destination)
        filledFrames = 0
        framesRead &+= period
        return period
    }

    /// Handles `code` (a negative alsa-lib error from a read, wait or start): returns true when
    /// the read should return 0 now (interrupted), false to go on reading after a recovery.
    private func recover(_ code: Int32) throws(AudioError) -> Bool {
        switch -code {
        case EINTR:
            return true
        case EAGAIN:
            return false
        case EPIPE:
            xrunCount &+= 1
            filledFrames = 0
            let recovered = handle.recover(from: code)
            if recovered < 0 { throw .recovery(device: device, code: recovered) }
            return false
        case ESTRPIPE:
            suspendCount &+= 1
            filledFrames = 0
            let recovered = handle.recover(from: code)
            if recovered < 0 { throw .recovery(device: device, code: recovered) }
            // A device whose resume reports success but leaves it suspended: prepare it.
            if handle.state == .suspended {
                let prepared = systemPCMPrepare(handle.rawValue)
                if prepared < 0 { throw .recovery(device: device, code: prepared) }
            }
            return false
        case ENODEV, ENOTTY, EBADFD:
            // USB devices report removal as -ENODEV; some drivers' streams end up in a state
            // that reads as -EBADFD or -ENOTTY once the card is gone.
            throw .deviceDisconnected(device: device)
        default:
            throw .read(device: device, code: code)
        }
    }

    // MARK: - Reopening

    /// How `reopen` waits between attempts: `initialDelayMilliseconds`, doubling up to
    /// `maximumDelayMilliseconds`, for at most `maximumAttempts` attempts (nil: no limit).
    public struct ReopenPolicy: Sendable, Equatable {
        public var initialDelayMilliseconds: Int
        public var maximumDelayMilliseconds: Int
        public var maximumAttempts: Int?

        public init(initialDelayMilliseconds: Int = 100, maximumDelayMilliseconds: Int = 2_000, maximumAttempts: Int? = nil) {
            self.initialDelayMilliseconds = max(0, initialDelayMilliseconds)
            self.maximumDelayMilliseconds = max(self.initialDelayMilliseconds, maximumDelayMilliseconds)
            self.maximumAttempts = maximumAttempts
        }

        /// The delay before attempt `attempt` (1-based; attempt 1 is immediate).
        public func delayMilliseconds(beforeAttempt attempt: Int) -> Int {
            if attempt <= 1 { return 0 }
            var delay = initialDelayMilliseconds
            var step = 2
            while step < attempt && delay < maximumDelayMilliseconds {
                delay = min(delay &* 2, maximumDelayMilliseconds)
                step &+= 1
            }
            return delay
        }
    }

    /// Opens `device` again after it disappeared (a USB microphone unplugged) or was busy,
    /// trying immediately and then with exponential backoff.
    ///
    /// Only "not found", "busy" and "disconnected" errors are retried; any other error is thrown
    /// at once. `shouldContinue` is asked before each wait (return false to stop, e.g. on SIGINT).
    ///
    /// - Throws: the first non-retryable error, or `AudioError.reopenGaveUp` with the last error.
    public static func reopen(
        device: String, parameters: CaptureParameters = CaptureParameters(),
        configuration: ALSAConfiguration? = nil,
        policy: ReopenPolicy = ReopenPolicy(), shouldContinue: () -> Bool = { true }
    ) throws(AudioError) -> CaptureDevice {
        var attempt = 1
        while true {
            do {
                return try CaptureDevice(device: device, parameters: parameters, configuration: configuration)
            } catch {
                switch error {
                case .deviceNotFound, .deviceBusy, .deviceDisconnected: break
                default: throw error
                }
                if let limit = policy.maximumAttempts, attempt >= limit {
                    throw .reopenGaveUp(device: device, attempts: attempt, last: error)
                }
                if !shouldContinue() { throw .reopenGaveUp(device: device, attempts: attempt, last: error) }
                attempt &+= 1
                sleepMilliseconds(policy.delayMilliseconds(beforeAttempt: attempt))
            }
        }
    }
}

/// Sleeps the calling thread, resuming after signals until the time has passed. Wraps `nanosleep`.
func sleepMilliseconds(_ milliseconds: Int) {
    guard milliseconds > 0 else { return }
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR {
        request = remaining
    }
}
