import Foundation
import Frontend
import Listener
import Model
import Runtime
import Spotter
import TestSupport
import Testing

@Suite("Keyword spotting pipeline: front end -> network -> detector, event times")
struct KeywordSpotterTests {
    private let oneFrame: DetectorSettings = {
        var settings = DetectorSettings()
        settings.smoothingSeconds = 0
        settings.threshold = 0.5
        settings.refractorySeconds = 0.5
        return settings
    }()

    /// `oneFrame` without end finding: events stamped at the posterior that crossed the threshold.
    private var atCrossing: DetectorSettings {
        var settings = oneFrame
        settings.endSilenceSeconds = 0
        return settings
    }

    @Test("a loud burst is reported within one hop of its end, at 16 kHz and resampled from 48 and 44.1 kHz",
          arguments: [16_000, 48_000, 44_100])
    func burstTiming(rate: Int) throws {
        let starts = [1.0037, 2.5111, 4.2, 6.77]
        let lengths = [0.3, 0.45, 0.2, 0.333]
        var signal: [Float] = []
        for (index, (start, length)) in zip(starts, lengths).enumerated() {
            let burst = burstSignal(seconds: 8, starts: [start], length: length, rate: rate, seed: UInt64(index + 1))
            signal = signal.isEmpty ? burst : zip(signal, burst).map { $0 + $1 }
        }
        let (events, spotter) = try StreamDetection.detect(
            samples: signal, rate: rate, model: try burstDetectorModel(), detector: oneFrame)
        #expect(spotter.posteriorHopSeconds == 0.02)
        #expect(events.map(\.keyword) == ["yes", "yes", "yes", "yes"], "\(events)")
        for (event, (start, length)) in zip(events, zip(starts, lengths)) {
            let end = start + length
            #expect(abs(event.time - end) <= 0.02 + 1e-9, "event at \(event.time) for a burst ending at \(end)")
            #expect(event.score > 0.5)
        }
        // Without end finding the event is stamped where the score crossed: just after the start.
        let (crossings, _) = try StreamDetection.detect(
            samples: signal, rate: rate, model: try burstDetectorModel(), detector: atCrossing)
        #expect(crossings.count == 4)
        for (event, start) in zip(crossings, starts) {
            #expect(event.time >= start && event.time <= start + 0.02 + 1e-9, "event at \(event.time) for a burst at \(start)")
        }
    }

    @Test("a burst that runs on is reported after the maximum wait at its onset; the last one is flushed at the stream's end")
    func endWaitAndFlush() throws {
        // Two bursts: the first lasts 3 s (no quiet follows within the wait), the second runs to
        // the end of the stream, less than the wait after it was detected (only the flush reports it).
        let signal = zip(burstSignal(seconds: 8, starts: [1.0], length: 3.0), burstSignal(seconds: 8, starts: [7.7], length: 0.3, seed: 2))
            .map { $0 + $1 }
        var settings = oneFrame
        settings.endMaximumWaitSeconds = 0.5
        let (events, _) = try StreamDetection.detect(
            samples: signal, rate: 16_000, model: try burstDetectorModel(), detector: settings)
        #expect(events.count == 2, "\(events)")
        if events.count == 2 {
            // No quiet within 0.5 s of the decision: the audio cannot place the end, so the time is
            // the onset's, as without end finding (the first posterior that saw the burst).
            #expect(events[0].time >= 1.0 && events[0].time <= 1.02 + 1e-9, "\(events[0])")
            #expect(events[1].time > 7.9 && events[1].time <= 8.0 + 1e-9, "\(events[1])")
        }
    }

    @Test("event times are the end of the newest audio each posterior saw: streaming and windowed")
    func timeStamps() throws {
        // One burst; with smoothing over one posterior the event is the first posterior that
        // saw it, so its time must lie on the posterior grid: offset + k · hop.
        let signal = burstSignal(seconds: 4, starts: [1.5], length: 0.4)
        for (execution, hop, offset) in [
            (ExecutionMode.streaming, 0.02, 0.04),
            (.windowed(frames: 5, hop: 5), 0.1, 0.04 + 4 * 0.02),
            (.windowed(frames: 5, hop: 3), 0.06, 0.04 + 4 * 0.02),
        ] {
            let (events, spotter) = try StreamDetection.detect(
                samples: signal, rate: 16_000, model: try burstDetectorModel(execution: execution), detector: atCrossing)
            #expect(abs(spotter.posteriorHopSeconds - hop) < 1e-12)
            #expect(events.count == 1)
            guard let time = events.first?.time else { continue }
            let k = (time - offset) / hop
            #expect(abs(k - k.rounded()) < 1e-6, "\(execution): \(time) is not on the grid \(offset) + k·\(hop)")
            #expect(time >= 1.5 && time <= 1.5 + hop + 1e-9, "\(execution): event at \(time)")
        }
    }

