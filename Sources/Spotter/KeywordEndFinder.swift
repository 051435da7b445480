/// Finds where a detected keyword ends in the audio, from its short-time energy.
///
/// A keyword's posterior rises while the word is being spoken, often before its last sound, so
/// the time a detector's score crosses its threshold says little about where the word ends.
/// The audio does: after a detection, the word lies among the recent blocks, and it ends where
/// their energy falls back to the background.
///
/// The audio is cut into blocks of B samples (10 ms by default); block b covers samples
/// b·B ..< (b + 1)·B of the stream and ends at (b + 1)·B / rate seconds. After `begin`, over the
/// blocks from the search start to the newest:
/// - loud = energy ≥ max(peak · 10^(−rangeDecibels/10), background · 10^(marginDecibels/10)),
///   where peak is the loudest of those blocks and background the quietest block from
///   `backgroundSeconds` before the search start to the newest (the room around the word);
/// - the keyword ends at the end of the last loud block;
/// - the end is known once `silenceBlocks` blocks after it were all quiet, or when the stream
///   ends (`poll(force: true)`). If `maximumWaitBlocks` blocks pass after the decision without
///   that quiet (speech went on, or the room is too noisy for the energy to show where the word
///   ends), the audio cannot place the end, and the caller's fallback time is returned.
///
/// All memory is allocated at `init`; `push`, `begin` and `poll` allocate nothing.
public final class KeywordEndFinder {
    /// Samples per block.
    public let blockSamples: Int
    /// Samples per second.
    public let sampleRate: Int
    /// Quiet blocks that must follow the last loud one before the end is reported.
    public let silenceBlocks: Int
    /// Blocks after the decision after which the end is reported whatever follows.
    public let maximumWaitBlocks: Int
    /// A block is loud when within this many decibels of the loudest block searched ...
    public let rangeDecibels: Double
    /// ... and at least this many decibels above the quietest block around the search.
    public let marginDecibels: Double
    /// Blocks before the search start that count for the background.
    public let backgroundBlocks: Int
    /// Blocks completed since the start (or `reset`).
    public private(set) var completedBlocks = 0
    /// Whether a search is under way (between `begin` and the `poll` that returned an end).
    public private(set) var isSearching = false

    private let capacity: Int
    /// Ring of the last `capacity` block energies; block b is at b mod capacity.
    private let energies: UnsafeMutablePointer<Double>
    private var partialEnergy = 0.0
    private var partialCount = 0
    private var searchStartBlock = 0
    private var decisionBlock = 0
    private var fallbackSeconds = 0.0
    private let rangeFactor: Double
    private let marginFactor: Double

    /// - Parameters:
    ///   - sampleRate: samples per second of the audio pushed.
    ///   - blockSeconds: block length (rounded to whole samples, at least 1).
    ///   - lookbackSeconds: how far before the decision a keyword may start.
    ///   - silenceSeconds: quiet time that must follow a keyword's last loud block.
    ///   - maximumWaitSeconds: time after the decision after which the end is given anyway.
    ///   - rangeDecibels: see the type's description (default 30).
    ///   - marginDecibels: see the type's description (default 10).
    ///   - backgroundSeconds: see the type's description (default 1).
    /// Allocates: the energy ring (here only).
    public init(
        sampleRate: Int, blockSeconds: Double = 0.01, lookbackSeconds: Double, silenceSeconds: Double,
        maximumWaitSeconds: Double, rangeDecibels: Double = 30, marginDecibels: Double = 10,
        backgroundSeconds: Double = 1
    ) {
        precondition(sampleRate > 0 && blockSeconds > 0 && lookbackSeconds >= 0)
        precondition(silenceSeconds >= 0 && maximumWaitSeconds >= 0 && backgroundSeconds >= 0)
        self.sampleRate = sampleRate
        blockSamples = max(1, Int((blockSeconds * Double(sampleRate)).rounded()))
        let block = Double(blockSamples) / Double(sampleRate)
        silenceBlocks = max(1, Int((silenceSeconds / block - 1e-9).rounded(.up)))
        maximumWaitBlocks = max(silenceBlocks, Int((maximumWaitSeconds / block - 1e-9).rounded(.up)))
        self.rangeDecibels = rangeDecibels
        self.marginDecibels = marginDecibels
        rangeFactor = pow10(-rangeDecibels / 10)
        marginFactor = pow10(marginDecibels / 10)
        let lookback = Int((lookbackSeconds / block).rounded(.up))
        backgroundBlocks = Int((backgroundSeconds / block).rounded(.up))
        // The searched span and the background before it, twice over (see `begin`).
        capacity = 2 &* (lookback &+ maximumWaitBlocks &+ backgroundBlocks &+ 2)
        energies = .allocate(capacity: capacity)
        energies.initialize(repeating: 0, count: capacity)
    }

