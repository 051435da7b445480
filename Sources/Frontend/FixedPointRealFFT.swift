import Model

import Kernels

/// A forward real FFT of N Int16 samples in 16-bit fixed point, rounding exactly as kissfft built
/// with `FIXED_POINT=16` (the FFT of TensorFlow Lite Micro's audio front end, `MicroFrontend`).
///
/// Fixed-point rules (kissfft's `_kiss_fft_guts.h`, restated):
/// - a product is formed in Int32 and rounded back to Q15: sround(x) = (x + 2^14) >> 15, kept
///   in Int16 by truncation;
/// - a complex product m = a b: Re = sround(ar br - ai bi), Im = sround(ar bi + ai br);
/// - every butterfly input of a radix-p stage is first divided by p as sround(x * (32767 / p)),
///   so the output is the DFT divided by N (with the rounding of every stage);
/// - sums and differences are formed in Int and truncated to Int16;
/// - twiddles are floor(0.5 + 32767 cos/sin(phase)) with phase computed in Double.
///
/// Method: the N reals are packed as M = N/2 complex values z[n] = x[2n] + i x[2n+1]; a
/// decimation-in-time FFT of z with M factored into 4s then (if needed) one 2, the outermost stage
/// first (W = e^{-2 pi i / M}); then the real split: with Z' = Z / 2 (rounded as above),
/// F1 = Z'[k] + conj Z'[M-k], T = (Z'[k] - conj Z'[M-k]) e^{-i pi (k/M + 1/2)},
/// X[k] = (F1 + T) >> 1, X[M-k] = conj(F1 - T) >> 1 for k = 1...M/2, and
/// X[0] = Re Z'[0] + Im Z'[0], X[M] = Re Z'[0] - Im Z'[0].
///
/// Memory: about 2.5 N Int16 of tables and work space, owned by the instance.
public final class FixedPointRealFFT {
    /// N, the number of real inputs.
    public let size: Int
    /// N/2 + 1, the number of complex outputs.
    public var binCount: Int { size / 2 + 1 }

    private let half: Int  // M = N/2
    private let innerRadix2: Bool
    private let order: UnsafeMutablePointer<Int32>  // [M] z index read into work slot i
    private let twiddleReal: UnsafeMutablePointer<Int16>  // [M]
    private let twiddleImaginary: UnsafeMutablePointer<Int16>  // [M]
    private let superReal: UnsafeMutablePointer<Int16>  // [max(M/2, 1)]
    private let superImaginary: UnsafeMutablePointer<Int16>  // [max(M/2, 1)]
    private let workReal: UnsafeMutablePointer<Int16>  // [M]
    private let workImaginary: UnsafeMutablePointer<Int16>  // [M]

    /// Builds the tables for size N.
    ///
    /// - Parameter size: N, a power of two in 4...`FrontendConfig.maxFFTLength`.
    /// - Throws: `FrontendError.fftLengthNotPowerOfTwo` otherwise.
    /// Allocates: the tables (set-up only).
    public init(size: Int) throws(FrontendError) {
        guard size >= 4, size <= FrontendConfig.maxFFTLength, size & (size - 1) == 0 else {
            throw .fftLengthNotPowerOfTwo(size)
        }
        self.size = size
        let m = size / 2
        half = m
        let plan = KissFFTPlan(half: m)
        innerRadix2 = plan.innerRadix2

        order = .allocate(capacity: m)
        twiddleReal = .allocate(capacity: m)
        twiddleImaginary = .allocate(capacity: m)
        let superCount = max(m / 2, 1)
        superReal = .allocate(capacity: superCount)
        superImaginary = .allocate(capacity: superCount)
        workReal = .allocate(capacity: m)
        workImaginary = .allocate(capacity: m)
        workReal.initialize(repeating: 0, count: m)
        workImaginary.initialize(repeating: 0, count: m)
        superReal.initialize(repeating: 0, count: superCount)
        superImaginary.initialize(repeating: 0, count: superCount)

        for j in 0..<m {
            let phase = KissFFTPlan.twiddlePhase(j, half: m)
            twiddleReal[j] = Self.q15(ElementaryMath.cos(phase))
            twiddleImaginary[j] = Self.q15(ElementaryMath.sin(phase))
        }
        for k in 0..<(m / 2) {
            let phase = KissFFTPlan.superTwiddlePhase(k, half: m)
            superReal[k] = Self.q15(ElementaryMath.cos(phase))
            superImaginary[k] = Self.q15(ElementaryMath.sin(phase))
        }

        order.initialize(from: plan.order, count: m)
    }

