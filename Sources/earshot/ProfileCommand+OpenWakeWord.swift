import Frontend
import Model
import Pipeline
import Profiler

/// `earshot profile` for openWakeWord models (`earshot-oww` files, one or several on one shared
/// backbone): whole 80 ms chunks through the `PipelineStream` that `listen` and `serve` run.
extension ProfileCommand {
    func profileOpenWakeWord(paths: [String]) throws {
        if device != nil || plot != nil || hopMilliseconds != nil || !frontendOptions.isEmpty {
            throw CLIError("openWakeWord models profile with --steps, --warmup, --seed, --wav and --json "
                           + "(--device, --plot, --hop-ms and the front-end flags apply to Earshot's own models)")
        }
        var parts: [Pipeline.Part] = []
        for path in paths {
            guard let model = try StreamPipeline.openWakeWord(path: path) else {
                throw CLIError("'\(path)' is not an openWakeWord model: --compare of openWakeWord models takes only such models")
            }
            parts.append(Pipeline.Part(openWakeWord: model))
        }
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try wav.map { path throws(CLIError) in try AudioClip.read(path, rate: nil, resamplers: &resamplers) }
        let pipeline = try Pipeline(parts: parts)
        let rate = clip?.sampleRate ?? pipeline.sampleRate
        let stream = try pipeline.makeStream(inputRate: rate)
        // One openWakeWord chunk (80 ms) of input per call, at the input's rate.
        let chunk = rate * 80 / 1000
        let input = wav.map { "\($0) at \(rate) Hz, looped" + (rate == pipeline.sampleRate ? "" : " (the stream resamples it)") }
            ?? "seeded noise (normal, sigma 0.1, seed \(seed))"
        let report = try ChunkProfiler.run(
            stream, label: paths.joined(separator: ", "), chunkSamples: chunk, steps: steps, warmup: warmup, seed: seed,
            samples: clip?.samples, inputDescription: input)
        print(json ? report.json.serialized(indent: 2) : report.text)
    }
}
