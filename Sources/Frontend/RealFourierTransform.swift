import Kernels
import Model

/// The forward real FFT in Float (most front ends).
public typealias RealFFT = RealFourierTransform<Float>

/// The forward real FFT in Double: `SpectrumPrecision.float64` front ends (librosa's numpy FFT is
/// float64; a Float FFT's rounding error is relative to the strongest bin, so weak bins lose their
/// low digits).
public typealias RealFFT64 = RealFourierTransform<Double>

/// A forward real FFT of a fixed power-of-two size N, with every table computed at set-up, in
/// `Scalar` (Float or Double): tables, work space and arithmetic all in that type.
///
/// X[k] = sum_{n<N} x[n] e^{-2 pi i k n / N}, k = 0...N/2 (unnormalized, like numpy's `rfft`).
///
/// Method: the N real inputs are packed as M = N/2 complex values z[n] = x[2n] + i x[2n+1];
/// an iterative radix-2 decimation-in-time FFT gives Z; the split step recovers
///   E[k] = (Z[k] + conj Z[M-k]) / 2,  O[k] = (Z[k] - conj Z[M-k]) / (2i),
///   X[k] = E[k] + e^{-2 pi i k / N} O[k]      (Z[M] = Z[0]).
/// Twiddles are computed in Double (pure-Swift sin/cos) and rounded once to `Scalar`.
/// `KissOrderRealFFT` is the other FFT: Float only, in kissfft's operation order.
///
/// Memory: about 4N scalars of tables and work space, owned by the instance.
public final class RealFourierTransform<Scalar: BinaryFloatingPoint> {
    /// N, the number of real inputs.
    public let size: Int
    /// N/2 + 1, the number of complex outputs.
    public var binCount: Int { size / 2 + 1 }

    @usableFromInline let half: Int  // M = N/2
    @usableFromInline let bitReversed: UnsafeMutablePointer<Int32>  // [M]
    @usableFromInline let twiddleReal: UnsafeMutablePointer<Scalar>  // [max(M/2, 1)] cos(2 pi j / M)
    @usableFromInline let twiddleImaginary: UnsafeMutablePointer<Scalar>  // [max(M/2, 1)] -sin(2 pi j / M)
    @usableFromInline let splitReal: UnsafeMutablePointer<Scalar>  // [M + 1] cos(2 pi k / N)
    @usableFromInline let splitImaginary: UnsafeMutablePointer<Scalar>  // [M + 1] -sin(2 pi k / N)
    @usableFromInline let workReal: UnsafeMutablePointer<Scalar>  // [M]
    @usableFromInline let workImaginary: UnsafeMutablePointer<Scalar>  // [M]

    /// Builds the tables for size N.
    ///
    /// - Parameter size: N, a power of two in 2...`FrontendConfig.maxFFTLength` (2^16).
    /// - Throws: `FrontendError.fftLengthNotPowerOfTwo` otherwise.
    /// Allocates: the tables (set-up only).
    public init(size: Int) throws(FrontendError) {
        let m = try fftHalfLength(size)
        self.size = size
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
            twiddleReal[j] = Scalar(ElementaryMath.cos(angle))
            twiddleImaginary[j] = Scalar(-ElementaryMath.sin(angle))
        }
        for k in 0...m {
            let angle = 2 * setupPi * Double(k) / Double(size)
            splitReal[k] = Scalar(ElementaryMath.cos(angle))
            splitImaginary[k] = Scalar(-ElementaryMath.sin(angle))
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
    ///   - input: N samples (read only).
    ///   - real: N/2 + 1 scalars, receives Re X[k].
    ///   - imaginary: N/2 + 1 scalars, receives Im X[k] (Im X[0] = Im X[N/2] = 0).
    /// Allocates: never.
    public func forward(
        _ input: UnsafePointer<Scalar>,
        real: UnsafeMutablePointer<Scalar>,
        imaginary: UnsafeMutablePointer<Scalar>
    ) {
        let m = half
        let re = workReal
        let im = workImaginary
        // Pack and permute: z[rev(n)] = x[2n] + i x[2n+1].
        var n = 0
        while n < m {
            let target = Int(bitReversed[n])
            re[target] = input[n &* 2]
            im[target] = input[n &* 2 &+ 1]
            n &+= 1
        }
        // Radix-2 butterflies; at span h the twiddle for j is W_M^(j * M / (2h)).
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
        // Split into the N/2 + 1 bins of the real transform.
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
            // O = (Z - conj Z') / (2i) = (dz) * (-i/2): (a + ib)(-i/2) = (b - ia)/2
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

/// M = N/2 for a real FFT of N samples, N a power of two in 2...`FrontendConfig.maxFFTLength`
/// (2^16); shared by both FFTs.
/// - Throws: `FrontendError.fftLengthNotPowerOfTwo` otherwise.
func fftHalfLength(_ size: Int) throws(FrontendError) -> Int {
    guard size >= 2, size <= FrontendConfig.maxFFTLength, size & (size - 1) == 0 else {
        throw .fftLengthNotPowerOfTwo(size)
    }
    return size / 2
}
