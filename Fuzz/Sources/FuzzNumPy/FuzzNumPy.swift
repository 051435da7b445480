import NumPyFile
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzNumPy_main`): libFuzzer's driver.
@_cdecl("FuzzNumPy_main")
public func fuzzNumPyMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzNumPy)
}

/// libFuzzer entry: any bytes as a `.npy` file (`earshot infer --features`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    if let array = try? NumPyFormat.parse(bytes) {
        // ASan catches a read past the data if the parser accepted a shape larger than it.
        _ = array.floats()
    }
    return 0
}
