#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CALSA

/// An ALSA capture stream that delivers one period at a time as mono `Float` samples.
///
/// Opening negotiates the parameters (format by the fallback order of
/// `SampleFormat.negotiationOrder`, nearest rate, channels, period and buffer size) and
/// allocates the one raw buffer reads go through. After that, `read(into:)` allocates nothing;
/// it recovers from overruns and suspends by itself and counts them.
///
/// ```
/// let mic = try CaptureDevice(device: "plughw:1,0", parameters: CaptureParameters(rate: 16_000))
/// let samples = UnsafeMutableBufferPointer<Float>.allocate(capacity: mic.periodFrames)
/// while running { let n = try mic.read(into: samples); ... }
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

    /// Whether reads block until a period is available.
    public let isBlocking: Bool
    /// The configuration the PCM was looked up in; kept alive as long as the PCM.
    private let localConfiguration: ALSAConfiguration?
    /// One period of raw interleaved samples in the granted format.
    private let raw: UnsafeMutableRawPointer
    private let rawByteCount: Int
    private let bytesPerFrame: Int
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
    ///   - blocking: whether `read(into:)` waits for a full period.
    /// - Throws: `AudioError.deviceNotFound`, `.deviceBusy`, `.open`, `.invalidParameter`,
    ///   `.unsupportedFormat`, `.hardwareParameter`, `.softwareParameter`.
    public convenience init(
        device: String, parameters: CaptureParameters = CaptureParameters(),
        configuration: ALSAConfiguration? = nil, blocking: Bool = true
    ) throws(AudioError) {
        try Self.validate(parameters)
        let handle: PCMHandle
        if let configuration {
            handle = try PCMHandle.openCapture(name: device, configuration: configuration, blocking: blocking)
        } else {
            handle = try PCMHandle.openCapture(name: device, blocking: blocking)
        }
        try self.init(handle: handle, device: device, parameters: parameters,
                      configuration: configuration, blocking: blocking)
    }

    /// Takes ownership of an already open capture PCM (for example an in-process `ioplug` PCM)
    /// and negotiates `parameters` on it. The handle is closed if negotiation fails.
    ///
    /// - Throws: as `init(device:parameters:configuration:blocking:)`, without the open errors.
    public init(
        handle: PCMHandle, device: String, parameters: CaptureParameters = CaptureParameters(),
        configuration: ALSAConfiguration? = nil, blocking: Bool = true
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
        self.isBlocking = blocking
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

        var rate = UInt32(requested.rate)
        code = systemHardwareParametersSetRateNear(pcm, hw, &rate)
        if code < 0 { throw .hardwareParameter(device: device, name: "rate", value: requested.rate, code: code) }

        var period = snd_pcm_uframes_t(requested.periodFrames)
        code = systemHardwareParametersSetPeriodSizeNear(pcm, hw, &period)
        if code < 0 {
            throw .hardwareParameter(device: device, name: "period", value: requested.periodFrames, code: code)
        }

        var buffer = snd_pcm_uframes_t(requested.bufferFrames)
        code = systemHardwareParametersSetBufferSizeNear(pcm, hw, &buffer)
        if code < 0 {
            throw .hardwareParameter(device: device, name: "buffer", value: requested.bufferFrames, code: code)
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
            periodFrames: Int(period), bufferFrames: Int(buffer))
    }

    // MARK: - Reading

    /// Reads one period and writes it to `output` as mono `Float` samples in [-1, 1]
    /// (channels averaged; see `convertToMono`).
    ///
    /// Blocking: waits until the whole period has arrived and returns `periodFrames`.
    /// Non-blocking: returns 0 when less than a period is available (poll and call again),
    /// otherwise `periodFrames`. Overruns and suspends are recovered from (`snd_pcm_recover`)
    /// and counted in `xrunCount` / `suspendCount`; the frames lost are not replaced.
    /// The raw buffer is cleared before each read, so a source that delivers frames without
    /// writing them (ALSA's `file` plugin after the end of its `infile`) reads as silence.
    ///
    /// - Parameter output: at least `periodFrames` floats.
    /// - Throws: `AudioError.deviceDisconnected` (close, then `reopen`), `.recovery`, `.read`,
    ///   `.bufferTooSmall`.
    /// Allocates: never (the error paths aside). Wraps `snd_pcm_readi`, `snd_pcm_avail_update`,
    /// `snd_pcm_recover`.
    public func read(into output: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let period = configuration.granted.periodFrames
        guard let destination = output.baseAddress, output.count >= period else {
            throw .bufferTooSmall(required: period, provided: output.count)
        }
        if !isBlocking {
            let ready = try framesReadyWithoutBlocking()
            if ready < period { return 0 }
        }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: rawByteCount)
        var done = 0
        while done < period {
            let result = handle.readInterleaved(raw.advanced(by: done &* bytesPerFrame), frames: period &- done)
            if result >= 0 {
                done &+= result
                continue
            }
            try handleReadError(Int32(truncatingIfNeeded: result))
        }
        convertToMono(UnsafeRawPointer(raw), format: configuration.granted.format,
                      channels: configuration.granted.channels, frames: period, into: destination)
        framesRead &+= period
        return period
    }

    /// Frames available now, starting a prepared stream and recovering from xruns first.
    private func framesReadyWithoutBlocking() throws(AudioError) -> Int {
        while true {
            if handle.state == .prepared {
                let started = systemPCMStart(handle.rawValue)
                if started < 0 { try handleReadError(started) }
            }
            let available = handle.availableFrames()
            if available >= 0 { return available }
            try handleReadError(Int32(truncatingIfNeeded: available))
        }
    }

    /// Recovers from `code` (a negative alsa-lib error from a read) or throws.
    private func handleReadError(_ code: Int32) throws(AudioError) {
        switch -code {
        case EINTR, EAGAIN:
            // Interrupted, or a non-blocking stream ran dry mid-period: try again.
            return
        case EPIPE:
            xrunCount &+= 1
            let recovered = handle.recover(from: code)
            if recovered < 0 { throw .recovery(device: device, code: recovered) }
        case ESTRPIPE:
            suspendCount &+= 1
            let recovered = handle.recover(from: code)
            if recovered < 0 { throw .recovery(device: device, code: recovered) }
            // A device whose resume reports success but leaves it suspended: prepare it.
            if handle.state == .suspended {
                let prepared = systemPCMPrepare(handle.rawValue)
                if prepared < 0 { throw .recovery(device: device, code: prepared) }
            }
        case ENODEV:
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
        configuration: ALSAConfiguration? = nil, blocking: Bool = true,
        policy: ReopenPolicy = ReopenPolicy(), shouldContinue: () -> Bool = { true }
    ) throws(AudioError) -> CaptureDevice {
        var attempt = 1
        while true {
            do {
                return try CaptureDevice(device: device, parameters: parameters,
                                         configuration: configuration, blocking: blocking)
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
