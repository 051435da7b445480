import Model

/// TensorFlow Lite Micro's audio front end (tensorflow/lite/experimental/microfrontend), as
/// microWakeWord trains and runs with it, in its own integer arithmetic: the `micro` preset.
///
/// Per frame of `windowLength` Int16 samples, every `hopLength` samples:
/// ```
///   window    x[i] w[i] >> 12, w = Hann (i + 0.5) in Q12
///   shift     << s with s = 15 - significantBits(max |windowed|) (uses the FFT's full range)
///   FFT       N = next power of two, kissfft Int16 fixed point (`FixedPointRealFFT`)
///   energy    re^2 + im^2 of the bins the filterbank uses
///   filterbank  channels+1 half-overlapping mel triangles in Q12, UInt64 sums; channel c's
///             output = sqrt(sum) >> s (integer square root, rounded)
///   noise reduction  estimate[c] += smoothing (signal << 10 - estimate) (Q14, even/odd
///             channels 0.025/0.06); signal = max((signal << 10 - min(estimate, ..)) >> 10,
///             0.05 signal)
///   PCAN      gain = 2^21 (estimate / 2^7 + 80)^-0.95 from a piecewise-quadratic table;
///             snr = signal gain >> 6; out = snr^2 >> 20 below 8192, snr >> 6 - 64 above
///   log       value << 3, then round(64 ln value) in fixed point (0 for value <= 1), <= 65535
/// ```
/// Parameters fixed at microWakeWord's (pymicro-features' and ESPHome's): noise-reduction smoothing
/// bits 10, even/odd smoothing 0.025/0.06, minimum signal remaining 0.05; PCAN on, strength 0.95,
/// offset 80, gain bits 21; log on, scale shift 6. The window, hop, channel count and band limits
/// come from the configuration (microWakeWord: 30 ms, 10 ms, 40 channels, 125-7500 Hz at 16 kHz).
///
/// Output: `values`, the front end's UInt16 features; as Floats they are value * 0.0390625
/// (`featureScale`), which is what pymicro-features returns and what microWakeWord's models were
/// trained on. pymicro-wakeword quantizes them for its int8 models as
/// `quantizedInput(_:scale:zeroPoint:)` states.
///
/// Memory: all buffers and tables allocated in `init`; `process` never allocates, never throws.
/// Not thread-safe: one instance per audio stream.
public final class MicroFrontend {
    // MARK: - Constants of the reference

    static var windowBits: Int { 12 }
    static var filterbankBits: Int { 12 }
    static var noiseReductionBits: Int { 14 }
    static var smoothingBits: Int { 10 }
    static var evenSmoothing: Float { 0.025 }
    static var oddSmoothing: Float { 0.06 }
    static var minimumSignalRemaining: Float { 0.05 }
    static var pcanStrength: Float { 0.95 }
    static var pcanOffset: Float { 80 }
    static var pcanGainBits: Int { 21 }
    static var pcanSnrBits: Int { 12 }
    static var pcanOutputBits: Int { 6 }
    static var logScaleShift: Int { 6 }
    /// 4 x 32 - 3 entries: two single gains, then 3 coefficients per interval 2...32 (4 apart).
    static var gainTableCount: Int { 125 }

    /// A feature value as a Float: value * 0.0390625 (= 1/25.6), pymicro-features' FLOAT32_SCALE.
    public static var featureScale: Float { 0.0390625 }

    // MARK: - Shape

    /// Output channels per frame.
    public let channelCount: Int
    /// Samples per frame.
    public let windowLength: Int
    /// Samples between frames.
    public let hopLength: Int
    /// FFT size (the next power of two of `windowLength`).
    public let fftLength: Int

    // MARK: - Tables and state

