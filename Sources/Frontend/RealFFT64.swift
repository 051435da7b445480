import Kernels
import Model

/// The forward real FFT of `RealFFT` in Double: same method (N/2-point complex radix-2 FFT, then
/// the split step), tables and work space in Double.
///
/// Used by `SpectrumPrecision.float64` front ends (librosa's numpy FFT is float64): a float32 FFT's
/// rounding error is relative to the strongest bin, so weak bins lose their low digits.
///
/// Memory: about 4N doubles of tables and work space, owned by the instance.
public final class RealFFT64 {
    /// N, the number of real inputs.
    public let size: Int
    /// N/2 + 1, the number of complex outputs.
    public var binCount: Int { size / 2 + 1 }

    @usableFromInline let half: Int  // M = N/2
    @usableFromInline let bitReversed: UnsafeMutablePointer<Int32>  // [M]
    @usableFromInline let twiddleReal: UnsafeMutablePointer<Double>  // [max(M/2, 1)] cos(2 pi j / M)
    @usableFromInline let twiddleImaginary: UnsafeMutablePointer<Double>  // [max(M/2, 1)] -sin(2 pi j / M)
    @usableFromInline let splitReal: UnsafeMutablePointer<Double>  // [M + 1] cos(2 pi k / N)
    @usableFromInline let splitImaginary: UnsafeMutablePointer<Double>  // [M + 1] -sin(2 pi k / N)
    @usableFromInline let workReal: UnsafeMutablePointer<Double>  // [M]
    @usableFromInline let workImaginary: UnsafeMutablePointer<Double>  // [M]

    /// Builds the tables for size N.
    ///
    /// - Parameter size: N, a power of two in 2...`FrontendConfig.maxFFTLength` (2^16).
    /// - Throws: `FrontendError.fftLengthNotPowerOfTwo` otherwise.
    /// Allocates: the tables (set-up only).
    public init(size: Int) throws(FrontendError) {
        guard size >= 2, size <= FrontendConfig.maxFFTLength, size & (size - 1) == 0 else {
            throw .fftLengthNotPowerOfTwo(size)
        }
        self.size = size
        let m = size / 2
        half = m
        bitReversed = .allocate(capacity: m)
        let quarter = max(m / 2, 1)
        twiddleReal = .allocate(capacity: quarter)
        twiddleImaginary = .allocate(capacity: quarter)
        splitReal = .allocate(capacity: m + 1)
        splitImaginary = .allocate(capacity: m + 1)
        workReal = .allocate(capacity: m)
        workImaginary = .allocate(capacity: m)
        workReal.initialize(repeating: 0, count: m)
        workImaginary.initialize(repeating: 0, count: m)

        var bits = 0
        while 1 << bits < m { bits += 1 }
        for i in 0..<m {
            var reversed = 0
            var value = i
            for _ in 0..<bits {
                reversed = (reversed << 1) | (value & 1)
                value >>= 1
            }
            bitReversed[i] = Int32(reversed)
        }
        twiddleReal[0] = 1
        twiddleImaginary[0] = 0
        for j in 0..<(m / 2) {
            let angle = 2 * setupPi * Double(j) / Double(m)
            twiddleReal[j] = ElementaryMath.cos(angle)
            twiddleImaginary[j] = -ElementaryMath.sin(angle)
        }
        for k in 0...m {
            let angle = 2 * setupPi * Double(k) / Double(size)
            splitReal[k] = ElementaryMath.cos(angle)
            splitImaginary[k] = -ElementaryMath.sin(angle)
        }
    }

    deinit {
        bitReversed.deallocate()
        twiddleReal.deallocate()
        twiddleImaginary.deallocate()
        splitReal.deallocate()
        splitImaginary.deallocate()
        workReal.deallocate()
        workImaginary.deallocate()
    }

    /// Computes X[0...N/2] of the N real samples in `input`.
    ///
    /// - Parameters:
    ///   - input: N Double samples (read only).
    ///   - real: N/2 + 1 Doubles, receives Re X[k].
    ///   - imaginary: N/2 + 1 Doubles, receives Im X[k] (Im X[0] = Im X[N/2] = 0).
    /// Allocates: never.
    public func forward(
        _ input: UnsafePointer<Double>,
        real: UnsafeMutablePointer<Double>,
        imaginary: UnsafeMutablePointer<Double>
    ) {
        let m = half
        let re = workReal
        let im = workImaginary
        var n = 0
        while n < m {
            let target = Int(bitReversed[n])
            re[target] = input[n &* 2]
            im[target] = input[n &* 2 &+ 1]
            n &+= 1
        }
        var span = 1
        while span < m {
            let stride = m / (span &* 2)
            var start = 0
            while start < m {
                var j = 0
                while j < span {
                    let wr = twiddleReal[j &* stride]
                    let wi = twiddleImaginary[j &* stride]
                    let a = start &+ j
                    let b = a &+ span
                    let br = re[b] * wr - im[b] * wi
                    let bi = re[b] * wi + im[b] * wr
                    re[b] = re[a] - br
                    im[b] = im[a] - bi
                    re[a] = re[a] + br
                    im[a] = im[a] + bi
                    j &+= 1
                }
                start &+= span &* 2
            }
            span &*= 2
        }
        real[0] = re[0] + im[0]
        imaginary[0] = 0
        real[m] = re[0] - im[0]
        imaginary[m] = 0
        var k = 1
        while k < m {
            let zr = re[k]
            let zi = im[k]
            let cr = re[m &- k]
            let ci = -im[m &- k]  // conj Z[M-k]
            let er = 0.5 * (zr + cr)
            let ei = 0.5 * (zi + ci)
            let dr = zr - cr
            let di = zi - ci
            let or = 0.5 * di
            let oi = -0.5 * dr
            let wr = splitReal[k]
            let wi = splitImaginary[k]
            real[k] = er + (or * wr - oi * wi)
            imaginary[k] = ei + (or * wi + oi * wr)
            k &+= 1
        }
    }
}
