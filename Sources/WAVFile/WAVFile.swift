/// The sample encoding of a WAV file's data chunk.
public enum WAVSampleFormat: String, Equatable, Sendable {
    /// Unsigned 8-bit PCM, 128 = silence: (b - 128) / 128.
    case unsignedInt8
    /// Signed 16-bit PCM: s / 32768.
    case signedInt16
    /// Signed 24-bit PCM (3 bytes, little endian): s / 8388608.
    case signedInt24
    /// Signed 32-bit PCM: s / 2147483648.
    case signedInt32
    /// IEEE 754 binary32, passed through.
    case float32
    /// IEEE 754 binary64, rounded to Float.
    case float64

    /// Bytes per sample in the data chunk.
    public var byteCount: Int {
        switch self {
        case .unsignedInt8: return 1
        case .signedInt16: return 2
        case .signedInt24: return 3
        case .signedInt32, .float32: return 4
        case .float64: return 8
        }
    }
}

/// A decoded WAV file: its header fields and its samples downmixed to mono.
public struct WAVAudio: Equatable, Sendable {
    /// Frames per second, as declared.
    public let sampleRate: Int
    /// Interleaved channels in the file (before the downmix).
    public let channelCount: Int
    /// The stored sample encoding.
    public let format: WAVSampleFormat
    /// Mono samples, one per frame: the mean of the frame's channels, each scaled to [-1, 1)
    /// (integer formats; float formats pass through unscaled).
    public let samples: [Float]

    /// Number of frames (= samples.count).
    public var frameCount: Int { samples.count }
    /// Duration in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// A RIFF/WAVE reader in pure Swift that parses from bytes.
///
/// Reads PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32 and 64-bit, in format 1 (PCM),
/// 3 (IEEE float) or 0xFFFE (WAVE_FORMAT_EXTENSIBLE with the PCM or float subformat GUID), any
/// sample rate and channel count. Unknown chunks are skipped (with their odd-size pad byte).
/// Trailing bytes of a partial last frame are ignored. Nothing is allocated before the data
/// chunk's size has been checked against the bytes actually present.
///
/// Resampling to a model's rate is the front end's `PolyphaseResampler` (module Frontend), which
/// the CLI applies to `samples` when `sampleRate` differs.
public enum WAVFile {
    /// The most frames `decode` converts by default: 2^28, 4.7 hours at 16 kHz, 1 GiB of mono
    /// Float samples. A larger data chunk (a 4 GiB file of 8-bit frames would need 16 GiB) is
    /// refused with `WAVError.tooManyFrames` before anything is allocated.
    public static let defaultMaximumFrames = 1 << 28

    /// Decodes a whole WAV file held in memory (or mapped).
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - maximumFrames: refuse a data chunk holding more frames than this.
    /// - Returns: the header fields and the mono samples.
    /// - Throws: `WAVError` for anything that is not a supported, complete WAV file, or that holds
    ///   more than `maximumFrames` frames.
    /// Allocates: the sample array.
    public static func decode(_ bytes: UnsafeRawBufferPointer, maximumFrames: Int = defaultMaximumFrames)
        throws(WAVError) -> WAVAudio
    {
        let count = bytes.count
        guard count >= 12 else { throw .tooShort(byteCount: count) }
        let riff = fourCC(bytes, 0)
        guard riff == "RIFF" else { throw .notRIFF(found: quoted(riff)) }
        let wave = fourCC(bytes, 8)
        guard wave == "WAVE" else { throw .notWAVE(found: quoted(wave)) }

        var formatOffset = -1
        var formatSize = 0
        var dataOffset = -1
        var dataSize = 0
        var offset = 12
        while offset < count {
            let available = count - offset
            guard available >= 8 else {
                // A few trailing bytes after complete fmt and data chunks are tolerated as junk.
                if formatOffset >= 0 && dataOffset >= 0 { break }
                throw .truncatedChunk(id: "(header)", offset: offset, declaredSize: 8, available: available)
            }
            let id = fourCC(bytes, offset)
            let size = Int(readUInt32(bytes, offset + 4))
            let body = offset + 8
            if size > count - body {
                throw .truncatedChunk(id: quoted(id), offset: offset, declaredSize: size, available: count - body)
            }
            if id == "fmt " && formatOffset < 0 {
                formatOffset = body
                formatSize = size
            } else if id == "data" && dataOffset < 0 {
                dataOffset = body
                dataSize = size
            }
            offset = body + size + (size & 1)  // chunks are padded to even sizes
        }
        guard formatOffset >= 0 else { throw .missingFormatChunk }
        guard dataOffset >= 0 else { throw .missingDataChunk }

        let format = try parseFormat(bytes, offset: formatOffset, size: formatSize)
        let frameBytes = format.channels * format.sample.byteCount
        let frames = dataSize / frameBytes
        guard frames <= maximumFrames else { throw .tooManyFrames(frames: frames, limit: maximumFrames) }
        let samples = decodeSamples(
            bytes, offset: dataOffset, frames: frames, channels: format.channels, format: format.sample)
        return WAVAudio(
            sampleRate: format.sampleRate, channelCount: format.channels, format: format.sample,
            samples: samples)
    }

