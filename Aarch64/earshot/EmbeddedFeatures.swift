import Frontend
import Model
import NumPyFile
import SystemFile

/// `earshot features FILES... --model MODEL -o OUT.npy [--clip-samples N]` (host: FeaturesCommand,
/// with the front end taken from a model; the --frontend flags and --samples are not in this build).
enum EmbeddedFeatures {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: ["model", "output", "o", "clip-samples"], flags: [])
        guard !list.positionals.isEmpty else { throw .usage("give at least one WAV file") }
        let model = try list.required("model")
        guard let output = list.option("output") ?? list.option("o") else {
            throw .usage("missing expected argument '--output <output>'")
        }
        var clipSamples: Int? = nil
        if let text = list.option("clip-samples") {
            guard let value = Int(text), value >= 1 else { throw .usage("--clip-samples must be at least 1") }
            clipSamples = value
        }
        do throws(CLIError) {
            try write(files: list.positionals, model: model, output: output, clipSamples: clipSamples)
        } catch {
            throw .failed(error)
        }
    }

    private static func write(files: [String], model: String, output: String, clipSamples: Int?) throws(CLIError) {
        let file: ModelFile
        do { file = try ModelFile(path: model) } catch { throw CLIError(error.description) }
        guard let config = file.description.frontend else {
            throw CLIError("'\(model)' has no front end (earshot.frontend.* keys)")
        }
        let extractor: FeatureExtractor
        do { extractor = try FeatureExtractor(config: config) } catch { throw CLIError(error.description) }
        var resamplers: [Int: PolyphaseResampler] = [:]
        var values: [Float] = []
        var shape: [Int] = []
        for path in files {
            let clip = try AudioClip.read(path, rate: config.sampleRate, resamplers: &resamplers)
            let signal = clipSamples.map { clip.fitted(to: $0) } ?? clip.samples
            let frames = extractor.features(of: signal)
            let itemShape = [frames.count, extractor.featureCount]
            if shape.isEmpty {
                shape = itemShape
            } else if shape != itemShape {
                throw CLIError("'\(path)' gives shape \(itemShape) but the first file gave \(shape); "
                               + "use --clip-samples to give every clip the same length")
            }
            for frame in frames { values += frame }
        }
        let finalShape = files.count == 1 ? shape : [files.count] + shape
        let bytes = NumPyFormat.serialize(NumPyArray(shape: finalShape, floats: values))
        do { try SystemFile.writeAtomically(bytes, to: output) } catch { throw CLIError(error.description) }
    }
}
