import Kernels
import Model

/// A streaming rational sample-rate converter: a polyphase windowed-sinc FIR filter.
///
/// The ratio outputRate / inputRate is reduced to L / M (up / down). Conceptually the input is
/// upsampled by L (L - 1 zeros between samples), low-pass filtered, and every M-th sample kept:
///
///     y[k] = sum_j h[k M + H - L j] x[j]          (terms with 0 <= k M + H - L j <= 2H)
///
/// with the linear-phase filter h of 2H + 1 taps, H = 10 max(L, M), cutoff 1 / max(L, M) of the
/// upsampled Nyquist frequency, a Kaiser window (beta 5), normalized to DC gain L:
///
///     h[n] = L c sinc(c (n - H)) w[n] / sum_n (c sinc(c (n - H)) w[n]),  c = 1 / max(L, M)
///
/// This is the filter design of scipy.signal.resample_poly's defaults (firwin with
/// window ("kaiser", 5.0)), so `resample(_:)` gives resample_poly's output (zero phase, the
/// signal taken as zero outside) up to Float rounding. Streaming output is the same sequence,
/// delayed by H / L input samples (the filter's half length).
///
/// Memory: the polyphase table (L phases x ceil((2H + 1) / L) taps) and a history of that many
/// samples, allocated in `init`. `process` never allocates. Not thread-safe.
public final class PolyphaseResampler {
    /// Input frames per second.
    public let inputRate: Int
    /// Output frames per second.
    public let outputRate: Int
    /// L: outputRate / gcd.
    public let upFactor: Int
    /// M: inputRate / gcd.
    public let downFactor: Int
    /// H: half the filter length, in upsampled samples.
    public let halfLength: Int
    /// Taps per polyphase branch.
    public let tapsPerPhase: Int

    /// The largest reduced factor max(L, M) accepted (the filter has about 20 max(L, M) taps).
    public static let maxFactor = FrontendError.maximumResamplingFactor

    private let passthrough: Bool
    /// [L][tapsPerPhase], each branch reversed so that it dots with the history oldest-first.
    private let phases: UnsafeMutablePointer<Float>
    /// 2 x tapsPerPhase: every sample is written twice so that the last `tapsPerPhase` samples
    /// are always contiguous at history[writeIndex ..< writeIndex + tapsPerPhase].
    private let history: UnsafeMutablePointer<Float>
    private var writeIndex = 0
    /// Input samples consumed since the start (or `reset`).
    private var consumedCount = 0
    /// k M + H for the next output k.
    private var nextTime: Int

