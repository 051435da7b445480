import Frontend
import Model
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
        let network = try QuantizedNetwork(graph: graph)
        var audio: AudioInput? = nil
        if let wav {
            let wake = graph.wakeWord
            guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
                throw CLIError("--wav: this model's front end is '\(wake.frontendPreset)', which Earshot does not compute")
            }
            let config = FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: network.featureWidth)
            let extractor = try FeatureExtractor(config: config)
            var resamplers: [Int: PolyphaseResampler] = [:]
            let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
            audio = AudioInput(label: wav, samples: clip.samples, sampleRate: clip.sampleRate, extractor: extractor,
                               frontendDescription: "micro, hop \(config.hopLength) of window \(config.windowLength) at \(config.sampleRate) Hz")
        }
        let report = try QuantizedProfiler.run(network, label: path, steps: steps, warmup: warmup, seed: seed, audio: audio)
        print(json ? report.json.serialized(indent: 2) : report.text)
    }
}
