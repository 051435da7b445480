import Converter
import Model
import Runtime
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzOpenWakeWord_main`): libFuzzer's driver.
@_cdecl("FuzzOpenWakeWord_main")
public func fuzzOpenWakeWordMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOpenWakeWord)
}

/// libFuzzer entry: the bytes as an openWakeWord model file (`earshot infer --model`), streamed for
/// two chunks when it loads; then, after the first byte, as an openWakeWord network for the importer
/// (`earshot convert --openwakeword-features`): byte 0 picks the role (mel network, embedding CNN,
/// head) and the format (ONNX or TFLite).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenWakeWord(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    if let model = try? OpenWakeWordFile.parse(bytes), let stream = try? OpenWakeWordStream(models: [model]),
       model.chunkSamples <= 4096 {
        let samples = [Float](repeating: 100, count: 2 * model.chunkSamples)
        var rows = [Float](repeating: 0, count: 2)
        samples.withUnsafeBufferPointer { input in
            _ = rows.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: 2) }
        }
    }
    guard let selector = bytes.first else { return 0 }
    let source = OpenWakeWordImporter.Source(name: selector & 1 == 0 ? "net.onnx" : "net.tflite", bytes: Array(bytes.dropFirst()))
    switch (selector >> 1) % 3 {
    case 0: _ = try? OpenWakeWordImporter.melNetwork(source)
    case 1: _ = try? OpenWakeWordImporter.stack(source, input: FloatShape(height: 76, width: 32, channels: 1))
    default: _ = try? OpenWakeWordImporter.stack(source, input: FloatShape(height: 16, width: 96, channels: 1))
    }
    return 0
}
