import Audio
import Converter
import Foundation
import Frontend
import Listener
import Model
import Testing
import WAVFile

/// Real speech through the whole listening path: 20 clips of ../shared/data/speech_commands_v0.02_subset
/// (two per keyword, picked by tools/fixtures/pick_stream_clips.py: the first ones TensorFlow's own LSTM_S
/// classifies correctly with p >= 0.95), each cut or padded to 1 s and followed by 0.5 s of
/// silence, captured through alsa-lib's file plugin and spotted by ARM's LSTM_S converted from
/// ../shared/data/ml-kws with the detector settings of firmware-configs/generic-x86_64.json.
private let clips = [
        "yes/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "no/03401e93_nohash_0.wav",  // TensorFlow LSTM_S p = 0.997
        "up/03401e93_nohash_0.wav",  // TensorFlow LSTM_S p = 0.998
        "down/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "left/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "right/03401e93_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "on/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "off/03401e93_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "stop/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "go/022cd682_nohash_0.wav",  // TensorFlow LSTM_S p = 0.985
        "yes/105a0eea_nohash_1.wav",  // TensorFlow LSTM_S p = 1.000
        "no/189cbabe_nohash_3.wav",  // TensorFlow LSTM_S p = 1.000
        "up/135c6841_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "down/0f250098_nohash_1.wav",  // TensorFlow LSTM_S p = 1.000
        "left/0cb74144_nohash_4.wav",  // TensorFlow LSTM_S p = 1.000
        "right/18f8afd5_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "on/105a0eea_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "off/0cb74144_nohash_1.wav",  // TensorFlow LSTM_S p = 1.000
        "stop/135c6841_nohash_0.wav",  // TensorFlow LSTM_S p = 1.000
        "go/0cb74144_nohash_4.wav",  // TensorFlow LSTM_S p = 0.988
]

private let gapSeconds = 0.5

/// Where each clip's speech ends, by Silero VAD with its documented default rules (not by our code):
/// made once by `tools/checks/keyword_end_vad.py --write`, re-derived and compared by its `--check`.
private let labelFile = repositoryRoot + "/tools/fixtures/keyword_end_labels.tsv"

/// Largest |event time − Silero's speech end| allowed per clip, and the largest median |d|. Measured on
/// 2026-12-05: −0.114 … +0.246 s, median |d| 0.078 s (docs/listening.md). Bounds: the measured values
/// plus one Silero chunk (32 ms, its time resolution); not one posterior hop (80 ms), which 5 clips exceed.
private let maxEndError = 0.28
private let maxMedianEndError = 0.11

/// clip -> speech end in seconds from the clip's start, from `labelFile`.
private func keywordEndLabels() throws -> [String: Double] {
    let text = try String(contentsOfFile: labelFile, encoding: .utf8)
    var labels: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("clip\t") {
        let fields = line.split(separator: "\t")
        guard fields.count == 4, let end = Double(fields[1]) else { throw LabelError(line: String(line)) }
        labels[String(fields[0])] = end
    }
    return labels
}

private struct LabelError: Error, CustomStringConvertible {
    let line: String
    var description: String { "malformed line in \(labelFile): '\(line)'" }
}

/// LSTM_S converted in-process from the manifest and TensorFlow's weights, with its front end
/// (TensorFlow MFCC, 40 ms windows every 40 ms) and 25-frame window.
private func convertedLSTMS(_ shared: String) throws -> ModelFile {
    let manifest = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/tools/manifests/ml-kws/LSTM_S.json"))
    let weights = try Data(contentsOf: URL(fileURLWithPath: shared + "/ml-kws/reference/LSTM_S_weights.npz"))
    var imported = try ManifestImporter.importModel(manifest: Array(manifest), weights: Array(weights))
    imported.description.frontend = FrontendConfig.mlKWS(stride: 640)
    imported.description.execution = .windowed(frames: 25, hop: 25)
    return try ModelFile(bytes: ModelWriter.serialize(imported.description, tensors: imported.tensors))
}

