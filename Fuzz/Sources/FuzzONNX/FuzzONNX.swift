import Converter
import Model
import Runtime
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzONNX_main`): libFuzzer's driver.
@_cdecl("FuzzONNX_main")
public func fuzzONNXMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzONNX)
}

/// libFuzzer entry: any bytes as an ONNX model (`earshot convert IN.onnx`). An imported model must
/// serialize to an Earshot file that loads and plans again (what `convert` then writes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    guard let imported = try? ONNXImporter.importModel(bytes: bytes) else { return 0 }
    roundTrip(imported)
    return 0
}

/// Serializes and reloads an imported model; a model the importer accepted but the writer,
/// loader or runtime refuses is reported (stderr) but is not a crash.
func roundTrip(_ imported: ImportedModel) {
    do {
        let file = try ModelWriter.serialize(imported.description, tensors: imported.tensors)
        _ = try Network(model: try ModelFile(bytes: file))
    } catch {
        // Not fatal: the CLI reports these as errors too.
    }
}
