import TestSupport
import Testing

@testable import Converter

/// Truncated and corrupted ONNX files: every case must end in a clean `ConversionError` or a
/// successful import, never a crash or an out-of-bounds read.
@Suite struct ONNXHostileFileTests {
    static let seeds: [UInt64] = [1, 0xE4_5A_05]

    private func fixtures() -> [[UInt8]] {
        var tf = PyTorchLSTMFixture(encoding: .packedFloatData, opset: 11)
        tf.graph.nodes[tf.node("Squeeze_1")].inputs[0] = "Y_h"
        let gru = recurrentGraph(
            op: "GRU", gates: 3, features: 2, hidden: 2, attributes: [.int("linear_before_reset", 1)],
            w: gateTagged(gates: 3, rows: 2, columns: 2), r: gateTagged(gates: 3, rows: 2, columns: 2),
            b: gateTagged(gates: 6, rows: 2, columns: 1))
        return [PyTorchLSTMFixture().bytes, tf.bytes, gru.bytes]
    }

    @Test func fixturesImportBeforeCorruption() throws {
        for bytes in fixtures() { _ = try ONNXImporter.importModel(bytes: bytes) }
    }

    @Test(arguments: seeds)
    func everyTruncationIsACleanError(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        var errors = 0
        for bytes in fixtures() {
            // All prefixes of the first fixture's first bytes, then random cut points.
            for length in 0..<min(bytes.count, 200) where importError(Array(bytes[0..<length])) != nil { errors += 1 }
            for _ in 0..<1000 {
                let length = Int.random(in: 0..<bytes.count, using: &generator)
                if importError(Array(bytes[0..<length])) != nil { errors += 1 }
            }
        }
        // Nearly every cut lands inside a field; a few land between graph fields and still fail later.
        #expect(errors > 3000)
    }

    @Test(arguments: seeds)
    func byteMutationsNeverCrash(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        var outcomes = (errors: 0, successes: 0)
        for original in fixtures() {
            for round in 0..<1500 {
                var bytes = original
                let edits = Int.random(in: 1...4, using: &generator)
                for _ in 0..<edits {
                    let position = Int.random(in: 0..<bytes.count, using: &generator)
                    switch round % 4 {
                    case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                    case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                    default: bytes.remove(at: position)
                    }
                    if bytes.isEmpty { break }
                }
                if importError(bytes) == nil { outcomes.successes += 1 } else { outcomes.errors += 1 }
            }
        }
        #expect(outcomes.errors + outcomes.successes == 4500)
        #expect(outcomes.errors > 1000)
    }

    @Test(arguments: seeds)
    func randomGarbageIsAnError(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        for _ in 0..<1000 {
            let count = Int.random(in: 0..<512, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(importError(bytes) != nil)
        }
    }
}
