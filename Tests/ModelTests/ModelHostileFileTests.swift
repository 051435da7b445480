import TestSupport
import Testing
import Model

/// Truncates and mutates valid model files thousands of times: every case must either load
/// (a change inside weight bytes is a legitimate model) or throw a `ModelError`; never crash or
/// read outside the buffer (run under `--sanitize=address` to prove the latter).
struct ModelHostileFileTests {
    /// Valid files of different shapes: fp32 small, and the large fixture in fp32, fp16 and int8.
    static func corpus() throws -> [(name: String, bytes: [UInt8])] {
        var files = [(name: String, bytes: [UInt8])]()
        files.append(("small", try ModelWriter.serialize(Fixtures.small, tensors: Fixtures.tensors(for: Fixtures.small))))
        for type in [TensorType.float32, .float16, .int8] {
            let tensors = Fixtures.tensors(for: Fixtures.large, matrixType: type, seed: 7)
            files.append(("large-\(type)", try ModelWriter.serialize(Fixtures.large, tensors: tensors)))
        }
        return files
    }

    /// Tallies outcomes by error case name.
    struct Tally {
        var loaded = 0
        var rejected: [String: Int] = [:]

        mutating func record(_ bytes: [UInt8]) {
            do {
                let model = try ModelFile(bytes: bytes)
                // Touch every byte of every view so an out-of-range view would be caught.
                var checksum: UInt8 = 0
                for tensor in model.tensors {
                    let data = UnsafeRawBufferPointer(start: tensor.data, count: tensor.byteCount)
                    for byte in data { checksum &+= byte }
                    if let scales = tensor.scales { checksum &+= UInt8(truncatingIfNeeded: scales[tensor.rows - 1].bitPattern) }
                }
                _ = checksum
                loaded += 1
            } catch {
                let kind = Mirror(reflecting: error).children.first?.label ?? (error == .noLayers ? "noLayers" : "\(error)")
                rejected[kind, default: 0] += 1
            }
        }

        var total: Int { loaded + rejected.values.reduce(0, +) }

        func report(_ title: String) {
            let kinds = rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(title): \(total) cases, \(loaded) loaded, \(total - loaded) rejected (\(kinds))")
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let files = try Self.corpus()
        var tally = Tally()
        // Every length of the small file.
        let small = files[0].bytes
        for length in 0..<small.count { tally.record(Array(small.prefix(length))) }
        // Seeded random lengths of the large ones.
        var random = SeededGenerator(seed: 0x5EED_0001)
        for _ in 0..<3000 {
            let file = files[Int.random(in: 1..<files.count, using: &random)].bytes
            tally.record(Array(file.prefix(Int.random(in: 0..<file.count, using: &random))))
        }
        tally.report("truncations")
        // Trailing zero padding of the last tensor is not needed, so a few lengths load; any
        // cut inside the header, keys, table or a tensor's bytes must not.
        #expect(tally.rejected.values.reduce(0, +) > 0)
        for length in 0..<small.count - 32 {
            #expect(loadError(Array(small.prefix(length))) != nil, "truncated to \(length) bytes it loaded")
        }
    }

    @Test func randomMutationsLoadOrFailCleanly() throws {
        let files = try Self.corpus()
        var random = SeededGenerator(seed: 0x5EED_0002)
        var tally = Tally()
        let hugeValues: [UInt64] = [.max, 1 << 63, 1 << 62, 1 << 32, UInt64(Int64.max), 0xFFFF_FFFF, 0]
        for _ in 0..<6000 {
            var bytes = files[Int.random(in: 0..<files.count, using: &random)].bytes
            // Favour the header, keys and tensor table: that is where the checks live.
            let structural = min(bytes.count, 2048)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let limit = Bool.random(using: &random) ? structural : bytes.count
                let index = Int.random(in: 0..<limit, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
                case 1: bytes[index] = 0x00
                case 2: bytes[index] = 0xFF
                case 3: bytes[index] = UInt8.random(in: 0...255, using: &random)
                default:
                    let value = hugeValues[Int.random(in: 0..<hugeValues.count, using: &random)]
                    for byte in 0..<8 where index + byte < bytes.count {
                        bytes[index + byte] = UInt8(truncatingIfNeeded: value >> UInt64(byte * 8))
                    }
                }
            }
            tally.record(bytes)
        }
        tally.report("mutations")
        #expect(tally.total == 6000)
        #expect(tally.loaded > 0, "some mutations only touch weights and must load")
        #expect(tally.rejected.count >= 10, "mutations should reach many different checks")
    }

    /// Every possible u64 field position overwritten with huge values in the header, keys and
    /// tensor table of the small file: counts, lengths, dims and offsets all get hit.
    @Test func hugeValuesAtEveryPosition() throws {
        let small = try Self.corpus()[0].bytes
        let tableEnd = small.count - 64  // the data section: two 32-byte-padded tensors
        var tally = Tally()
        for value: UInt64 in [.max, 1 << 62, 1 << 40] {
            for index in 4..<(tableEnd - 8) {
                var bytes = small
                for byte in 0..<8 { bytes[index + byte] = UInt8(truncatingIfNeeded: value >> UInt64(byte * 8)) }
                tally.record(bytes)
            }
        }
        tally.report("huge values")
        #expect(tally.total == 3 * (tableEnd - 12))
    }
}
