import Model
import Pipeline
import Spotter
import SystemFile
import WAVFile

extension StreamDetection {
    /// Detections of imported microWakeWord models (one `QuantizedPipelineStream`) in mono
    /// `samples` at `rate` Hz, fed in chunks of `chunkFrames` (default 10 ms) as a capture
    /// device delivers them.
    ///
    /// - Throws: `ListenerError.pipeline` when the stream cannot be built for the model.
    public static func detect(
        samples: [Float], rate: Int, graphs: [QuantizedGraph], detector settings: DetectorSettings, chunkFrames: Int? = nil
    ) throws(ListenerError) -> [StreamEvent] {
        let stream: QuantizedPipelineStream
        do throws(PipelineError) {
            stream = try QuantizedPipelineStream(graphs: graphs, inputRate: rate, detector: settings)
        } catch {
            throw .pipeline(error)
        }
        let chunk = max(1, chunkFrames ?? rate / 100)
        var events: [StreamEvent] = []
        samples.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                stream.process(samples: UnsafeBufferPointer(rebasing: input[offset..<end]))
                for event in stream.events {
                    events.append(StreamEvent(keyword: stream.labels[event.labelIndex], time: event.time, score: event.score))
                }
                offset = end
            }
        }
        return events
    }

    /// As `detect(samples:rate:graphs:detector:chunkFrames:)` for a WAV file (any PCM or float
    /// format, rate and channel count: downmixed here, resampled by the stream).
    ///
    /// - Throws: `ListenerError.other` naming the file when it cannot be read or decoded.
    public static func detect(
        wavPath path: String, graphs: [QuantizedGraph], detector settings: DetectorSettings
    ) throws(ListenerError) -> [StreamEvent] {
        let audio = try readWAV(path)
        return try detect(samples: audio.samples, rate: audio.sampleRate, graphs: graphs, detector: settings)
    }
}
