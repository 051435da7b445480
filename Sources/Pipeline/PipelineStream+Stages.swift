import Frontend
import Runtime

extension PipelineStream {
    /// One model's stages as this stream built them, for a profiler that times each stage on its
    /// own (`earshot profile`): the stream decides the wiring (which front end, its rate, the
    /// resampler, the network kind and its window), the profiler drives and times the stages.
    public struct Stages {
        /// Converts the stream's input rate to the models' (nil when they are equal).
        public var resampler: PolyphaseResampler?
        /// The model's front end (nil for an openWakeWord model, which computes its own mel frames).
        public var extractor: FeatureExtractor?
        /// An Earshot model's network (streaming steps, `stepLayer`).
        public var network: Network?
        /// An Earshot windowed model's window runner over `network`, with the stream's hop.
        public var windowed: WindowedNetwork?
        /// An imported microWakeWord model's network.
        public var quantized: QuantizedNetwork?
        /// The openWakeWord models' shared backbone and heads.
        public var openWakeWord: OpenWakeWordStream?
    }

    /// Model `index`'s stages. Their state is the stream's: driving them changes it (call `reset`
    /// before processing audio with `process` again).
    public func stages(model index: Int) -> Stages {
        let f = pipeline.frontendIndex[index]
        var stages = Stages(resampler: resampler, extractor: f >= 0 ? extractors[f] : nil)
        switch runners[index] {
        case let .earshot(runner):
            stages.network = runner.network
            stages.windowed = runner.windowed
        case let .microWakeWord(runner):
            stages.quantized = runner.network
        case .openWakeWord:
            stages.openWakeWord = openWakeWord?.stream
        }
        return stages
    }
}