    deinit {
        energies.deallocate()
    }

    /// Forgets all audio and any search. Allocates: never.
    public func reset() {
        energies.update(repeating: 0, count: capacity)
        partialEnergy = 0
        partialCount = 0
        completedBlocks = 0
        isSearching = false
    }

    /// Seconds of audio pushed since the start (or `reset`).
    public var secondsPushed: Double {
        Double(completedBlocks &* blockSamples &+ partialCount) / Double(sampleRate)
    }

    /// Adds the next samples of the stream. Allocates: never.
    public func push(_ samples: UnsafeBufferPointer<Float>) {
        var energy = partialEnergy
        var count = partialCount
        for sample in samples {
            let value = Double(sample)
            energy += value * value
            count &+= 1
            if count == blockSamples {
                energies[completedBlocks % capacity] = energy
                completedBlocks &+= 1
                energy = 0
                count = 0
            }
        }
        partialEnergy = energy
        partialCount = count
    }

    /// Starts looking for the end of a keyword detected at `decisionSeconds` whose loud part
    /// started no earlier than `searchStartSeconds`; `fallbackSeconds` is the answer when the
    /// audio cannot place the end (all in seconds of audio pushed). Ends any search under way
    /// without an answer. Allocates: never.
    public func begin(searchStartSeconds: Double, decisionSeconds: Double, fallbackSeconds: Double) {
        let block = Double(blockSamples) / Double(sampleRate)
        // Never reach back past what the ring still holds (leaving room for the wait).
        let oldest = max(0, completedBlocks &- (capacity / 2))
        searchStartBlock = max(oldest, Int((searchStartSeconds / block).rounded(.down)))
        decisionBlock = max(searchStartBlock, Int((decisionSeconds / block).rounded(.down)))
        self.fallbackSeconds = fallbackSeconds
        isSearching = true
    }

    /// The keyword's end in seconds of audio pushed, once known; nil while still waiting (or when
    /// no search is under way). With `force`, gives the best answer from the audio so far.
    /// Allocates: never.
    public func poll(force: Bool = false) -> Double? {
        guard isSearching else { return nil }
        let newest = completedBlocks &- 1
        let first = max(searchStartBlock, completedBlocks &- capacity)
        guard newest >= first else {
            if !force { return nil }
            isSearching = false
            return fallbackSeconds
        }
        var peak = 0.0
        for b in first...newest {
            let energy = energies[b % capacity]
            if energy > peak { peak = energy }
        }
        var background = Double.infinity
        for b in max(max(0, completedBlocks &- capacity), first &- backgroundBlocks)...newest {
            let energy = energies[b % capacity]
            if energy < background { background = energy }
        }
        let threshold = max(peak * rangeFactor, background * marginFactor)
        var lastLoud = -1
        if peak > 0 {
            var b = newest
            while b >= first {
                if energies[b % capacity] >= threshold {
                    lastLoud = b
                    break
                }
                b &-= 1
            }
        }
        let waited = newest &- decisionBlock
        if lastLoud >= 0 && (force || newest &- lastLoud >= silenceBlocks) {
            isSearching = false
            return Double((lastLoud &+ 1) &* blockSamples) / Double(sampleRate)
        }
        // Digital silence, or no quiet after the word within the wait: the energy cannot say.
        guard force || waited >= maximumWaitBlocks else { return nil }
        isSearching = false
        return fallbackSeconds
    }
}

/// 10^x for the set-up (the core uses no Foundation).
private func pow10(_ x: Double) -> Double {
    // e^(x ln 10) by squaring: |x| here is a few units, so a short series is exact enough.
    let y = x * 2.302585092994046
    var n = 0
    var r = y
    while abs(r) > 0.5 {
        r /= 2
        n += 1
    }
    var term = 1.0
    var sum = 1.0
    for k in 1...20 {
        term *= r / Double(k)
        sum += term
    }
    for _ in 0..<n { sum *= sum }
    return sum
}
