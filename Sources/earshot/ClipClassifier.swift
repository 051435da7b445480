import Frontend
import Model
import Runtime

/// Classifies whole clips with a model that carries its front end: WAV samples -> features ->
/// network -> the scores of one prediction.
///
/// - Windowed models (`earshot.execution.mode = windowed`, W frames): the clip is cut or
///   zero-padded to the W frames' sample span (1 s for the ML-KWS models, as TensorFlow's
///   DecodeWav does), and the prediction is the window's last step from zero state.
/// - Other models: every frame of the clip is stepped from zero state, and the prediction is
///   the output of the final step.
final class ClipClassifier {
    let model: ModelFile
    let frontend: FrontendConfig
    let labels: [String]
    private let network: Network
    private let windowed: WindowedNetwork?
    private let extractor: FeatureExtractor
    private var resamplers: [Int: PolyphaseResampler] = [:]
    private var frame: [Float]

    /// Loads a model and prepares its front end and network.
    ///
    /// - Throws: `CLIError` when the model has no front end; model, runtime and front-end errors.
    /// (Typed throws, module errors wrapped with their text: the static aarch64 build compiles this
    /// file in Embedded Swift, which has no `any Error`.)
    init(modelPath: String) throws(CLIError) {
        do {
            model = try ModelFile(path: modelPath)
        } catch {
            throw CLIError(error.description)
        }
        guard let frontend = model.description.frontend else {
            throw CLIError("'\(modelPath)' has no front end (earshot.frontend.* keys), so it cannot read audio; "
                           + "convert it again with --frontend PRESET ... or a manifest with a \"frontend\" object")
        }
        self.frontend = frontend
        do {
            network = try Network(model: model)
            windowed = try WindowedNetwork.forModel(network)
        } catch {
            throw CLIError(error.description)
        }
        do {
            extractor = try FeatureExtractor(config: frontend)
        } catch {
            throw CLIError(error.description)
        }
        let count = model.description.outputSize
        labels = model.description.labels.isEmpty
            ? (0..<count).map { "class\($0)" } : model.description.labels
        frame = [Float](repeating: 0, count: extractor.featureCount)
    }

    /// Samples per clip for windowed models (the window's span), nil otherwise.
    var clipSamples: Int? {
        guard case let .windowed(frames, _) = model.description.execution else { return nil }
        return frontend.sampleSpan(frames: frames)
    }

    /// Reads and classifies one WAV file.
    func classify(path: String) throws(CLIError) -> (scores: [Float], clip: AudioClip) {
        let clip = try AudioClip.read(path, rate: frontend.sampleRate, resamplers: &resamplers)
        return (classify(samples: clip.samples), clip)
    }

    /// Classifies mono samples at the front end's rate.
    func classify(samples input: [Float]) -> [Float] {
        var samples = input
        if let span = clipSamples {
            if samples.count > span { samples.removeLast(samples.count - span) }
            if samples.count < span { samples += [Float](repeating: 0, count: span - samples.count) }
        }
        extractor.reset()
        windowed?.reset()
        network.reset()
        var scores = [Float](repeating: 0, count: network.outputSize)
        var steps = 0
        samples.withUnsafeBufferPointer { input in
            frame.withUnsafeMutableBufferPointer { out in
                var offset = 0
                while offset < input.count {
                    let step = extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out)
                    offset += step.consumed
                    guard step.produced else { continue }
                    steps += 1
                    if let windowed {
                        windowed.push(out.baseAddress!)
                    } else {
                        _ = network.step(out.baseAddress!)
                    }
                }
            }
        }
        guard steps > 0 else { return scores }
        let result = windowed?.output ?? network.output
        for i in 0..<scores.count { scores[i] = result[i] }
        return scores
    }

    /// The index and score of the top class.
    static func top(_ scores: [Float]) -> (index: Int, score: Float) {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return (best, scores.isEmpty ? 0 : scores[best])
    }
}
