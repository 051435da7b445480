import Converter
import Model
import Runtime
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzManifest_main`): libFuzzer's driver.
@_cdecl("FuzzManifest_main")
public func fuzzManifestMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzManifest)
}

/// libFuzzer entry: a manifest and a weight archive (`earshot convert W.npz --manifest M.json`).
///
/// Input framing (tools/fixtures/make_fuzz_corpus.py writes seeds this way): a 4-byte little-endian length
/// N, then N bytes of manifest JSON, then the archive (`.npz` or `.safetensors`). Inputs shorter
/// than 4 bytes, or with N past the end, use the whole input as the manifest and no archive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : count)
    var manifest = Array(bytes)
    var weights: [UInt8] = []
    if count >= 4 {
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        if length <= count - 4 {
            manifest = Array(bytes[4..<(4 + length)])
            weights = Array(bytes[(4 + length)...])
        }
    }
    guard let imported = try? ManifestImporter.importModel(manifest: manifest, weights: weights) else { return 0 }
    do {
        let file = try ModelWriter.serialize(imported.description, tensors: imported.tensors)
        _ = try Network(model: try ModelFile(bytes: file))
    } catch {
        // Refused later, with an error: not a crash.
    }
    return 0
}
