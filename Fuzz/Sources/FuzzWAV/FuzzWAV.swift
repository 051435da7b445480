import WAVFile
import FuzzDriver

/// The executable's entry (SwiftPM links `main` to `FuzzWAV_main`): libFuzzer's driver.
@_cdecl("FuzzWAV_main")
public func fuzzWAVMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzWAV)
}

/// libFuzzer entry: any bytes as a WAV file. Must return a `WAVError` or audio, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAV(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count)
    if let audio = try? WAVFile.decode(bytes) {
        // The decoded fields must be consistent with what the header allowed.
        precondition(audio.channelCount > 0 && audio.sampleRate > 0)
        precondition(audio.samples.count * audio.channelCount * audio.format.byteCount <= count)
    }
    return 0
}
