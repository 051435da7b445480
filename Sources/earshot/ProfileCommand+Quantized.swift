import Frontend
import Model
import Pipeline
import Profiler
import Runtime

/// `earshot profile` for an imported TFLite model (earshot-qgraph): whole steps and operation by
/// operation, the `micro` front end per hop with --wav, arena beside the manifest's.
extension ProfileCommand {
    func profileQuantized(path: String) throws {
        if compare != nil || device != nil || plot != nil || hopMilliseconds != nil || !frontendOptions.isEmpty {
            throw CLIError("'\(path)' is an imported TFLite model: profile it with --steps, --warmup, --seed, --wav and --json "
                           + "(--compare, --device, --plot, --hop-ms and the front-end flags apply to Earshot's own models)")
        }
        let graph = try QuantizedGraphFile.read(path: path)
        // The network and its `micro` front end as the Pipeline wires them for listen and serve.
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try wav.map { path throws(CLIError) in try AudioClip.read(path, rate: nil, resamplers: &resamplers) }
        let pipeline = try Pipeline(graphs: [graph])
        let stream = try pipeline.makeStream(inputRate: clip?.sampleRate ?? pipeline.sampleRate, eventCapacity: 1)
        guard let network = stream.stages(model: 0).quantized else { throw CLIError("'\(path)' is not an imported microWakeWord graph") }
        var audio: AudioInput? = nil
        if let wav, let clip {
            let config = stream.frontend
            audio = try AudioInput(label: wav, samples: clip.samples, stream: stream, model: 0,
                                   frontendDescription: "micro, hop \(config.hopLength) of window \(config.windowLength) at \(config.sampleRate) Hz")
        }
        let report = try QuantizedProfiler.run(network, label: path, steps: steps, warmup: warmup, seed: seed, audio: audio)
        print(json ? report.json.serialized(indent: 2) : report.text)
    }
}
