import Model

/// Windowed execution for models trained on fixed windows that classify the last step from
/// zero state (e.g. ARM's ML-KWS models: 49 MFCC frames, output of the last step).
///
/// Frames are pushed one at a time into a ring of the last W frames. Once W frames have
/// arrived, and then every K frames, the network is reset to zero state and stepped through
/// the ring oldest first; the last step's output is the prediction:
///
/// ```
///   push:   f0 f1 ... f(W-1) | fW ... f(W+K-1) | ...
///   run:                   ^ frames 0..<W     ^ frames K..<W+K
/// ```
///
/// Models whose first layer is conv2d run the whole window through the convolution, then its
/// output rows through the recurrent layers (`Network.runWindow`).
///
/// Bidirectional and attention models (`Network.isSequenceModel`) run each window layer by
/// layer. When their first layer is recurrent (no conv2d), its forward direction is *carried*:
/// it advances once per pushed frame with its state kept along the whole stream, and its last W
/// outputs are kept in a second ring; each run re-computes only the reverse direction (from zero
/// state, newest to oldest) and the layers after it. From a fresh start, the first run (exactly
/// W frames) is exactly the model on that window; later windows see a forward state that began
/// at the start of the stream rather than at the window's first frame. Latency bound: W + K frames.
///
/// Memory: one allocation made in `init`, planned like the network's arena (each buffer on a
/// 64-byte boundary):
///
///     ┌──────────────┬──────────────────────┬──────────────────┬────────────────────┬────────────┐
///     │ ring         │ window               │ carried ring     │ carried window     │ prediction │
///     │ W·inputSize  │ W·inputSize          │ W·carriedWidth   │ W·carriedWidth     │ outputSize │
///     └──────────────┴──────────────────────┴──────────────────┴────────────────────┴────────────┘
///                     whole-window models     carried models only (`Network.carriedWidth` > 0)
///
/// The network keeps its own arena. `push`, `evaluate` and `reset` never allocate.
/// Not thread-safe: one instance per stream.
public final class WindowedNetwork {
    /// The network run over each window (its state is reset before every run).
    public let network: Network
    /// W: frames per window.
    public let windowFrames: Int
    /// K: frames between runs.
    public let hopFrames: Int
    /// Floats per frame.
    public let inputSize: Int
    /// Floats per prediction.
    public let outputSize: Int
    /// Bytes of this object's one allocation besides the network's arena (ring, window, carried
    /// rings, prediction, each padded to 64 bytes).
    public let bufferByteCount: Int

    /// The one allocation every buffer below lives in.
    private let storage: UnsafeMutableRawPointer
    private let ring: UnsafeMutablePointer<Float>
    /// Whole-window models only: the ring's frames laid out oldest first, as the convolution
    /// or the sequence stage reads them.
    private let window: UnsafeMutablePointer<Float>?
    /// Carried models only (`Network.carriedWidth` > 0): layer 0's forward output for each ring
    /// slot, computed as its frame arrived, and the same unrolled oldest first.
    private let carriedRing: UnsafeMutablePointer<Float>?
    private let carriedWindow: UnsafeMutablePointer<Float>?
    private let carriedWidth: Int
    private let prediction: UnsafeMutablePointer<Float>
    /// Next ring slot to write (= the oldest frame once the ring is full).
    private var writeIndex = 0
    /// Frames held (at most W).
    private var held = 0
    /// Frames still to push before the next run.
    private var untilRun: Int

    /// Wraps `network` for windows of `frames` frames run every `hop` frames.
    ///
    /// - Throws: `RuntimeError.arenaTooLarge` when the ring would exceed the arena limit (1 GiB).
    /// - Precondition: 1 <= hop <= frames (a model file's `earshot.execution` keys are checked
    ///   for this on load).
    /// Allocates: one block for every buffer (set-up only).
    public init(network: Network, frames: Int, hop: Int) throws(RuntimeError) {
        precondition(frames >= 1 && hop >= 1 && hop <= frames, "window of \(frames) frames every \(hop) is invalid")
        let limit = 1 << 30
        let (floats, overflow) = frames.multipliedReportingOverflow(by: network.inputSize)
        guard !overflow, floats <= limit / 4 else {
            throw .arenaTooLarge(byteCount: overflow ? .max : floats * 4, limit: limit)
        }
        self.network = network
        windowFrames = frames
        hopFrames = hop
        inputSize = network.inputSize
        outputSize = network.outputSize
        let windowFloats = network.runsWholeWindows ? floats : 0
        carriedWidth = network.carriedWidth
        let (carriedFloats, carriedOverflow) = frames.multipliedReportingOverflow(by: carriedWidth)
        guard !carriedOverflow, carriedFloats <= limit / 8 else {
            throw .arenaTooLarge(byteCount: carriedOverflow ? .max : carriedFloats * 8, limit: limit)
        }
        // Offsets of the five buffers, each rounded up to 16 floats (64 bytes); at most
        // 4 × 1 GiB + the prediction, so no overflow on a 64-bit Int.
        func padded(_ count: Int) -> Int { (count &+ 15) & ~15 }
        let windowOffset = padded(floats)
        let carriedOffset = windowOffset &+ padded(windowFloats)
        let carriedWindowOffset = carriedOffset &+ padded(carriedFloats)
        let predictionOffset = carriedWindowOffset &+ padded(carriedFloats)
        let total = predictionOffset &+ padded(network.outputSize)
        bufferByteCount = Swift.max(total &* 4, 64)
        storage = .allocate(byteCount: bufferByteCount, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bufferByteCount)
        let base = storage.assumingMemoryBound(to: Float.self)
        ring = base
        window = windowFloats > 0 ? base + windowOffset : nil
        carriedRing = carriedFloats > 0 ? base + carriedOffset : nil
        carriedWindow = carriedFloats > 0 ? base + carriedWindowOffset : nil
        prediction = base + predictionOffset
        untilRun = frames
    }

