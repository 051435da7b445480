import Testing
import Model
import SystemFile
#if canImport(Glibc)
import Glibc
#endif

/// One corrupt file per failure kind, each expecting its specific error. Files are built with
/// the independent `RawGGUF` encoder from a valid model (dense 3 -> 2, softmax), changing one thing.
struct ModelFileCorruptionTests {
    private let valid = RawGGUF.small()

    private func expectError(_ raw: RawGGUF, _ expected: ModelError, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = loadError(raw.bytes())
        #expect(error == expected, sourceLocation: sourceLocation)
        if let error { #expect(!error.description.isEmpty) }
    }

    @Test func validBaseLoads() throws {
        #expect(loadError(valid.bytes()) == nil)
    }

    // MARK: Header

    @Test func truncatedHeader() {
        let bytes = Array(valid.bytes().prefix(10))
        #expect(loadError(bytes) == .truncated(what: "the tensor count", offset: 8, needed: 8, fileSize: 10))
    }

    @Test func emptyFile() {
        #expect(loadError([]) == .truncated(what: "the magic", offset: 0, needed: 4, fileSize: 0))
    }

    @Test func badMagic() {
        var raw = valid
        raw.magic = Array("GGML".utf8)
        expectError(raw, .badMagic(found: Array("GGML".utf8)))
    }

    @Test func unsupportedGGUFVersion() {
        var raw = valid
        raw.version = 2
        expectError(raw, .unsupportedGGUFVersion(found: 2, supported: 3))
    }

    @Test func hugeKeyCountDoesNotAllocate() {
        var raw = valid
        raw.keyCountOverride = 1 << 60
        let size = raw.bytes().count
        expectError(raw, .countExceedsFile(what: "key-value pairs", count: 1 << 60, offset: 24, fileSize: size))
    }

    @Test func hugeTensorCountDoesNotAllocate() {
        var raw = valid
        raw.tensorCountOverride = .max
        guard case let .countExceedsFile(what, count, _, _)? = loadError(raw.bytes()) else {
            Issue.record("expected countExceedsFile")
            return
        }
        #expect(what == "tensors")
        #expect(count == .max)
    }

    // MARK: Keys and values

    @Test func keyLongerThanFile() {
        var bytes = valid.bytes()
        // The first key's u64 length sits right after the 24-byte header.
        for index in 24..<32 { bytes[index] = 0xFF }
        #expect(loadError(bytes) == .stringTooLong(what: "key 0", length: .max, limit: 65_535))
        bytes[24...31] = [0x00, 0x00, 0x01, 0x00, 0, 0, 0, 0][...]  // 65536
        #expect(loadError(bytes) == .stringTooLong(what: "key 0", length: 65_536, limit: 65_535))
        bytes[24...31] = [0xF0, 0xFF, 0x00, 0x00, 0, 0, 0, 0][...]  // 65520: within the limit, past the end
        guard case .truncated? = loadError(bytes) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test func invalidUTF8InKey() {
        var raw = valid
        raw.keys[1].0 = "general.\u{00E9}"
        var bytes = raw.bytes()
        // Replace the two-byte é (C3 A9) by a lone continuation byte pair (A9 A9).
        let index = bytes.firstIndex(of: 0xC3)!
        bytes[index] = 0xA9
        #expect(loadError(bytes) == .invalidUTF8(what: "key 1", offset: bytes.firstIndex(of: 0xA9)! - 8 - 8))
    }

    @Test func unknownValueType() {
        var raw = valid
        raw.keys.insert(("general.strange", RawGGUF.Value(type: 13, bytes: [0])), at: 0)
        expectError(raw, .unknownValueType(key: "general.strange", type: 13))
    }

    @Test func arrayOfArraysIsRejected() {
        var raw = valid
        let nested = RawGGUF.le(UInt32(9)) + RawGGUF.le(UInt64(1)) + RawGGUF.le(UInt32(4)) + RawGGUF.le(UInt64(0))
        raw.keys.insert(("general.nested", RawGGUF.Value(type: 9, bytes: nested)), at: 0)
        expectError(raw, .unknownValueType(key: "general.nested", type: 9))
    }

    @Test func hugeArrayCountDoesNotAllocate() {
        var raw = valid
        raw.set("earshot.labels", RawGGUF.Value(type: 9, bytes: RawGGUF.le(UInt32(8)) + RawGGUF.le(UInt64(1) << 62)))
        guard case let .countExceedsFile(what, count, _, _)? = loadError(raw.bytes()) else {
            Issue.record("expected countExceedsFile")
            return
        }
        #expect(what == "elements in the array 'earshot.labels'")
        #expect(count == 1 << 62)
    }

    @Test func boolOtherThanZeroOrOne() {
        var raw = valid
        raw.set("earshot.layer.0.peepholes", RawGGUF.Value(type: 7, bytes: [2]))
        expectError(raw, .invalidValue(key: "earshot.layer.0.peepholes", value: "2", expected: "a bool stored as 0 or 1"))
    }

    @Test func duplicateKey() {
        var raw = valid
        raw.keys.append(("earshot.input_size", RawGGUF.u32(3)))
        expectError(raw, .duplicateKey("earshot.input_size"))
    }

    @Test func missingKey() {
        var raw = valid
        raw.remove("earshot.input_size")
        expectError(raw, .missingKey("earshot.input_size"))
        raw = valid
        raw.remove("earshot.layer.1.gate_clip")
        expectError(raw, .missingKey("earshot.layer.1.gate_clip"))
    }

    @Test func wrongKeyType() {
        var raw = valid
        raw.set("earshot.input_size", RawGGUF.i32(3))
        expectError(raw, .wrongKeyType(key: "earshot.input_size", expected: "u32", found: "i32"))
        raw = valid
        raw.set("earshot.labels", RawGGUF.string("yes"))
        expectError(raw, .wrongKeyType(key: "earshot.labels", expected: "array of string", found: "string"))
    }

    @Test func wrongArchitecture() {
        var raw = valid
        raw.set("general.architecture", RawGGUF.string("llama"))
        expectError(raw, .wrongArchitecture(found: "llama", expected: "earshot"))
        #expect(ModelError.wrongArchitecture(found: "llama", expected: "earshot").description.contains("not an Earshot model"))
    }

    @Test func otherEarshotKindIsNamed() {
        var raw = valid
        raw.set("general.architecture", RawGGUF.string("earshot-qgraph"))
        expectError(raw, .wrongArchitecture(found: "earshot-qgraph", expected: "earshot"))
        let message = ModelError.wrongArchitecture(found: "earshot-qgraph", expected: "earshot").description
        #expect(message.contains("'earshot-qgraph', not 'earshot'") && message.contains("another kind"))
    }

    @Test func newerFormatVersionSaysSo() {
        var raw = valid
        raw.set("earshot.format_version", RawGGUF.u32(2))
        expectError(raw, .unsupportedFormatVersion(found: 2, supported: 1))
        #expect(ModelError.unsupportedFormatVersion(found: 2, supported: 1).description.contains("newer"))
    }

    @Test func invalidAlignment() {
        for alignment: UInt32 in [0, 4, 24, 8192] {
            var raw = valid
            raw.set("general.alignment", RawGGUF.u32(alignment))
            expectError(raw, .invalidValue(key: "general.alignment", value: String(alignment), expected: "a power of two in 8...4096"))
        }
    }

    @Test func unknownOutputMode() {
        var raw = valid
        raw.set("earshot.output_mode", RawGGUF.string("sometimes"))
        expectError(raw, .invalidValue(key: "earshot.output_mode", value: "'sometimes'", expected: "'every_step' or 'last_step'"))
    }

    @Test func unknownLayerKind() {
        var raw = valid
        raw.set("earshot.layer.0.kind", RawGGUF.string("conv"))
        expectError(raw, .invalidValue(key: "earshot.layer.0.kind", value: "'conv'", expected: "one of dense, lstm, gru, rnn, softmax, conv2d, attention"))
    }

    @Test func unknownActivation() {
        var raw = valid
        raw.set("earshot.layer.0.activation", RawGGUF.string("gelu"))
        expectError(raw, .invalidValue(key: "earshot.layer.0.activation", value: "'gelu'", expected: "one of linear, relu, tanh, sigmoid"))
    }

    @Test func emptyMetadataKey() {
        var raw = valid
        raw.keys.append(("earshot.meta.", RawGGUF.u32(1)))
        expectError(raw, .invalidMetadataKey(""))
    }

    @Test func boolArrayMetadataIsRejected() {
        var raw = valid
        raw.keys.append(("earshot.meta.flags", RawGGUF.Value(type: 9, bytes: RawGGUF.le(UInt32(7)) + RawGGUF.le(UInt64(1)) + [1])))
        guard case .wrongKeyType(key: "earshot.meta.flags", _, found: "array of bool")? = loadError(raw.bytes()) else {
            Issue.record("expected wrongKeyType")
            return
        }
    }

    // MARK: Model semantics

    @Test func noLayers() {
        var raw = valid
        raw.set("earshot.layer_count", RawGGUF.u32(0))
        expectError(raw, .noLayers)
    }

    @Test func hugeLayerCount() {
        var raw = valid
        raw.set("earshot.layer_count", RawGGUF.u32(.max))
        expectError(raw, .invalidValue(key: "earshot.layer_count", value: String(UInt32.max), expected: "at most 65536"))
        raw.set("earshot.layer_count", RawGGUF.u32(3))
        expectError(raw, .missingKey("earshot.layer.2.kind"))
    }

    @Test func sizeOutOfRange() {
        var raw = valid
        raw.set("earshot.layer.0.hidden_size", RawGGUF.u32(0))
        expectError(raw, .invalidLayerAttribute(layer: 0, attribute: "hidden_size", value: "0", expected: "an integer in 1...1048576"))
        raw = valid
        raw.set("earshot.input_size", RawGGUF.u32(2_000_000))
        expectError(raw, .invalidValue(key: "earshot.input_size", value: "2000000", expected: "an integer in 1...1048576"))
    }

    @Test func negativeOrNonFiniteClip() {
        var raw = valid
        raw.set("earshot.layer.0.cell_clip", RawGGUF.f32(-1))
        raw.set("earshot.layer.0.kind", RawGGUF.string("lstm"))
        // The clip is checked before the LSTM's tensor shapes.
        expectError(raw, .invalidLayerAttribute(layer: 0, attribute: "cell_clip", value: "-1.0", expected: "a finite number >= 0 (0 for no clip)"))
        raw = valid
        raw.set("earshot.layer.0.forget_bias", RawGGUF.f32(.infinity))
        expectError(raw, .invalidLayerAttribute(layer: 0, attribute: "forget_bias", value: "inf", expected: "a finite number"))
    }

    @Test func attributeOfAnotherLayerKind() {
        var raw = valid
        raw.set("earshot.layer.0.peepholes", RawGGUF.bool(true))
        expectError(raw, .invalidLayerAttribute(layer: 0, attribute: "peepholes", value: "true", expected: "false (only LSTM layers have peepholes)"))
        raw = valid
        raw.set("earshot.layer.0.reset_after", RawGGUF.bool(true))
        expectError(raw, .invalidLayerAttribute(layer: 0, attribute: "reset_after", value: "true", expected: "false (only GRU layers have it)"))
    }

    @Test func layerSizesDoNotChain() {
        var raw = valid
        raw.set("earshot.layer.1.input_size", RawGGUF.u32(3))
        raw.set("earshot.layer.1.hidden_size", RawGGUF.u32(3))
        expectError(raw, .layerSizeMismatch(layer: 1, inputSize: 3, expected: 2))
        raw = valid
        raw.set("earshot.input_size", RawGGUF.u32(4))
        expectError(raw, .layerSizeMismatch(layer: 0, inputSize: 3, expected: 4))
    }

    @Test func labelCountMismatch() {
        var raw = valid
        raw.set("earshot.labels", RawGGUF.strings(["yes", "no", "maybe"]))
        expectError(raw, .labelCountMismatch(labels: 3, outputs: 2))
    }

    // MARK: Tensor table

    @Test func duplicateTensor() {
        var raw = valid
        raw.tensors.append(raw.tensors[1])
        expectError(raw, .duplicateTensor("layer.0.bias"))
    }

    @Test func tensorNameTooLong() {
        var raw = valid
        raw.tensors[1].name = String(repeating: "x", count: 64)
        expectError(raw, .stringTooLong(what: "the name of tensor 1", length: 64, limit: 63))
    }

    @Test func invalidDimensionCount() {
        for dims: [UInt64] in [[], [1, 1, 1, 1, 2]] {
            var raw = valid
            raw.tensors[1].dims = dims
            expectError(raw, .invalidDimensionCount(tensor: "layer.0.bias", count: UInt32(dims.count)))
        }
    }

    @Test func zeroDimension() {
        var raw = valid
        raw.tensors[0].dims = [3, 0]
        expectError(raw, .invalidShape(tensor: "layer.0.input_weights", dims: [3, 0]))
    }

    @Test func dimensionProductOverflows() {
        var raw = valid
        raw.tensors[0].dims = [1 << 32, 1 << 32]
        expectError(raw, .invalidShape(tensor: "layer.0.input_weights", dims: [1 << 32, 1 << 32]))
        raw.tensors[0].dims = [.max]
        expectError(raw, .invalidShape(tensor: "layer.0.input_weights", dims: [.max]))
    }

    @Test func unknownTensorType() {
        var raw = valid
        raw.tensors[0].type = 2  // Q4_0
        expectError(raw, .unknownTensorType(tensor: "layer.0.input_weights", typeID: 2))
    }

    @Test func misalignedTensor() {
        var raw = valid
        raw.tensors[1].offset = 36
        expectError(raw, .misalignedTensor(tensor: "layer.0.bias", offset: 36, alignment: 32))
    }

    @Test func tensorOutOfBounds() {
        var raw = valid
        raw.tensors[1].offset = 1 << 40
        let size = raw.bytes().count
        expectError(raw, .tensorOutOfBounds(name: "layer.0.bias", offset: 1 << 40, size: 8, fileSize: size))
        raw.tensors[1].offset = .max - 31
        expectError(raw, .tensorOutOfBounds(name: "layer.0.bias", offset: .max - 31, size: 8, fileSize: size))
    }

    @Test func tensorPastEndOfFile() {
        let bytes = valid.bytes()
        // Cutting the last 32 bytes (the bias and its padding) leaves the table pointing past the end.
        let error = loadError(Array(bytes.dropLast(32)))
        #expect(error == .tensorOutOfBounds(name: "layer.0.bias", offset: 32, size: 8, fileSize: bytes.count - 32))
    }

    @Test func overlappingTensors() {
        var raw = valid
        raw.tensors[1].offset = 0
        expectError(raw, .overlappingTensors("layer.0.input_weights", "layer.0.bias"))
    }

    @Test func missingTensor() {
        var raw = valid
        raw.tensors.removeLast()
        expectError(raw, .missingTensor("layer.0.bias"))
    }

    @Test func shapeMismatch() {
        var raw = valid
        raw.tensors[0].dims = [2, 3]  // numpy [3, 2]: transposed
        expectError(raw, .shapeMismatch(tensor: "layer.0.input_weights", expected: [2, 3], found: [3, 2]))
    }

    @Test func vectorMustBeFloat32() {
        var raw = valid
        raw.tensors[1].type = 1
        raw.tensors[1].data = [0, 0, 0, 0]
        expectError(raw, .wrongTensorType(tensor: "layer.0.bias", found: .float16, allowed: [.float32]))
    }

    @Test func int8WithoutScale() {
        var raw = valid
        raw.tensors[0].type = 24
        raw.tensors[0].data = [1, 2, 3, 4, 5, 6]
        expectError(raw, .missingTensor("layer.0.input_weights.scale"))
    }

    @Test func int8ScaleWithWrongShapeOrType() {
        var raw = valid
        raw.tensors[0].type = 24
        raw.tensors[0].data = [1, 2, 3, 4, 5, 6]
        raw.tensors.append(.init(name: "layer.0.input_weights.scale", dims: [3], type: 0, data: RawGGUF.floats([1, 1, 1])))
        expectError(raw, .shapeMismatch(tensor: "layer.0.input_weights.scale", expected: [2], found: [3]))
        raw.tensors[2] = .init(name: "layer.0.input_weights.scale", dims: [2], type: 1, data: [0, 60, 0, 60])
        expectError(raw, .wrongTensorType(tensor: "layer.0.input_weights.scale", found: .float16, allowed: [.float32]))
    }

    @Test func invalidInt8Scale() {
        var raw = valid
        raw.tensors[0].type = 24
        raw.tensors[0].data = [1, 2, 3, 4, 5, 6]
        raw.tensors.append(.init(name: "layer.0.input_weights.scale", dims: [2], type: 0, data: RawGGUF.floats([0.5, -1])))
        expectError(raw, .invalidScale(tensor: "layer.0.input_weights.scale", row: 1, value: -1))
    }

    @Test func unusedTensor() {
        var raw = valid
        raw.tensors.append(.init(name: "layer.1.bias", dims: [2], type: 0, data: RawGGUF.floats([0, 0])))
        expectError(raw, .unexpectedTensor("layer.1.bias"))
        // A scale without an int8 matrix is unused too.
        raw = valid
        raw.tensors.append(.init(name: "layer.0.input_weights.scale", dims: [2], type: 0, data: RawGGUF.floats([1, 1])))
        expectError(raw, .unexpectedTensor("layer.0.input_weights.scale"))
    }

    // MARK: Files

    @Test func missingFile() {
        let error = modelError { () throws(ModelError) in _ = try ModelFile(path: "/nonexistent/x.earshot") }
        #expect(error == .file(.open(path: "/nonexistent/x.earshot", errno: ENOENT)))
        #expect(error?.description == "cannot open '/nonexistent/x.earshot': No such file or directory")
    }

    @Test func directoryIsNotAModel() {
        let error = modelError { () throws(ModelError) in _ = try ModelFile(path: "/tmp") }
        #expect(error == .file(.isDirectory(path: "/tmp")))
    }
}

/// The writer refuses what the reader would refuse, before writing anything.
struct ModelWriterValidationTests {
    @Test func byteCountMismatch() {
        var tensors = Fixtures.tensors(for: Fixtures.small)
        tensors[1].bytes.removeLast()
        let error = modelError { () throws(ModelError) in _ = try ModelWriter.serialize(Fixtures.small, tensors: tensors) }
        #expect(error == .tensorByteCountMismatch(tensor: "layer.0.bias", expected: 8, found: 7))
    }

    @Test func sameRulesAsReader() {
        var description = Fixtures.small
        description.layers[1].inputSize = 3
        description.layers[1].hiddenSize = 3
        let tensors = Fixtures.tensors(for: Fixtures.small)
        #expect(modelError { () throws(ModelError) in _ = try ModelWriter.serialize(description, tensors: tensors) }
            == .layerSizeMismatch(layer: 1, inputSize: 3, expected: 2))
        #expect(modelError { () throws(ModelError) in _ = try ModelWriter.serialize(Fixtures.small, tensors: Array(tensors.dropLast())) }
            == .missingTensor("layer.0.bias"))
        var rnn = ModelDescription(inputSize: 2, layers: [LayerDescription(kind: .rnn, inputSize: 2, hiddenSize: 2, activation: .sigmoid)])
        #expect(modelError { () throws(ModelError) in _ = try ModelWriter.serialize(rnn, tensors: Fixtures.tensors(for: rnn)) }
            == .invalidLayerAttribute(layer: 0, attribute: "activation", value: "sigmoid", expected: "tanh or relu for an RNN layer"))
        rnn.layers = []
        #expect(modelError { () throws(ModelError) in _ = try ModelWriter.serialize(rnn, tensors: []) } == .noLayers)
        var meta = Fixtures.small
        meta.metadata[""] = .int(1)
        #expect(modelError { () throws(ModelError) in _ = try ModelWriter.serialize(meta, tensors: tensors) } == .invalidMetadataKey(""))
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let path = "/nonexistent-directory/model.earshot"
        let error = modelError { () throws(ModelError) in
            try ModelWriter.write(Fixtures.small, tensors: Fixtures.tensors(for: Fixtures.small), to: path)
        }
        guard case .file(.open(_, ENOENT))? = error else {
            Issue.record("expected an open error, got \(String(describing: error))")
            return
        }
    }
}
