import JSON
import Testing

@testable import WeightArchive

/// `.safetensors` files written by the safetensors package (and a hand-made BF16 one).
@Suite struct SafetensorsTests {
    @Test func safetensorsPackageFileReadsExactly() throws {
        let archive = try WeightArchive(bytes: fixture("tensors.safetensors"))
        #expect(archive.format == .safetensors)
        #expect(Set(archive.keys) == ["f32", "f64", "f16", "i64", "lstm/rnn/lstm_cell/kernel", "empty"])
        #expect(archive.metadata == ["format": "np", "made_by": "make_weight_archive_fixtures.py"])
        for (key, shape, type) in [
            ("f32", [3, 4], WeightElementType.float32), ("f64", [5], .float64), ("f16", [2, 3], .float16),
            ("lstm/rnn/lstm_cell/kernel", [6, 8], .float32), ("empty", [0, 3], .float32),
        ] {
            let tensor = try #require(archive[key])
            #expect(tensor.shape == shape && tensor.elementType == type, "\(key)")
            #expect(tensor.values == formulaValues(count: shape.reduce(1, *)), "\(key)")
        }
        #expect(archive["i64"]?.elementType == .int64 && archive["i64"]?.values == [])
    }

    @Test func bfloat16IsWidened() throws {
        let archive = try WeightArchive(bytes: fixture("bf16.safetensors"))
        let tensor = try #require(archive["bf16"])
        #expect(tensor.elementType == .bfloat16 && tensor.shape == [4, 5])
        #expect(tensor.values == formulaValues(count: 20))
    }

    @Test func halfPrecisionEdgeCases() {
        #expect(ElementDecoding.half(0x3C00) == 1)
        #expect(ElementDecoding.half(0xC000) == -2)
        #expect(ElementDecoding.half(0x7BFF) == 65504)
        #expect(ElementDecoding.half(0x0001) == 0x1p-24)
        #expect(ElementDecoding.half(0x8000).sign == .minus)
        #expect(ElementDecoding.half(0x7C00) == .infinity)
        #expect(ElementDecoding.half(0x7E00).isNaN)
    }

    /// A safetensors file with the given header text and `dataSize` zero bytes of data.
    func file(_ header: String, dataSize: Int) -> [UInt8] {
        let text = Array(header.utf8)
        var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
        bytes += text
        bytes += [UInt8](repeating: 0, count: dataSize)
        return bytes
    }

    func error(_ bytes: [UInt8]) -> WeightArchiveError? {
        do {
            _ = try WeightArchive(bytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func aWellFormedHandMadeFileReads() throws {
        let archive = try WeightArchive(bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[],"data_offsets":[8,10]}}"#, dataSize: 10))
        #expect(archive["a"]?.values == [0, 0] && archive["b"]?.shape == [])
    }

    @Test func headerLengthBeyondTheFileIsTruncation() {
        var bytes = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4)
        bytes[0] = 0xF0
        guard case .truncated? = error(bytes) else { Issue.record("\(String(describing: error(bytes)))"); return }
        bytes[0...7] = [0, 0, 0, 0, 0, 0, 0, 0x80]
        guard case .truncated? = error(bytes) else { Issue.record("\(String(describing: error(bytes)))"); return }
    }

    @Test func offsetsMustTileTheDataSection() {
        let overlap = file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataSize: 8)
        #expect(error(overlap)?.description.contains("overlap") == true)
        let gap = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataSize: 8)
        #expect(error(gap)?.description.contains("gap") == true)
        let tail = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataSize: 8)
        #expect(error(tail)?.description.contains("unaccounted") == true)
        let outside = file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, dataSize: 8)
        #expect(error(outside) == .invalidTensorData(key: "a", reason: "data_offsets [0, 12) do not lie inside the 8-byte data section"))
    }

    @Test func shapeMustMatchTheByteCount() {
        let bytes = file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataSize: 8)
        #expect(error(bytes) == .invalidTensorData(key: "w", reason: "shape [3] of F32 needs 12 bytes, but data_offsets span 8"))
        let huge = file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, dataSize: 8)
        #expect(error(huge) != nil)
    }

    @Test func malformedHeadersNameTheKey() {
        #expect(error(file(#"{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, dataSize: 1)) == .unsupportedDType(key: "w", dtype: "Q4"))
        #expect(error(file(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, dataSize: 4)) == .malformedHeader(key: "w", reason: "has no string 'dtype'"))
        #expect(error(file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataSize: 4)).map { "\($0)" }?.contains("'w'") == true)
        #expect(error(file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, dataSize: 4)) == .malformedHeader(key: "w", reason: "has no 'data_offsets' pair of integers"))
        #expect(error(file(#"{"w":[1]}"#, dataSize: 0)) != nil)
        #expect(error(file(#"{"__metadata__":{"a":1}}"#, dataSize: 0)) == .malformedHeader(key: "__metadata__.a", reason: "is a number, not a string"))
        guard case .malformedJSON? = error(file(#"{"w":{"dtype":"F32",}}"#, dataSize: 0)) else { Issue.record("JSON error expected"); return }
        guard case .malformedJSON? = error(file(#"{"w":1,"w":2}"#, dataSize: 0)) else { Issue.record("duplicate key expected"); return }
    }

    @Test func headerPaddingWithSpacesIsAccepted() throws {
        let archive = try WeightArchive(bytes: file(#"{"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}       "#, dataSize: 1))
        #expect(archive["a"]?.elementType == .int8)
    }
}
