import JSON

/// Reading the safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON header, then the data section.
///
/// The header maps each tensor name to `{"dtype": "F32", "shape": [rows, cols], "data_offsets":
/// [begin, end]}` (offsets relative to the data section), plus an optional `__metadata__` object
/// of strings. As the format requires, the tensors must tile the data section exactly: no
/// overlaps and no gaps.
enum Safetensors {
    /// The reference implementation's limit on the header size.
    static let maximumHeaderSize = 100_000_000

    static func read(_ bytes: [UInt8]) throws(WeightArchiveError) -> (tensors: [WeightTensor], metadata: [String: String]) {
        let reader = ByteReader(bytes: bytes)
        let declared = try reader.u64(at: 0, "the safetensors header length")
        guard declared <= UInt64(bytes.count - 8) else {
            throw .truncated(what: "the safetensors header", offset: 8, needed: declared > UInt64(Int.max) ? Int.max : Int(declared), fileSize: bytes.count)
        }
        let headerSize = Int(declared)
        guard headerSize <= maximumHeaderSize else {
            throw .malformedHeader(key: "", reason: "the header is \(headerSize) bytes (at most \(maximumHeaderSize))")
        }
        guard headerSize > 0, bytes[8] == UInt8(ascii: "{") else {
            throw .malformedHeader(key: "", reason: "the header does not start with '{'")
        }
        let header: JSON
        do {
            header = try JSON.parse(Array(bytes[8..<(8 + headerSize)]))
        } catch {
            throw .malformedJSON(offset: error.offset, reason: error.reason)
        }
        guard case .object(let members) = header else {
            throw .malformedHeader(key: "", reason: "the header is \(header.typeName), not an object")
        }
        let dataStart = 8 + headerSize
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [(key: String, shape: [Int], type: WeightElementType, begin: Int, end: Int)] = []
        for member in members {
            if member.key == "__metadata__" {
                guard case .object(let pairs) = member.value else {
                    throw .malformedHeader(key: member.key, reason: "is \(member.value.typeName), not an object of strings")
                }
                for pair in pairs {
                    guard case .string(let text) = pair.value else {
                        throw .malformedHeader(key: "__metadata__.\(pair.key)", reason: "is \(pair.value.typeName), not a string")
                    }
                    metadata[pair.key] = text
                }
                continue
            }
            entries.append(try entry(member, dataSize: dataSize))
        }
        // The tensors must tile [0, dataSize): sort by start and walk.
        let order = entries.indices.sorted { (entries[$0].begin, entries[$0].end) < (entries[$1].begin, entries[$1].end) }
        var covered = 0
        for index in order {
            let entry = entries[index]
            guard entry.begin == covered else {
                let reason = entry.begin < covered
                    ? "its bytes [\(entry.begin), \(entry.end)) overlap another tensor's (which end at \(covered))"
                    : "there is a gap of \(entry.begin - covered) unused bytes before its data at \(entry.begin)"
                throw .invalidTensorData(key: entry.key, reason: reason)
            }
            covered = entry.end
        }
        guard covered == dataSize else {
            throw .invalidTensorData(key: "", reason: "the tensors cover \(covered) bytes of the \(dataSize)-byte data section; the rest is unaccounted for")
        }
        // Decode in header order.
        var tensors: [WeightTensor] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            let count = entry.shape.reduce(1, *)
            let values = entry.type.isWeightType
                ? ElementDecoding.floats(bytes, offset: dataStart + entry.begin, count: count, type: entry.type) : []
            tensors.append(WeightTensor(key: entry.key, shape: entry.shape, elementType: entry.type, storedType: entry.type.rawValue, values: values))
        }
        return (tensors, metadata)
    }

    /// One tensor's header entry, checked against the data section's size.
    private static func entry(_ member: JSONMember, dataSize: Int) throws(WeightArchiveError)
        -> (key: String, shape: [Int], type: WeightElementType, begin: Int, end: Int)
    {
        let key = member.key
        guard case .object = member.value else {
            throw .malformedHeader(key: key, reason: "is \(member.value.typeName), not an object with dtype, shape and data_offsets")
        }
        guard case .string(let dtypeName)? = member.value["dtype"] else {
            throw .malformedHeader(key: key, reason: "has no string 'dtype'")
        }
        guard let type = WeightElementType(rawValue: dtypeName) else { throw .unsupportedDType(key: key, dtype: dtypeName) }
        guard case .array(let dims)? = member.value["shape"] else {
            throw .malformedHeader(key: key, reason: "has no 'shape' array")
        }
        var shape: [Int] = []
        var count = 1
        for dim in dims {
            guard case .number(let number) = dim, let value = number.integer, value >= 0 else {
                throw .malformedHeader(key: key, reason: "'shape' holds something other than non-negative integers")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: value)
            guard !overflow else { throw .malformedHeader(key: key, reason: "'shape' \(dims.count) dimensions overflow the element count") }
            shape.append(value)
            count = product
        }
        guard case .array(let offsets)? = member.value["data_offsets"], offsets.count == 2,
            case .number(let beginNumber) = offsets[0], let begin = beginNumber.integer,
            case .number(let endNumber) = offsets[1], let end = endNumber.integer
        else {
            throw .malformedHeader(key: key, reason: "has no 'data_offsets' pair of integers")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .invalidTensorData(key: key, reason: "data_offsets [\(begin), \(end)) do not lie inside the \(dataSize)-byte data section")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow, byteCount == end - begin else {
            throw .invalidTensorData(key: key, reason: "shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(byteCount)) bytes, but data_offsets span \(end - begin)")
        }
        return (key, shape, type, begin, end)
    }
}