    @Test("the window hop can be overridden for listening; out of range is refused")
    func windowHop() throws {
        let model = try burstDetectorModel(execution: .windowed(frames: 25, hop: 25))
        let spotter = try KeywordSpotter(model: model, inputRate: 16_000, detector: oneFrame, windowHopFrames: 2)
        #expect(spotter.execution == .windowed(frames: 25, hop: 2))
        #expect(abs(spotter.posteriorHopSeconds - 0.04) < 1e-12)
        #expect(throws: ListenerError.self) {
            _ = try KeywordSpotter(model: model, inputRate: 16_000, detector: oneFrame, windowHopFrames: 26)
        }
    }

    @Test("streamed posteriors and events equal an offline computation over the whole signal")
    func streamedEqualsOffline() throws {
        var generator = SeededGenerator(seed: 44)
        var signal: [Float] = []
        for i in 0..<48_000 {
            let loud: Float = i / 8000 % 2 == 0 ? 1 : 0.05
            let tone = Float(0.3 * sin(Double(i) * 0.05))
            signal.append(tone * loud + generator.uniform(closed: 0.02))
        }
        let model = try randomLSTMModel()
        // Offline reference: all features, then every step, then the detector's spec computed
        // directly (a plain moving average and threshold; no ring buffers).
        let extractor = try FeatureExtractor(config: model.description.frontend!)
        let features = extractor.features(of: signal)
        let network = try Network(model: model)
        let posteriors = features.map { frame in frame.withUnsafeBufferPointer { Array(network.step($0)) } }
        // A threshold the random model's keyword scores cross now and then: their 85th percentile.
        let peaks = posteriors.map { $0[2...].max()! }.sorted()
        var settings = DetectorSettings()
        settings.smoothingSeconds = 0.06
        settings.threshold = peaks[peaks.count * 85 / 100]
        settings.refractorySeconds = 0.1
        settings.refractoryScope = .sameKeyword
        settings.endSilenceSeconds = 0
        let config = settings.configuration(labels: model.description.labels, posteriorHopSeconds: 0.02, timeOffsetSeconds: 0.04)
        var expected: [StreamEvent] = []
        var last = [Int: Int]()
        var armed = Set(0..<12)
        for t in posteriors.indices {
            var best: (Int, Float)? = nil
            for c in 2..<12 {
                var sum = 0.0
                for j in 0..<config.smoothingFrames where t - j >= 0 { sum += Double(posteriors[t - j][c]) }
                let s = Float(sum / Double(config.smoothingFrames))
                if s < config.defaultThreshold { armed.insert(c); continue }
                if !armed.contains(c) { continue }
                if let l = last[c], t - l < 5 { continue }
                if best == nil || s > best!.1 { best = (c, s) }
            }
            if let (c, s) = best {
                armed.remove(c)
                last[c] = t
                // The event's time is its onset: the first averaged frame scored above the threshold.
                let n = config.smoothingFrames
                let onset = (max(0, t - n + 1)...t).first { posteriors[$0][c] >= config.defaultThreshold } ?? t
                expected.append(StreamEvent(keyword: config.labels[c], time: 0.04 + Double(onset) * 0.02, score: s))
            }
        }
        #expect(expected.count >= 3, "the reference should see a few events")
        let (events, spotter) = try StreamDetection.detect(samples: signal, rate: 16_000, model: model, detector: settings)
        #expect(spotter.posteriors == posteriors.count)
        #expect(events.count == expected.count)
        for (e, r) in zip(events, expected) {
            #expect(e.keyword == r.keyword && abs(e.time - r.time) < 1e-9 && abs(e.score - r.score) < 1e-5, "\(e) vs \(r)")
        }
    }

    @Test("a model without a front end is refused with an explanation")
    func noFrontend() throws {
        let description = ModelDescription(
            inputSize: 10, layers: [LayerDescription(kind: .dense, inputSize: 10, hiddenSize: 4)], labels: keywordLabels)
        let tensors = [
            TensorData(name: TensorRole.inputWeights.tensorName(layer: 0), shape: [4, 10], floats: [Float](repeating: 0, count: 40)),
            TensorData(name: TensorRole.bias.tensorName(layer: 0), shape: [4], floats: [0, 0, 0, 0]),
        ]
        let model = try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
        do {
            _ = try KeywordSpotter(model: model, inputRate: 16_000, detector: DetectorSettings())
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("the model has no front end"))
        }
    }

    @Test("detector settings that do not fit the model's labels are refused")
    func thresholdForUnknownKeyword() throws {
        var settings = DetectorSettings()
        settings.thresholds = ["maybe": 0.5]
        do {
            _ = try KeywordSpotter(model: try burstDetectorModel(), inputRate: 16_000, detector: settings)
            Issue.record("accepted")
        } catch {
            #expect("\(error)" == "detector settings: a threshold is given for 'maybe', which is not a keyword label")
        }
    }
}
