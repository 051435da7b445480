import Foundation

// A small DEFLATE (RFC 1951) decoder and ZIP reader, test support only: the reference `.npz`
// files in ../shared are zip archives of deflated `.npy` members.

struct InflateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Decodes a raw DEFLATE stream (no zlib header).
func inflate(_ input: [UInt8]) throws -> [UInt8] {
    var reader = BitReader(input: input)
    var output: [UInt8] = []
    output.reserveCapacity(input.count * 4)
    var last = false
    while !last {
        last = try reader.bits(1) == 1
        switch try reader.bits(2) {
        case 0:
            reader.alignToByte()
            let length = try reader.bits(16)
            let complement = try reader.bits(16)
            guard length == (~complement & 0xFFFF) else { throw InflateError("stored block length check failed") }
            for _ in 0..<length { output.append(UInt8(try reader.bits(8))) }
        case 1:
            try inflateBlock(&reader, &output, literal: fixedLiteral, distance: fixedDistance)
        case 2:
            let (literal, distance) = try readDynamicTables(&reader)
            try inflateBlock(&reader, &output, literal: literal, distance: distance)
        default:
            throw InflateError("invalid block type 3")
        }
    }
    return output
}

private struct BitReader {
    let input: [UInt8]
    var position = 0
    var buffer: UInt64 = 0
    var count = 0

    mutating func bits(_ n: Int) throws -> Int {
        while count < n {
            guard position < input.count else { throw InflateError("unexpected end of stream") }
            buffer |= UInt64(input[position]) << UInt64(count)
            position += 1
            count += 8
        }
        let value = Int(buffer & ((1 << UInt64(n)) - 1))
        buffer >>= UInt64(n)
        count -= n
        return value
    }

    mutating func alignToByte() {
        buffer >>= UInt64(count % 8)
        count -= count % 8
    }
}

/// Canonical Huffman code: symbol counts per length and symbols ordered by code.
private struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    init(lengths: [Int]) {
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
    }

    func decode(_ reader: inout BitReader) throws -> Int {
        var code = 0, first = 0, index = 0
        for length in 1...15 {
            code |= try reader.bits(1)
            let count = counts[length]
            if code - first < count { return symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw InflateError("invalid Huffman code")
    }
}

private let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                          131, 163, 195, 227, 258]
private let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
private let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                            2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
private let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
                             13, 13]

private let fixedLiteral = Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
private let fixedDistance = Huffman(lengths: [Int](repeating: 5, count: 30))

private func readDynamicTables(_ reader: inout BitReader) throws -> (Huffman, Huffman) {
    let literalCount = try reader.bits(5) + 257
    let distanceCount = try reader.bits(5) + 1
    let codeLengthCount = try reader.bits(4) + 4
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    var codeLengths = [Int](repeating: 0, count: 19)
    for i in 0..<codeLengthCount { codeLengths[order[i]] = try reader.bits(3) }
    let codeLengthCode = Huffman(lengths: codeLengths)
    var lengths: [Int] = []
    while lengths.count < literalCount + distanceCount {
        let symbol = try codeLengthCode.decode(&reader)
        switch symbol {
        case 0..<16:
            lengths.append(symbol)
        case 16:
            guard let previous = lengths.last else { throw InflateError("repeat with no previous length") }
            for _ in 0..<(3 + (try reader.bits(2))) { lengths.append(previous) }
        case 17:
            for _ in 0..<(3 + (try reader.bits(3))) { lengths.append(0) }
        default:
            for _ in 0..<(11 + (try reader.bits(7))) { lengths.append(0) }
        }
    }
    guard lengths.count == literalCount + distanceCount else { throw InflateError("code lengths overflow") }
    return (Huffman(lengths: Array(lengths[0..<literalCount])), Huffman(lengths: Array(lengths[literalCount...])))
}

private func inflateBlock(_ reader: inout BitReader, _ output: inout [UInt8], literal: Huffman, distance: Huffman) throws {
    while true {
        let symbol = try literal.decode(&reader)
        if symbol < 256 {
            output.append(UInt8(symbol))
        } else if symbol == 256 {
            return
        } else {
            let index = symbol - 257
            guard index < 29 else { throw InflateError("invalid length symbol \(symbol)") }
            let length = lengthBase[index] + (try reader.bits(lengthExtra[index]))
            let distanceSymbol = try distance.decode(&reader)
            guard distanceSymbol < 30 else { throw InflateError("invalid distance symbol \(distanceSymbol)") }
            let back = distanceBase[distanceSymbol] + (try reader.bits(distanceExtra[distanceSymbol]))
            guard back <= output.count else { throw InflateError("distance \(back) before the start") }
            let start = output.count - back
            for i in 0..<length { output.append(output[start + i]) }
        }
    }
}

// MARK: - ZIP

/// The members of a ZIP archive (stored or deflated), by name.
func readZip(_ bytes: [UInt8]) throws -> [String: [UInt8]] {
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    var end = bytes.count - 22
    while end >= 0 && u32(end) != 0x0605_4B50 { end -= 1 }
    guard end >= 0 else { throw InflateError("no end of central directory") }
    let entries = u16(end + 10)
    var offset = u32(end + 16)
    var members: [String: [UInt8]] = [:]
    for _ in 0..<entries {
        guard u32(offset) == 0x0201_4B50 else { throw InflateError("bad central directory entry") }
        let method = u16(offset + 10)
        let compressedSize = u32(offset + 20)
        let nameLength = u16(offset + 28)
        let extraLength = u16(offset + 30)
        let commentLength = u16(offset + 32)
        let local = u32(offset + 42)
        let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
        let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
        let data = Array(bytes[dataStart..<(dataStart + compressedSize)])
        switch method {
        case 0: members[name] = data
        case 8: members[name] = try inflate(data)
        default: throw InflateError("zip method \(method) for \(name)")
        }
        offset += 46 + nameLength + extraLength + commentLength
    }
    return members
}

// MARK: - NPY (just what the reference files hold)

/// A parsed `.npy`: its descr, shape and raw data bytes.
struct NPY {
    let descr: String
    let shape: [Int]
    let data: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) throws {
        guard bytes.count > 10, bytes[0] == 0x93, bytes[1...5].elementsEqual("NUMPY".utf8) else {
            throw InflateError("not a .npy")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let headerStart = major == 1 ? 10 : 12
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func field(_ key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)': ") else { return nil }
            return header[range.upperBound...]
        }
        guard let descrField = field("descr"), let shapeField = field("shape"),
              let fortran = field("fortran_order"), fortran.hasPrefix("False") else {
            throw InflateError("unsupported .npy header \(header)")
        }
        descr = String(descrField.dropFirst().prefix { $0 != "'" })
        let inside = shapeField.dropFirst().prefix { $0 != ")" }
        shape = inside.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        data = bytes[(headerStart + headerLength)...]
    }

    var floats: [Float] {
        precondition(descr == "<f4")
        return stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16
                | UInt32(data[i + 3]) << 24)
        }
    }

    /// `<U<n>` arrays (UTF-32 little endian, NUL padded).
    var strings: [String] {
        precondition(descr.hasPrefix("<U"))
        let width = Int(descr.dropFirst(2))! * 4
        return stride(from: data.startIndex, to: data.endIndex, by: width).map { start in
            var scalars = String.UnicodeScalarView()
            for i in stride(from: start, to: start + width, by: 4) {
                let value = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16
                    | UInt32(data[i + 3]) << 24
                if value == 0 { break }
                scalars.append(Unicode.Scalar(value)!)
            }
            return String(scalars)
        }
    }
}
