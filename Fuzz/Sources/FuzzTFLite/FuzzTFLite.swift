import Converter
import Model
import Runtime
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzTFLite_main`): libFuzzer's driver.
@_cdecl("FuzzTFLite_main")
public func fuzzTFLiteMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzTFLite)
}

/// libFuzzer entry: any bytes as a TFLite model (`earshot convert IN.tflite`) and as an imported
/// quantized-graph file (`earshot infer --model OUT.earshot`). What imports must write, load again
/// and run one step inside its arena.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTFLite(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    if let graph = try? QuantizedGraphFile.parse(bytes), let network = try? QuantizedNetwork(graph: graph) {
        network.step()
    }
    guard let graph = try? TFLiteImporter.importModel(bytes: bytes, manifest: nil) else { return 0 }
    do {
        let file = try QuantizedGraphFile.serialize(graph)
        try QuantizedNetwork(graph: try QuantizedGraphFile.parse(file)).step()
    } catch {
        // Not fatal: the CLI reports these as errors too.
    }
    return 0
}
