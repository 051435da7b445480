import Frontend
import Model
import Testing

/// Fields by name, presets, and the manifest/command-line specification.
@Suite struct FrontendFieldTests {
    @Test func everyFieldRoundTripsThroughItsValue() throws {
        var source = try FrontendPreset.kaldiMFCC.config()
        source.featureMean = [Float](repeating: 0.25, count: 13)
        source.featureStandardDeviation = [Float](repeating: 2, count: 13)
        var copy = FrontendPreset.tensorFlowMFCC.defaultConfig()
        for field in FrontendField.allCases { try copy.set(field, to: source.value(of: field)) }
        copy.name = source.name
        #expect(copy == source)
    }

    @Test func kindsAreChecked() {
        var config = FrontendPreset.tensorFlowMFCC.defaultConfig()
        #expect(throws: FrontendError.wrongFieldType(field: "window_length", expected: "an integer", found: "a string")) {
            try config.set(.windowLength, to: .name("640"))
        }
        #expect(throws: FrontendError.wrongFieldType(field: "window_length", expected: "an integer", found: "a number")) {
            try config.set(.windowLength, to: .real(640.5))
        }
        #expect(throws: FrontendError.wrongFieldType(field: "remove_dc_offset", expected: "a Boolean", found: "an integer")) {
            try config.set(.removeDCOffset, to: .integer(1))
        }
        #expect(throws: FrontendError.unknownName(field: "dct", value: "dct3", allowed: ["none", "tensorflow", "orthonormal"])) {
            try config.set(.dct, to: .name("dct3"))
        }
        // Integral reals and integers are accepted where they fit.
        try? config.set(.windowLength, to: .real(512))
        try? config.set(.lowFrequency, to: .integer(30))
        #expect(config.windowLength == 512 && config.lowFrequency == 30)
    }

    @Test func presetsHaveTheLibrariesDefaults() throws {
        let fbank = try FrontendPreset.kaldiFbank.config()
        #expect(fbank.windowLength == 400 && fbank.hopLength == 160 && fbank.fftLength == 512)
        #expect(fbank.window == .povey && fbank.removeDCOffset && fbank.preEmphasis == 0.97)
        #expect(fbank.melBandCount == 23 && fbank.lowFrequency == 20 && fbank.highFrequency == 8000)
        #expect(fbank.logFloor == Float.ulpOfOne && fbank.dct == .none && fbank.featureCount == 23)
        #expect(fbank.sampleScale == 32768)
        let mfcc = try FrontendPreset.kaldiMFCC.config([.sampleRate: .integer(8000)])
        #expect(mfcc.windowLength == 200 && mfcc.hopLength == 80 && mfcc.fftLength == 256 && mfcc.highFrequency == 4000)
        #expect(mfcc.featureCount == 13 && mfcc.lifter == 22 && mfcc.logEnergy == .replaceFirst)
        let mel = try FrontendPreset.librosaMel.config()
        #expect(mel.windowLength == 2048 && mel.hopLength == 512 && mel.melBandCount == 128)
        #expect(mel.melScale == .slaney && mel.melNormalization == .slaney && mel.logCompression == .decibel)
        let tf = try FrontendPreset.tensorFlowMFCC.config([.coefficientCount: .integer(10), .hopLength: .integer(640)])
        #expect(tf == { var c = FrontendConfig.mlKWS(stride: 640); c.name = "tf-mfcc"; return c }())
    }

    @Test func dependentFieldsFollowUnlessGiven() throws {
        let longer = try FrontendPreset.kaldiFbank.config([.windowLength: .integer(600)])
        #expect(longer.fftLength == 1024)
        let explicit = try FrontendPreset.kaldiFbank.config([.windowLength: .integer(600), .fftLength: .integer(2048)])
        #expect(explicit.fftLength == 2048)
        let librosa = try FrontendPreset.librosaMFCC.config([.fftLength: .integer(512)])
        #expect(librosa.windowLength == 512)
        #expect(throws: FrontendError.presetConstraint(
            preset: "librosa-mel", reason: "window_length 400 must equal fft_length 512 (librosa's win_length = n_fft, a power of two)")) {
            _ = try FrontendPreset.librosaMel.config([.windowLength: .integer(400)])
        }
        #expect(throws: FrontendError.invalidCoefficientCount(count: 41, melBandCount: 40)) {
            _ = try FrontendPreset.tensorFlowMFCC.config([.coefficientCount: .integer(41)])
        }
    }

    @Test func specificationWithoutPresetNeedsEveryField() throws {
        let full = try FrontendPreset.librosaMFCC.config()
        var fields: [FrontendField: FrontendFieldValue] = [:]
        for field in FrontendField.allCases { fields[field] = full.value(of: field) }
        var unnamed = full
        unnamed.name = ""
        #expect(try FrontendSpecification(preset: nil, fields: fields).config() == unnamed)
        #expect(unnamed.spectrumPrecision == .float64)  // librosa's FFT is float64 (numpy)
        // spectrum_precision may be omitted (files written before it existed): float32.
        fields[.spectrumPrecision] = nil
        var narrow = unnamed
        narrow.spectrumPrecision = .float32
        #expect(try FrontendSpecification(preset: nil, fields: fields).config() == narrow)
        #expect(try FrontendSpecification(preset: .librosaMel, fields: [.spectrumPrecision: .name("float32")])
            .config().spectrumPrecision == .float32)
        #expect(throws: FrontendError.unknownName(field: "spectrum_precision", value: "float16",
                                                  allowed: ["float32", "float32_kissfft", "float64", "tflite_micro_int16", "silero_stft"])) {
            _ = try FrontendSpecification(preset: .kaldiFbank, fields: [.spectrumPrecision: .name("float16")]).config()
        }
        fields[.lifter] = nil
        #expect(throws: FrontendError.missingField("lifter")) {
            _ = try FrontendSpecification(preset: nil, fields: fields).config()
        }
    }

    @Test func commandLineValuesParseByKind() throws {
        #expect(try FrontendSpecification.parseValue("400", for: .windowLength) == .integer(400))
        #expect(try FrontendSpecification.parseValue("0.97", for: .preEmphasis) == .real(0.97))
        #expect(try FrontendSpecification.parseValue("true", for: .rawEnergy) == .flag(true))
        #expect(try FrontendSpecification.parseValue("prepend", for: .logEnergy) == .name("prepend"))
        #expect(try FrontendSpecification.parseValue("1, 2.5,3", for: .featureMean) == .reals([1, 2.5, 3]))
        #expect(throws: FrontendError.wrongFieldType(field: "hop_length", expected: "an integer", found: "'ten'")) {
            _ = try FrontendSpecification.parseValue("ten", for: .hopLength)
        }
        #expect(throws: FrontendError.unknownName(field: "log_energy", value: "append", allowed: ["none", "prepend", "replace_first"])) {
            _ = try FrontendSpecification.parseValue("append", for: .logEnergy)
        }
    }

    @Test func errorsNameTheirField() {
        #expect(FrontendError.fftShorterThanWindow(fftLength: 512, windowLength: 640).field == .fftLength)
        #expect(FrontendError.invalidStandardDeviation(index: 0, value: 0).field == .featureStandardDeviation)
        #expect(FrontendError.unknownPreset("x").field == nil)
        for error in [FrontendError.energyReplacesNothing, .invalidSampleScale(0), .invalidLifter(-1),
                      .invalidEnergyFloor(.nan), .unsupportedResamplingRatio(inputRate: 1, outputRate: 2)] {
            #expect(!error.description.isEmpty)
        }
    }
}
