// MARK: - Interleaved samples to mono Float

/// Converts `frames` interleaved frames of `channels` samples in `format` to mono `Float`,
/// averaging the channels: `output[t] = (1/C) · Σ_c x[t, c] / fullScale`.
///
/// Full scale: 32768 (S16), 2^31 (S32), 2^23 (S24, S24_3); float samples are clamped to
/// [-1, 1] and NaN becomes 0. Integer results lie in [-1, 1).
///
/// - Parameters:
///   - source: interleaved little-endian samples, `frames × channels × format.bytesPerSample` bytes.
///   - output: at least `frames` floats.
/// Allocates: never.
public func convertToMono(
    _ source: UnsafeRawPointer, format: SampleFormat, channels: Int, frames: Int,
    into output: UnsafeMutablePointer<Float>
) {
    let scaleByChannels = 1 / Float(channels)
    switch format {
    case .s16LE:
        let scale = scaleByChannels / 32_768
        var offset = 0
        for t in 0..<frames {
            var sum: Int32 = 0
            for _ in 0..<channels {
                sum &+= Int32(Int16(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
                offset &+= 2
            }
            output[t] = Float(sum) * scale
        }
    case .s32LE:
        let scale = scaleByChannels / 2_147_483_648
        var offset = 0
        for t in 0..<frames {
            var sum: Int64 = 0
            for _ in 0..<channels {
                sum &+= Int64(Int32(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                offset &+= 4
            }
            output[t] = Float(sum) * scale
        }
    case .s24LE:
        let scale = scaleByChannels / 8_388_608
        var offset = 0
        for t in 0..<frames {
            var sum: Int64 = 0
            for _ in 0..<channels {
                let word = Int32(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                sum &+= Int64((word &<< 8) &>> 8)  // sign-extend the low 24 bits
                offset &+= 4
            }
            output[t] = Float(sum) * scale
        }
    case .s24Packed3LE:
        let scale = scaleByChannels / 8_388_608
        var offset = 0
        for t in 0..<frames {
            var sum: Int64 = 0
            for _ in 0..<channels {
                let b0 = Int32(source.load(fromByteOffset: offset, as: UInt8.self))
                let b1 = Int32(source.load(fromByteOffset: offset &+ 1, as: UInt8.self))
                let b2 = Int32(source.load(fromByteOffset: offset &+ 2, as: UInt8.self))
                let word = b0 | (b1 &<< 8) | (b2 &<< 16)
                sum &+= Int64((word &<< 8) &>> 8)
                offset &+= 3
            }
            output[t] = Float(sum) * scale
        }
    case .floatLE:
        var offset = 0
        for t in 0..<frames {
            var sum: Float = 0
            for _ in 0..<channels {
                let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                var x = Float(bitPattern: bits)
                if x.isNaN { x = 0 }
                sum += min(max(x, -1), 1)
                offset &+= 4
            }
            output[t] = sum * scaleByChannels
        }
    }
}
