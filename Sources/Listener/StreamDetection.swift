import Model
import Pipeline
import Spotter
import SystemFile
import WAVFile

/// A detection found in a recording.
public struct StreamEvent: Equatable, Sendable {
    public var keyword: String
    public var time: Double
    public var score: Float

    public init(keyword: String, time: Double, score: Float) {
        self.keyword = keyword
        self.time = time
        self.score = score
    }
}

/// Runs a long recording through the same `KeywordSpotter` that `listen` runs, in chunks the
/// size of a capture period, so a recording gives the events a live stream of it would give.
public enum StreamDetection {
    /// Detections in mono `samples` at `rate` Hz through `pipeline` (any models, any kinds).
    ///
    /// - Parameters:
    ///   - chunkFrames: samples per call, as a capture period (default 10 ms at `rate`).
    /// - Throws: `ListenerError` when the stream cannot be built for the models.
    public static func detect(
        samples: [Float], rate: Int, pipeline: Pipeline, chunkFrames: Int? = nil, gate: SpeechGateOption? = nil
    ) throws(ListenerError) -> (events: [StreamEvent], spotter: KeywordSpotter) {
        let spotter = try KeywordSpotter(pipeline: pipeline, inputRate: rate)
        if let gate { try spotter.attachGate(gate) }
        let queue = EventQueue(capacity: 1024)
        let chunk = max(1, chunkFrames ?? rate / 100)
        var events: [StreamEvent] = []
        func drain() {
            while let event = queue.pop() {
                guard event.kind == .detection else { continue }
                events.append(StreamEvent(keyword: spotter.labels[Int(event.labelIndex)], time: event.time, score: event.score))
            }
        }
        samples.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                spotter.process(UnsafeBufferPointer(rebasing: input[offset..<end]), into: queue)
                drain()
                offset = end
            }
        }
        // The last detection may still wait for its keyword's end.
        spotter.flush(into: queue)
        drain()
        return (events, spotter)
    }

    /// Detections in mono `samples` at `rate` Hz through one Earshot model.
    ///
    /// - Throws: `ListenerError` when the pipeline cannot be built for the model.
    public static func detect(
        samples: [Float], rate: Int, model: ModelFile, detector settings: DetectorSettings,
        windowHopFrames: Int? = nil, chunkFrames: Int? = nil, gate: SpeechGateOption? = nil
    ) throws(ListenerError) -> (events: [StreamEvent], spotter: KeywordSpotter) {
        let pipeline: Pipeline
        do throws(PipelineError) {
            pipeline = try Pipeline(model: model, detector: settings, windowHopFrames: windowHopFrames)
        } catch {
            throw .pipeline(error)
        }
        return try detect(samples: samples, rate: rate, pipeline: pipeline, chunkFrames: chunkFrames, gate: gate)
    }

    /// Detections in a WAV file (any PCM or float format, rate and channel count: downmixed
    /// here, resampled by the pipeline as a capture device's audio would be).
    ///
    /// - Throws: `ListenerError.other` naming the file when it cannot be read or decoded.
    public static func detect(
        wavPath path: String, pipeline: Pipeline, gate: SpeechGateOption? = nil
    ) throws(ListenerError) -> (events: [StreamEvent], spotter: KeywordSpotter) {
        let audio = try readWAV(path)
        return try detect(samples: audio.samples, rate: audio.sampleRate, pipeline: pipeline, gate: gate)
    }

    /// The decoded WAV file at `path`; the error names the file. (Typed catches, one per call:
    /// Embedded Swift has no `any Error`.)
    static func readWAV(_ path: String) throws(ListenerError) -> WAVAudio {
        let file: MappedFile
        do throws(SystemFileError) {
            file = try MappedFile(path: path)
        } catch {
            throw .other("'\(path)': \(error)")
        }
        do throws(WAVError) {
            return try WAVFile.decode(file.bytes)
        } catch {
            throw .other("'\(path)': \(error)")
        }
    }
}