    /// Decodes a whole WAV file held in an array (see `decode(_:)` for raw bytes).
    public static func decode(_ bytes: [UInt8], maximumFrames: Int = defaultMaximumFrames) throws(WAVError) -> WAVAudio {
        let result: Result<WAVAudio, WAVError> = bytes.withUnsafeBytes { raw in
            do throws(WAVError) {
                return .success(try decode(raw, maximumFrames: maximumFrames))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: - fmt chunk

    private struct Format {
        var sampleRate: Int
        var channels: Int
        var sample: WAVSampleFormat
    }

    private static func parseFormat(_ bytes: UnsafeRawBufferPointer, offset: Int, size: Int)
        throws(WAVError) -> Format
    {
        guard size >= 16 else { throw .formatChunkTooShort(size: size, needed: 16) }
        var tag = readUInt16(bytes, offset)
        let channels = Int(readUInt16(bytes, offset + 2))
        let sampleRate = Int(readUInt32(bytes, offset + 4))
        let blockAlign = Int(readUInt16(bytes, offset + 12))
        let bits = Int(readUInt16(bytes, offset + 14))
        if tag == 0xFFFE {
            // WAVE_FORMAT_EXTENSIBLE: cbSize(2) validBits(2) channelMask(4) subformat GUID(16).
            guard size >= 40 else { throw .formatChunkTooShort(size: size, needed: 40) }
            let guid = offset + 24
            // The subformat GUID is {tag}-0000-0010-8000-00AA00389B71, tag in its first 2 bytes.
            let suffix: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
            var matches = true
            for i in 0..<14 where bytes[guid + 2 + i] != suffix[i] { matches = false }
            let subtag = readUInt16(bytes, guid)
            guard matches, subtag == 1 || subtag == 3 else {
                throw .unsupportedSubformat(guid: guidString(bytes, guid))
            }
            tag = subtag
        }
        let sample: WAVSampleFormat
        switch tag {
        case 1:
            switch bits {
            case 8: sample = .unsignedInt8
            case 16: sample = .signedInt16
            case 24: sample = .signedInt24
            case 32: sample = .signedInt32
            default: throw .unsupportedBitsPerSample(bits: bits, format: "PCM")
            }
        case 3:
            switch bits {
            case 32: sample = .float32
            case 64: sample = .float64
            default: throw .unsupportedBitsPerSample(bits: bits, format: "IEEE float")
            }
        default:
            throw .unsupportedFormat(tag: tag, name: formatName(tag))
        }
        guard channels > 0 else { throw .zeroChannels }
        guard sampleRate > 0 else { throw .zeroSampleRate }
        guard blockAlign == channels * sample.byteCount else {
            throw .blockAlignMismatch(blockAlign: blockAlign, channels: channels, bitsPerSample: bits)
        }
        return Format(sampleRate: sampleRate, channels: channels, sample: sample)
    }

    /// Names of common non-PCM format tags, for the error message.
    private static func formatName(_ tag: UInt16) -> String {
        switch tag {
        case 0x0000: return "unknown"
        case 0x0002: return "Microsoft ADPCM"
        case 0x0006: return "A-law"
        case 0x0007: return "mu-law"
        case 0x0011: return "IMA ADPCM"
        case 0x0022: return "TrueSpeech"
        case 0x0031: return "GSM 6.10"
        case 0x0040: return "G.721 ADPCM"
        case 0x0050: return "MPEG"
        case 0x0055: return "MPEG Layer 3"
        case 0x0092: return "Dolby AC-3 SPDIF"
        case 0x00FF: return "AAC"
        case 0x0161, 0x0162, 0x0163: return "Windows Media Audio"
        case 0x1610: return "MPEG-4 AAC (HE)"
        case 0x2000: return "AC-3"
        case 0xF1AC: return "FLAC"
        default: return "compressed or unknown"
        }
    }

    // MARK: - Samples

    private static func decodeSamples(
        _ bytes: UnsafeRawBufferPointer, offset: Int, frames: Int, channels: Int, format: WAVSampleFormat
    ) -> [Float] {
        let width = format.byteCount
        let inverseChannels = 1 / Float(channels)
        return [Float](unsafeUninitializedCapacity: frames) { buffer, initialized in
            var position = offset
            for frame in 0..<frames {
                var sum: Float = 0
                for _ in 0..<channels {
                    sum += sampleValue(bytes, position, format)
                    position += width
                }
                buffer[frame] = channels == 1 ? sum : sum * inverseChannels
            }
            initialized = frames
        }
    }

    @inline(__always)
    private static func sampleValue(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ format: WAVSampleFormat) -> Float {
        switch format {
        case .unsignedInt8:
            return Float(Int(bytes[at]) - 128) * (1.0 / 128.0)
        case .signedInt16:
            return Float(Int16(bitPattern: readUInt16(bytes, at))) * (1.0 / 32768.0)
        case .signedInt24:
            let raw = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
            let value = Int32(bitPattern: raw << 8) >> 8  // sign-extend from 24 bits
            return Float(value) * (1.0 / 8388608.0)
        case .signedInt32:
            return Float(Int32(bitPattern: readUInt32(bytes, at))) * (1.0 / 2147483648.0)
        case .float32:
            return Float(bitPattern: readUInt32(bytes, at))
        case .float64:
            let low = UInt64(readUInt32(bytes, at))
            let high = UInt64(readUInt32(bytes, at + 4))
            return Float(Double(bitPattern: low | high << 32))
        }
    }

    // MARK: - Byte helpers

    @inline(__always)
    private static func readUInt16(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    @inline(__always)
    private static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    /// Four bytes as text when printable ASCII, else as hex.
    private static func fourCC(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> String {
        var printable = true
        for i in 0..<4 where !(0x20...0x7E).contains(bytes[at + i]) { printable = false }
        if printable {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 4)]), as: UTF8.self)
        }
        var text = "0x"
        for i in 0..<4 {
            let byte = bytes[at + i]
            text += (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
        return text
    }

    private static func quoted(_ fourCC: String) -> String {
        fourCC.hasPrefix("0x") ? fourCC : "\"" + fourCC + "\""
    }

    private static func guidString(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> String {
        func hex(_ range: Range<Int>, reversed: Bool) -> String {
            var text = ""
            let indices = reversed ? Array(range.reversed()) : Array(range)
            for i in indices {
                let byte = bytes[at + i]
                text += (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
            return text
        }
        return hex(0..<4, reversed: true) + "-" + hex(4..<6, reversed: true) + "-" + hex(6..<8, reversed: true)
            + "-" + hex(8..<10, reversed: false) + "-" + hex(10..<16, reversed: false)
    }
}
