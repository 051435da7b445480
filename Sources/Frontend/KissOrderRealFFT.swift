import Kernels
import Model

/// A forward real FFT of a fixed power-of-two size N in Float, rounding exactly as
/// kaldi-native-fbank's FFT (kissfft, float build) does on x86-64.
///
/// Why: a Float FFT's rounding error is relative to the frame's strongest bin, so bins 100 dB
/// and more below it hold rounding noise, and after Kaldi's log that noise differs by up to 0.02
/// between two correct Float FFTs. Matching kaldi-native-fbank there means doing its operations in
/// its order (`SpectrumPrecision.float32Kaldi`).
///
/// Method (kissfft's, learned from its documentation and by experiment against
/// kaldi-native-fbank's `Rfft`, bit for bit on sizes 4...4096):
/// - the N reals are packed as M = N/2 complex values z[n] = x[2n] + i x[2n+1];
/// - a mixed-radix decimation-in-time FFT of z, M factored into 4s then (if needed) one 2; the
///   outermost stage is the first 4. A stage of radix p over sub-transforms of length m, with
///   stride s = M / (p m), combines outputs k, k+m, ... with twiddles W^(k s), W^(2 k s), ...,
///   W = e^{-2 pi i / M}, each twiddle Float(cos/sin(-2 pi j / M)) computed in Double;
/// - the split X[k] = (F1 + T) / 2, X[M-k] = conj(F1 - T) / 2 with F1 = Z[k] + conj Z[M-k],
///   T = (Z[k] - conj Z[M-k]) * Float(e^{-i pi (k/M + 1/2)}), k = 1...M/2;
///   X[0] = Re Z[0] + Im Z[0], X[M] = Re Z[0] - Im Z[0].
/// The library is compiled with -ffast-math, and the compiler regrouped some sums of the radix-4
/// butterfly and of the split (e.g. (a + p) - q for a + (p - q)): the code below writes those
/// groupings out, one Float rounding per operation, no fused multiply-add.
///
/// Stays a separate type from `RealFourierTransform`: its radix-4 stages, twiddle tables and
/// split are kissfft's, not the radix-2 ones, and its groupings are fixed to Float roundings.
///
/// Memory: about 3.5 N Floats and N/2 Int32 of tables and work space, owned by the instance.
public final class KissOrderRealFFT {
    /// N, the number of real inputs.
    public let size: Int
    /// N/2 + 1, the number of complex outputs.
    public var binCount: Int { size / 2 + 1 }

    @usableFromInline let half: Int  // M = N/2
    /// Whether the innermost stage is radix 2 (M is an odd power of two).
    @usableFromInline let innerRadix2: Bool
    @usableFromInline let order: UnsafeMutablePointer<Int32>  // [M] z index read into work slot i
    @usableFromInline let twiddleReal: UnsafeMutablePointer<Float>  // [M] cos(-2 pi j / M)
    @usableFromInline let twiddleImaginary: UnsafeMutablePointer<Float>  // [M] sin(-2 pi j / M)
    @usableFromInline let superReal: UnsafeMutablePointer<Float>  // [max(M/2, 1)] cos(-pi ((k+1)/M + 1/2))
    @usableFromInline let superImaginary: UnsafeMutablePointer<Float>  // [max(M/2, 1)] sin(...)
    @usableFromInline let workReal: UnsafeMutablePointer<Float>  // [M]
    @usableFromInline let workImaginary: UnsafeMutablePointer<Float>  // [M]

