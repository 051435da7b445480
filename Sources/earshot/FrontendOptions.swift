import ArgumentParser
import Frontend
import Model

/// The front-end flags shared by `convert` and `features`: a preset and the parameters that
/// differ from it.
struct FrontendOptions: ParsableArguments {
    @Option(name: .customLong("frontend"),
            help: ArgumentHelp("Front-end preset: \(FrontendPreset.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "preset"))
    var preset: String?

    @Option(name: .customLong("frontend-rate"), help: ArgumentHelp("Sample rate in Hz (sample_rate).", valueName: "hz"))
    var sampleRate: Int?

    @Option(name: .customLong("frontend-window"), help: ArgumentHelp("Samples per frame (window_length).", valueName: "n"))
    var windowLength: Int?

    @Option(name: .customLong("frontend-stride"), help: ArgumentHelp("Samples between frames (hop_length).", valueName: "n"))
    var stride: Int?

    @Option(name: .customLong("frontend-mel-bands"), help: ArgumentHelp("Mel bands (mel_bands).", valueName: "n"))
    var melBands: Int?

    @Option(name: .customLong("frontend-coefficients"), help: ArgumentHelp("Cepstral coefficients kept (coefficients).", valueName: "n"))
    var coefficients: Int?

    @Option(name: .customLong("frontend-low-hz"), help: ArgumentHelp("Lower filterbank edge (low_frequency).", valueName: "hz"))
    var lowFrequency: Double?

    @Option(name: .customLong("frontend-high-hz"), help: ArgumentHelp("Upper filterbank edge (high_frequency).", valueName: "hz"))
    var highFrequency: Double?

    @Option(name: .customLong("frontend-set"), parsing: .singleValue,
            help: ArgumentHelp("Any other front-end field, e.g. pre_emphasis=0.97 or log_energy=prepend (repeatable; "
                               + "fields: \(FrontendField.allCases.map(\.rawValue).joined(separator: ", "))).",
                               valueName: "field=value"))
    var settings: [String] = []

    /// Whether any front-end flag was given.
    var isEmpty: Bool {
        preset == nil && sampleRate == nil && windowLength == nil && stride == nil && melBands == nil
            && coefficients == nil && lowFrequency == nil && highFrequency == nil && settings.isEmpty
    }

    /// The specification the flags describe, or nil when none was given.
    func specification() throws -> FrontendSpecification? {
        if isEmpty { return nil }
        guard let preset else {
            throw ValidationError("front-end flags need --frontend PRESET (one of "
                                  + FrontendPreset.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        guard let chosen = FrontendPreset(rawValue: preset) else {
            throw ValidationError(FrontendError.unknownPreset(preset).description)
        }
        var fields: [FrontendField: FrontendFieldValue] = [:]
        if let sampleRate { fields[.sampleRate] = .integer(sampleRate) }
        if let windowLength { fields[.windowLength] = .integer(windowLength) }
        if let stride { fields[.hopLength] = .integer(stride) }
        if let melBands { fields[.melBandCount] = .integer(melBands) }
        if let coefficients { fields[.coefficientCount] = .integer(coefficients) }
        if let lowFrequency { fields[.lowFrequency] = .real(lowFrequency) }
        if let highFrequency { fields[.highFrequency] = .real(highFrequency) }
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("--frontend-set '\(setting)' is not FIELD=VALUE")
            }
            let name = String(setting[..<equals])
            guard let field = FrontendField(rawValue: name) else {
                throw ValidationError(FrontendError.unknownField(name).description)
            }
            fields[field] = try FrontendSpecification.parseValue(String(setting[setting.index(after: equals)...]), for: field)
        }
        return FrontendSpecification(preset: chosen, fields: fields)
    }

    /// The configuration the flags describe, or nil when none was given.
    func config() throws -> FrontendConfig? {
        try specification()?.config()
    }
}

/// The execution flags of `convert`.
struct ExecutionOptions: ParsableArguments {
    @Option(name: .customLong("window-frames"),
            help: ArgumentHelp("Run windowed: reset and run the network over the last W frames (models trained on "
                               + "fixed windows that classify the last step).", valueName: "w"))
    var windowFrames: Int?

    @Option(name: .customLong("window-hop"),
            help: ArgumentHelp("With --window-frames: frames between runs (default: W).", valueName: "k"))
    var windowHop: Int?

    /// The execution mode the flags describe, or nil when none was given.
    func mode() throws -> ExecutionMode? {
        guard let windowFrames else {
            if windowHop != nil { throw ValidationError("--window-hop needs --window-frames") }
            return nil
        }
        return .windowed(frames: windowFrames, hop: windowHop ?? windowFrames)
    }
}
