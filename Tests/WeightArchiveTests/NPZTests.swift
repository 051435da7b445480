import Testing

@testable import WeightArchive

/// `.npz` archives written by numpy.savez (stored members) and numpy.savez_compressed (deflated).
@Suite struct NPZTests {
    static let expectedKeys = ["f32", "f64", "f16", "i64", "lstm/rnn/lstm_cell/kernel", "scalar", "empty"]

    @Test(arguments: ["stored.npz", "deflated.npz"])
    func numpyArchivesReadExactly(name: String) throws {
        let archive = try WeightArchive(bytes: fixture(name))
        #expect(archive.format == .npz)
        #expect(archive.keys == Self.expectedKeys)
        let expected: [(String, [Int], WeightElementType)] = [
            ("f32", [3, 4], .float32), ("f64", [5], .float64), ("f16", [2, 3], .float16),
            ("lstm/rnn/lstm_cell/kernel", [6, 8], .float32), ("scalar", [], .float32), ("empty", [0, 3], .float32),
        ]
        for (key, shape, type) in expected {
            let tensor = try #require(archive[key])
            #expect(tensor.shape == shape, "\(key)")
            #expect(tensor.elementType == type, "\(key)")
            #expect(tensor.values == formulaValues(count: shape.reduce(1, *)), "\(key)")
        }
        let integers = try #require(archive["i64"])
        #expect(integers.elementType == .int64 && integers.shape == [4] && integers.values.isEmpty)
    }

    @Test func deflatedMembersAreReallyDeflated() throws {
        let zip = try ZipArchive(bytes: fixture("deflated.npz"))
        #expect(zip.members.allSatisfy { $0.method == 8 })
        #expect(try ZipArchive(bytes: fixture("stored.npz")).members.allSatisfy { $0.method == 0 })
    }

    /// The central directory entry of member `index` (first = 0) in `bytes`.
    func centralEntryOffset(_ bytes: [UInt8], index: Int) -> Int {
        var found = -1
        for position in 0..<(bytes.count - 4) where bytes[position..<(position + 4)].elementsEqual([0x50, 0x4B, 0x01, 0x02]) {
            found += 1
            if found == index { return position }
        }
        return -1
    }

    func expectError(_ bytes: [UInt8], _ matches: (WeightArchiveError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try WeightArchive(bytes: bytes)
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            #expect(matches(error), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func zip64IsRefusedClearly() throws {
        var bytes = try fixture("stored.npz")
        let entry = centralEntryOffset(bytes, index: 1)
        for offset in 20..<24 { bytes[entry + offset] = 0xFF }
        expectError(bytes) { error in
            if case .unsupportedZip(let reason) = error { return reason.contains("zip64") && reason.contains("f64.npy") }
            return false
        }
        var counts = try fixture("stored.npz")
        let end = counts.count - 22
        counts[end + 10] = 0xFF
        counts[end + 11] = 0xFF
        expectError(counts) { if case .unsupportedZip(let reason) = $0 { return reason.contains("zip64") } else { return false } }
    }

    @Test func encryptionAndOtherMethodsAreRefused() throws {
        var encrypted = try fixture("stored.npz")
        encrypted[centralEntryOffset(encrypted, index: 0) + 8] |= 1
        expectError(encrypted) { if case .unsupportedZip(let reason) = $0 { return reason.contains("encrypted") } else { return false } }
        var bzip2 = try fixture("deflated.npz")
        bzip2[centralEntryOffset(bzip2, index: 2) + 10] = 12
        expectError(bzip2) { if case .unsupportedZip(let reason) = $0 { return reason.contains("method 12") && reason.contains("f16.npy") } else { return false } }
    }

    @Test func corruptDataFailsTheChecksum() throws {
        var bytes = try fixture("stored.npz")
        // The last byte of the first member's data (f32.npy), just before the second local header.
        var second = 0
        for position in 4..<bytes.count where bytes[position..<(position + 4)].elementsEqual([0x50, 0x4B, 0x03, 0x04]) {
            second = position
            break
        }
        bytes[second - 1] ^= 0x40
        expectError(bytes) { if case .checksumMismatch(let member, _, _) = $0 { return member == "f32.npy" } else { return false } }
    }

    @Test func truncatedAndForeignFilesAreErrors() throws {
        let bytes = try fixture("deflated.npz")
        expectError(Array(bytes.prefix(bytes.count - 1))) { if case .malformedZip = $0 { return true } else { return false } }
        expectError(Array(bytes.prefix(10))) { if case .truncated = $0 { return true } else { return false } }
        expectError(Array("hello world".utf8)) { if case .unknownFormat = $0 { return true } else { return false } }
        expectError([]) { if case .unknownFormat = $0 { return true } else { return false } }
    }

    @Test func realMLKWSArchives() throws {
        let weights = try mlKWSReference("LSTM_S_weights.npz"), reference = try mlKWSReference("GRU_S_reference.npz")
        let archive = try WeightArchive(bytes: weights)
        #expect(archive["lstm/rnn/lstm_cell/kernel"]?.shape == [108, 576])
        #expect(archive["lstm/rnn/lstm_cell/projection/kernel"]?.shape == [144, 98])
        #expect(archive["W_o"]?.shape == [98, 12])
        // Deflated by numpy; every member passes zlib's CRC-32.
        let features = try WeightArchive(bytes: reference)
        #expect(features["mfcc"]?.shape == [480, 25, 10])
        #expect(features["probs"]?.shape == [480, 12])
        // The clip names are a string array: kept as a non-weight entry, not an error.
        #expect(features["files"]?.elementType == nil && features["files"]?.storedType == "<U40")
        let probs = try #require(features["probs"]).values
        for clip in 0..<480 {
            let sum = probs[(clip * 12)..<(clip * 12 + 12)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
    }
}
