import WeightArchive
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzWeightArchive_main`): libFuzzer's driver.
@_cdecl("FuzzWeightArchive_main")
public func fuzzWeightArchiveMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzWeightArchive)
}

/// libFuzzer entry: any bytes as a weight archive (`.npz` zip with stored/deflated members, or
/// `.safetensors`). Every tensor of an accepted archive is read in full.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeightArchive(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    if let archive = try? WeightArchive(bytes: bytes) {
        var sum: Float = 0
        for tensor in archive.tensors {
            for value in tensor.values { sum += value }
        }
        _ = sum
    }
    return 0
}
