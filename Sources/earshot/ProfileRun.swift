// `earshot profile`'s work with random frames or a WAV file, apart from its command so the static
// aarch64 build (Aarch64/earshot) runs the same code on the board. Typed throws: Embedded Swift has
// no `any Error`. (`profile --device` is ProfileCommand+Device, host build only.)
import Frontend
import JSON
import Model
import Pipeline
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

    /// One model file to profile and the label reports show for it (its path).
    struct ProfileModel {
        var label: String
        var file: ModelFile
    }

    /// Each model loaded; the error names the file.
    static func targets(paths: [String]) throws(CLIError) -> [ProfileModel] {
        var models: [ProfileModel] = []
        for path in paths {
            do { models.append(ProfileModel(label: path, file: try ModelFile(path: path))) } catch { throw CLIError(error.description) }
        }
        return models
    }

    /// The models on one `Pipeline` reading `frontend` (the variants of `--compare` share it) and
    /// a stream at `inputRate`: the profiler times the stages this stream wires.
    static func stream(_ models: [ProfileModel], frontend: FrontendConfig, inputRate: Int?) throws(CLIError) -> PipelineStream {
        do {
            let pipeline = try Pipeline(parts: models.map { model in
                var part = Pipeline.Part(model: model.file)
                part.frontendOverride = frontend
                return part
            })
            return try pipeline.makeStream(inputRate: inputRate ?? pipeline.sampleRate, eventCapacity: 1)
        } catch {
            throw CLIError("'\(models[0].label)': \(error)")
        }
    }

    /// Profiles `targets` and prints the report (text, or JSON), writing the plot when asked.
    static func run(_ models: [ProfileModel], settings options: Options) throws(CLIError) {
        let description = models[0].file.description
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

        for model in models.dropFirst() {
            if let difference = StepProfiler.variantDifference(description, model.file.description) {
                throw CLIError(ProfilerError.notVariants(first: models[0].label, other: model.label, difference: difference).description)
            }
        }
        // The WAV at its own rate: the stream's resampler converts it, its front end times it.
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try options.wav.map { path throws(CLIError) in try AudioClip.read(path, rate: nil, resamplers: &resamplers) }
        let (config, note) = frontendConfig(for: description, given: options.frontend)
        let stream = try stream(models, frontend: config, inputRate: clip?.sampleRate)
        var targets: [ProfileTarget] = []
        var source = FrameSource.random(seed: options.seed)
        do {
            for (index, model) in models.enumerated() {
                targets.append(try ProfileTarget(label: model.label, stream: stream, model: index))
            }
            if let clip, let wav = options.wav {
                source = .audio(try AudioInput(label: wav, samples: clip.samples, stream: stream, model: 0, frontendDescription: note))
            }
        } catch {
            throw CLIError(error.description)
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
