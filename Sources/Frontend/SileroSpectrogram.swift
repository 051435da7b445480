import Model

/// Silero VAD's STFT magnitude (`SpectrumPrecision.sileroSTFT`), per hop of new samples.
///
/// The window (the last `windowLength` samples, oldest first) is extended on the right by
/// `padding` = fftLength/4 samples reflected about its last sample (x[L−2], x[L−3], …: numpy's
/// and PyTorch's "reflect"), then frame t = samples [t·fftLength/2, t·fftLength/2 + fftLength) is
/// windowed by a periodic Hann window and transformed; the output is |X_t[k]| at k·frames + t
/// (bins × frames, channels-major as the graph's [1, bins, frames] tensor flattens).
/// Silero's graph computes the same numbers as a strided convolution with the window·cos and
/// −window·sin basis; an FFT does it in fewer operations.
///
/// Buffers are allocated in `init`; `compute` never allocates. Not thread-safe.
final class SileroSpectrogram {
    let windowLength: Int
    let fftLength: Int
    let padding: Int
    let frameCount: Int
    let binCount: Int
    private let fft: RealFFT
    private let padded: UnsafeMutablePointer<Float>
    private let segment: UnsafeMutablePointer<Float>
    private let window: UnsafeMutablePointer<Float>
    private let real: UnsafeMutablePointer<Float>
    private let imaginary: UnsafeMutablePointer<Float>

    /// - Throws: `FrontendError` for an FFT length that is not a power of two.
    /// Allocates: every buffer (set-up only).
    init(config: FrontendConfig) throws(FrontendError) {
        windowLength = config.windowLength
        fftLength = config.fftLength
        padding = config.sileroPadding
        frameCount = config.sileroFrameCount
        binCount = config.fftLength / 2 + 1
        fft = try RealFFT(size: config.fftLength)
        padded = .allocate(capacity: windowLength + padding)
        padded.initialize(repeating: 0, count: windowLength + padding)
        segment = .allocate(capacity: fftLength)
        segment.initialize(repeating: 0, count: fftLength)
        window = .allocate(capacity: fftLength)
        let coefficients = config.window.coefficients(length: fftLength)
        for i in 0..<fftLength { (window + i).initialize(to: Float(coefficients[i])) }
        real = .allocate(capacity: binCount)
        real.initialize(repeating: 0, count: binCount)
        imaginary = .allocate(capacity: binCount)
        imaginary.initialize(repeating: 0, count: binCount)
    }

    deinit {
        padded.deallocate()
        segment.deallocate()
        window.deallocate()
        real.deallocate()
        imaginary.deallocate()
    }

    /// One feature vector (binCount × frameCount values) from the ring of `windowLength` samples
    /// whose oldest sample is at `oldest`.
    /// Allocates: never.
    func compute(ring: UnsafePointer<Float>, oldest: Int, into output: UnsafeMutablePointer<Float>) {
        let tail = windowLength &- oldest
        padded.update(from: ring + oldest, count: tail)
        (padded + tail).update(from: ring, count: oldest)
        var j = 0
        while j < padding {
            padded[windowLength &+ j] = padded[windowLength &- 2 &- j]
            j &+= 1
        }
        let hop = fftLength / 2
        var t = 0
        while t < frameCount {
            let start = padded + t &* hop
            var n = 0
            while n < fftLength {
                segment[n] = start[n] * window[n]
                n &+= 1
            }
            fft.forward(segment, real: real, imaginary: imaginary)
            var k = 0
            while k < binCount {
                let re = real[k]
                let im = imaginary[k]
                output[k &* frameCount &+ t] = (re * re + im * im).squareRoot()
                k &+= 1
            }
            t &+= 1
        }
    }
}