    /// Wraps a network for the execution mode its model file declares.
    ///
    /// - Returns: nil when the model is a streaming model.
    /// - Throws: as `init(network:frames:hop:)`.
    public static func forModel(_ network: Network) throws(RuntimeError) -> WindowedNetwork? {
        guard case let .windowed(frames, hop) = network.model.description.execution else { return nil }
        return try WindowedNetwork(network: network, frames: frames, hop: hop)
    }

    deinit {
        storage.deallocate()
    }

    /// Frames held in the ring (0...W).
    public var frameCount: Int { held }

    /// The most recent prediction (zeros before the first run); valid until the next run.
    public var output: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: prediction, count: outputSize) }

    /// Adds one frame; when a run is due (the W-th frame, then every K-th), runs the window.
    ///
    /// - Parameter frame: `inputSize` floats, copied into the ring.
    /// - Returns: true when a run happened and `output` holds a new prediction.
    /// Allocates: never.
    @discardableResult
    public func push(_ frame: UnsafePointer<Float>) -> Bool {
        (ring + writeIndex &* inputSize).update(from: frame, count: inputSize)
        if let carriedRing {
            // The first layer's forward direction advances with the stream, state carried.
            network.advanceCarried(frame, into: carriedRing + writeIndex &* carriedWidth)
        }
        writeIndex &+= 1
        if writeIndex == windowFrames { writeIndex = 0 }
        if held < windowFrames { held &+= 1 }
        untilRun &-= 1
        guard untilRun == 0 else { return false }
        untilRun = hopFrames
        _ = evaluate()
        return true
    }

    /// Runs the network now over the frames held (oldest first; all W once the ring is full),
    /// from zero state, and returns the last step's output (also kept in `output`).
    /// With no frame held it returns zeros.
    /// Allocates: never.
    @discardableResult
    public func evaluate() -> UnsafeBufferPointer<Float> {
        guard held > 0 else { return output }
        // Oldest frame: slot writeIndex once full, slot 0 before.
        var slot = held == windowFrames ? writeIndex : 0
        if let window {
            // Whole-window models read the window oldest first: unroll the ring (and the carried ring).
            Self.unroll(ring, into: window, width: inputSize, oldest: slot, held: held, frames: windowFrames)
            if let carriedRing, let carriedWindow {
                Self.unroll(carriedRing, into: carriedWindow, width: carriedWidth, oldest: slot, held: held, frames: windowFrames)
            }
            // `if let`, not Optional.map: no closure, no generic metadata made on the first window.
            var carried: UnsafePointer<Float>? = nil
            if let carriedWindow { carried = UnsafePointer(carriedWindow) }
            let result = network.runWindow(window, count: held, carried: carried)
            prediction.update(from: result.baseAddress!, count: outputSize)
            return output
        }
        network.reset()
        var result = network.output
        var t = 0
        while t < held {
            result = network.step(ring + slot &* inputSize)
            slot &+= 1
            if slot == windowFrames { slot = 0 }
            t &+= 1
        }
        prediction.update(from: result.baseAddress!, count: outputSize)
        return output
    }

    /// Copies the `held` rows of `ring` (rows of `width`, oldest at slot `oldest`) into `target`,
    /// oldest first. Allocates: never.
    private static func unroll(
        _ ring: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>, width: Int,
        oldest: Int, held: Int, frames: Int
    ) {
        if oldest == 0 || held < frames {
            target.update(from: ring, count: held &* width)
        } else {
            let first = frames &- oldest
            target.update(from: ring + oldest &* width, count: first &* width)
            (target + first &* width).update(from: ring, count: oldest &* width)
        }
    }

    /// Empties the ring and clears the prediction, as at start. Allocates: never.
    public func reset() {
        writeIndex = 0
        held = 0
        untilRun = windowFrames
        prediction.update(repeating: 0, count: outputSize)
        network.reset()
    }
}
