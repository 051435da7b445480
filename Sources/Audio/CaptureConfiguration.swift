/// The capture parameters: sample format, rate, channel count, period and buffer size.
///
/// Used twice: for what the caller asks for, and for what the device granted.
public struct CaptureParameters: Sendable, Equatable, CustomStringConvertible {
    /// Sample format of the device's samples.
    public var format: SampleFormat
    /// Frames per second.
    public var rate: Int
    /// Interleaved channels per frame.
    public var channels: Int
    /// Frames per period: what one `CaptureDevice.read(into:)` returns. In a request, frames at
    /// `rate`: a device that grants another rate is asked for the same duration at its rate.
    public var periodFrames: Int
    /// Frames in the device's ring buffer (at least two periods to avoid overruns); in a
    /// request, frames at `rate`, like `periodFrames`.
    public var bufferFrames: Int
    /// Whether ALSA's `plug` layer may convert the rate when the hardware does not offer
    /// `rate` (`snd_pcm_hw_params_set_rate_resample`). Off by default: the device then grants
    /// its nearest native rate and Earshot's own polyphase `Resampler` converts it, with a
    /// better filter than alsa-lib's default linear interpolation.
    public var deviceResampling: Bool

    /// - Parameters: see the properties. `bufferFrames` defaults to four periods.
    public init(
        format: SampleFormat = .s16LE, rate: Int = 16_000, channels: Int = 1,
        periodFrames: Int = 160, bufferFrames: Int? = nil, deviceResampling: Bool = false
    ) {
        self.format = format
        self.rate = rate
        self.channels = channels
        self.periodFrames = periodFrames
        self.bufferFrames = bufferFrames ?? periodFrames &* 4
        self.deviceResampling = deviceResampling
    }

    public var description: String {
        "\(format.name), \(rate) Hz, \(channels) channel\(channels == 1 ? "" : "s"), "
            + "period \(periodFrames) frames, buffer \(bufferFrames) frames"
    }
}

/// What the caller asked for and what the device granted after negotiation.
public struct CaptureConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The ALSA PCM name that was opened.
    public var device: String
    /// The parameters the caller asked for.
    public var requested: CaptureParameters
    /// The parameters the device granted (format from the fallback order, nearest rate,
    /// channels, period and buffer size).
    public var granted: CaptureParameters

    public init(device: String, requested: CaptureParameters, granted: CaptureParameters) {
        self.device = device
        self.requested = requested
        self.granted = granted
    }

    /// The names of the parameters whose granted value differs from the requested one.
    public var differences: [String] {
        var names: [String] = []
        if requested.format != granted.format { names.append("format") }
        if requested.rate != granted.rate { names.append("rate") }
        if requested.channels != granted.channels { names.append("channels") }
        if requested.periodFrames != granted.periodFrames { names.append("period") }
        if requested.bufferFrames != granted.bufferFrames { names.append("buffer") }
        return names
    }

    public var description: String {
        "'\(device)': requested \(requested); granted \(granted)"
    }
}