@Suite("Real keyword clips streamed through ALSA", .enabled(if: sharedData != nil, "../shared/data is absent"))
struct RealClipStreamTests {
    @Test("every keyword reported once, in order, no other event, near where Silero VAD ends its speech")
    func concatenatedClips() throws {
        let shared = sharedData!
        setALSADiagnosticsEnabled(false)
        let labels = try keywordEndLabels()
        var stream: [Float] = []
        var regions: [(word: String, start: Double, end: Double, speechEnd: Double)] = []
        for clip in clips {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: shared + "/speech_commands_v0.02_subset/" + clip))
            let audio = try WAVFile.decode(Array(bytes))
            #expect(audio.sampleRate == 16_000)
            var samples = Array(audio.samples.prefix(16_000))
            samples += [Float](repeating: 0, count: 16_000 - samples.count)
            let start = Double(stream.count) / 16_000
            let speechEnd = try #require(labels[clip], "no label for \(clip) in \(labelFile)")
            regions.append((String(clip.split(separator: "/")[0]), start, start + 1, start + speechEnd))
            stream += samples + [Float](repeating: 0, count: Int(gapSeconds * 16_000))
        }

        let directory = try TemporaryDirectory()
        let raw = try directory.write(s16Bytes(stream), to: "clips.raw")
        let alsa = try ALSAConfiguration(text: filePluginPCM(named: "earshot_clips", infile: raw))
        let board = try BoardConfiguration.load(path: repositoryRoot + "/firmware-configs/generic-x86_64.json")
        let model = try convertedLSTMS(shared)
        let hop = board.model.windowHopFrames ?? KeywordSpotter.listeningWindowHop(for: model)
        let parameters = board.audio.captureParameters
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            try CaptureDevice(device: "earshot_clips", parameters: parameters, configuration: alsa)
        }
        let session = try ListenSession(
            device: try open(), reopen: open,
            makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                try KeywordSpotter(model: model, inputRate: rate, detector: board.detector, windowHopFrames: hop)
            },
            queue: EventQueue(capacity: 256), log: { _ in })
        let summary = try session.run(stop: StopRequest(), durationSeconds: Double(stream.count) / 16_000)
        #expect(summary.overruns == 0)
        let posteriorHop = session.spotter.posteriorHopSeconds
        var events: [(word: String, time: Double)] = []
        while let event = session.queue.pop() {
            guard event.kind == .detection else { continue }
            events.append((session.spotter.labels[Int(event.labelIndex)], event.time))
        }

        var report: [String] = []
        var endErrors: [Double] = []
        for (index, region) in regions.enumerated() {
            let next = index + 1 < regions.count ? regions[index + 1].start : .infinity
            let mine = events.filter { $0.time >= region.start && $0.time < next }
            #expect(mine.count == 1 && mine.first?.word == region.word,
                    "clip \(index) '\(region.word)' (\(region.start)-\(region.end) s): events \(mine)")
            guard let event = mine.first else { continue }
            #expect(abs(event.time - region.speechEnd) <= maxEndError + 1e-9,
                    "'\(region.word)' reported at \(event.time) s, more than \(maxEndError) s from where Silero VAD ends its speech, \(region.speechEnd) s")
            endErrors.append(event.time - region.speechEnd)
            report.append("\(region.word) \(EventFormatter.fixed(event.time - region.end, 2))/\(EventFormatter.fixed(event.time - region.speechEnd, 3))")
        }
        #expect(events.count == regions.count, "\(events.count) events for \(regions.count) keywords")
        let absolute = endErrors.map(abs).sorted()
        let median = absolute.isEmpty ? .infinity : (absolute[(absolute.count - 1) / 2] + absolute[absolute.count / 2]) / 2
        #expect(median <= maxMedianEndError + 1e-9, "median |event time - Silero end| \(median) s > \(maxMedianEndError) s")
        print("real clips: \(events.count) events for \(regions.count) keywords (posterior hop \(posteriorHop) s); "
              + "event time - clip end / - Silero speech end (s): " + report.joined(separator: ", ")
              + "; min \(EventFormatter.fixed(endErrors.min() ?? .nan, 3)), max \(EventFormatter.fixed(endErrors.max() ?? .nan, 3)), median |d| \(EventFormatter.fixed(median, 3))")
    }
}
