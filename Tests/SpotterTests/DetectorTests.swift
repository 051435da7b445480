import AllocationCounter
import Spotter
import Testing

private let labels = ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]

/// Runs `posteriors` through a fresh detector.
private func detect(_ posteriors: [[Float]], _ config: DetectorConfiguration) throws -> [DetectionEvent] {
    let detector = try Detector(configuration: config)
    return posteriors.compactMap { detector.process($0) }
}

/// Events equal: same labels at the same frames and times, scores within Float rounding.
private func expectSame(_ events: [DetectionEvent], _ reference: [ReferenceEvent], _ context: String) {
    #expect(events.count == reference.count, "\(context): \(events.map(\.description)) vs \(reference)")
    for (e, r) in zip(events, reference) {
        #expect(e.keyword == r.label && e.frameIndex == r.frame && e.decisionFrameIndex == r.decisionFrame,
                "\(context): \(e) vs \(r)")
        #expect(abs(e.decisionTime - r.decisionTime) < 1e-9, "\(context): decision time \(e.decisionTime) vs \(r.decisionTime)")
        #expect(abs(e.time - r.time) < 1e-9, "\(context): time \(e.time) vs \(r.time)")
        #expect(abs(Double(e.score) - r.score) <= 1e-6, "\(context): score \(e.score) vs \(r.score)")
        #expect(e.keyword == labels[e.labelIndex])
    }
}

@Suite("Detector: smoothing, thresholds, refractory period")
struct DetectorTests {
    @Test("random keyword bursts: events equal the reference computation's, across settings",
          arguments: [
            (1, 0.0, DetectorConfiguration.RefractoryScope.anyKeyword, UInt64(1)),
            (3, 0.5, .anyKeyword, 2), (10, 1.0, .anyKeyword, 3), (10, 1.0, .sameKeyword, 4),
            (25, 0.3, .sameKeyword, 5), (7, 2.0, .anyKeyword, 6),
          ])
    func matchesReference(window: Int, refractory: Double, scope: DetectorConfiguration.RefractoryScope, seed: UInt64) throws {
        let posteriors = syntheticPosteriors(frames: 6_000, labels: labels.count, seed: seed)
        let config = DetectorConfiguration(
            labels: labels, thresholds: ["yes": 0.55, "stop": 0.7, "go": 0.35], defaultThreshold: 0.5,
            smoothingFrames: window, hopSeconds: 0.04, timeOffsetSeconds: 1.0,
            refractorySeconds: refractory, refractoryScope: scope)
        let events = try detect(posteriors, config)
        let reference = referenceEvents(posteriors, config)
        #expect(reference.count >= 20, "the synthetic stream should trigger plenty of events")
        expectSame(events, reference, "N=\(window) R=\(refractory) \(scope)")
    }

    @Test("a worked example: one burst, smoothing delay, time and score by hand")
    func workedExample() throws {
        // "yes" at 0.9 for frames 10..<30, silence elsewhere; N = 4, threshold 0.8, hop 20 ms.
        var posteriors = [[Float]](repeating: [1, 0, 0, 0], count: 60)
        for t in 10..<30 { posteriors[t] = [0.1, 0, 0.9, 0] }
        let config = DetectorConfiguration(
            labels: ["_silence_", "_unknown_", "yes", "no"], defaultThreshold: 0.8, smoothingFrames: 4,
            hopSeconds: 0.02, timeOffsetSeconds: 0.03, refractorySeconds: 0.5)
        let events = try detect(posteriors, config)
        // s[t] = 0.9 · (frames of the burst in the last 4) / 4 ≥ 0.8 first with 4 of 4, at t = 13:
        // the decision. Of the frames 10...13 it averaged, frame 10 is the first scored ≥ 0.8:
        // the onset, which the event's time gives.
        #expect(events.count == 1)
        #expect(events.first?.keyword == "yes")
        #expect(events.first?.decisionFrameIndex == 13)
        #expect(abs((events.first?.decisionTime ?? 0) - (13 * 0.02 + 0.03)) < 1e-12)
        #expect(events.first?.frameIndex == 10)
        #expect(abs((events.first?.time ?? 0) - (10 * 0.02 + 0.03)) < 1e-12)
        #expect(events.first?.score == 0.9)
    }

    @Test("refractory period: a second utterance inside it is dropped, outside it is reported")
    func refractory() throws {
        var posteriors = [[Float]](repeating: [1, 0, 0, 0], count: 200)
        // Two "yes" bursts starting 25 frames (0.5 s at 20 ms) apart, with a gap between.
        for t in 10..<20 { posteriors[t] = [0, 0, 1, 0] }
        for t in 35..<45 { posteriors[t] = [0, 0, 1, 0] }
        func count(_ seconds: Double) throws -> [Int] {
            try detect(posteriors, DetectorConfiguration(
                labels: ["_silence_", "_unknown_", "yes", "no"], defaultThreshold: 0.9, smoothingFrames: 1,
                hopSeconds: 0.02, refractorySeconds: seconds)).map(\.frameIndex)
        }
        #expect(try count(1.0) == [10])
        #expect(try count(0.5) == [10, 35])    // exactly 25 frames later: no longer refractory
        // Just over 25 frames: the second utterance is still heard once the period ends.
        #expect(try count(0.52) == [10, 36])
        #expect(try count(0.9) == [10])
        #expect(try count(0) == [10, 35])
    }

