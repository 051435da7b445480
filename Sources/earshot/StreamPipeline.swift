// The pipeline the stream commands build, apart from ArgumentParser so the static aarch64 build
// (Aarch64/earshot) runs the same code. Typed throws: Embedded Swift has no `any Error`.
import Model
import Pipeline
import Spotter
import SystemFile

/// The one pipeline the stream commands run over every `--model`: Earshot models and imported
/// microWakeWord graphs (earshot-qgraph) and openWakeWord models (earshot-oww) alike, each
/// model's front end computed once per hop (the openWakeWord models' mel and embedding networks
/// once per 80 ms chunk).
enum StreamPipeline {
    /// `settings` with `--threshold` applied over the board configuration's threshold.
    static func applying(threshold: Float?, to settings: DetectorSettings) -> DetectorSettings {
        var settings = settings
        if let threshold { settings.threshold = threshold }
        return settings
    }

    /// One part per path, in order; windowed models re-run their window every `windowHopFrames`
    /// frames (nil: `Pipeline.listeningWindowHop(for:)`).
    static func parts(paths: [String], detector: DetectorSettings, windowHopFrames: Int?) throws(CLIError) -> [Pipeline.Part] {
        var parts: [Pipeline.Part] = []
        for path in paths {
            if let model = try openWakeWord(path: path) {
                parts.append(Pipeline.Part(openWakeWord: model, detector: detector))
                continue
            }
            if QuantizedGraphModels.isQuantizedGraph(path: path) {
                parts.append(Pipeline.Part(graph: try QuantizedGraphModels.read(path), detector: detector))
                continue
            }
            let model: ModelFile
            do { model = try ModelFile(path: path) } catch { throw CLIError(error.description) }
            let hop = windowHopFrames ?? Pipeline.listeningWindowHop(for: model)
            parts.append(Pipeline.Part(model: model, detector: detector, windowHopFrames: hop))
        }
        return parts
    }

    /// The openWakeWord model at `path`, or nil when the file is not one.
    static func openWakeWord(path: String) throws(CLIError) -> OpenWakeWordModel? {
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(path: path) } catch { return nil }
        guard OpenWakeWordFile.isOpenWakeWord(bytes) else { return nil }
        do { return try OpenWakeWordFile.parse(bytes) } catch { throw CLIError("\(path): \(error.description)") }
    }

    /// The pipeline of `paths` (see `parts(paths:detector:windowHopFrames:)`).
    static func make(paths: [String], detector: DetectorSettings, windowHopFrames: Int?) throws(CLIError) -> Pipeline {
        let parts = try parts(paths: paths, detector: detector, windowHopFrames: windowHopFrames)
        do throws(PipelineError) {
            return try Pipeline(parts: parts)
        } catch {
            throw CLIError("\(paths.joined(separator: ", ")): \(error.description)")
        }
    }
}
