import Spotter
import TestSupport

/// The detector's specification written the plain way, for comparison: direct sums over the
/// window for every frame (no ring, no running sums), Double arithmetic, lists instead of
/// buffers. Independent of `Detector`'s code.
struct ReferenceEvent: Equatable, CustomStringConvertible {
    var label: String
    /// The onset frame and its time.
    var frame: Int
    var time: Double
    var score: Double
    /// The frame whose smoothed score crossed the threshold, and its time.
    var decisionFrame: Int
    var decisionTime: Double
    var description: String { "\(label)@\(frame)/\(decisionFrame) (\(score))" }
}

func referenceEvents(_ posteriors: [[Float]], _ config: DetectorConfiguration) -> [ReferenceEvent] {
    let labels = config.labels
    let n = config.smoothingFrames
    // ⌈R / hop⌉ frames, the same rounding tolerance as documented.
    let refractory = Int((config.refractorySeconds / config.hopSeconds - 1e-9).rounded(.up))
    var events: [ReferenceEvent] = []
    var lastEvent = [Int?](repeating: nil, count: labels.count)
    var lastAny: Int? = nil
    var armed = [Bool](repeating: true, count: labels.count)
    for t in 0..<posteriors.count {
        var smoothed = [Double](repeating: 0, count: labels.count)
        for c in 0..<labels.count {
            var sum = 0.0
            for j in 0..<n where t - j >= 0 {
                let p = posteriors[t - j][c]
                sum += p.isFinite ? Double(p) : 0
            }
            smoothed[c] = sum / Double(n)
        }
        var best: Int? = nil
        for c in 0..<labels.count where !config.ignoredLabels.contains(labels[c]) {
            let threshold = Double(config.thresholds[labels[c]] ?? config.defaultThreshold)
            let s = Double(Float(smoothed[c]))
            if s < threshold {
                armed[c] = true
                continue
            }
            guard armed[c] else { continue }
            if config.refractoryScope == .anyKeyword, let last = lastAny, t - last < refractory { continue }
            if let last = lastEvent[c], t - last < refractory { continue }
            if best == nil || s > Double(Float(smoothed[best!])) { best = c }
        }
        if let c = best {
            armed[c] = false
            lastEvent[c] = t
            lastAny = t
            // Onset: the earliest averaged frame whose own score reached the threshold.
            let threshold = config.thresholds[labels[c]] ?? config.defaultThreshold
            var onset = t
            for u in max(0, t - n + 1)...t {
                let p = posteriors[u][c]
                if p.isFinite && p >= threshold {
                    onset = u
                    break
                }
            }
            events.append(ReferenceEvent(
                label: labels[c], frame: onset, time: Double(onset) * config.hopSeconds + config.timeOffsetSeconds,
                score: Double(Float(smoothed[c])), decisionFrame: t,
                decisionTime: Double(t) * config.hopSeconds + config.timeOffsetSeconds))
        }
    }
    return events
}

/// Synthetic posteriors: background mass on the ignored labels with noise, and keyword
/// "utterances" (ramps up, a plateau, ramps down) at random places, some overlapping.
func syntheticPosteriors(frames: Int, labels: Int, seed: UInt64) -> [[Float]] {
    var generator = SeededGenerator(seed: seed)
    var rows = [[Float]]()
    var keyword = -1
    var remaining = 0
    var length = 0
    for _ in 0..<frames {
        if remaining == 0 && Int.random(in: 0..<40, using: &generator) == 0 {
            keyword = Int.random(in: 2..<labels, using: &generator)
            length = Int.random(in: 3..<40, using: &generator)
            remaining = length
        }
        var row = [Float](repeating: 0, count: labels)
        var rest: Float = 1
        if remaining > 0 {
            let position = length - remaining
            let edge = min(position + 1, remaining, 6)
            let peak = Float.random(in: 0.5...0.99, using: &generator)
            row[keyword] = peak * Float(edge) / 6
            rest -= row[keyword]
            remaining -= 1
        }
        // Spread the rest over the other labels, with a random label sometimes spiking.
        var weights = (0..<labels).map { _ in Float.random(in: 0...1, using: &generator) }
        weights[0] += 3
        if remaining > 0 { weights[keyword] = 0 }
        let total = weights.reduce(0, +)
        for c in 0..<labels where !(remaining > 0 && c == keyword) { row[c] += rest * weights[c] / total }
        rows.append(row)
    }
    return rows
}
