import Model
import Runtime
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzModelFile_main`): libFuzzer's driver.
@_cdecl("FuzzModelFile_main")
public func fuzzModelFileMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzModelFile)
}

/// libFuzzer entry: any bytes as an Earshot model file (GGUF). A file the loader accepts must
/// also be safe for the runtime: it is planned (`Network`) and stepped twice on a zero frame
/// (or, for windowed models, one window is run).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : count))
    guard let model = try? ModelFile(bytes: bytes), let network = try? Network(model: model) else {
        return 0
    }
    let frame = [Float](repeating: 0, count: model.description.inputSize)
    frame.withUnsafeBufferPointer { frame in
        guard let base = frame.baseAddress else { return }
        if !network.runsWholeWindows {
            _ = network.step(base)
            _ = network.step(base)
        } else if let windowed = try? WindowedNetwork.forModel(network) {
            var ready = false
            var pushes = 0
            while !ready && pushes < ExecutionMode.maxWindowFrames {
                ready = windowed.push(base)
                pushes += 1
            }
            if ready { _ = windowed.evaluate() }
        }
    }
    return 0
}
