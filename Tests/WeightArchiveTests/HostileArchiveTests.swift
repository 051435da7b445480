import TestSupport
import Testing

@testable import WeightArchive

/// Truncated and corrupted archives: every case ends in a clean `WeightArchiveError` or a
/// successful read, never a crash, a trap or an out-of-bounds read.
@Suite struct HostileArchiveTests {
    static let files = ["stored.npz", "deflated.npz", "tensors.safetensors", "bf16.safetensors"]

    func outcome(_ bytes: [UInt8]) -> Bool {
        do {
            let archive = try WeightArchive(bytes: bytes)
            // Whatever was read must be self-consistent.
            for tensor in archive.tensors where tensor.isWeights {
                #expect(tensor.values.count == tensor.elementCount)
            }
            return true
        } catch {
            #expect(!error.description.isEmpty)
            return false
        }
    }

    @Test(arguments: files)
    func everyTruncationIsAnError(name: String) throws {
        let bytes = try fixture(name)
        for length in 0..<bytes.count {
            #expect(!outcome(Array(bytes[0..<length])), "\(name) cut at \(length) read successfully")
        }
    }

    @Test(arguments: files)
    func byteMutationsNeverCrash(name: String) throws {
        let original = try fixture(name)
        var generator = SeededGenerator(seed: 0x5AFE_7E45 ^ UInt64(original.count))
        var errors = 0
        for round in 0..<1500 where !outcome(mutate(original, round: round, using: &generator)) { errors += 1 }
        // Most edits hit structure or checksummed data; edits inside safetensors data still read.
        #expect(errors > 300)
    }

    @Test func randomGarbageIsAnError() {
        var generator = SeededGenerator(seed: 77)
        for round in 0..<1000 {
            var bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Give half of them a plausible start so the zip and safetensors paths are exercised.
            if round % 2 == 0, bytes.count >= 9 {
                if round % 4 == 0 { bytes[0...3] = [0x50, 0x4B, 0x03, 0x04] } else { bytes[0...8] = [UInt8(truncatingIfNeeded: bytes.count - 8), 0, 0, 0, 0, 0, 0, 0, 0x7B] }
            }
            #expect(!outcome(bytes))
        }
    }
}
