import Listener
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzBoardConfig_main`): libFuzzer's driver.
@_cdecl("FuzzBoardConfig_main")
public func fuzzBoardConfigMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzBoardConfig)
}

/// libFuzzer entry: any bytes as a board configuration (JSON). Must throw or parse, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBoardConfig(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    _ = try? BoardConfiguration.parse(bytes, source: "fuzz.json", directory: "/nonexistent")
    return 0
}
