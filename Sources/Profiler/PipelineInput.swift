import Pipeline
import Runtime

// The profiler's inputs taken from a `PipelineStream`, so `earshot profile` times the stages the
// Pipeline wires for `listen`, `detect` and `serve` (front end, network, window), not a copy.

extension ProfileTarget {
    /// Model `index` of `stream`: its network and, for a windowed model, its window runner with
    /// the stream's hop.
    ///
    /// - Throws: `.unsupportedModel` when the model is not one of Earshot's own (an imported
    ///   microWakeWord graph profiles with `QuantizedProfiler`).
    public init(label: String, stream: PipelineStream, model index: Int) throws(ProfilerError) {
        let stages = stream.stages(model: index)
        guard let network = stages.network else {
            throw .unsupportedModel(model: label, reason: "it is not an Earshot network (profile imported models alone)")
        }
        self.init(label: label, network: network, windowed: stages.windowed)
    }
}

extension AudioInput {
    /// Audio for model `index` of `stream`: `samples` at the stream's input rate, converted once
    /// (untimed) by the stream's resampler, then timed per hop through the model's front end.
    ///
    /// - Throws: `.unsupportedModel` for a model without an Earshot front end (openWakeWord).
    public init(label: String, samples: [Float], stream: PipelineStream, model index: Int,
                frontendDescription: String) throws(ProfilerError) {
        let stages = stream.stages(model: index)
        guard let extractor = stages.extractor else {
            throw .unsupportedModel(model: label, reason: "its features are not computed by an Earshot front end")
        }
        var label = label
        var converted = samples
        if let resampler = stages.resampler {
            converted = resampler.resample(samples)
            label += ", resampled from \(stream.inputRate) Hz"
        }
        self.init(label: label, samples: converted, sampleRate: extractor.config.sampleRate, extractor: extractor,
                  frontendDescription: frontendDescription)
    }
}