    @Test("a long utterance fires once: the keyword re-arms only after its score falls")
    func rearm() throws {
        var posteriors = [[Float]](repeating: [1, 0, 0, 0], count: 400)
        for t in 10..<310 { posteriors[t] = [0, 0, 1, 0] }   // 6 s of "yes" at 20 ms
        posteriors[320] = [0, 0, 1, 0]
        let events = try detect(posteriors, DetectorConfiguration(
            labels: ["_silence_", "_unknown_", "yes", "no"], defaultThreshold: 0.9, smoothingFrames: 1,
            hopSeconds: 0.02, refractorySeconds: 0.1))
        #expect(events.map(\.frameIndex) == [10, 320])
    }

    @Test("per-keyword thresholds, and the best keyword wins a frame")
    func thresholds() throws {
        let config = DetectorConfiguration(
            labels: ["_silence_", "_unknown_", "yes", "no"], thresholds: ["no": 0.3], defaultThreshold: 0.6,
            smoothingFrames: 1, hopSeconds: 0.02, refractorySeconds: 0)
        #expect(try detect([[0.5, 0, 0.5, 0]], config).isEmpty)
        #expect(try detect([[0.6, 0, 0.05, 0.35]], config).map(\.keyword) == ["no"])
        #expect(try detect([[0, 0, 0.65, 0.35]], config).map(\.keyword) == ["yes"])
        // Ignored labels never fire, however high.
        #expect(try detect([[1, 0, 0, 0], [0, 1, 0, 0]], config).isEmpty)
    }

    @Test("NaN and infinite scores count as zero and do not poison the running sums")
    func nonFinite() throws {
        let config = DetectorConfiguration(
            labels: ["_silence_", "_unknown_", "yes", "no"], defaultThreshold: 0.5, smoothingFrames: 3,
            hopSeconds: 0.02, refractorySeconds: 0)
        var posteriors: [[Float]] = [[.nan, .infinity, .nan, -.infinity]]
        posteriors += [[Float]](repeating: [0, 0, 1, 0], count: 5)
        let events = try detect(posteriors, config)
        #expect(events.map(\.decisionFrameIndex) == [2])
        #expect(events.map(\.frameIndex) == [1])
        #expect(events.first?.score == Float(2.0 / 3.0))
        expectSame(events, referenceEvents(posteriors, config), "non-finite")
    }

    @Test("reset starts the stream again at frame 0")
    func reset() throws {
        let detector = try Detector(configuration: DetectorConfiguration(
            labels: ["_silence_", "_unknown_", "yes", "no"], defaultThreshold: 0.6, smoothingFrames: 2,
            hopSeconds: 0.1, refractorySeconds: 10))
        #expect(detector.process([0, 0, 1, 0]) == nil)
        #expect(detector.process([0, 0, 1, 0])?.decisionFrameIndex == 1)
        detector.reset()
        #expect(detector.frameIndex == 0)
        #expect(detector.process([0, 0, 1, 0]) == nil)
        let event = detector.process([0, 0, 1, 0])
        #expect(event?.decisionTime == 0.1)
        #expect(event?.time == 0)
    }

    @Test("invalid configurations are refused with the offending value")
    func validation() {
        let base = DetectorConfiguration(labels: ["_silence_", "yes"])
        var c = base
        c.smoothingFrames = 0
        #expect(throws: SpotterError.smoothingWindowOutOfRange(0)) { try Detector(configuration: c) }
        c = base
        c.thresholds = ["maybe": 0.5]
        #expect(throws: SpotterError.unknownKeyword("maybe")) { try Detector(configuration: c) }
        c = base
        c.thresholds = ["yes": 1.5]
        #expect(throws: SpotterError.thresholdOutOfRange(keyword: "yes", value: 1.5)) { try Detector(configuration: c) }
        c = base
        c.labels = ["_silence_"]
        #expect(throws: SpotterError.noKeywords(labels: ["_silence_"])) { try Detector(configuration: c) }
        c = base
        c.labels = ["yes", "yes"]
        #expect(throws: SpotterError.duplicateLabel("yes")) { try Detector(configuration: c) }
        c = base
        c.hopSeconds = 0
        #expect(throws: SpotterError.hopOutOfRange(0)) { try Detector(configuration: c) }
        c = base
        c.refractorySeconds = -1
        #expect(throws: SpotterError.refractoryOutOfRange(-1)) { try Detector(configuration: c) }
        #expect(SpotterError.unknownKeyword("maybe").description == "a threshold is given for 'maybe', which is not a keyword label")
    }

    @Test("processing 20,000 frames, events included, allocates nothing")
    func allocationFree() throws {
        let posteriors = syntheticPosteriors(frames: 2_000, labels: labels.count, seed: 9)
        let flat = posteriors.flatMap { $0 }
        let configuration = DetectorConfiguration(
            labels: labels, defaultThreshold: 0.5, smoothingFrames: 5, hopSeconds: 0.02, refractorySeconds: 0.2)
        // Stated warm-up: a throwaway detector takes the process's one-time allocations (Swift
        // runtime metadata; one was counted in a parallel release run). The detector counted below
        // is counted from its own first frame.
        let warmUp = try Detector(configuration: configuration)
        flat.withUnsafeBufferPointer { buffer in
            for t in 0..<2_000 { _ = warmUp.process(UnsafeBufferPointer(start: buffer.baseAddress! + t &* labels.count, count: labels.count)) }
        }
        let detector = try Detector(configuration: configuration)
        var events = 0
        var allocations = 0
        flat.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let c = labels.count
            allocation_counter_begin()  // from the counted detector's first frame
            var t = 0
            while t < 20_000 {
                if let event = detector.process(UnsafeBufferPointer(start: base + (t % 2_000) &* c, count: c)) {
                    events &+= event.labelIndex > 0 ? 1 : 0
                }
                t &+= 1
            }
            allocations = allocation_counter_end()
        }
        #expect(events > 100)
        #expect(allocations == 0)
    }
}
