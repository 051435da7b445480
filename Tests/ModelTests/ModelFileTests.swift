import Testing
import Model
import SystemFile
#if canImport(Glibc)
import Glibc
#endif

/// Serializes, loads, and serializes again; checks the description, every tensor's bytes,
/// shapes, types, scales and alignment, and that the second image equals the first.
@discardableResult
private func roundTrip(_ description: ModelDescription, _ tensors: [TensorData]) throws -> ModelFile {
    let bytes = try ModelWriter.serialize(description, tensors: tensors)
    #expect(bytes.count % 32 == 0)
    let model = try ModelFile(bytes: bytes)
    #expect(model.description == description)
    #expect(model.fileByteCount == bytes.count)
    #expect(model.tensors.count == tensors.count)
    for tensor in tensors {
        guard let view = model.tensors.first(where: { $0.name == tensor.name }) else {
            Issue.record("tensor \(tensor.name) missing after the round trip")
            continue
        }
        #expect(view.type == tensor.type)
        #expect(view.shape == tensor.shape)
        #expect(view.byteCount == tensor.bytes.count)
        #expect(Array(UnsafeRawBufferPointer(start: view.data, count: view.byteCount)) == tensor.bytes)
        #expect(Int(bitPattern: view.data) % 32 == 0, "tensor \(tensor.name) is not 32-byte aligned")
        if tensor.type == .int8 {
            let scale = try #require(tensors.first { $0.name == tensor.name + ".scale" })
            let pointer = try #require(view.scales)
            let scales = Array(UnsafeBufferPointer(start: pointer, count: view.rows))
            #expect(scales == TensorDataReader.floats(scale.bytes))
        } else {
            #expect(view.scales == nil)
        }
    }
    let again = model.tensors.map { view in
        TensorData(name: view.name, type: view.type, shape: view.shape,
                   bytes: Array(UnsafeRawBufferPointer(start: view.data, count: view.byteCount)))
    }
    #expect(try ModelWriter.serialize(model.description, tensors: again) == bytes)
    // The writer's output does not depend on the order tensors are handed in.
    #expect(try ModelWriter.serialize(description, tensors: tensors.reversed()) == bytes)
    return model
}

enum TensorDataReader {
    static func floats(_ bytes: [UInt8]) -> [Float] {
        var values = [Float]()
        for index in stride(from: 0, to: bytes.count, by: 4) {
            var bits = UInt32(bytes[index])
            bits |= UInt32(bytes[index + 1]) << 8
            bits |= UInt32(bytes[index + 2]) << 16
            bits |= UInt32(bytes[index + 3]) << 24
            values.append(Float(bitPattern: bits))
        }
        return values
    }
}

struct ModelFileRoundTripTests {
    @Test func dense() throws {
        let description = ModelDescription(
            inputSize: 5, layers: [LayerDescription(kind: .dense, name: "fc", inputSize: 5, hiddenSize: 3, activation: .tanh)])
        try roundTrip(description, Fixtures.tensors(for: description))
    }

    @Test func lstmWithPeepholesProjectionAndClips() throws {
        let description = ModelDescription(
            inputSize: 7,
            layers: [LayerDescription(kind: .lstm, name: "LSTM_0", inputSize: 7, hiddenSize: 9, projectionSize: 4,
                                      hasPeepholes: true, forgetBias: 1, cellClip: 10, gateClip: 3, projectionClip: 0.75)])
        let model = try roundTrip(description, Fixtures.tensors(for: description))
        #expect(model.tensor(layer: 0, role: .recurrentWeights)?.shape == [36, 4])
        #expect(model.tensor(layer: 0, role: .peepholes)?.shape == [27])
        #expect(model.tensor(layer: 0, role: .projection)?.shape == [4, 9])
        #expect(model.tensor(layer: 0, role: .inputBias) == nil)
    }

    @Test(arguments: [false, true])
    func gru(resetAfter: Bool) throws {
        let description = ModelDescription(
            inputSize: 13, layers: [LayerDescription(kind: .gru, inputSize: 13, hiddenSize: 37, gateClip: 2, resetAfter: resetAfter)])
        try roundTrip(description, Fixtures.tensors(for: description))
    }

    @Test func rnnReluStack() throws {
        let description = ModelDescription(
            inputSize: 4,
            layers: [LayerDescription(kind: .rnn, inputSize: 4, hiddenSize: 6, activation: .relu),
                     LayerDescription(kind: .rnn, inputSize: 6, hiddenSize: 5, activation: .tanh)])
        try roundTrip(description, Fixtures.tensors(for: description))
    }

    @Test func softmaxWithLabels() throws {
        try roundTrip(Fixtures.small, Fixtures.tensors(for: Fixtures.small))
    }

    @Test func metadataOfEveryKind() throws {
        var description = Fixtures.small
        description.metadata = [
            "int": .int(-42), "big": .int(.max), "float": .float(0.1), "nan": .float(.infinity),
            "flag": .bool(true), "off": .bool(false), "text": .string("héllo wörld"), "empty": .string(""),
            "floats": .floats([1.5, -2, 0]), "no_floats": .floats([]), "ints": .ints([1, -2, .min]),
            "strings": .strings(["a", "", "ü"]), "frontend.mel_bins": .int(40),
        ]
        try roundTrip(description, Fixtures.tensors(for: description))
    }

