import JSON
import Model
import Testing
import WeightArchive

@testable import Converter

/// A manifest's `"frontend"` and `"execution"` objects, read through the project's JSON parser.
@Suite struct ManifestFrontendTests {
    static func parse(_ text: String) throws -> JSON { try JSON.parse(Array(text.utf8)) }

    @Test func frontendObjectGivesThePresetWithItsFieldsChanged() throws {
        let json = try Self.parse("""
            {"preset": "tf-mfcc", "window_length": 640, "hop_length": 320, "mel_bands": 40,
             "coefficients": 10, "low_frequency": 20, "high_frequency": 4000.0, "remove_dc_offset": false}
            """)
        let config = try ManifestFrontend.frontend(json)
        // The same front end built field by field from the preset, not from the manifest reader.
        let expected = try FrontendPreset.tensorFlowMFCC.config([
            .windowLength: .integer(640), .hopLength: .integer(320), .melBandCount: .integer(40),
            .coefficientCount: .integer(10), .lowFrequency: .real(20), .highFrequency: .real(4000),
            .removeDCOffset: .flag(false),
        ])
        #expect(config == expected)
    }

    @Test(arguments: [
        (#"{"preset": "htk"}"#, "frontend.preset"),
        (#"{"preset": "tf-mfcc", "stride": 320}"#, "frontend.stride"),
        (#"{"preset": "tf-mfcc", "window_length": "640"}"#, "frontend.window_length"),
        (#"{"preset": "tf-mfcc", "window": "hann"}"#, "frontend.window"),
    ])
    func frontendErrorsNameTheField(json: String, path: String) throws {
        let value = try Self.parse(json)
        do {
            _ = try ManifestFrontend.frontend(value)
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(path), "\(error)")
        }
    }

    @Test func executionObjectDefaultsTheHopToTheWindow() throws {
        #expect(try ManifestFrontend.execution(Self.parse(#"{"mode": "streaming"}"#)) == .streaming)
        #expect(try ManifestFrontend.execution(Self.parse(#"{"mode": "windowed", "window_frames": 49}"#))
                == .windowed(frames: 49, hop: 49))
        #expect(throws: ManifestError.self) { try ManifestFrontend.execution(Self.parse(#"{"mode": "batch"}"#)) }
    }
}