    deinit {
        order.deallocate()
        twiddleReal.deallocate()
        twiddleImaginary.deallocate()
        superReal.deallocate()
        superImaginary.deallocate()
        workReal.deallocate()
        workImaginary.deallocate()
    }

    /// floor(0.5 + 32767 v), kissfft's fixed-point twiddle.
    private static func q15(_ value: Double) -> Int16 {
        Int16((0.5 + 32767 * value).rounded(.down))
    }

    // MARK: - Fixed-point arithmetic

    /// (x + 2^14) >> 15, truncated to Int16.
    @inline(__always)
    private static func round15(_ x: Int32) -> Int16 {
        Int16(truncatingIfNeeded: (x &+ 16384) >> 15)
    }

    /// x / p as kissfft's C_FIXDIV: round15(x * (32767 / p)).
    @inline(__always)
    private static func divide(_ x: Int16, by factor: Int32) -> Int16 {
        round15(Int32(x) &* factor)
    }

    @inline(__always)
    private static func add(_ a: Int16, _ b: Int16) -> Int16 {
        Int16(truncatingIfNeeded: Int32(a) &+ Int32(b))
    }

    @inline(__always)
    private static func subtract(_ a: Int16, _ b: Int16) -> Int16 {
        Int16(truncatingIfNeeded: Int32(a) &- Int32(b))
    }

    // MARK: - Transform

    /// Computes X[0...N/2] of the N Int16 samples in `input` (scaled by 1/N, see the type's comment).
    ///
    /// - Parameters:
    ///   - input: N samples (read only).
    ///   - real: N/2 + 1 values, receives Re X[k].
    ///   - imaginary: N/2 + 1 values, receives Im X[k] (Im X[0] = Im X[N/2] = 0).
    /// Allocates: never.
    public func forward(
        _ input: UnsafePointer<Int16>, real: UnsafeMutablePointer<Int16>, imaginary: UnsafeMutablePointer<Int16>
    ) {
        let m = half
        var i = 0
        while i < m {
            let source = Int(order[i]) &* 2
            workReal[i] = input[source]
            workImaginary[i] = input[source &+ 1]
            i &+= 1
        }
        var length = 1
        if innerRadix2 {
            radix2Stage(length: 1)
            length = 2
        }
        while length < m {
            radix4Stage(length: length)
            length &*= 4
        }
        split(real: real, imaginary: imaginary)
    }

    /// kissfft's kf_bfly2 over sub-transforms of `length`.
    @inline(__always)
    private func radix2Stage(length: Int) {
        let m = half
        let re = workReal, im = workImaginary
        let stride = m / (2 &* length)
        var base = 0
        while base < m {
            var k = 0
            while k < length {
                let t = k &* stride
                let a = base &+ k, b = a &+ length
                let ar = Self.divide(re[a], by: 16383), ai = Self.divide(im[a], by: 16383)
                let br = Int32(Self.divide(re[b], by: 16383)), bi = Int32(Self.divide(im[b], by: 16383))
                let wr = Int32(twiddleReal[t]), wi = Int32(twiddleImaginary[t])
                let tr = Self.round15(br &* wr &- bi &* wi)
                let ti = Self.round15(br &* wi &+ bi &* wr)
                re[b] = Self.subtract(ar, tr)
                im[b] = Self.subtract(ai, ti)
                re[a] = Self.add(ar, tr)
                im[a] = Self.add(ai, ti)
                k &+= 1
            }
            base &+= 2 &* length
        }
    }

