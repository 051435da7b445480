import Foundation
import Frontend
import Model
import Testing
import WAVFile

/// Earshot's TensorFlow MFCC preset against TensorFlow's own graph (AudioSpectrogram + Mfcc),
/// on the 480 real Speech Commands clips, streamed in irregular chunks.
@Suite struct TensorFlowParityTests {
    /// Tolerance on every coefficient (MFCCs here span -247...33).
    static let absoluteTolerance: Float = 1e-3

    struct Reference {
        let files: [String]
        let mfcc: [Float]  // [N, T, 10]
        let frames: Int
    }

    static func loadReference(_ model: String) throws -> Reference? {
        let url = sharedDirectory.appendingPathComponent("data/ml-kws/reference/\(model)_reference.npz")
        guard let bytes = readBytes(url) else { return nil }
        let members = try readZip(bytes)
        let files = try NPY(members["files.npy"]!).strings
        let mfccArray = try NPY(members["mfcc.npy"]!)
        #expect(mfccArray.shape.count == 3 && mfccArray.shape[0] == files.count && mfccArray.shape[2] == 10)
        return Reference(files: files, mfcc: mfccArray.floats, frames: mfccArray.shape[1])
    }

    // Enabled only with the reference data: a parameterized case that cancels itself is reported as
    // passed by Swift Testing 6.3, so the skip (with its reason) is decided before the cases run.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedDirectory.appendingPathComponent("data/ml-kws/reference").path),
                   "../shared/data/ml-kws/reference is absent"),
          arguments: [("LSTM_S", 640, 25), ("GRU_M", 320, 49)])
    func matchesTensorFlow(model: String, stride: Int, expectedFrames: Int) throws {
        let reference = try #require(try Self.loadReference(model), "\(model)_reference.npz is missing from the reference data")
        #expect(reference.frames == expectedFrames)
        let extractor = try FeatureExtractor(config: .mlKWS(stride: stride))
        #expect(extractor.featureCount == 10)
        let clipDirectory = sharedDirectory.appendingPathComponent("data/speech_commands_v0.02_subset")
        let chunkSizes = [160, 1, 333]
        var maxAbsolute: Float = 0
        var maxRelative: Float = 0
        var worst = ""
        var output = [Float](repeating: 0, count: 10)
        for (clip, file) in reference.files.enumerated() {
            let bytes = try #require(readBytes(clipDirectory.appendingPathComponent(file)), "missing clip \(file)")
            let audio = try WAVFile.decode(bytes)
            #expect(audio.sampleRate == 16000)
            // DecodeWav(desired_samples: 16000): truncate or zero-pad to one second.
            var samples = Array(audio.samples.prefix(16000))
            samples += [Float](repeating: 0, count: 16000 - samples.count)
            extractor.reset()
            var frames: [[Float]] = []
            var offset = 0
            var chunkIndex = clip  // vary the chunk phase per clip
            samples.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    while offset < input.count {
                        let size = min(chunkSizes[chunkIndex % chunkSizes.count], input.count - offset)
                        chunkIndex += 1
                        var chunk = UnsafeBufferPointer(rebasing: input[offset..<(offset + size)])
                        offset += size
                        while !chunk.isEmpty {
                            let step = extractor.process(chunk, into: out)
                            chunk = UnsafeBufferPointer(rebasing: chunk[step.consumed...])
                            if step.produced { frames.append(Array(out)) }
                        }
                    }
                }
            }
            try #require(frames.count == reference.frames, "\(file): \(frames.count) frames")
            for t in 0..<reference.frames {
                for c in 0..<10 {
                    let expected = reference.mfcc[(clip * reference.frames + t) * 10 + c]
                    let error = abs(frames[t][c] - expected)
                    if error > maxAbsolute {
                        maxAbsolute = error
                        worst = "\(file) frame \(t) coefficient \(c): \(frames[t][c]) vs \(expected)"
                    }
                    maxRelative = max(maxRelative, error / max(abs(expected), 1))
                }
            }
        }
        print("""
            \(model) (stride \(stride), \(reference.files.count) clips x \(reference.frames) frames x 10): \
            max abs error \(maxAbsolute), max relative error (|d| / max(|ref|, 1)) \(maxRelative); \
            worst: \(worst)
            """)
        #expect(maxAbsolute <= Self.absoluteTolerance, "worst: \(worst)")
    }
}
