import JSON
import ArgumentParser
import Audio
import Frontend
import Model
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
            peak RSS. Frames are seeded random normals unless --wav gives real audio.

              earshot profile --model kws.earshot
              earshot profile --model kws.earshot --wav yes.wav --plot latency.svg
              earshot profile --compare kws-fp32.earshot,kws-fp16.earshot,kws-int8.earshot
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
        var paths: [String] = []
        if let model { paths.append(model) } else if compare == nil { paths.append(try DefaultModel.resolve(nil)) }
        if let compare {
            for item in compare.split(separator: ",", omittingEmptySubsequences: false) {
                let path = String(item).trimmingCharacters(in: " ")
                guard !path.isEmpty else { throw CLIError("--compare '\(compare)' has an empty entry") }
                if !paths.contains(path) { paths.append(path) }
            }
        }
        // Imported TFLite models (issue 14) have their own profiler.
        if paths.count == 1, QuantizedGraphCommands.isQuantizedGraph(path: paths[0]) { return try profileQuantized(path: paths[0]) }
        if let imported = paths.first(where: QuantizedGraphCommands.isQuantizedGraph(path:)) {
            throw CLIError("'\(imported)' is an imported TFLite model: --compare works with variants of Earshot's own models; profile it alone with --model")
        }
        var targets: [ProfileTarget] = []
        for path in paths {
            let file = try ModelFile(path: path)
            let network: Network
            do {
                network = try Network(model: file)
            } catch {
                throw CLIError("'\(path)': \(error)")
            }
            targets.append(ProfileTarget(label: path, network: network))
        }
        let description = targets[0].network.model.description

        if let device {
            guard targets.count == 1 else { throw CLIError("--device profiles one model; --compare works with random frames or --wav") }
            let (config, note) = try frontendConfig(for: description)
            let alsa: ALSAConfiguration?
            do {
                alsa = try alsaConfig.map { path throws(AudioError) in try ALSAConfiguration(path: path) }
            } catch {
                throw CLIError("--alsa-config: \(error)")
            }
            let live = try profileDevice(device, network: targets[0].network, frontend: config, note: note, alsaConfiguration: alsa)
            try printLive(live, model: paths[0], network: targets[0].network)
            return
        }

        var settings = ProfileSettings(steps: steps, warmup: warmup)
        if let hopMilliseconds {
            settings.hopNanoseconds = UInt64((hopMilliseconds * 1e6).rounded())
            settings.hopSource = "--hop-ms"
        } else if wav == nil, let frontend = description.frontend {
            settings.hopNanoseconds = UInt64((Double(frontend.hopLength) * 1e9 / Double(frontend.sampleRate)).rounded())
            settings.hopSource = "the model's front end: \(frontend.hopLength) samples at \(frontend.sampleRate) Hz"
        } else {
            settings.hopNanoseconds = 20_000_000
            settings.hopSource = "default 20 ms: the model names no front end; --hop-ms sets it"
        }

        var source = FrameSource.random(seed: seed)
        if let wav {
            let (config, note) = try frontendConfig(for: description)
            let extractor: FeatureExtractor
            do {
                extractor = try FeatureExtractor(config: config)
            } catch {
                throw CLIError("front end for '\(paths[0])': \(error)")
            }
            var resamplers: [Int: PolyphaseResampler] = [:]
            let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
            let resampled = clip.fileRate == clip.sampleRate ? "" : ", resampled from \(clip.fileRate) Hz"
            source = .audio(AudioInput(label: wav + resampled, samples: clip.samples, sampleRate: clip.sampleRate,
                                       extractor: extractor, frontendDescription: note))
        }

        let reports = try StepProfiler.run(targets, source: source, settings: settings)
        if let plot { try writePlot(LatencyPlot.svg(for: reports), to: plot) }
        if json {
            print((reports.count == 1 ? reports[0].json : ProfileReport.comparisonJSON(reports)).serialized(indent: 2))
        } else {
            print(reports.count == 1 ? reports[0].text : ProfileReport.comparisonText(reports))
            if let plot { print("\n  plot written to \(plot)") }
        }
    }

    func writePlot(_ svg: String, to path: String) throws {
        do {
            try SystemFile.writeAtomically(Array(svg.utf8), to: path)
        } catch {
            throw CLIError("cannot write the plot to '\(path)': \(error)")
        }
    }

    /// The front end given on the command line, else the model's own, else TensorFlow's MFCC
    /// (40 ms windows every 20 ms at 16 kHz, as many coefficients as the model takes).
    func frontendConfig(for description: ModelDescription) throws -> (FrontendConfig, String) {
        if let given = try frontendOptions.config() {
            let name = given.name.isEmpty ? "custom" : given.name
            return (given, "given on the command line (\(name), hop \(given.hopLength) of window \(given.windowLength) at \(given.sampleRate) Hz)")
        }
        if let frontend = description.frontend {
            let name = frontend.name.isEmpty ? "custom" : frontend.name
            return (frontend, "the model's own (\(name), hop \(frontend.hopLength) of window \(frontend.windowLength) at \(frontend.sampleRate) Hz)")
        }
        let features = description.inputSize
        let config = FrontendConfig.tensorFlowMFCC(
            sampleRate: 16000, windowLength: 640, stride: 320,
            filterbankChannelCount: max(40, features), dctCoefficientCount: features)
        return (config, "TensorFlow MFCC preset (window 640, hop 320 at 16 kHz, \(features) coefficients) because the model names no front end")
    }
}

extension String {
    /// The string without leading and trailing `character`s.
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
