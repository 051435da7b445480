import Frontend
import Model
import Pipeline

/// Classifies whole clips with a model that carries its front end, through the model's
/// `Pipeline` (`PipelineStream.scoreClip`): WAV samples -> features -> network -> the scores of
/// one prediction.
///
/// - Windowed models (`earshot.execution.mode = windowed`, W frames): the clip is cut or
///   zero-padded to the W frames' sample span (1 s for the ML-KWS models, as TensorFlow's
///   DecodeWav does), and the prediction is the window's last step from zero state.
/// - Other models: every frame of the clip is stepped from zero state, and the prediction is
///   the output of the final step.
/// - Multi-class openWakeWord models (`earshot-oww` files with labels): the procedure their head
///   was trained with (`OpenWakeWordClip` in Pipeline: 1 s, its own background before it).
final class ClipClassifier {
    /// The models' sample rate (clips are resampled to it).
    let sampleRate: Int
    let labels: [String]
    private let stream: PipelineStream
    private var resamplers: [Int: PolyphaseResampler] = [:]

    /// Loads a model and prepares its pipeline.
    ///
    /// - Throws: `CLIError` when the model has no front end; model, runtime and front-end errors.
    /// (Typed throws, module errors wrapped with their text: the static aarch64 build compiles this
    /// file in Embedded Swift, which has no `any Error`.)
    init(modelPath: String) throws(CLIError) {
        if let wake = try StreamPipeline.openWakeWord(path: modelPath) {
            guard !wake.labels.isEmpty else {
                throw CLIError("'\(modelPath)' is a single-score openWakeWord model (a wake word), not a classifier of clips; "
                               + "run recordings through it with `detect --stream`")
            }
            sampleRate = Pipeline.openWakeWordRate
            do throws(PipelineError) {
                stream = try Pipeline(parts: [Pipeline.Part(openWakeWord: wake)]).makeStream(inputRate: sampleRate)
            } catch {
                throw CLIError(error.description)
            }
            labels = stream.labels
            return
        }
        let model: ModelFile
        do {
            model = try ModelFile(path: modelPath)
        } catch {
            throw CLIError(error.description)
        }
        guard let frontend = model.description.frontend else {
            throw CLIError("'\(modelPath)' has no front end (earshot.frontend.* keys), so it cannot read audio; "
                           + "convert it again with --frontend PRESET ... or a manifest with a \"frontend\" object")
        }
        sampleRate = frontend.sampleRate
        do throws(PipelineError) {
            stream = try Pipeline(model: model).makeStream(inputRate: frontend.sampleRate)
        } catch {
            throw CLIError(error.description)
        }
        labels = stream.labels
    }

    /// Samples per clip for windowed models (the window's span), nil otherwise.
    var clipSamples: Int? { stream.clipSamples(model: 0) }

    /// Reads and classifies one WAV file.
    func classify(path: String) throws(CLIError) -> (scores: [Float], clip: AudioClip) {
        let clip = try AudioClip.read(path, rate: sampleRate, resamplers: &resamplers)
        return (classify(samples: clip.samples), clip)
    }

    /// Classifies mono samples at the models' rate.
    func classify(samples input: [Float]) -> [Float] {
        var samples = input
        if let span = clipSamples {
            if samples.count > span { samples.removeLast(samples.count - span) }
            if samples.count < span { samples += [Float](repeating: 0, count: span - samples.count) }
        }
        var scores = [Float](repeating: 0, count: labels.count)
        samples.withUnsafeBufferPointer { input in
            scores.withUnsafeMutableBufferPointer { out in
                _ = stream.scoreClip(input, model: 0, into: out)
            }
        }
        return scores
    }

    /// The index and score of the top class.
    static func top(_ scores: [Float]) -> (index: Int, score: Float) {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return (best, scores.isEmpty ? 0 : scores[best])
    }
}