    private let fft: FixedPointRealFFT
    private let window: UnsafeMutablePointer<Int16>  // [windowLength] Q12
    private let input: UnsafeMutablePointer<Int16>  // [windowLength] samples not yet consumed
    private var inputUsed = 0
    private let fftInput: UnsafeMutablePointer<Int16>  // [fftLength], zero past windowLength
    private let real: UnsafeMutablePointer<Int16>  // [bins]
    private let imaginary: UnsafeMutablePointer<Int16>  // [bins]
    private let binCount: Int
    private let filterChannels: Int  // channelCount + 1
    private let channelStart: UnsafeMutablePointer<Int>  // [filterChannels]
    private let channelWidth: UnsafeMutablePointer<Int>  // [filterChannels]
    private let weights: UnsafeMutablePointer<Int16>  // [sum of widths] Q12, packed
    private let unweights: UnsafeMutablePointer<Int16>  // [sum of widths] Q12, packed
    private let work: UnsafeMutablePointer<UInt64>  // [filterChannels + 1]
    private let signal: UnsafeMutablePointer<UInt32>  // [channelCount]
    private let estimate: UnsafeMutablePointer<UInt32>  // [channelCount] noise estimate (state)
    private let gainTable: UnsafeMutablePointer<Int16>  // [gainTableCount]
    private let logTable: UnsafeMutablePointer<UInt16>  // [130]
    private let output: UnsafeMutablePointer<UInt16>  // [channelCount]
    private let evenSmoothingQ14: UInt32
    private let oddSmoothingQ14: UInt32
    private let minimumSignalQ14: UInt32
    /// Bits the log stage shifts up by (FFT size bits - 1 - filterbank bits / 2: 3 for 512).
    private let correctionBits: Int
    /// PCAN's shift of signal x gain to Q12: gain bits - correction bits - 12.
    private let snrShift: UInt32

    /// Builds every table for `config`, which must describe the micro front end
    /// (`SpectrumPrecision.tfliteMicroInt16`, e.g. `FrontendPreset.micro`).
    ///
    /// - Throws: `FrontendError`: `validate()`'s errors, and `.presetConstraint` for an FFT
    ///   length other than the window's next power of two, a sample scale other than 1, a DCT or
    ///   log energy (the micro front end has neither), or a filterbank past the spectrum.
    /// Allocates: all buffers and tables (set-up only).
    public init(config: FrontendConfig) throws(FrontendError) {
        try config.validate()
        func reject(_ reason: String) -> FrontendError { .presetConstraint(preset: "micro", reason: reason) }
        guard config.fftLength == FrontendConfig.nextPowerOfTwo(config.windowLength), config.fftLength >= 4 else {
            throw reject("fft_length \(config.fftLength) must be the next power of two of window_length \(config.windowLength)")
        }
        guard config.windowLength <= 1 << 15 else { throw reject("window_length \(config.windowLength) is above 32768") }
        guard config.sampleScale == 1 else { throw reject("sample_scale must be 1 (the front end reads Int16 samples)") }
        guard config.dct == .none, config.logEnergy == .none else {
            throw reject("the micro front end has no DCT and no log energy")
        }
        guard config.hopLength <= config.windowLength else {
            throw reject("hop_length \(config.hopLength) must not exceed window_length \(config.windowLength)")
        }
        channelCount = config.melBandCount
        windowLength = config.windowLength
        hopLength = config.hopLength
        fftLength = config.fftLength
        binCount = fftLength / 2 + 1
        filterChannels = channelCount + 1
        fft = try FixedPointRealFFT(size: fftLength)

        let bank = try Self.filterbank(
            channels: channelCount, lower: Float(config.lowFrequency), upper: Float(config.highFrequency),
            sampleRate: config.sampleRate, fftLength: fftLength)
        correctionBits = (Self.significantBits(UInt32(fftLength)) - 1) - Self.filterbankBits / 2
        snrShift = UInt32(Self.pcanGainBits - correctionBits - Self.pcanSnrBits)
        // Float products truncated to UInt16, as the reference stores them.
        let unit = Float(1 << Self.noiseReductionBits)
        evenSmoothingQ14 = UInt32(UInt16(Self.evenSmoothing * unit))
        oddSmoothingQ14 = UInt32(UInt16(Self.oddSmoothing * unit))
        minimumSignalQ14 = UInt32(UInt16(Self.minimumSignalRemaining * unit))

        window = .allocate(capacity: windowLength)
        window.initialize(from: Self.windowCoefficients(size: windowLength), count: windowLength)
        input = .allocate(capacity: windowLength)
        input.initialize(repeating: 0, count: windowLength)
        fftInput = .allocate(capacity: fftLength)
        fftInput.initialize(repeating: 0, count: fftLength)
        real = .allocate(capacity: binCount)
        real.initialize(repeating: 0, count: binCount)
        imaginary = .allocate(capacity: binCount)
        imaginary.initialize(repeating: 0, count: binCount)
        channelStart = .allocate(capacity: filterChannels)
        channelStart.initialize(from: bank.channelStart, count: filterChannels)
        channelWidth = .allocate(capacity: filterChannels)
        channelWidth.initialize(from: bank.channelWidth, count: filterChannels)
        let weightCount = max(bank.weights.count, 1)
        weights = .allocate(capacity: weightCount)
        weights.initialize(repeating: 0, count: weightCount)
        weights.update(from: bank.weights, count: bank.weights.count)
        unweights = .allocate(capacity: weightCount)
        unweights.initialize(repeating: 0, count: weightCount)
        unweights.update(from: bank.unweights, count: bank.unweights.count)
        work = .allocate(capacity: filterChannels + 1)
        work.initialize(repeating: 0, count: filterChannels + 1)
        signal = .allocate(capacity: channelCount)
        signal.initialize(repeating: 0, count: channelCount)
        estimate = .allocate(capacity: channelCount)
        estimate.initialize(repeating: 0, count: channelCount)
        gainTable = .allocate(capacity: Self.gainTableCount)
        gainTable.initialize(
            from: Self.pcanGainTable(inputBits: Self.smoothingBits - correctionBits), count: Self.gainTableCount)
        let logs = Self.logCorrectionTable()
        logTable = .allocate(capacity: logs.count)
        logTable.initialize(from: logs, count: logs.count)
        output = .allocate(capacity: channelCount)
        output.initialize(repeating: 0, count: channelCount)
    }

