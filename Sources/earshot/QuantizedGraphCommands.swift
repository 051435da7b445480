import Converter
import Model
import Runtime
import SystemFile

/// `earshot convert MODEL.tflite`: the TFLite importer (host build only; the rest of the work on
/// imported models is QuantizedGraphModels, shared with the static aarch64 build).
enum QuantizedGraphCommands {
    /// `earshot convert MODEL.tflite -o OUT.earshot [--manifest M.json]`: the manifest defaults to
    /// the JSON with the model's stem beside it, when present.
    static func convert(input: String, manifest: String?, output: String, kernels: TFLiteImporter.Kernels) throws {
        let bytes = try SystemFile.readAll(path: input)
        let stem = input.hasSuffix(".tflite") ? String(input.dropLast(7)) : input
        var parsed: MicroManifest? = nil
        // The manifest beside the model (same stem) is optional; --manifest must exist.
        let text = manifest != nil ? try SystemFile.readAll(path: manifest!) : try? SystemFile.readAll(path: stem + ".json")
        if let text {
            let where_ = manifest ?? stem + ".json"
            switch Result(catching: { () throws(TFLiteError) -> MicroManifest in try MicroManifest.parse(text) }) {
            case let .success(value): parsed = value
            case let .failure(error): throw CLIError("'\(where_)': \(error.description)")
            }
        }
        let graph: QuantizedGraph
        switch Result(catching: { () throws(TFLiteError) -> QuantizedGraph in
            try TFLiteImporter.importModel(bytes: bytes, manifest: parsed, kernels: kernels)
        }) {
        case let .success(value): graph = value
        case let .failure(error): throw CLIError("'\(input)': \(error.description)")
        }
        try QuantizedGraphFile.write(graph, to: output)
        let back = try QuantizedGraphFile.read(path: output)
        let network = try QuantizedNetwork(graph: back)
        print("wrote \(output): TFLite int8 graph, \(back.operations.count) operations, \(back.variableInitialValues.count) state variables, input [\(back.input.frames), \(back.input.width)] -> \(back.output.width), arena \(network.arenaByteCount) bytes, kernels \(kernels.rawValue), wake word '\(back.wakeWord.name)'")
    }
}
