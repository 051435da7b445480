import Foundation
import Testing
import SystemFile
import TestSupport

/// Tests/WeightArchiveTests/Fixtures, written by tools/fixtures/make_weight_archive_fixtures.py.
let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ name: String) throws -> [UInt8] {
    try SystemFile.readAll(path: fixtureDirectory.appendingPathComponent(name).path)
}

/// A file of ../shared/data/ml-kws/reference; when it is absent the calling test is reported as
/// skipped (cancelled, with the path as the reason), never as passed.
func mlKWSReference(_ file: String) throws -> [UInt8] {
    let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/ml-kws/reference/\(file)").path
    guard let bytes = try? SystemFile.readAll(path: path) else {
        try Test.cancel("skipped: \(path) is absent")
    }
    return bytes
}

/// The fixture generator's formula: value(i) = ((7 i) mod 23 − 11) / 8 over the flattened index.
func formulaValues(count: Int) -> [Float] {
    (0..<count).map { Float((($0 * 7) % 23) - 11) / 8 }
}

/// Applies 1–4 random edits (overwrite, bit flip, insert, delete) chosen by `round`.
func mutate(_ original: [UInt8], round: Int, using generator: inout SeededGenerator) -> [UInt8] {
    var bytes = original
    let edits = Int.random(in: 1...4, using: &generator)
    for _ in 0..<edits where !bytes.isEmpty {
        let position = Int.random(in: 0..<bytes.count, using: &generator)
        switch round % 4 {
        case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
        case 1: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
        default: bytes.remove(at: position)
        }
    }
    return bytes
}
