import ArgumentParser
import Frontend
import Model
import NumPyFile
import SystemFile

/// `earshot features`: what the front end computes for WAV files, as a NumPy array.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute front-end features of WAV files and write them as a float32 .npy array.",
        discussion: """
            The front end is the one stored in --model, or the one the --frontend flags describe. Each file is \
            decoded, mixed down to mono and resampled to the front end's rate. One file gives [T, F]; several give \
            [N, T, F] (they must give the same T: use --clip-samples). With --samples, the decoded (and resampled) \
            mono samples are written instead of features: [S] or [N, S].

              earshot features a.wav --frontend tf-mfcc --frontend-stride 320 --frontend-set coefficients=10 -o a.npy
            """
    )

    @Argument(help: "WAV files.")
    var files: [String]

    @Option(help: "Take the front end from this Earshot model file.")
    var model: String?

    @OptionGroup(title: "Front end")
    var frontend: FrontendOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the float32 .npy array.")
    var output: String

    @Option(help: ArgumentHelp("Cut or zero-pad each clip to this many samples (after resampling), as TensorFlow's "
                               + "DecodeWav desired_samples.", valueName: "n"))
    var clipSamples: Int?

    @Flag(help: "Write the decoded mono samples instead of features.")
    var samples = false

    @Option(help: ArgumentHelp("With --samples and no front end: the rate to resample to (default: each file's own; "
                               + "all files must then share it).", valueName: "hz"))
    var rate: Int?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one WAV file") }
        if model != nil && !frontend.isEmpty { throw ValidationError("give either --model or --frontend flags, not both") }
        if model == nil && frontend.isEmpty && !samples {
            throw ValidationError("give --model MODEL.earshot or --frontend PRESET to choose the front end")
        }
        if let clipSamples, clipSamples < 1 { throw ValidationError("--clip-samples must be at least 1") }
        if let rate, rate < 1 { throw ValidationError("--rate must be at least 1 Hz") }
    }

    func run() throws {
        var config: FrontendConfig? = nil
        if let model {
            let file = try ModelFile(path: model)
            guard let stored = file.description.frontend else {
                throw CLIError("'\(model)' has no front end (earshot.frontend.* keys)")
            }
            config = stored
        } else {
            config = try frontend.config()
        }
        var resamplers: [Int: PolyphaseResampler] = [:]
        var rows: [[Float]] = []
        var shape: [Int] = []
        let extractor = try config.map { try FeatureExtractor(config: $0) }
        for path in files {
            let clip = try AudioClip.read(path, rate: config?.sampleRate ?? rate, resamplers: &resamplers)
            let signal = clipSamples.map { clip.fitted(to: $0) } ?? clip.samples
            let value: [Float]
            let itemShape: [Int]
            if samples {
                value = signal
                itemShape = [signal.count]
            } else {
                let frames = extractor!.features(of: signal)
                value = frames.flatMap { $0 }
                itemShape = [frames.count, extractor!.featureCount]
            }
            if shape.isEmpty {
                shape = itemShape
            } else if shape != itemShape {
                throw CLIError("'\(path)' gives shape \(itemShape) but the first file gave \(shape); "
                               + "use --clip-samples to give every clip the same length")
            }
            rows.append(value)
        }
        let finalShape = files.count == 1 ? shape : [files.count] + shape
        let array = NumPyArray(shape: finalShape, floats: rows.flatMap { $0 })
        try SystemFile.writeAtomically(NumPyFormat.serialize(array), to: output)
    }
}