    deinit {
        window.deallocate()
        input.deallocate()
        fftInput.deallocate()
        real.deallocate()
        imaginary.deallocate()
        channelStart.deallocate()
        channelWidth.deallocate()
        weights.deallocate()
        unweights.deallocate()
        work.deallocate()
        signal.deallocate()
        estimate.deallocate()
        gainTable.deallocate()
        logTable.deallocate()
        output.deallocate()
    }

    // MARK: - Streaming

    /// Forgets the buffered samples and the noise estimates (a fresh stream).
    /// Allocates: never.
    public func reset() {
        input.update(repeating: 0, count: windowLength)
        inputUsed = 0
        estimate.update(repeating: 0, count: channelCount)
    }

    /// Samples still needed before the next frame is produced.
    public var samplesUntilNextFrame: Int { windowLength &- inputUsed }

    /// The UInt16 features of the last frame produced (`channelCount` values).
    public var values: UnsafeBufferPointer<UInt16> { UnsafeBufferPointer(start: output, count: channelCount) }

    /// Consumes Int16 samples until one frame completes or the input runs out (call it in a loop,
    /// as `FeatureExtractor.process`).
    ///
    /// - Parameter samples: 16-bit samples at the configured rate (any count, including 0).
    /// - Returns: how many samples were consumed, and whether a frame was produced (then `values`
    ///   holds it).
    /// Allocates: never.
    public func process(_ samples: UnsafeBufferPointer<Int16>) -> (consumed: Int, produced: Bool) {
        guard let base = samples.baseAddress, samples.count > 0 else { return (0, false) }
        let take = min(samples.count, windowLength &- inputUsed)
        (input + inputUsed).update(from: base, count: take)
        inputUsed &+= take
        guard inputUsed == windowLength else { return (take, false) }
        computeFrame()
        return (take, true)
    }

    /// As `process(_:)` for Int16, from Float samples in [-1, 1]: each becomes
    /// Int16(clamp(round(x 32768))) (exact for samples that came from 16-bit PCM).
    /// Allocates: never.
    public func process(_ samples: UnsafeBufferPointer<Float>) -> (consumed: Int, produced: Bool) {
        guard let base = samples.baseAddress, samples.count > 0 else { return (0, false) }
        let take = min(samples.count, windowLength &- inputUsed)
        let destination = input + inputUsed
        var i = 0
        while i < take {
            let scaled = (base[i] * 32768).rounded()
            destination[i] = scaled >= 32767 ? .max : (scaled <= -32768 ? .min : Int16(scaled))
            i &+= 1
        }
        inputUsed &+= take
        guard inputUsed == windowLength else { return (take, false) }
        computeFrame()
        return (take, true)
    }

    /// Writes the last frame's values as Floats (value * `featureScale`) into `destination`
    /// (`channelCount` Floats).
    /// Allocates: never.
    public func copyFeatures(into destination: UnsafeMutablePointer<Float>) {
        var c = 0
        while c < channelCount {
            destination[c] = Float(output[c]) * Self.featureScale
            c &+= 1
        }
    }

    // MARK: - One frame

