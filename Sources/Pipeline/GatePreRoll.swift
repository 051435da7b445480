/// One model's side of the stream's shared `SpeechGate`: what the model skipped while the gate was
/// closed (the last `capacity` rows: feature frames, or samples for openWakeWord) and where, so
/// that on an opening it replays them aligned with the stream it would have seen ungated.
///
/// Positions count rows since the start (or `reset`). `fedEnd` is where the model's network was
/// last fed; `position` is where the stream is now. When the gap since `fedEnd` fits in the ring,
/// a replay gives the network exactly the ungated input (`replayStart` says `exact`); otherwise
/// the replay starts at the oldest held row aligned with `fedEnd` modulo the model's step (so its
/// frame grouping or chunk boundaries fall where they would ungated) and its network's state is
/// rebuilt from the replayed rows within its context length (`warmUp`).
///
/// All buffers are allocated at `init`; nothing after allocates.
final class GatePreRoll {
    /// Pre-roll defaults per model kind, in seconds of audio before the opening. Earshot's
    /// recurrent networks restart from zero state, as trained, on 1 s before the VAD was sure.
    /// microWakeWord's and openWakeWord's context (their receptive field, `warmUp`) is rebuilt
    /// first — openWakeWord's head reads 16 embeddings of 76 mel frames, about 1.98 s of audio —
    /// so the replay's last 0.5 s are scored exactly as ungated.
    static let earshotSeconds = 1.0
    static let microWakeWordSeconds = 2.5
    static let openWakeWordSeconds = 2.5

    let gate: SpeechGate
    /// Floats per row (a feature frame's size; 1 for samples) and rows held at most.
    let width: Int
    let capacity: Int
    /// Rows a replay runs before the network's state is the ungated one (its receptive field).
    let warmUp: Int
    private let ring: UnsafeMutablePointer<Float>
    private var write = 0
    private(set) var held = 0
    /// Rows since the start, and where the network was last fed.
    private(set) var position = 0
    private(set) var fedEnd = 0
    private var openingsSeen = 0
    /// Units the model would have run ungated, and the ones it ran (replays included): its
    /// network steps, or openWakeWord's backbone chunks.
    var unitsSeen = 0
    var unitsRun = 0

    /// - Parameters: `rows` held at most (at least 1), `width` floats per row, `warmUp` rows of context.
    /// Allocates: the ring (set-up only).
    init(gate: SpeechGate, rows: Int, width: Int, warmUp: Int) {
        self.gate = gate
        self.width = width
        capacity = Swift.max(rows, 1)
        self.warmUp = warmUp
        ring = .allocate(capacity: capacity &* width)
        ring.initialize(repeating: 0, count: capacity &* width)
    }

    deinit { ring.deallocate() }

    /// Rows for `seconds` of audio at `rowsPerSecond`, rounded up.
    static func rows(seconds: Double, rowsPerSecond: Double) -> Int {
        Int((seconds * rowsPerSecond).rounded(.up))
    }

    /// Whether the gate opened since this model last looked (then it replays before going on).
    /// Allocates: never.
    @inline(__always)
    func takeOpening() -> Bool {
        guard openingsSeen != gate.openings else { return false }
        openingsSeen = gate.openings
        return true
    }

    /// Keeps `rows` rows (gate closed; `values.count` is a multiple of `width`). Allocates: never.
    func keep(_ values: UnsafeBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        let rows = values.count / width
        position &+= rows
        var source = base
        var left = rows
        // Only the newest `capacity` rows can be replayed.
        if left > capacity {
            source += (left &- capacity) &* width
            left = capacity
        }
        while left > 0 {
            let run = Swift.min(left, capacity &- write)
            (ring + write &* width).update(from: source, count: run &* width)
            source += run &* width
            left &-= run
            write = write &+ run == capacity ? 0 : write &+ run
            held = Swift.min(held &+ run, capacity)
        }
    }

    /// The network was fed `rows` live rows (gate open). Allocates: never.
    @inline(__always)
    func fed(_ rows: Int) {
        position &+= rows
        fedEnd = position
    }

    /// Where a replay starts, in held rows from the oldest, for a network stepping in groups of
    /// `alignment` rows; `exact` when the replay covers the whole gap since `fedEnd`.
    func replayStart(alignment: Int) -> (offset: Int, exact: Bool) {
        let oldest = position &- held
        if oldest <= fedEnd { return (fedEnd &- oldest, true) }
        let behind = (fedEnd &- oldest) % alignment
        let offset = behind < 0 ? behind &+ alignment : behind
        return (Swift.min(offset, held), false)
    }

    /// The contiguous held rows from `offset` (0 = oldest) up to the ring's end or the newest.
    /// Allocates: never.
    func segment(from offset: Int) -> UnsafeBufferPointer<Float> {
        let oldest = held < capacity ? 0 : write
        var slot = oldest &+ offset
        if slot >= capacity { slot &-= capacity }
        let rows = Swift.min(held &- offset, capacity &- slot)
        return UnsafeBufferPointer(start: ring + slot &* width, count: Swift.max(rows, 0) &* width)
    }

    /// After a replay: the held rows were fed; the stream continues at `position`.
    func replayed() {
        held = 0
        write = 0
        fedEnd = position
    }

    /// Back to the start. Allocates: never.
    func reset() {
        (held, write, position, fedEnd, openingsSeen, unitsSeen, unitsRun) = (0, 0, 0, 0, 0, 0, 0)
    }
}
