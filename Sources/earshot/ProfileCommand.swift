import JSON
import ArgumentParser
import Audio
import Frontend
import Model
import Pipeline
import Profiler
import Runtime
import SystemFile

/// `earshot profile`: latency of a model on this machine, per step, per layer and per hop.
/// The work is in the Profiler module; this file reads options and files and prints.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Measure per-step and per-layer latency, front-end cost, real-time factor and memory.",
        discussion: """
            Warms up, then times `steps` whole network steps and as many layer-by-layer steps, \
            alternating, with CLOCK_MONOTONIC_RAW (its own cost measured and subtracted). Reports \
            p50/p90/p99/p99.9/max per step and per layer, the front end per hop (with --wav), the \
            real-time factor, deadline misses against the hop, arena bytes, model bytes mapped and \
            peak RSS. Frames are seeded random normals unless --wav gives real audio. The front \
            end and network are the ones the Pipeline builds for listen, detect and serve. \
            Imported microWakeWord graphs are timed step by step and operation by operation; \
            openWakeWord models (one, or several on their shared backbone with --compare) one \
            80 ms chunk at a time through the Pipeline.

              earshot profile --model kws.earshot
              earshot profile --model kws.earshot --wav yes.wav --plot latency.svg
              earshot profile --compare kws-fp32.earshot,kws-fp16.earshot,kws-int8.earshot
              earshot profile --model alexa.earshot-oww --wav speech.wav --json
            """
    )

    @Option(help: "The Earshot model file (default: the project's models/default.earshot, unless --compare is given).")
    var model: String?

    @Option(help: "Timed steps (as many whole steps and as many layer-by-layer steps).")
    var steps = 10_000

    @Option(help: "Untimed steps first.")
    var warmup = 1_000

    @Option(help: "Seed of the random frames (without --wav).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Stream this WAV file (looped) through the model's front end: real features, front end timed per hop.", valueName: "file"))
    var wav: String?

    @Option(help: ArgumentHelp("Profile live capture from this ALSA device (e.g. plughw:1,0): per hop front end and step, capture-to-result latency, xruns.", valueName: "name"))
    var device: String?

    @Option(name: .customLong("alsa-config"), help: ArgumentHelp("With --device: an ALSA configuration file loaded on top of the system's (defines extra PCMs).", valueName: "file"))
    var alsaConfig: String?

    @Option(help: ArgumentHelp("Comma-separated variants of one model (e.g. fp32, fp16 and int8 files) to profile side by side in one run.", valueName: "a,b,..."))
    var compare: String?

    @Option(name: .customLong("hop-ms"), help: ArgumentHelp("Real-time budget per step in ms (default: the model's front-end hop, else 20).", valueName: "ms"))
    var hopMilliseconds: Double?

    @OptionGroup(title: "Front end for --wav (default: the model's own; else TensorFlow MFCC, 40 ms windows every 20 ms)")
    var frontendOptions: FrontendOptions

    @Flag(help: "Print one JSON object (schema in the README's Profiling section).")
    var json = false

    @Option(help: ArgumentHelp("Write latency plots (histogram and per-layer CDF) as SVG here.", valueName: "out.svg"))
    var plot: String?

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
        if let hopMilliseconds, !(hopMilliseconds > 0 && hopMilliseconds.isFinite) {
            throw ValidationError("--hop-ms must be a positive number, got \(hopMilliseconds)")
        }
        if wav != nil && device != nil { throw ValidationError("give --wav or --device, not both") }
        if wav != nil && hopMilliseconds != nil {
            throw ValidationError("--hop-ms does not apply with --wav: the front end's hop is the budget")
        }
        if wav == nil && device == nil && !frontendOptions.isEmpty {
            throw ValidationError("the --frontend flags apply to --wav (and --device) only")
        }
    }

    func run() throws {
        let paths = try ProfileRun.modelPaths(model: model, compare: compare, defaultModel: DefaultModel.path())
        // Imported TFLite models (issue 14) have their own profiler.
        if paths.count == 1, QuantizedGraphModels.isQuantizedGraph(path: paths[0]) { return try profileQuantized(path: paths[0]) }
        // openWakeWord models (issue 15): whole chunks through the Pipeline.
        if paths.contains(where: OpenWakeWordCommands.isOpenWakeWord(path:)) { return try profileOpenWakeWord(paths: paths) }
        if let imported = paths.first(where: QuantizedGraphModels.isQuantizedGraph(path:)) {
            throw CLIError("'\(imported)' is an imported TFLite model: --compare works with variants of Earshot's own models; profile it alone with --model")
        }
        let targets = try ProfileRun.targets(paths: paths)
        let given = try frontendOptions.config()
        if let device {
            guard targets.count == 1 else { throw CLIError("--device profiles one model; --compare works with random frames or --wav") }
            let (config, note) = ProfileRun.frontendConfig(for: targets[0].file.description, given: given)
            let alsa: ALSAConfiguration?
            do {
                alsa = try alsaConfig.map { path throws(AudioError) in try ALSAConfiguration(path: path) }
            } catch {
                throw CLIError("--alsa-config: \(error)")
            }
            let stages = try ProfileRun.stream(targets, frontend: config, inputRate: nil).stages(model: 0)
            guard let network = stages.network, let extractor = stages.extractor else { throw CLIError("'\(paths[0])' is not an Earshot network") }
            let live = try profileDevice(device, network: network, extractor: extractor, note: note, alsaConfiguration: alsa)
            try printLive(live, model: paths[0], network: network)
            return
        }
        try ProfileRun.run(
            targets, settings: ProfileRun.Options(
                steps: steps, warmup: warmup, seed: seed, wav: wav, hopMilliseconds: hopMilliseconds,
                frontend: given, json: json, plot: plot))
    }

    func writePlot(_ svg: String, to path: String) throws {
        try ProfileRun.writePlot(svg, to: path)
    }
}
