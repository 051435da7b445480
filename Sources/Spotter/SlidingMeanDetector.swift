/// microWakeWord's decision rule, as pymicro-wakeword applies it: each network step's
/// probability joins a window of the last `windowSize`; once the window is full, a detection is
/// made when their mean exceeds `cutoff` (strictly). The owner resets it after a detection (see
/// Pipeline's `MicroWakeWordRunner`), so the window refills before the next one.
///
/// The mean is summed in Double in arrival order and divided once: for probabilities that are
/// multiples of an output quantum the sum is exact, so the mean is the correctly rounded one
/// Python's `statistics.mean` gives. All storage is allocated at `init`.
public final class SlidingMeanDetector {
    /// Probabilities averaged (the manifest's `sliding_window_size`).
    public let windowSize: Int
    /// The mean must exceed this (the manifest's `probability_cutoff`, or an override).
    public let cutoff: Double
    private let ring: UnsafeMutablePointer<Double>
    private var filled = 0
    private var next = 0

    /// - Throws: `.smoothingWindowOutOfRange` for a window outside 1...10 000 steps,
    ///   `.thresholdOutOfRange` for a cutoff outside [0, 1] (`keyword` names it).
    public init(windowSize: Int, cutoff: Double, keyword: String) throws(SpotterError) {
        guard windowSize >= 1 && windowSize <= 10_000 else { throw .smoothingWindowOutOfRange(windowSize) }
        guard cutoff >= 0 && cutoff <= 1 else { throw .thresholdOutOfRange(keyword: keyword, value: Float(cutoff)) }
        self.windowSize = windowSize
        self.cutoff = cutoff
        ring = .allocate(capacity: windowSize)
        ring.initialize(repeating: 0, count: windowSize)
    }

    deinit { ring.deallocate() }

    /// Adds one step's probability. Returns the window's mean when it exceeds the cutoff (a
    /// detection), else nil (also while the window is still filling). Allocates: never.
    public func push(_ probability: Float) -> Double? {
        ring[next] = Double(probability)
        next &+= 1
        if next == windowSize { next = 0 }
        if filled < windowSize { filled &+= 1 }
        guard filled == windowSize else { return nil }
        // Oldest first, as the deque is summed.
        var sum = 0.0
        var index = next
        for _ in 0..<windowSize {
            sum += ring[index]
            index &+= 1
            if index == windowSize { index = 0 }
        }
        let mean = sum / Double(windowSize)
        return mean > cutoff ? mean : nil
    }

    /// Empties the window. Allocates: never.
    public func reset() {
        filled = 0
        next = 0
    }
}