    /// kissfft's forward kf_bfly4 over sub-transforms of `length`.
    @inline(__always)
    private func radix4Stage(length: Int) {
        let m = half
        let re = workReal, im = workImaginary
        let stride = m / (4 &* length)
        var base = 0
        while base < m {
            var k = 0
            while k < length {
                let t = k &* stride
                let i0 = base &+ k, i1 = i0 &+ length, i2 = i1 &+ length, i3 = i2 &+ length
                let x0r = Self.divide(re[i0], by: 8191), x0i = Self.divide(im[i0], by: 8191)
                let x1r = Int32(Self.divide(re[i1], by: 8191)), x1i = Int32(Self.divide(im[i1], by: 8191))
                let x2r = Int32(Self.divide(re[i2], by: 8191)), x2i = Int32(Self.divide(im[i2], by: 8191))
                let x3r = Int32(Self.divide(re[i3], by: 8191)), x3i = Int32(Self.divide(im[i3], by: 8191))
                let w1r = Int32(twiddleReal[t]), w1i = Int32(twiddleImaginary[t])
                let w2r = Int32(twiddleReal[2 &* t]), w2i = Int32(twiddleImaginary[2 &* t])
                let w3r = Int32(twiddleReal[3 &* t]), w3i = Int32(twiddleImaginary[3 &* t])
                // s0 = x1 w1, s1 = x2 w2, s2 = x3 w3
                let s0r = Self.round15(x1r &* w1r &- x1i &* w1i), s0i = Self.round15(x1r &* w1i &+ x1i &* w1r)
                let s1r = Self.round15(x2r &* w2r &- x2i &* w2i), s1i = Self.round15(x2r &* w2i &+ x2i &* w2r)
                let s2r = Self.round15(x3r &* w3r &- x3i &* w3i), s2i = Self.round15(x3r &* w3i &+ x3i &* w3r)
                // s5 = x0 - s1; x0 += s1; s3 = s0 + s2; s4 = s0 - s2
                let s5r = Self.subtract(x0r, s1r), s5i = Self.subtract(x0i, s1i)
                let ar = Self.add(x0r, s1r), ai = Self.add(x0i, s1i)
                let s3r = Self.add(s0r, s2r), s3i = Self.add(s0i, s2i)
                let s4r = Self.subtract(s0r, s2r), s4i = Self.subtract(s0i, s2i)
                re[i2] = Self.subtract(ar, s3r)
                im[i2] = Self.subtract(ai, s3i)
                re[i0] = Self.add(ar, s3r)
                im[i0] = Self.add(ai, s3i)
                re[i1] = Self.add(s5r, s4i)
                im[i1] = Self.subtract(s5i, s4r)
                re[i3] = Self.subtract(s5r, s4i)
                im[i3] = Self.add(s5i, s4r)
                k &+= 1
            }
            base &+= 4 &* length
        }
    }

    /// kissfft's kiss_fftr split of Z into X[0...M].
    @inline(__always)
    private func split(real: UnsafeMutablePointer<Int16>, imaginary: UnsafeMutablePointer<Int16>) {
        let m = half
        let re = workReal, im = workImaginary
        let dcR = Self.divide(re[0], by: 16383), dcI = Self.divide(im[0], by: 16383)
        real[0] = Self.add(dcR, dcI)
        real[m] = Self.subtract(dcR, dcI)
        imaginary[0] = 0
        imaginary[m] = 0
        var k = 1
        while k <= m / 2 {
            let pr = Self.divide(re[k], by: 16383), pi = Self.divide(im[k], by: 16383)
            let nr = Self.divide(re[m &- k], by: 16383)
            let ni = Self.divide(Int16(truncatingIfNeeded: 0 &- Int32(im[m &- k])), by: 16383)
            let f1r = Int32(Self.add(pr, nr)), f1i = Int32(Self.add(pi, ni))
            let f2r = Int32(Self.subtract(pr, nr)), f2i = Int32(Self.subtract(pi, ni))
            let wr = Int32(superReal[k &- 1]), wi = Int32(superImaginary[k &- 1])
            let tr = Int32(Self.round15(f2r &* wr &- f2i &* wi))
            let ti = Int32(Self.round15(f2r &* wi &+ f2i &* wr))
            // For k = M/2 both pairs are the same bin; the second write wins, as in kissfft.
            real[k] = Int16(truncatingIfNeeded: (f1r &+ tr) >> 1)
            imaginary[k] = Int16(truncatingIfNeeded: (f1i &+ ti) >> 1)
            real[m &- k] = Int16(truncatingIfNeeded: (f1r &- tr) >> 1)
            imaginary[m &- k] = Int16(truncatingIfNeeded: (ti &- f1i) >> 1)
            k &+= 1
        }
    }
}
