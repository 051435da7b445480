import Testing

@testable import Converter

@Suite struct ProtobufReaderTests {
    /// Reads every field of `bytes` as (field, value) with the given typed reads.
    private func readVarints(_ bytes: [UInt8]) throws(ConversionError) -> [UInt64] {
        var reader = ProtobufReader(bytes: bytes)
        var values = [UInt64]()
        while !reader.isAtEnd { values.append(try reader.readVarint()) }
        return values
    }

    @Test func varintsUpToTenBytes() throws {
        // 300 = 0b1_0010_1100 → AC 02 (the protobuf documentation's example).
        #expect(try readVarints([0xAC, 0x02]) == [300])
        #expect(try readVarints([0x00, 0x7F]) == [0, 127])
        let max: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(try readVarints(max) == [UInt64.max])
        var writer = ProtobufWriter()
        writer.varint(UInt64(bitPattern: -1))
        #expect(writer.bytes == max)
    }

    @Test func overlongAndTruncatedVarintsAreErrors() {
        let eleven: [UInt8] = [UInt8](repeating: 0x80, count: 10) + [0x01]
        #expect(throws: ConversionError.malformedProtobuf(offset: 0, reason: "varint longer than 10 bytes")) {
            try readVarints(eleven)
        }
        let overflow: [UInt8] = [UInt8](repeating: 0xFF, count: 9) + [0x02]
        #expect(throws: ConversionError.malformedProtobuf(offset: 0, reason: "varint overflows 64 bits")) {
            try readVarints(overflow)
        }
        #expect(throws: ConversionError.malformedProtobuf(offset: 1, reason: "truncated varint")) {
            try readVarints([0x05, 0x80, 0x80])
        }
    }

    @Test func lengthBeyondTheMessageIsAnError() {
        var writer = ProtobufWriter()
        writer.tag(7, 2)
        writer.varint(100)
        writer.bytes += [1, 2, 3]
        var reader = ProtobufReader(bytes: writer.bytes)
        #expect(throws: ConversionError.malformedProtobuf(
            offset: 1, reason: "length 100 exceeds the 3 bytes left in the message")) {
            _ = try reader.readTag()
            _ = try reader.readLengthDelimitedRange()
        }
    }

    @Test func invalidWireTypesAndFieldZeroAreErrors() {
        for key: UInt8 in [0x0E, 0x0F, 0x00] {  // field 1 wire 6, field 1 wire 7, field 0
            var reader = ProtobufReader(bytes: [key, 0])
            #expect(throws: ConversionError.self) { _ = try reader.readTag() }
        }
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        var writer = ProtobufWriter()
        writer.int(100, 12345)  // varint
        writer.tag(101, 1)
        writer.fixed64(0x0102_0304_0506_0708)  // fixed64
        writer.string(102, "ignored")  // length-delimited
        writer.tag(103, 3)  // group with a nested group and a varint inside
        writer.int(1, 5)
        writer.tag(2, 3)
        writer.tag(2, 4)
        writer.tag(103, 4)
        writer.tag(104, 5)
        writer.fixed32(7)  // fixed32
        writer.string(8, "kept")  // TensorProto.name
        var reader = ProtobufReader(bytes: writer.bytes)
        let tensor = try ONNXTensor(from: &reader)
        #expect(tensor.name == "kept")
    }

    @Test func unbalancedGroupsAreErrors() {
        var open = ProtobufWriter()
        open.tag(9, 3)
        open.int(1, 1)
        var reader = ProtobufReader(bytes: open.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
        var mismatched = ProtobufWriter()
        mismatched.tag(9, 3)
        mismatched.tag(10, 4)
        reader = ProtobufReader(bytes: mismatched.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
        var stray = ProtobufWriter()
        stray.tag(9, 4)
        reader = ProtobufReader(bytes: stray.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
    }

    @Test func deeplyNestedGroupsStopAtTheDepthLimit() {
        var writer = ProtobufWriter()
        for _ in 0..<10_000 { writer.tag(50, 3) }
        for _ in 0..<10_000 { writer.tag(50, 4) }
        var reader = ProtobufReader(bytes: writer.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
    }

    @Test func deeplyNestedMessagesStopAtTheDepthLimit() throws {
        var reader = ProtobufReader(bytes: [])
        var nested = ProtobufWriter()
        for _ in 0..<40 {
            var outer = ProtobufWriter()
            outer.message(1, nested)
            nested = outer
        }
        reader = ProtobufReader(bytes: nested.bytes)
        var depth = 0
        #expect(throws: ConversionError.self) {
            while true {
                guard let (field, wireType) = try reader.readTag() else { break }
                reader = try reader.readMessage(wireType, field: field)
                depth += 1
            }
        }
        #expect(depth == ProtobufReader.maxDepth)
    }

    @Test func mismatchedWireTypeForAKnownFieldIsAnError() {
        var writer = ProtobufWriter()
        writer.int(8, 3)  // TensorProto.name must be length-delimited
        var reader = ProtobufReader(bytes: writer.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
    }

    @Test func packedAndUnpackedRepeatedFieldsAgree() throws {
        var packed = ProtobufWriter()
        packed.packedInts(1, [2, -3, 4])
        packed.packedFloats(4, [1.5, -2])
        var unpacked = ProtobufWriter()
        for dim: Int64 in [2, -3, 4] { unpacked.int(1, dim) }
        unpacked.float(4, 1.5)
        unpacked.float(4, -2)
        for bytes in [packed.bytes, unpacked.bytes] {
            var reader = ProtobufReader(bytes: bytes)
            let tensor = try ONNXTensor(from: &reader)
            #expect(tensor.dims == [2, -3, 4])
            #expect(tensor.floatData == [1.5, -2])
        }
        var ragged = ProtobufWriter()
        ragged.data(4, [0, 0, 0x80, 0x3F, 0])  // 5 bytes: not a whole number of floats
        var reader = ProtobufReader(bytes: ragged.bytes)
        #expect(throws: ConversionError.self) { _ = try ONNXTensor(from: &reader) }
    }

    @Test func tensorValuesFromEveryStorage() throws {
        var tensor = ONNXTensor()
        tensor.name = "t"
        tensor.dims = [2]
        tensor.dataType = 10  // FLOAT16: 1.0 = 0x3C00, -2.0 = 0xC000
        tensor.rawData = [0x00, 0x3C, 0x00, 0xC0]
        #expect(try tensor.floatValues() == [1, -2])
        tensor.rawData = nil
        tensor.int32Data = [0x3C00, 0x0001]  // 1.0 and the smallest subnormal 2^-24
        #expect(try tensor.floatValues() == [1, 0x1p-24])
        tensor.dataType = 11  // DOUBLE
        tensor.doubleData = [0.5, 4]
        #expect(try tensor.floatValues() == [0.5, 4])
        tensor.dataType = 6  // INT32 raw: -1, 7
        tensor.rawData = [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0]
        #expect(try tensor.intValues() == [-1, 7])
        tensor.dataType = 8  // STRING
        #expect(throws: ConversionError.unsupportedTensorType(tensor: "t", dataType: 8)) { try tensor.floatValues() }
        tensor.dataType = 1
        tensor.rawData = [0, 0, 0x80]
        #expect(throws: ConversionError.tensorDataMismatch(tensor: "t", expectedElements: 2, found: "3 bytes of raw_data")) {
            try tensor.floatValues()
        }
        tensor.dims = [Int64(Int32.max), Int64(Int32.max), 4]
        #expect(throws: ConversionError.self) { try tensor.floatValues() }
        tensor.dims = [-1]
        #expect(throws: ConversionError.self) { try tensor.floatValues() }
    }
}
