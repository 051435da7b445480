// `earshot profile`'s work with random frames or a WAV file, apart from its command so the static
// aarch64 build (Aarch64/earshot) runs the same code on the board. Typed throws: Embedded Swift has
// no `any Error`. (`profile --device` is ProfileCommand+Device, host build only.)
import Frontend
import JSON
import Model
import Profiler
import Runtime
import SystemFile

/// Latency of models on this machine, per step, per layer and per hop (see ProfileCommand).
enum ProfileRun {
    /// The run's settings, as the command line gave them.
    struct Options {
        var steps: Int
        var warmup: Int
        var seed: UInt64
        var wav: String?
        var hopMilliseconds: Double?
        /// A front end given on the command line (host build), else nil.
        var frontend: FrontendConfig?
        var json: Bool
        var plot: String?
    }

    /// `--model`, else the default model unless `--compare` is given, then the `--compare` entries.
    static func modelPaths(model: String?, compare: String?, defaultModel: String?) throws(CLIError) -> [String] {
        var paths: [String] = []
        if let model {
            paths.append(model)
        } else if compare == nil {
            guard let defaultModel else {
                throw CLIError("no model: pass --model MODEL.earshot (no default model found at models/default.earshot "
                               + "or $EARSHOT_DEFAULT_MODEL)")
            }
            paths.append(defaultModel)
        }
        if let compare {
            for item in compare.split(separator: ",", omittingEmptySubsequences: false) {
                let path = trimmingSpaces(item)
                guard !path.isEmpty else { throw CLIError("--compare '\(compare)' has an empty entry") }
                if !paths.contains(path) { paths.append(path) }
            }
        }
        return paths
    }

    /// Each model loaded and ready to step; the error names the file.
    static func targets(paths: [String]) throws(CLIError) -> [ProfileTarget] {
        var targets: [ProfileTarget] = []
        for path in paths {
            let file: ModelFile
            do { file = try ModelFile(path: path) } catch { throw CLIError(error.description) }
            let network: Network
            do {
                network = try Network(model: file)
            } catch {
                throw CLIError("'\(path)': \(error)")
            }
            targets.append(ProfileTarget(label: path, network: network))
        }
        return targets
    }

    /// Profiles `targets` and prints the report (text, or JSON), writing the plot when asked.
    static func run(_ targets: [ProfileTarget], settings options: Options) throws(CLIError) {
        let description = targets[0].network.model.description
        var settings = ProfileSettings(steps: options.steps, warmup: options.warmup)
        if let hopMilliseconds = options.hopMilliseconds {
            settings.hopNanoseconds = UInt64((hopMilliseconds * 1e6).rounded())
            settings.hopSource = "--hop-ms"
        } else if options.wav == nil, let frontend = description.frontend {
            settings.hopNanoseconds = UInt64((Double(frontend.hopLength) * 1e9 / Double(frontend.sampleRate)).rounded())
            settings.hopSource = "the model's front end: \(frontend.hopLength) samples at \(frontend.sampleRate) Hz"
        } else {
            settings.hopNanoseconds = 20_000_000
            settings.hopSource = "default 20 ms: the model names no front end; --hop-ms sets it"
        }

        var source = FrameSource.random(seed: options.seed)
        if let wav = options.wav {
            let (config, note) = frontendConfig(for: description, given: options.frontend)
            let extractor: FeatureExtractor
            do {
                extractor = try FeatureExtractor(config: config)
            } catch {
                throw CLIError("front end for '\(targets[0].label)': \(error)")
            }
            var resamplers: [Int: PolyphaseResampler] = [:]
            let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
            let resampled = clip.fileRate == clip.sampleRate ? "" : ", resampled from \(clip.fileRate) Hz"
            source = .audio(AudioInput(label: wav + resampled, samples: clip.samples, sampleRate: clip.sampleRate,
                                       extractor: extractor, frontendDescription: note))
        }

        let reports: [ProfileReport]
        do { reports = try StepProfiler.run(targets, source: source, settings: settings) } catch { throw CLIError(error.description) }
        if let plot = options.plot { try writePlot(LatencyPlot.svg(for: reports), to: plot) }
        if options.json {
            print((reports.count == 1 ? reports[0].json : ProfileReport.comparisonJSON(reports)).serialized(indent: 2))
        } else {
            print(reports.count == 1 ? reports[0].text : ProfileReport.comparisonText(reports))
            if let plot = options.plot { print("\n  plot written to \(plot)") }
        }
    }

    static func writePlot(_ svg: String, to path: String) throws(CLIError) {
        do {
            try SystemFile.writeAtomically(Array(svg.utf8), to: path)
        } catch {
            throw CLIError("cannot write the plot to '\(path)': \(error)")
        }
    }

    /// The front end `given` on the command line, else the model's own, else TensorFlow's MFCC
    /// (40 ms windows every 20 ms at 16 kHz, as many coefficients as the model takes).
    static func frontendConfig(for description: ModelDescription, given: FrontendConfig?) -> (FrontendConfig, String) {
        if let given {
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

    /// `text` without leading and trailing spaces.
    private static func trimmingSpaces(_ text: Substring) -> String {
        var text = text
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