    /// Designs the filter for `inputRate` -> `outputRate`.
    ///
    /// - Throws: `FrontendError.invalidSampleRate` for a rate outside 1...2^24,
    ///   `.unsupportedResamplingRatio` when the reduced ratio needs more than `maxFactor`.
    /// Allocates: the polyphase table and the history (set-up only).
    public init(inputRate: Int, outputRate: Int) throws(FrontendError) {
        guard inputRate > 0, inputRate <= 1 << 24 else { throw .invalidSampleRate(inputRate) }
        guard outputRate > 0, outputRate <= 1 << 24 else { throw .invalidSampleRate(outputRate) }
        var a = inputRate, b = outputRate
        while b != 0 { (a, b) = (b, a % b) }
        let up = outputRate / a, down = inputRate / a
        guard max(up, down) <= Self.maxFactor else {
            throw .unsupportedResamplingRatio(inputRate: inputRate, outputRate: outputRate)
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        upFactor = up
        downFactor = down
        passthrough = up == 1 && down == 1
        let half = passthrough ? 0 : 10 * max(up, down)
        halfLength = half
        let tapCount = 2 * half + 1
        let perPhase = (tapCount + up - 1) / up
        tapsPerPhase = perPhase
        nextTime = half

        let filter = Self.design(halfLength: half, up: up, down: down)
        phases = .allocate(capacity: up * perPhase)
        phases.initialize(repeating: 0, count: up * perPhase)
        for p in 0..<up {
            // Branch p holds h[p + L m] for m = 0..<perPhase, applied to x[jmax - m]; stored reversed.
            for m in 0..<perPhase {
                let n = p + up * m
                if n < tapCount { phases[p * perPhase + (perPhase - 1 - m)] = Float(filter[n]) }
            }
        }
        history = .allocate(capacity: 2 * perPhase)
        history.initialize(repeating: 0, count: 2 * perPhase)
    }

    deinit {
        phases.deallocate()
        history.deallocate()
    }

    /// The windowed-sinc prototype filter, 2H + 1 taps, DC gain `up`.
    static func design(halfLength: Int, up: Int, down: Int) -> [Double] {
        if halfLength == 0 { return [1] }
        let count = 2 * halfLength + 1
        let cutoff = 1.0 / Double(max(up, down))
        let beta = 5.0
        let alpha = Double(count - 1) / 2
        let norm = besselI0(beta)
        var taps = [Double](repeating: 0, count: count)
        var sum = 0.0
        for n in 0..<count {
            let x = cutoff * (Double(n) - alpha)
            let sinc = x == 0 ? 1.0 : ElementaryMath.sin(setupPi * x) / (setupPi * x)
            let r = (Double(n) - alpha) / alpha
            let window = besselI0(beta * max(0, 1 - r * r).squareRoot()) / norm
            taps[n] = cutoff * sinc * window
            sum += taps[n]
        }
        let gain = Double(up) / sum
        for n in 0..<count { taps[n] *= gain }
        return taps
    }

    /// The modified Bessel function of the first kind, order 0, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        let quarterSquare = x * x / 4
        var k = 1.0
        while term > 1e-17 * sum {
            term *= quarterSquare / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    /// Forgets all buffered input: the next output is y[0] of a new signal.
    /// Allocates: never.
    public func reset() {
        history.update(repeating: 0, count: 2 * tapsPerPhase)
        writeIndex = 0
        consumedCount = 0
        nextTime = halfLength
    }

    /// Consumes input and writes every output sample that the input so far determines, until
    /// the input is used up or the output is full.
    ///
    /// Call it again with the rest of the input (from `consumed`) when `produced` filled the output.
    /// - Returns: input samples consumed and output samples written.
    /// Allocates: never.
    public func process(
        _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) -> (consumed: Int, produced: Int) {
        guard let out = output.baseAddress, output.count > 0 else { return (0, 0) }
        let capacity = output.count
        let count = input.count
        if passthrough {
            let n = min(count, capacity)
            if n > 0 { out.update(from: input.baseAddress!, count: n) }
            return (n, n)
        }
        var consumed = 0
        var produced = 0
        let taps = tapsPerPhase
        let up = upFactor
        while true {
            // Emit every output whose newest input, (k M + H) / L, has arrived.
            while nextTime / up < consumedCount {
                if produced == capacity { return (consumed, produced) }
                let phase = nextTime % up
                let branch = phases + phase &* taps
                let window = history + writeIndex
                var sum: Float = 0
                var i = 0
                while i < taps {
                    sum += branch[i] * window[i]
                    i &+= 1
                }
                out[produced] = sum
                produced &+= 1
                nextTime &+= downFactor
            }
            if consumed == count { return (consumed, produced) }
            let sample = input[consumed]
            history[writeIndex] = sample
            history[writeIndex &+ taps] = sample
            writeIndex &+= 1
            if writeIndex == taps { writeIndex = 0 }
            consumed &+= 1
            consumedCount &+= 1
        }
    }

    /// Number of output samples of a whole signal of `inputCount` samples: ceil(count L / M).
    public func outputCount(forInputCount inputCount: Int) -> Int {
        (inputCount * upFactor + downFactor - 1) / downFactor
    }

    /// Resamples a whole signal (zero phase: output k is at time k / outputRate), from a fresh
    /// state; the resampler is reset before and after.
    ///
    /// - Returns: ceil(count L / M) samples, as scipy.signal.resample_poly(x, L, M).
    /// Allocates: the result (not for the hot path).
    public func resample(_ samples: [Float]) -> [Float] {
        reset()
        defer { reset() }
        let total = outputCount(forInputCount: samples.count)
        if passthrough { return samples }
        var result = [Float](repeating: 0, count: total)
        let zeros = [Float](repeating: 0, count: 1024)
        var written = 0
        result.withUnsafeMutableBufferPointer { output in
            samples.withUnsafeBufferPointer { input in
                var offset = 0
                while offset < input.count && written < total {
                    let step = process(
                        UnsafeBufferPointer(rebasing: input[offset...]),
                        into: UnsafeMutableBufferPointer(rebasing: output[written...]))
                    offset += step.consumed
                    written += step.produced
                }
            }
            // The last outputs need input beyond the end: the signal is zero there.
            zeros.withUnsafeBufferPointer { padding in
                while written < total {
                    let step = process(padding, into: UnsafeMutableBufferPointer(rebasing: output[written...]))
                    written += step.produced
                }
            }
        }
        return result
    }
}