    private func computeFrame() {
        // Window, and the largest magnitude it produced.
        var largest: Int16 = 0
        var i = 0
        while i < windowLength {
            let value = Int16(truncatingIfNeeded: (Int32(input[i]) &* Int32(window[i])) >> Int32(Self.windowBits))
            fftInput[i] = value
            let magnitude = value < 0 ? Int16(truncatingIfNeeded: 0 &- Int32(value)) : value
            if magnitude > largest { largest = magnitude }
            i &+= 1
        }
        // Keep the samples of the next frame.
        let kept = windowLength &- hopLength
        input.update(from: input + hopLength, count: kept)
        inputUsed = kept

        // Scale up into the FFT's range (fftInput past windowLength stays zero).
        let shift = 15 &- Self.significantBits(UInt32(truncatingIfNeeded: Int32(largest)))
        i = 0
        while i < windowLength {
            fftInput[i] = Int16(truncatingIfNeeded: Int32(UInt16(bitPattern: fftInput[i])) &<< Int32(shift))
            i &+= 1
        }
        fft.forward(fftInput, real: real, imaginary: imaginary)

        accumulateFilterbank()
        // Channel c is channel c + 1 of the filterbank (its first is only the lower half-triangle).
        var c = 0
        while c < channelCount {
            signal[c] = Self.squareRoot64(work[c &+ 1]) &>> UInt32(truncatingIfNeeded: shift)
            c &+= 1
        }
        reduceNoise()
        controlGain()
        takeLogarithm()
    }

    /// work[c] = sum over channel c's bins of weight x energy + sum over channel c-1's bins of
    /// unweight x energy (UInt64, wrapping like the reference).
    @inline(__always)
    private func accumulateFilterbank() {
        work.update(repeating: 0, count: filterChannels &+ 1)
        var offset = 0
        var channel = 0
        while channel < filterChannels {
            var weighted: UInt64 = 0
            var unweighted: UInt64 = 0
            let start = channelStart[channel]
            let width = channelWidth[channel]
            var j = 0
            while j < width {
                let bin = start &+ j
                let re = Int32(real[bin]), im = Int32(imaginary[bin])
                // The energy is an Int32 in the reference, widened with its sign.
                let energy = UInt64(bitPattern: Int64(re &* re &+ im &* im))
                weighted &+= UInt64(bitPattern: Int64(weights[offset &+ j])) &* energy
                unweighted &+= UInt64(bitPattern: Int64(unweights[offset &+ j])) &* energy
                j &+= 1
            }
            work[channel] &+= weighted
            work[channel &+ 1] &+= unweighted
            offset &+= width
            channel &+= 1
        }
    }

    /// Subtracts each channel's slowly tracked noise floor, keeping at least 5% of the signal.
    @inline(__always)
    private func reduceNoise() {
        let bits = UInt32(Self.smoothingBits)
        let one = UInt32(1) << UInt32(Self.noiseReductionBits)
        var c = 0
        while c < channelCount {
            let smoothing = c & 1 == 0 ? evenSmoothingQ14 : oddSmoothingQ14
            let value = signal[c]
            let scaledUp = value &<< bits
            var noise = UInt32(truncatingIfNeeded:
                (UInt64(scaledUp) &* UInt64(smoothing) &+ UInt64(estimate[c]) &* UInt64(one &- smoothing))
                    &>> UInt64(Self.noiseReductionBits))
            estimate[c] = noise
            if noise > scaledUp { noise = scaledUp }
            let floor = UInt32(truncatingIfNeeded: (UInt64(value) &* UInt64(minimumSignalQ14)) &>> UInt64(Self.noiseReductionBits))
            let subtracted = (scaledUp &- noise) &>> bits
            signal[c] = subtracted > floor ? subtracted : floor
            c &+= 1
        }
    }

    /// Per-channel automatic gain control normalized by the noise estimate (PCAN).
    @inline(__always)
    private func controlGain() {
        var c = 0
        while c < channelCount {
            let gain = UInt32(bitPattern: Int32(Self.wideDynamicFunction(estimate[c], gainTable)))
            let snr = UInt32(truncatingIfNeeded: (UInt64(signal[c]) &* UInt64(gain)) &>> UInt64(snrShift))
            signal[c] = Self.pcanShrink(snr)
            c &+= 1
        }
    }

    /// Fixed-point natural log scaled by 2^6, saturated to UInt16.
    @inline(__always)
    private func takeLogarithm() {
        var c = 0
        while c < channelCount {
            var value = signal[c]
            if correctionBits < 0 {
                value &>>= UInt32(truncatingIfNeeded: 0 &- correctionBits)
            } else {
                value &<<= UInt32(truncatingIfNeeded: correctionBits)
            }
            value = value > 1 ? Self.logarithm(value, scaleShift: UInt32(Self.logScaleShift), logTable) : 0
            output[c] = value < 0xFFFF ? UInt16(truncatingIfNeeded: value) : 0xFFFF
            c &+= 1
        }
    }
}
