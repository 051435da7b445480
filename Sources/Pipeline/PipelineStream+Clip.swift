import Frontend
import Model
import Runtime

extension PipelineStream {
    /// Samples per clip for model `index` when it is windowed (its window's sample span), nil
    /// otherwise. `earshot detect`/`eval` cut or zero-pad clips to this, as TensorFlow's DecodeWav.
    public func clipSamples(model index: Int) -> Int? {
        guard case let .windowed(frames, _) = execution(model: index) else { return nil }
        return pipeline.frontends[pipeline.frontendIndex[index]].sampleSpan(frames: frames)
    }

    /// Scores one whole clip with Earshot model `index`: its front end and network restart from
    /// zero state, every frame of `samples` (mono, at the model's rate, not resampled) is run,
    /// and the network's final output (a windowed model's last window) is copied to `scores`
    /// (zeros when the clip makes no frame). The detector is not involved; the stream's
    /// streaming state is forgotten (call `reset` before streaming again).
    ///
    /// A multi-class openWakeWord model (`OpenWakeWordModel.labels`) scores the clip by its own
    /// procedure (`OpenWakeWordClip`: 1 s, its background before it, the last chunk's scores from
    /// reset; the 16 kHz samples are not cut beforehand); its return value is the chunks run.
    ///
    /// - Returns: the feature frames the clip made, or -1 when model `index` is neither an Earshot
    ///   model nor a multi-class openWakeWord model, or `scores` is not one value per label.
    ///   Allocates: never (an openWakeWord model: its input buffer on the first call).
    @discardableResult
    public func scoreClip(_ samples: UnsafeBufferPointer<Float>, model index: Int, into scores: UnsafeMutableBufferPointer<Float>) -> Int {
        if case let .openWakeWord(m) = runners[index], let openWakeWord, case let .openWakeWord(model) = pipeline.parts[index].network,
           !model.labels.isEmpty {
            return openWakeWord.scoreClip(samples, model: m, into: scores)
        }
        guard case let .earshot(runner) = runners[index], scores.count == runner.network.outputSize else { return -1 }
        let f = pipeline.frontendIndex[index]
        let extractor = extractors[f]
        let frame = frames[f]
        extractor.reset()
        runner.reset()
        let output = UnsafeMutableBufferPointer(start: frame, count: extractor.featureCount)
        var produced = 0
        var offset = 0
        while offset < samples.count {
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            guard step.produced else { continue }
            produced &+= 1
            runner.score(frame)
        }
        let result = runner.output
        var i = 0
        while i < scores.count {
            scores[i] = produced > 0 ? result[i] : 0
            i &+= 1
        }
        return produced
    }
}
