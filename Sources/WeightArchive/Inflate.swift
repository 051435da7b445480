/// Why a DEFLATE stream could not be decoded, and at which compressed byte.
public struct InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    /// Byte position in the compressed input where decoding stopped.
    public var offset: Int

    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid DEFLATE data: \(reason) at compressed byte \(offset)" }
}

/// A decoder for raw DEFLATE streams (RFC 1951; no zlib or gzip wrapper), as stored in zip members.
///
/// The decoder trusts nothing: every code, length, distance and block header is checked, and the
/// output may not grow beyond the size the caller expects (the zip's recorded uncompressed size),
/// so a hostile stream can neither read outside the input nor make the output grow without bound.
public enum Inflate {
    /// Decodes the raw DEFLATE stream `input[range]`, which must inflate to exactly `expectedSize` bytes.
    ///
    /// Bytes after the final block are ignored (zip members end on the final block's last byte).
    ///
    /// - Throws: `InflateError` for an invalid stream, one that ends before its final block, or one
    ///   whose output is not `expectedSize` bytes long.
    public static func decompress(_ input: [UInt8], range: Range<Int>? = nil, expectedSize: Int) throws(InflateError) -> [UInt8] {
        let range = range ?? 0..<input.count
        precondition(range.lowerBound >= 0 && range.upperBound <= input.count, "range outside the input")
        precondition(expectedSize >= 0, "negative expected size")
        var output: [UInt8] = []
        // DEFLATE cannot expand a byte into more than 258 × 8 ≈ 1032 bytes, so a size claimed by a
        // hostile header never makes us reserve more than the stream could possibly produce.
        output.reserveCapacity(min(expectedSize, range.count &* 1032 &+ 1024))
        let result: Result<Void, InflateError> = input.withUnsafeBufferPointer { buffer in
            var decoder = Decoder(
                bits: BitStream(bytes: UnsafeBufferPointer(rebasing: buffer[range])), limit: expectedSize)
            do throws(InflateError) {
                try decoder.run(into: &output)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return output
    }
}

// MARK: - Bit stream

/// Reads bits least-significant first, as DEFLATE packs them.
private struct BitStream {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Next byte to load into `buffer`.
    var position = 0
    var buffer: UInt64 = 0
    /// Valid bits in `buffer`.
    var count = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Byte offset of the next unread bit, for error messages.
    var offset: Int { position - count / 8 }

    @inline(__always)
    mutating func bits(_ n: Int) throws(InflateError) -> Int {
        while count < n {
            guard position < bytes.count else {
                throw InflateError(reason: "the stream ends before its final block", offset: bytes.count)
            }
            buffer |= UInt64(bytes[position]) << UInt64(count)
            position += 1
            count += 8
        }
        let value = Int(truncatingIfNeeded: buffer & ((1 << UInt64(n)) - 1))
        buffer >>= UInt64(n)
        count -= n
        return value
    }

    /// Loads bytes until at least `n` bits are buffered; false when the input ends first.
    @inline(__always)
    mutating func fill(_ n: Int) -> Bool {
        while count < n {
            guard position < bytes.count else { return false }
            buffer |= UInt64(bytes[position]) << UInt64(count)
            position += 1
            count += 8
        }
        return true
    }

    @inline(__always)
    mutating func drop(_ n: Int) {
        buffer >>= UInt64(n)
        count -= n
    }

    /// Drops the bits up to the next byte boundary (before a stored block's length).
    mutating func alignToByte() {
        let drop = count & 7
        buffer >>= UInt64(drop)
        count -= drop
    }
}

// MARK: - Canonical Huffman codes

/// A canonical Huffman code given by its code lengths (RFC 1951 section 3.2.2), decoded by
/// counting codes per length: codes of one length are consecutive integers, in symbol order.
private struct HuffmanCode {
    static let maxLength = 15
    /// Number of symbols with each code length (index 0: unused symbols).
    var counts = [Int](repeating: 0, count: maxLength + 1)
    /// Symbols in code order (by length, then by symbol value).
    var symbols: [Int]
    /// Code space left unused: 0 for a complete code, > 0 for an incomplete one.
    var unused: Int

    /// Bits resolved by one lookup in `fast`.
    static let fastBits = 9
    /// Codes of at most `fastBits` bits, indexed by the next `fastBits` stream bits (least
    /// significant first): symbol << 4 | length, or 0 for a longer code (decoded bit by bit).
    var fast = [UInt16](repeating: 0, count: 1 << fastBits)

    /// Builds the code, or returns nil when the lengths over-subscribe the code space.
    init?(lengths: ArraySlice<Int>) {
        for length in lengths { counts[length] += 1 }
        var left = 1
        for length in 1...Self.maxLength {
            left = left << 1 - counts[length]
            if left < 0 { return nil }
        }
        unused = left
        var offsets = [Int](repeating: 0, count: Self.maxLength + 2)
        for length in 1...Self.maxLength { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [Int](repeating: 0, count: offsets[Self.maxLength + 1])
        for (symbol, length) in zip(0..., lengths) where length > 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
        // Canonical codes: consecutive integers within a length, in symbol order. The stream
        // sends each code most significant bit first, so the table is indexed by the reversed code.
        var code = 0, index = 0
        for length in 1...Self.maxLength {
            for _ in 0..<counts[length] {
                if length <= Self.fastBits {
                    var reversed = 0
                    for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                    let entry = UInt16(symbols[index] << 4 | length)
                    var slot = reversed
                    while slot < 1 << Self.fastBits {
                        fast[slot] = entry
                        slot += 1 << length
                    }
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
    }

    /// Incomplete codes are valid only when they have a single code of length 1 (RFC 1951 allows
    /// one distance code; zlib accepts the same for literal/length codes) or no codes at all.
    var isUsable: Bool { unused == 0 || counts[0] + counts[1] == counts.reduce(0, +) && counts[1] <= 1 }
}

// MARK: - Decoder

private struct Decoder {
    var bits: BitStream
    /// The exact number of bytes the stream must produce.
    let limit: Int

    // RFC 1951 section 3.2.5: base values and extra bits of length symbols 257...285 and distance symbols 0...29.
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order in which a dynamic block lists the code-length code's lengths (section 3.2.7).
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The fixed codes of block type 1 (section 3.2.6).
    static let fixedLiterals: HuffmanCode = {
        var lengths = [Int](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        return HuffmanCode(lengths: lengths[...])!
    }()
    static let fixedDistances = HuffmanCode(lengths: [Int](repeating: 5, count: 30)[...])!

    func failure(_ reason: String) -> InflateError { InflateError(reason: reason, offset: bits.offset) }

    mutating func run(into output: inout [UInt8]) throws(InflateError) {
        var final = false
        while !final {
            final = try bits.bits(1) == 1
            switch try bits.bits(2) {
            case 0: try storedBlock(into: &output)
            case 1: try codedBlock(literals: Self.fixedLiterals, distances: Self.fixedDistances, into: &output)
            case 2:
                let (literals, distances) = try dynamicCodes()
                try codedBlock(literals: literals, distances: distances, into: &output)
            default: throw failure("block type 3 is reserved")
            }
        }
        guard output.count == limit else {
            throw failure("the stream inflates to \(output.count) bytes, but \(limit) are recorded")
        }
    }

    mutating func storedBlock(into output: inout [UInt8]) throws(InflateError) {
        bits.alignToByte()
        let length = try bits.bits(16)
        let complement = try bits.bits(16)
        guard length == ~complement & 0xFFFF else { throw failure("a stored block's length and its complement disagree") }
        guard length <= limit - output.count else { throw failure("the stream inflates to more than the \(limit) bytes recorded") }
        for _ in 0..<length { output.append(UInt8(truncatingIfNeeded: try bits.bits(8))) }
    }

    @inline(__always)
    mutating func decode(_ code: HuffmanCode) throws(InflateError) -> Int {
        if bits.fill(HuffmanCode.fastBits) {
            let entry = Int(code.fast[Int(truncatingIfNeeded: bits.buffer) & ((1 << HuffmanCode.fastBits) - 1)])
            if entry != 0 {
                bits.drop(entry & 15)
                return entry >> 4
            }
        }
        var value = 0, first = 0, index = 0
        for length in 1...HuffmanCode.maxLength {
            value |= try bits.bits(1)
            let count = code.counts[length]
            if value - first < count { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw failure("a bit sequence that is no code")
    }

    mutating func dynamicCodes() throws(InflateError) -> (HuffmanCode, HuffmanCode) {
        let literalCount = try bits.bits(5) + 257
        let distanceCount = try bits.bits(5) + 1
        let codeLengthCount = try bits.bits(4) + 4
        guard literalCount <= 286 else { throw failure("\(literalCount) literal/length codes (at most 286)") }
        guard distanceCount <= 30 else { throw failure("\(distanceCount) distance codes (at most 30)") }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[Self.codeLengthOrder[index]] = try bits.bits(3) }
        guard let codeLengthCode = HuffmanCode(lengths: codeLengthLengths[...]), codeLengthCode.unused == 0 else {
            throw failure("the code-length code is over-subscribed or incomplete")
        }
        let total = literalCount + distanceCount
        var lengths = [Int](repeating: 0, count: total)
        var index = 0
        while index < total {
            let symbol = try decode(codeLengthCode)
            if symbol < 16 {
                lengths[index] = symbol
                index += 1
                continue
            }
            var repeated = 0, value = 0
            switch symbol {
            case 16:
                guard index > 0 else { throw failure("a repeat code with no previous length") }
                value = lengths[index - 1]
                repeated = 3 + (try bits.bits(2))
            case 17: repeated = 3 + (try bits.bits(3))
            default: repeated = 11 + (try bits.bits(7))
            }
            guard repeated <= total - index else { throw failure("code lengths repeat past the end of the table") }
            for _ in 0..<repeated {
                lengths[index] = value
                index += 1
            }
        }
        guard lengths[256] > 0 else { throw failure("the literal/length code has no end-of-block code") }
        guard let literals = HuffmanCode(lengths: lengths[0..<literalCount]), literals.isUsable else {
            throw failure("the literal/length code is over-subscribed or incomplete")
        }
        guard let distances = HuffmanCode(lengths: lengths[literalCount...]), distances.isUsable else {
            throw failure("the distance code is over-subscribed or incomplete")
        }
        return (literals, distances)
    }

    mutating func codedBlock(literals: HuffmanCode, distances: HuffmanCode, into output: inout [UInt8]) throws(InflateError) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw failure("the stream inflates to more than the \(limit) bytes recorded") }
                output.append(UInt8(truncatingIfNeeded: symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthSymbol = symbol - 257
            guard lengthSymbol < 29 else { throw failure("length symbol \(symbol) is reserved") }
            let length = Self.lengthBase[lengthSymbol] + (try bits.bits(Self.lengthExtra[lengthSymbol]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw failure("distance symbol \(distanceSymbol) is reserved") }
            let distance = Self.distanceBase[distanceSymbol] + (try bits.bits(Self.distanceExtra[distanceSymbol]))
            guard distance <= output.count else {
                throw failure("a back-reference \(distance) bytes back, with only \(output.count) bytes written")
            }
            guard length <= limit - output.count else { throw failure("the stream inflates to more than the \(limit) bytes recorded") }
            // Byte by byte: the source may overlap the bytes being written (run-length copies).
            var source = output.count - distance
            for _ in 0..<length {
                output.append(output[source])
                source += 1
            }
        }
    }
}
