import CALSA

/// A sample format this module can read and convert to `Float`.
///
/// All are little-endian and signed (or IEEE float), the formats USB microphones and I2S
/// codecs on single-board computers offer.
public enum SampleFormat: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// 16-bit signed integer (`SND_PCM_FORMAT_S16_LE`); full scale 32768.
    case s16LE
    /// 32-bit signed integer (`SND_PCM_FORMAT_S32_LE`); full scale 2^31.
    case s32LE
    /// 32-bit IEEE float in [-1, 1] (`SND_PCM_FORMAT_FLOAT_LE`).
    case floatLE
    /// 24-bit signed integer in the low three bytes of a 32-bit word (`SND_PCM_FORMAT_S24_LE`).
    case s24LE
    /// 24-bit signed integer packed in three bytes (`SND_PCM_FORMAT_S24_3LE`).
    case s24Packed3LE

    /// ALSA's name for the format, as `arecord -f` spells it: `S16_LE`, `S32_LE`, `FLOAT_LE`,
    /// `S24_LE`, `S24_3LE`.
    public var name: String {
        switch self {
        case .s16LE: return "S16_LE"
        case .s32LE: return "S32_LE"
        case .floatLE: return "FLOAT_LE"
        case .s24LE: return "S24_LE"
        case .s24Packed3LE: return "S24_3LE"
        }
    }

    public var description: String { name }

    /// The format with ALSA's name `name` (case-insensitive), or nil.
    public init?(name: String) {
        for format in SampleFormat.allCases where format.name.lowercased() == name.lowercased() {
            self = format
            return
        }
        return nil
    }

    /// Bytes one sample occupies in an interleaved buffer.
    public var bytesPerSample: Int {
        switch self {
        case .s16LE: return 2
        case .s24Packed3LE: return 3
        case .s32LE, .floatLE, .s24LE: return 4
        }
    }

    /// The order in which formats are tried: `requested` first, then 16-bit, 32-bit, float,
    /// and the two 24-bit layouts (the cheapest conversions first).
    public static func negotiationOrder(preferring requested: SampleFormat) -> [SampleFormat] {
        var order: [SampleFormat] = [requested]
        for format in [SampleFormat.s16LE, .s32LE, .floatLE, .s24Packed3LE, .s24LE] where format != requested {
            order.append(format)
        }
        return order
    }

    /// The alsa-lib constant for this format.
    var alsaFormat: snd_pcm_format_t {
        switch self {
        case .s16LE: return SND_PCM_FORMAT_S16_LE
        case .s32LE: return SND_PCM_FORMAT_S32_LE
        case .floatLE: return SND_PCM_FORMAT_FLOAT_LE
        case .s24LE: return SND_PCM_FORMAT_S24_LE
        case .s24Packed3LE: return SND_PCM_FORMAT_S24_3LE
        }
    }

    /// The format for an alsa-lib constant, or nil for formats this module cannot convert.
    init?(alsaFormat: snd_pcm_format_t) {
        for format in SampleFormat.allCases where format.alsaFormat == alsaFormat {
            self = format
            return
        }
        return nil
    }
}