    /// Builds the tables for size N.
    ///
    /// - Parameter size: N, a power of two in 2...`FrontendConfig.maxFFTLength` (2^16).
    /// - Throws: `FrontendError.fftLengthNotPowerOfTwo` otherwise.
    /// Allocates: the tables (set-up only).
    public init(size: Int) throws(FrontendError) {
        let m = try fftHalfLength(size)
        self.size = size
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
        superReal.initialize(repeating: 1, count: superCount)
        superImaginary.initialize(repeating: 0, count: superCount)

        for j in 0..<m {
            let phase = KissFFTPlan.twiddlePhase(j, half: m)
            twiddleReal[j] = Float(ElementaryMath.cos(phase))
            twiddleImaginary[j] = Float(ElementaryMath.sin(phase))
        }
        for k in 0..<(m / 2) {
            let phase = KissFFTPlan.superTwiddlePhase(k, half: m)
            superReal[k] = Float(ElementaryMath.cos(phase))
            superImaginary[k] = Float(ElementaryMath.sin(phase))
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

    /// Computes X[0...N/2] of the N real samples in `input`.
    ///
    /// - Parameters:
    ///   - input: N Float samples (read only).
    ///   - real: N/2 + 1 Floats, receives Re X[k].
    ///   - imaginary: N/2 + 1 Floats, receives Im X[k] (Im X[0] = Im X[N/2] = 0).
    /// Allocates: never.
    public func forward(
        _ input: UnsafePointer<Float>,
        real: UnsafeMutablePointer<Float>,
        imaginary: UnsafeMutablePointer<Float>
    ) {
        let m = half
        let re = workReal
        let im = workImaginary
        var i = 0
        while i < m {
            let source = Int(order[i]) &* 2
            re[i] = input[source]
            im[i] = input[source &+ 1]
            i &+= 1
        }
        // Stages from the innermost (sub-transform length 1) outwards.
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

    /// Radix-2 butterflies combining sub-transforms of `length` (kissfft's kf_bfly2).
    @inline(__always)
    private func radix2Stage(length: Int) {
        let m = half
        let re = workReal
        let im = workImaginary
        let stride = m / (2 &* length)
        var base = 0
        while base < m {
            var k = 0
            while k < length {
                let t = k &* stride
                let wr = twiddleReal[t]
                let wi = twiddleImaginary[t]
                let a = base &+ k
                let b = a &+ length
                let tr = re[b] * wr - im[b] * wi
                let ti = re[b] * wi + im[b] * wr
                let ar = re[a]
                let ai = im[a]
                re[b] = ar - tr
                im[b] = ai - ti
                re[a] = ar + tr
                im[a] = ai + ti
                k &+= 1
            }
            base &+= 2 &* length
        }
    }

    /// Radix-4 butterflies combining sub-transforms of `length` (kissfft's forward kf_bfly4, in
    /// the operation order of kaldi-native-fbank's build).
    @inline(__always)
    private func radix4Stage(length: Int) {
        let m = half
        let re = workReal
        let im = workImaginary
        let stride = m / (4 &* length)
        var base = 0
        while base < m {
            var k = 0
            while k < length {
                let t = k &* stride
                let w1r = twiddleReal[t], w1i = twiddleImaginary[t]
                let w2r = twiddleReal[2 &* t], w2i = twiddleImaginary[2 &* t]
                let w3r = twiddleReal[3 &* t], w3i = twiddleImaginary[3 &* t]
                let i0 = base &+ k
                let i1 = i0 &+ length
                let i2 = i1 &+ length
                let i3 = i2 &+ length
                let x0r = re[i0], x0i = im[i0]
                let x1r = re[i1], x1i = im[i1]
                let x2r = re[i2], x2i = im[i2]
                let x3r = re[i3], x3i = im[i3]
                // s0 = x1 w1, s1 = x2 w2, s2 = x3 w3; the real parts of s1 and s2 stay as their
                // two products, which the compiled code folds into the sums that use them.
                let s0r = x1r * w1r - x1i * w1i
                let s0i = x1i * w1r + x1r * w1i
                let p1 = x2r * w2r
                let q1 = x2i * w2i
                let s1i = x2i * w2r + x2r * w2i
                let p2 = x3r * w3r
                let q2 = x3i * w3i
                let s2i = x3i * w3r + x3r * w3i
                let ar = (x0r + p1) - q1  // x0 + s1
                let ai = x0i + s1i
                let dr = (x0r + q1) - p1  // x0 - s1
                let di = x0i - s1i
                let er = (s0r - q2) + p2  // s0 + s2
                let ei = s2i + s0i
                let fr = (s0r - p2) + q2  // Re(s0 - s2)
                re[i2] = ar - er
                im[i2] = ai - ei
                re[i0] = ar + er
                im[i0] = ai + ei
                re[i1] = (dr + s0i) - s2i  // x0 - s1 - i (s0 - s2)
                im[i1] = di - fr
                re[i3] = (dr + s2i) - s0i  // x0 - s1 + i (s0 - s2)
                im[i3] = fr + di
                k &+= 1
            }
            base &+= 4 &* length
        }
    }

    /// The real-FFT split of Z into X[0...M] (kissfft's kiss_fftr after its complex FFT).
    @inline(__always)
    private func split(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>) {
        let m = half
        let re = workReal
        let im = workImaginary
        real[0] = re[0] + im[0]
        real[m] = re[0] - im[0]
        imaginary[0] = 0
        imaginary[m] = 0
        var k = 1
        while k <= m / 2 {
            let ar = re[k]
            let ai = im[k]
            let br = re[m &- k]
            let bi = -im[m &- k]  // conj Z[M-k]
            let sumR = ar + br
            let sumI = ai + bi
            let differenceR = ar - br
            let differenceI = ai - bi
            let wr = superReal[k &- 1]
            let wi = superImaginary[k &- 1]
            let p = differenceR * wr
            let q = differenceI * wi
            let ti = differenceI * wr + differenceR * wi
            // For k = M/2 both pairs are the same bin; the second write wins, as in kissfft.
            real[k] = ((sumR + p) - q) * 0.5
            imaginary[k] = (sumI + ti) * 0.5
            real[m &- k] = ((sumR + q) - p) * 0.5
            imaginary[m &- k] = (ti - sumI) * 0.5
            k &+= 1
        }
    }
}
