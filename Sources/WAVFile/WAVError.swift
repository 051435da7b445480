/// Why a byte buffer is not a WAV file this reader can decode.
public enum WAVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than the 12 bytes of a RIFF/WAVE header.
    case tooShort(byteCount: Int)
    /// The first four bytes are not "RIFF" (RIFX/RF64 and other containers are not read).
    case notRIFF(found: String)
    /// The RIFF form type is not "WAVE".
    case notWAVE(found: String)
    /// A chunk header or body runs past the end of the bytes (a truncated file, or a size
    /// field larger than the file).
    case truncatedChunk(id: String, offset: Int, declaredSize: Int, available: Int)
    /// No "fmt " chunk.
    case missingFormatChunk
    /// No "data" chunk.
    case missingDataChunk
    /// The "fmt " chunk is shorter than its format needs.
    case formatChunkTooShort(size: Int, needed: Int)
    /// A compressed or otherwise unsupported format tag (named when known).
    case unsupportedFormat(tag: UInt16, name: String)
    /// WAVE_FORMAT_EXTENSIBLE with a subformat GUID other than PCM or IEEE float.
    case unsupportedSubformat(guid: String)
    /// The channel count is zero.
    case zeroChannels
    /// The sample rate is zero.
    case zeroSampleRate
    /// Bits per sample this reader does not decode for the format.
    case unsupportedBitsPerSample(bits: Int, format: String)
    /// nBlockAlign is not channels x bytes per sample.
    case blockAlignMismatch(blockAlign: Int, channels: Int, bitsPerSample: Int)
    /// The data chunk holds more frames than the caller's limit (`WAVFile.defaultMaximumFrames`).
    case tooManyFrames(frames: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooShort(let count):
            return "\(count) bytes is too short for a RIFF/WAVE header (12 bytes)"
        case .notRIFF(let found):
            return "not a RIFF file: starts with \(found), expected \"RIFF\""
        case .notWAVE(let found):
            return "not a WAVE file: RIFF form type is \(found), expected \"WAVE\""
        case .truncatedChunk(let id, let offset, let declaredSize, let available):
            return "chunk \(id) at byte \(offset) declares \(declaredSize) bytes but only \(available) remain"
        case .missingFormatChunk:
            return "no \"fmt \" chunk"
        case .missingDataChunk:
            return "no \"data\" chunk"
        case .formatChunkTooShort(let size, let needed):
            return "\"fmt \" chunk has \(size) bytes, needs at least \(needed)"
        case .unsupportedFormat(let tag, let name):
            return "unsupported WAV format tag 0x\(String(tag, radix: 16)) (\(name)); "
                + "only PCM (1), IEEE float (3) and extensible PCM/float are read"
        case .unsupportedSubformat(let guid):
            return "unsupported WAVE_FORMAT_EXTENSIBLE subformat \(guid); only PCM and IEEE float are read"
        case .zeroChannels:
            return "the WAV file declares zero channels"
        case .zeroSampleRate:
            return "the WAV file declares a sample rate of zero"
        case .unsupportedBitsPerSample(let bits, let format):
            return "\(bits) bits per sample is not supported for \(format) "
                + "(PCM: 8, 16, 24, 32; float: 32, 64)"
        case .blockAlignMismatch(let blockAlign, let channels, let bitsPerSample):
            return "block align \(blockAlign) does not match \(channels) channels x \(bitsPerSample) bits "
                + "(expected \(channels * ((bitsPerSample + 7) / 8)))"
        case .tooManyFrames(let frames, let limit):
            return "the data chunk holds \(frames) frames, more than the \(limit) this reader decodes at once"
        }
    }
}
