import Frontend
import Model
import Testing

/// The `earshot.frontend.*` and `earshot.execution.*` keys: written, read back, and every way a
/// file can get them wrong.
@Suite struct ModelFrontendTests {
    /// tf-mfcc with 3 coefficients, to match the `small` fixture's input size.
    static let frontend: FrontendConfig = {
        var config = FrontendConfig.mlKWS(stride: 320)
        config.coefficientCount = 3
        config.featureMean = [1, 2, 3]
        config.featureStandardDeviation = [0.5, 1, 2]
        return config
    }()

    static func description(frontend: FrontendConfig? = ModelFrontendTests.frontend,
                            execution: ExecutionMode = .streaming,
                            outputMode: OutputMode = .everyStep) -> ModelDescription {
        var description = Fixtures.small
        description.frontend = frontend
        description.execution = execution
        description.outputMode = outputMode
        return description
    }

    @Test func roundTripsEveryField() throws {
        for execution in [ExecutionMode.streaming, .windowed(frames: 49, hop: 4)] {
            let description = Self.description(execution: execution, outputMode: .lastStep)
            let bytes = try ModelWriter.serialize(description, tensors: Fixtures.tensors(for: description))
            let model = try ModelFile(bytes: bytes)
            #expect(model.description == description)
            #expect(model.description.frontend?.name == "tf-mfcc")
            // Writing what was read gives the same bytes.
            #expect(try ModelWriter.serialize(model.description, tensors: Fixtures.tensors(for: description)) == bytes)
        }
    }

    @Test(arguments: FrontendPreset.allCases)
    func everyPresetRoundTrips(preset: FrontendPreset) throws {
        let config = try preset.config()
        var description = Fixtures.small
        description.layers[0] = LayerDescription(kind: .dense, name: "fc", inputSize: config.featureCount, hiddenSize: 2,
                                                 activation: .relu)
        description.inputSize = config.featureCount
        description.frontend = config
        let bytes = try ModelWriter.serialize(description, tensors: Fixtures.tensors(for: description))
        #expect(try ModelFile(bytes: bytes).description.frontend == config)
    }

    @Test func absentKeysMeanNoFrontEndAndStreaming() throws {
        let model = try ModelFile(bytes: RawGGUF.small().bytes())
        #expect(model.description.frontend == nil)
        #expect(model.description.execution == .streaming)
    }

    // MARK: - Written by hand (a second encoder)

    /// The small fixture with every front-end key of `frontend` written by RawGGUF.
    static func raw(_ config: FrontendConfig = ModelFrontendTests.frontend) -> RawGGUF {
        var raw = RawGGUF.small()
        raw.set("earshot.frontend.preset", RawGGUF.string(config.name))
        for field in FrontendField.allCases {
            let key = "earshot.frontend." + field.rawValue
            switch config.value(of: field) {
            case .integer(let value): raw.set(key, RawGGUF.u32(UInt32(value)))
            case .real(let value):
                if field.kind == .float64 {
                    raw.set(key, RawGGUF.Value(type: 12, bytes: RawGGUF.le(value.bitPattern)))
                } else {
                    raw.set(key, RawGGUF.f32(Float(value)))
                }
            case .flag(let value): raw.set(key, RawGGUF.bool(value))
            case .name(let value): raw.set(key, RawGGUF.string(value))
            case .reals(let values):
                if values.isEmpty { continue }
                raw.set(key, RawGGUF.Value(type: 9, bytes: RawGGUF.le(UInt32(6)) + RawGGUF.le(UInt64(values.count))
                                                + RawGGUF.floats(values)))
            }
        }
        return raw
    }

    @Test func readsAHandWrittenFile() throws {
        var raw = Self.raw()
        raw.set("earshot.output_mode", RawGGUF.string("last_step"))
        raw.set("earshot.execution.mode", RawGGUF.string("windowed"))
        raw.set("earshot.execution.window_frames", RawGGUF.u32(25))
        raw.set("earshot.execution.window_hop", RawGGUF.u32(5))
        let model = try ModelFile(bytes: raw.bytes())
        #expect(model.description.frontend == Self.frontend)
        #expect(model.description.execution == .windowed(frames: 25, hop: 5))
    }

    static func rejects(_ expected: ModelError, _ change: (inout RawGGUF) -> Void) {
        var raw = Self.raw()
        change(&raw)
        let error = loadError(raw.bytes())
        #expect(error == expected, "got \(String(describing: error))")
        #expect(error.map { !$0.description.isEmpty } ?? false)
    }

