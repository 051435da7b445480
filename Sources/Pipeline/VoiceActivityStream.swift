import Frontend
import Model
import Runtime

/// A voice-activity model (Silero VAD converted by `earshot convert`) run over a stream: samples at
/// the model's rate -> its front end (the `silero` preset: one feature vector per 512-sample chunk)
/// -> the network, one step per chunk, its LSTM state carried -> the speech probability.
///
/// All buffers are allocated at `init`; `process` and `reset` allocate nothing.
/// Not thread-safe: one instance per stream.
public final class VoiceActivityStream {
    /// The model's front end (its sample rate is the rate `process` expects).
    public let frontend: FrontendConfig
    /// Samples per chunk (one probability each).
    public var chunkSamples: Int { frontend.hopLength }
    /// The speech probability of the newest complete chunk (0 before the first).
    public private(set) var probability: Float = 0
    /// Chunks completed since the start (or `reset`).
    public private(set) var chunks = 0

    private let network: Network
    private let extractor: FeatureExtractor
    private let features: UnsafeMutablePointer<Float>

    /// Builds the stream for `model`.
    /// - Throws: `PipelineError.modelHasNoFrontend`, `.featureSizeMismatch`, `.labelCountMismatch`
    ///   when the model does not give one probability per chunk, and the runtime's and front
    ///   end's errors wrapped.
    /// Allocates: everything (set-up only).
    public init(model: ModelFile) throws(PipelineError) {
        guard let frontend = model.description.frontend else { throw .modelHasNoFrontend }
        guard model.description.outputSize == 1 else {
            throw .other("a voice-activity model gives one speech probability per chunk; this one gives \(model.description.outputSize) outputs")
        }
        self.frontend = frontend
        // One typed catch per call: Embedded Swift (the aarch64 build) cannot cast errors.
        do throws(RuntimeError) { network = try Network(model: model) } catch { throw .runtime(error) }
        do throws(FrontendError) { extractor = try FeatureExtractor(config: frontend) } catch { throw .frontend(error) }
        guard extractor.featureCount == network.inputSize else {
            throw .featureSizeMismatch(features: extractor.featureCount, networkInput: network.inputSize)
        }
        features = .allocate(capacity: extractor.featureCount)
        features.initialize(repeating: 0, count: extractor.featureCount)
    }

    deinit { features.deallocate() }

    /// Feeds samples at `frontend.sampleRate` in [-1, 1]; steps the network once per completed chunk.
    /// - Returns: the chunks completed by these samples (`probability` is the last one's).
    /// Allocates: never.
    @discardableResult
    public func process(samples: UnsafeBufferPointer<Float>) -> Int {
        let output = UnsafeMutableBufferPointer(start: features, count: extractor.featureCount)
        var offset = 0
        var completed = 0
        while offset < samples.count {
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            if step.produced {
                probability = network.step(UnsafePointer(features))[0]
                completed &+= 1
            }
            if step.consumed == 0 { break }
        }
        chunks &+= completed
        return completed
    }

    /// Back to the start: zero context, zero LSTM state.
    /// Allocates: never.
    public func reset() {
        extractor.reset()
        network.reset()
        probability = 0
        chunks = 0
    }
}