    @Test(arguments: [TensorType.float32, .float16, .int8])
    func largeModel(matrixType: TensorType) throws {
        let tensors = Fixtures.tensors(for: Fixtures.large, matrixType: matrixType)
        let model = try roundTrip(Fixtures.large, tensors)
        #expect(model.tensor(layer: 0, role: .inputWeights)?.type == matrixType)
        #expect(model.tensor(layer: 1, role: .inputBias)?.type == .float32)
    }

    /// A model written by an independent hand-built encoder reads as the same description, and
    /// ModelWriter writes exactly the same bytes for it.
    @Test func agreesWithIndependentEncoder() throws {
        let bytes = RawGGUF.small().bytes()
        let model = try ModelFile(bytes: bytes)
        var expected = Fixtures.small
        expected.layers[0].name = ""
        expected.layers[1].name = ""
        #expect(model.description == expected)
        let weights = try #require(model.tensor(layer: 0, role: .inputWeights))
        #expect(weights.shape == [2, 3])
        #expect(Array(UnsafeBufferPointer(start: weights.data.assumingMemoryBound(to: Float.self), count: 6)) == [1, 2, 3, 4, 5, 6])
        let tensors = [
            TensorData(name: "layer.0.input_weights", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
            TensorData(name: "layer.0.bias", shape: [2], floats: [0.5, -0.5]),
        ]
        #expect(try ModelWriter.serialize(expected, tensors: tensors) == bytes)
    }

    /// Forward compatibility: keys Earshot does not know are skipped.
    @Test func unknownKeysAreIgnored() throws {
        var raw = RawGGUF.small()
        raw.keys.insert(("general.name", RawGGUF.string("tiny")), at: 1)
        raw.keys.append(("earshot.future_key", RawGGUF.u32(7)))
        raw.keys.append(("tokenizer.list", RawGGUF.strings(["a", "b"])))
        raw.keys.append(("other.numbers", RawGGUF.Value(type: 9, bytes: RawGGUF.le(UInt32(10)) + RawGGUF.le(UInt64(2)) + [UInt8](repeating: 1, count: 16))))
        let model = try ModelFile(bytes: raw.bytes())
        #expect(model.description.layers.count == 2)
        #expect(model.description.metadata.isEmpty)
    }

    /// Python's gguf writer omits empty strings, so an absent layer name means "".
    @Test func absentLayerNameIsEmpty() throws {
        var raw = RawGGUF.small()
        raw.set("earshot.layer.0.name", RawGGUF.string("fc"))
        #expect(try ModelFile(bytes: raw.bytes()).description.layers[0].name == "fc")
        raw.remove("earshot.layer.0.name")
        #expect(try ModelFile(bytes: raw.bytes()).description.layers[0].name == "")
    }

    /// A missing `general.alignment` means 32; a larger power of two is honoured.
    @Test func alignmentKeyIsOptionalAndHonoured() throws {
        var raw = RawGGUF.small()
        raw.remove("general.alignment")
        #expect(try ModelFile(bytes: raw.bytes()).tensors.count == 2)
        for alignment: UInt32 in [64, 4096] {
            raw = RawGGUF.small()
            raw.set("general.alignment", RawGGUF.u32(alignment))
            raw.alignment = UInt64(alignment)
            let model = try ModelFile(bytes: raw.bytes())
            let bias = try #require(model.tensor(layer: 0, role: .bias))
            #expect(Array(UnsafeBufferPointer(start: bias.data.assumingMemoryBound(to: Float.self), count: 2)) == [0.5, -0.5])
        }
    }

    @Test func writesAndMapsFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/model.earshot"
        let tensors = Fixtures.tensors(for: Fixtures.large, matrixType: .int8)
        try ModelWriter.write(Fixtures.large, tensors: tensors, to: path)
        let model = try ModelFile(path: path)
        #expect(model.description == Fixtures.large)
        #expect(try SystemFile.readAll(path: path) == ModelWriter.serialize(Fixtures.large, tensors: tensors))
        // Overwrite in place with another model: the new one replaces the old one whole.
        try ModelWriter.write(Fixtures.small, tensors: Fixtures.tensors(for: Fixtures.small), to: path)
        #expect(try ModelFile(path: path).description == Fixtures.small)
        #expect(model.description == Fixtures.large, "the earlier mapping stays valid")
        #expect(directory.entries() == ["model.earshot"], "no temporary file is left behind")
    }
}

/// A fresh directory under /tmp, removed with its files when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/earshot-model-tests-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SystemFileError.open(path: "/tmp/earshot-model-tests-XXXXXX", errno: errno)
        }
        path = String(cString: result)
    }

    func entries() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names = [String]()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    deinit {
        for name in entries() { unlink(path + "/" + name) }
        rmdir(path)
    }
}