    @Test func unknownFrontendKey() {
        Self.rejects(.invalidValue(
            key: "earshot.frontend.windw", value: "(present)",
            expected: "no unknown front-end key; known: preset, "
                + FrontendField.allCases.map(\.rawValue).joined(separator: ", "))) {
            $0.set("earshot.frontend.windw", RawGGUF.string("hann_periodic"))
        }
    }

    @Test func missingField() {
        Self.rejects(.missingKey("earshot.frontend.hop_length")) { $0.remove("earshot.frontend.hop_length") }
    }

    @Test func wrongType() {
        Self.rejects(.wrongKeyType(key: "earshot.frontend.window_length", expected: "u32", found: "i32")) {
            $0.set("earshot.frontend.window_length", RawGGUF.i32(640))
        }
        Self.rejects(.wrongKeyType(key: "earshot.frontend.low_frequency", expected: "f64", found: "f32")) {
            $0.set("earshot.frontend.low_frequency", RawGGUF.f32(20))
        }
    }

    @Test func unknownName() {
        Self.rejects(.invalidFrontend(
            key: "earshot.frontend.window",
            reason: FrontendError.unknownName(field: "window", value: "blackman",
                                              allowed: WindowFunction.allCases.map(\.rawValue)).description)) {
            $0.set("earshot.frontend.window", RawGGUF.string("blackman"))
        }
    }

    @Test func invalidValueNamesTheKey() {
        Self.rejects(.invalidFrontend(key: "earshot.frontend.fft_length",
                                      reason: FrontendError.fftLengthNotPowerOfTwo(1000).description)) {
            $0.set("earshot.frontend.fft_length", RawGGUF.u32(1000))
        }
        Self.rejects(.invalidFrontend(key: "earshot.frontend.fft_length",
                                      reason: FrontendError.fftLengthNotPowerOfTwo(1 << 30).description)) {
            $0.set("earshot.frontend.fft_length", RawGGUF.u32(1 << 30))
        }
        Self.rejects(.invalidFrontend(key: "earshot.frontend.sample_rate",
                                      reason: FrontendError.invalidSampleRate(0).description)) {
            $0.set("earshot.frontend.sample_rate", RawGGUF.u32(0))
        }
    }

    @Test func featureCountMustBeTheInputSize() {
        Self.rejects(.invalidFrontend(
            key: "earshot.frontend.coefficients",
            reason: "the front end makes 4 features per frame but the model input size is 3")) {
            $0.set("earshot.frontend.coefficients", RawGGUF.u32(4))
            $0.remove("earshot.frontend.feature_mean")
            $0.remove("earshot.frontend.feature_std")
        }
    }

    @Test func executionErrors() {
        Self.rejects(.invalidValue(key: "earshot.execution.mode", value: "'sliding'", expected: "'streaming' or 'windowed'")) {
            $0.set("earshot.execution.mode", RawGGUF.string("sliding"))
        }
        Self.rejects(.missingKey("earshot.execution.window_frames")) {
            $0.set("earshot.output_mode", RawGGUF.string("last_step"))
            $0.set("earshot.execution.mode", RawGGUF.string("windowed"))
            $0.set("earshot.execution.window_hop", RawGGUF.u32(1))
        }
        Self.rejects(.invalidValue(key: "earshot.execution.window_hop", value: "50",
                                   expected: "an integer in 1...49 (window_frames)")) {
            $0.set("earshot.output_mode", RawGGUF.string("last_step"))
            $0.set("earshot.execution.mode", RawGGUF.string("windowed"))
            $0.set("earshot.execution.window_frames", RawGGUF.u32(49))
            $0.set("earshot.execution.window_hop", RawGGUF.u32(50))
        }
        Self.rejects(.invalidValue(key: "earshot.execution.window_frames", value: "4000000000",
                                   expected: "an integer in 1...65536")) {
            $0.set("earshot.output_mode", RawGGUF.string("last_step"))
            $0.set("earshot.execution.mode", RawGGUF.string("windowed"))
            $0.set("earshot.execution.window_frames", RawGGUF.u32(4_000_000_000))
            $0.set("earshot.execution.window_hop", RawGGUF.u32(1))
        }
        Self.rejects(.missingKey("earshot.execution.mode")) {
            $0.set("earshot.execution.window_frames", RawGGUF.u32(49))
        }
    }

    @Test func writerRefusesWhatTheReaderWould() {
        var bad = Self.frontend
        bad.hopLength = 0
        let description = Self.description(frontend: bad)
        let error = modelError { () throws(ModelError) in
            _ = try ModelWriter.serialize(description, tensors: Fixtures.tensors(for: description))
        }
        #expect(error == .invalidFrontend(key: "earshot.frontend.hop_length",
                                          reason: FrontendError.invalidHopLength(0).description))
    }
}
