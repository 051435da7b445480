import Testing
@testable import NumPyFile

struct NumPyFormatTests {
    @Test func roundTripFloat32() throws {
        let values: [Float] = [1, -2.5, 3.25, .pi, 0, -0.0]
        let array = NumPyArray(shape: [2, 3], floats: values)
        let bytes = NumPyFormat.serialize(array)
        #expect(bytes.count % 64 == 24)  // header padded so the data starts on a 64-byte boundary
        let parsed = try NumPyFormat.parse(bytes)
        #expect(parsed.shape == [2, 3])
        #expect(parsed.elementType == .float32)
        #expect(parsed.floats().map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func oneDimensionalShapeHasTrailingComma() throws {
        let bytes = NumPyFormat.serialize(NumPyArray(shape: [4], floats: [1, 2, 3, 4]))
        let text = String(decoding: bytes[10..<74], as: UTF8.self)
        #expect(text.contains("(4,)"))
        #expect(try NumPyFormat.parse(bytes).shape == [4])
    }

    /// A header exactly as numpy 2.x writes it for np.save(np.zeros((3, 2), np.float64)).
    @Test func parsesNumpyWrittenFloat64() throws {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0]
        bytes += Array(header.utf8)
        for i in 0..<6 {
            let bits = Double(i) * 0.5
            withUnsafeBytes(of: bits.bitPattern.littleEndian) { bytes += Array($0) }
        }
        let parsed = try NumPyFormat.parse(bytes)
        #expect(parsed.shape == [3, 2])
        #expect(parsed.floats() == [0, 0.5, 1, 1.5, 2, 2.5])
    }

    @Test func halfConversion() {
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x0001) == Float(5.9604645e-8))
        #expect(halfToFloat(0x7C00) == .infinity)
        #expect(halfToFloat(0x7E00).isNaN)
    }

    @Test func rejectsBadMagic() {
        #expect(throws: NumPyError.notNumPy) { try NumPyFormat.parse(Array("not numpy data".utf8)) }
    }

    @Test func rejectsTruncatedData() {
        var bytes = NumPyFormat.serialize(NumPyArray(shape: [2, 2], floats: [1, 2, 3, 4]))
        bytes.removeLast(3)
        #expect(throws: NumPyError.dataSizeMismatch(expected: 16, available: 13)) { try NumPyFormat.parse(bytes) }
    }

    @Test func rejectsFortranOrder() {
        var bytes = NumPyFormat.serialize(NumPyArray(shape: [2, 2], floats: [1, 2, 3, 4]))
        let text = Array("False".utf8)
        if let at = (0..<(bytes.count - 5)).first(where: { Array(bytes[$0..<($0 + 5)]) == text }) {
            bytes.replaceSubrange(at..<(at + 5), with: Array("True ".utf8))
        }
        #expect(throws: NumPyError.fortranOrder) { try NumPyFormat.parse(bytes) }
    }

    @Test func rejectsUnsupportedType() {
        var bytes = NumPyFormat.serialize(NumPyArray(shape: [1], floats: [1]))
        bytes[22] = UInt8(ascii: "c")  // '<f4' -> '<c4'
        #expect(throws: NumPyError.unsupportedElementType("<c4")) { try NumPyFormat.parse(bytes) }
    }

    @Test func truncationsNeverCrash() {
        let bytes = NumPyFormat.serialize(NumPyArray(shape: [3, 5], floats: (0..<15).map(Float.init)))
        var rejected = 0
        for length in 0..<bytes.count {
            if (try? NumPyFormat.parse(Array(bytes[0..<length]))) == nil { rejected += 1 }
        }
        #expect(rejected == bytes.count)
    }
}
