/// A value of one front-end field, as a model file, a manifest or a command line gives it.
public enum FrontendFieldValue: Equatable, Sendable, CustomStringConvertible {
    case integer(Int)
    case real(Double)
    case flag(Bool)
    case name(String)
    case reals([Float])

    /// What kind of value this is, for error messages.
    public var kindName: String {
        switch self {
        case .integer: return "an integer"
        case .real: return "a number"
        case .flag: return "a Boolean"
        case .name: return "a string"
        case .reals: return "an array of numbers"
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .flag(let value): return String(value)
        case .name(let value): return value
        case .reals(let values): return "[" + values.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

/// The fields of `FrontendConfig` by their stable names: the model file stores field `f` as the
/// key `earshot.frontend.<f>` and manifests use the same names (docs/model-format.md).
public enum FrontendField: String, CaseIterable, Sendable {
    case sampleRate = "sample_rate"
    case windowLength = "window_length"
    case hopLength = "hop_length"
    case fftLength = "fft_length"
    case window
    case removeDCOffset = "remove_dc_offset"
    case preEmphasis = "pre_emphasis"
    case spectrum
    case spectrumPrecision = "spectrum_precision"
    case filterbank
    case melScale = "mel_scale"
    case melNormalization = "mel_norm"
    case melBandCount = "mel_bands"
    case lowFrequency = "low_frequency"
    case highFrequency = "high_frequency"
    case logCompression = "log"
    case logFloor = "log_floor"
    case dct
    case coefficientCount = "coefficients"
    case lifter
    case logEnergy = "log_energy"
    case rawEnergy = "raw_energy"
    case energyFloor = "energy_floor"
    case featureMean = "feature_mean"
    case featureStandardDeviation = "feature_std"
    case sampleScale = "sample_scale"

    /// How a field's value is typed (and stored in a model file).
    public enum Kind: Equatable, Sendable {
        /// A count or length; stored as u32.
        case integer
        /// A Float; stored as f32.
        case float32
        /// A Double (frequencies in Hz); stored as f64.
        case float64
        /// Stored as bool.
        case flag
        /// One of the given names; stored as string.
        case name([String])
        /// A Float vector; stored as an array of f32 (absent when empty).
        case floats
    }

    /// The field's kind.
    public var kind: Kind {
        switch self {
        case .sampleRate, .windowLength, .hopLength, .fftLength, .melBandCount, .coefficientCount:
            return .integer
        case .preEmphasis, .logFloor, .lifter, .energyFloor, .sampleScale:
            return .float32
        case .lowFrequency, .highFrequency:
            return .float64
        case .removeDCOffset, .rawEnergy:
            return .flag
        case .window: return .name(WindowFunction.allCases.map { $0.rawValue })
        case .spectrum: return .name(SpectrumKind.allCases.map { $0.rawValue })
        case .spectrumPrecision: return .name(SpectrumPrecision.allCases.map { $0.rawValue })
        case .filterbank: return .name(FilterbankStyle.allCases.map { $0.rawValue })
        case .melScale: return .name(MelScale.allCases.map { $0.rawValue })
        case .melNormalization: return .name(MelNormalization.allCases.map { $0.rawValue })
        case .logCompression: return .name(LogCompression.allCases.map { $0.rawValue })
        case .dct: return .name(DCTScaling.allCases.map { $0.rawValue })
        case .logEnergy: return .name(LogEnergyPlacement.allCases.map { $0.rawValue })
        case .featureMean, .featureStandardDeviation:
            return .floats
        }
    }

    /// Whether a model file may omit the field: the Float vectors (empty = off) and
    /// `spectrum_precision` (absent = float32, as in files written before it existed).
    public var isOptional: Bool { kind == .floats || self == .spectrumPrecision }
}

extension FrontendConfig {
    /// The value of one field.
    public func value(of field: FrontendField) -> FrontendFieldValue {
        switch field {
        case .sampleRate: return .integer(sampleRate)
        case .windowLength: return .integer(windowLength)
        case .hopLength: return .integer(hopLength)
        case .fftLength: return .integer(fftLength)
        case .window: return .name(window.rawValue)
        case .removeDCOffset: return .flag(removeDCOffset)
        case .preEmphasis: return .real(Double(preEmphasis))
        case .spectrum: return .name(spectrum.rawValue)
        case .spectrumPrecision: return .name(spectrumPrecision.rawValue)
        case .filterbank: return .name(filterbank.rawValue)
        case .melScale: return .name(melScale.rawValue)
        case .melNormalization: return .name(melNormalization.rawValue)
        case .melBandCount: return .integer(melBandCount)
        case .lowFrequency: return .real(lowFrequency)
        case .highFrequency: return .real(highFrequency)
        case .logCompression: return .name(logCompression.rawValue)
        case .logFloor: return .real(Double(logFloor))
        case .dct: return .name(dct.rawValue)
        case .coefficientCount: return .integer(coefficientCount)
        case .lifter: return .real(Double(lifter))
        case .logEnergy: return .name(logEnergy.rawValue)
        case .rawEnergy: return .flag(rawEnergy)
        case .energyFloor: return .real(Double(energyFloor))
        case .featureMean: return .reals(featureMean)
        case .featureStandardDeviation: return .reals(featureStandardDeviation)
        case .sampleScale: return .real(Double(sampleScale))
        }
    }

    /// Sets one field from a loosely typed value: integers are accepted for real fields, and
    /// integral reals for integer fields. Ranges are checked later by `validate()`.
    ///
    /// - Throws: `FrontendError.wrongFieldType`, `.unknownName` or `.integerOutOfRange`.
    public mutating func set(_ field: FrontendField, to value: FrontendFieldValue) throws(FrontendError) {
        let key = field.rawValue
        func integer() throws(FrontendError) -> Int {
            switch value {
            case .integer(let number): return number
            case .real(let number) where number == number.rounded() && abs(number) < 9.0e15:
                return Int(number)
            default: throw .wrongFieldType(field: key, expected: "an integer", found: value.kindName)
            }
        }
        func real() throws(FrontendError) -> Double {
            switch value {
            case .integer(let number): return Double(number)
            case .real(let number): return number
            default: throw .wrongFieldType(field: key, expected: "a number", found: value.kindName)
            }
        }
        func flag() throws(FrontendError) -> Bool {
            guard case .flag(let flag) = value else {
                throw .wrongFieldType(field: key, expected: "a Boolean", found: value.kindName)
            }
            return flag
        }
        func name<T: RawRepresentable & CaseIterable>(_: T.Type) throws(FrontendError) -> T where T.RawValue == String {
            guard case .name(let text) = value else {
                throw .wrongFieldType(field: key, expected: "a string", found: value.kindName)
            }
            guard let result = T(rawValue: text) else {
                throw .unknownName(field: key, value: text, allowed: T.allCases.map { $0.rawValue })
            }
            return result
        }
        func reals() throws(FrontendError) -> [Float] {
            switch value {
            case .reals(let values): return values
            default: throw .wrongFieldType(field: key, expected: "an array of numbers", found: value.kindName)
            }
        }
        switch field {
        case .sampleRate: sampleRate = try integer()
        case .windowLength: windowLength = try integer()
        case .hopLength: hopLength = try integer()
        case .fftLength: fftLength = try integer()
        case .window: window = try name(WindowFunction.self)
        case .removeDCOffset: removeDCOffset = try flag()
        case .preEmphasis: preEmphasis = Float(try real())
        case .spectrum: spectrum = try name(SpectrumKind.self)
        case .spectrumPrecision: spectrumPrecision = try name(SpectrumPrecision.self)
        case .filterbank: filterbank = try name(FilterbankStyle.self)
        case .melScale: melScale = try name(MelScale.self)
        case .melNormalization: melNormalization = try name(MelNormalization.self)
        case .melBandCount: melBandCount = try integer()
        case .lowFrequency: lowFrequency = try real()
        case .highFrequency: highFrequency = try real()
        case .logCompression: logCompression = try name(LogCompression.self)
        case .logFloor: logFloor = Float(try real())
        case .dct: dct = try name(DCTScaling.self)
        case .coefficientCount: coefficientCount = try integer()
        case .lifter: lifter = Float(try real())
        case .logEnergy: logEnergy = try name(LogEnergyPlacement.self)
        case .rawEnergy: rawEnergy = try flag()
        case .energyFloor: energyFloor = Float(try real())
        case .featureMean: featureMean = try reals()
        case .featureStandardDeviation: featureStandardDeviation = try reals()
        case .sampleScale: sampleScale = Float(try real())
        }
    }
}
