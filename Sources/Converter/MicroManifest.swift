import JSON

/// The microWakeWord model manifest (the JSON beside a `.tflite`): the wake word and how its
/// probabilities become detections. Version 1 names the window `sliding_window_average_size`,
/// version 2 `sliding_window_size`.
public struct MicroManifest: Sendable, Equatable {
    public var name: String
    public var probabilityCutoff: Double
    public var slidingWindow: Int
    public var featureStepMilliseconds: Int
    public var tensorArenaBytes: Int

    public init(name: String, probabilityCutoff: Double, slidingWindow: Int, featureStepMilliseconds: Int, tensorArenaBytes: Int) {
        self.name = name
        self.probabilityCutoff = probabilityCutoff
        self.slidingWindow = slidingWindow
        self.featureStepMilliseconds = featureStepMilliseconds
        self.tensorArenaBytes = tensorArenaBytes
    }

    /// Parses the manifest text. Missing optional fields take microWakeWord's defaults
    /// (feature step 10 ms, arena size unknown).
    public static func parse(_ bytes: [UInt8]) throws(TFLiteError) -> MicroManifest {
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw .manifest(error.description) }
        guard case let .string(name)? = json["wake_word"] else { throw .manifest("no string 'wake_word'") }
        guard let micro = json["micro"], case .object = micro else { throw .manifest("no object 'micro'") }
        func number(_ key: String) -> Double? {
            if case let .number(value)? = micro[key] { return value.double }
            return nil
        }
        guard let cutoff = number("probability_cutoff"), cutoff >= 0, cutoff <= 1 else {
            throw .manifest("'micro.probability_cutoff' must be a number in 0...1")
        }
        guard let window = number("sliding_window_size") ?? number("sliding_window_average_size"),
              window >= 1, window <= 1000, window == window.rounded() else {
            throw .manifest("'micro.sliding_window_size' (v2) or 'sliding_window_average_size' (v1) must be an integer in 1...1000")
        }
        let step = number("feature_step_size") ?? 10
        let arena = number("tensor_arena_size") ?? 0
        guard step >= 1, step <= 1000, step == step.rounded(), arena >= 0, arena <= 1_073_741_824, arena == arena.rounded() else {
            throw .manifest("'micro.feature_step_size' or 'tensor_arena_size' out of range")
        }
        return MicroManifest(name: name, probabilityCutoff: cutoff, slidingWindow: Int(window),
                             featureStepMilliseconds: Int(step), tensorArenaBytes: Int(arena))
    }
}
