import Kernels
import Model

/// The streaming front end: push samples as they arrive, get a feature frame every hop.
///
/// Memory layout (all allocated once in `init`, freed in `deinit`):
/// ```
///   ring      [windowLength]   last samples, circular; `writeIndex` is the oldest once full
///   frame     [fftLength]      ordered window x w[n], zero-padded
///   real/imag [bins]           FFT output, bins = fftLength/2 + 1
///   spectrum  [bins]           power or magnitude
///   mel       [melBandCount]   filterbank output, then its log
///   wide*     Double copies of frame, real/imag, spectrum, mel, window and filter weights
///             (`SpectrumPrecision.float64` only; one element each otherwise)
///   tables    window [windowLength], filter runs, DCT [coefficients x bands], mean, 1/std
/// ```
/// `process` never allocates, never throws and never fails; a configuration is checked once
/// in `init`. Not thread-safe: one extractor per audio stream.
public final class FeatureExtractor {
    /// The configuration this extractor was built from.
    public let config: FrontendConfig
    /// Values per feature frame.
    public let featureCount: Int
    /// The real FFT used per frame (`SpectrumPrecision.float32`).
    public let fft: RealFFT

    private let windowLength: Int
    private let hopLength: Int
    private let fftLength: Int
    private let binCount: Int
    private let bandCount: Int
    private let coefficientCount: Int
    private let normalize: Bool
    private let sampleScale: Float
    private let int16Scale: Float
    /// Where the mel/cepstral values start in the output (1 when the log energy is prepended).
    private let valueOffset: Int
    private let energyFloor: Float
    /// `SpectrumPrecision.float64`: window to log in Double.
    private let wide: Bool
    /// The Double real FFT used per frame when `wide` (a 2-point placeholder otherwise: no Optional
    /// to unwrap per hop).
    private let wideFFT: RealFFT64
    /// `SpectrumPrecision.float32KissFFT`: the FFT in kaldi-native-fbank's rounding order.
    private let kissOrder: Bool
    /// The FFT used per frame when `kissOrder` (a 2-point placeholder otherwise).
    private let kissFFT: KissOrderRealFFT
    /// `SpectrumPrecision.tfliteMicroInt16`: the whole frame is TensorFlow Lite Micro's integer
    /// front end, and `process` hands the samples to it.
    private let micro: MicroFrontend?
    /// `SpectrumPrecision.sileroSTFT`: Silero VAD's STFT over the ring (bins × frames per hop).
    private let silero: SileroSpectrogram?

    private let ring: UnsafeMutablePointer<Float>
    private let frame: UnsafeMutablePointer<Float>
    private let real: UnsafeMutablePointer<Float>
    private let imaginary: UnsafeMutablePointer<Float>
    private let spectrum: UnsafeMutablePointer<Float>
    private let mel: UnsafeMutablePointer<Float>
    private let windowTable: UnsafeMutablePointer<Float>
    private let filterFirstBin: UnsafeMutablePointer<Int>
    private let filterOffset: UnsafeMutablePointer<Int>
    private let filterCount: UnsafeMutablePointer<Int>
    private let filterWeights: UnsafeMutablePointer<Float>
    private let dctMatrix: UnsafeMutablePointer<Float>
    private let mean: UnsafeMutablePointer<Float>
    private let inverseDeviation: UnsafeMutablePointer<Float>
    private let wideFrame: UnsafeMutablePointer<Double>
    private let wideReal: UnsafeMutablePointer<Double>
    private let wideImaginary: UnsafeMutablePointer<Double>
    private let wideSpectrum: UnsafeMutablePointer<Double>
    private let wideMel: UnsafeMutablePointer<Double>
    private let wideWindow: UnsafeMutablePointer<Double>
    private let wideWeights: UnsafeMutablePointer<Double>

    /// Next ring slot to write (= the oldest sample once the ring is full).
    private var writeIndex = 0
    /// Samples still needed before the next frame is due.
    private var untilNextFrame: Int

    /// Builds every table for `config`.
    ///
    /// - Throws: `FrontendError` when `config.validate()` fails.
    /// Allocates: all buffers and tables (set-up only).
    public init(config: FrontendConfig) throws(FrontendError) {
        try config.validate()
        self.config = config
        featureCount = config.featureCount
        windowLength = config.windowLength
        hopLength = config.hopLength
        fftLength = config.fftLength
        binCount = config.fftLength / 2 + 1
        bandCount = config.melBandCount
        coefficientCount = config.dct == .none ? config.melBandCount : config.coefficientCount
        normalize = !config.featureMean.isEmpty
        sampleScale = config.sampleScale
        int16Scale = config.sampleScale / 32768
        valueOffset = config.logEnergy == .prepend ? 1 : 0
        energyFloor = config.energyFloor > 0 ? ElementaryMath.log(config.energyFloor) : -Float.infinity
        // Silero's window starts as zero context: its first chunk is due after one hop.
        untilNextFrame = config.spectrumPrecision == .sileroSTFT ? config.hopLength : config.windowLength
        fft = try RealFFT(size: config.fftLength)
        wide = config.spectrumPrecision == .float64
        wideFFT = try RealFFT64(size: wide ? config.fftLength : 2)
        kissOrder = config.spectrumPrecision == .float32KissFFT
        kissFFT = try KissOrderRealFFT(size: kissOrder ? config.fftLength : 2)
        micro = config.spectrumPrecision == .tfliteMicroInt16 ? try MicroFrontend(config: config) : nil
        silero = config.spectrumPrecision == .sileroSTFT ? try SileroSpectrogram(config: config) : nil

        let filterbank = try MelFilterbank(
            style: config.filterbank, scale: config.melScale, normalization: config.melNormalization,
            bandCount: config.melBandCount, fftLength: config.fftLength, sampleRate: config.sampleRate,
            lowFrequency: config.lowFrequency, highFrequency: config.highFrequency)
        let dct = try DiscreteCosineTransform(
            inputCount: config.melBandCount, coefficientCount: coefficientCount,
            scaling: config.dct, lifter: Double(config.lifter))

        ring = .allocate(capacity: windowLength)
        ring.initialize(repeating: 0, count: windowLength)
        frame = .allocate(capacity: fftLength)
        frame.initialize(repeating: 0, count: fftLength)
        real = .allocate(capacity: binCount)
        real.initialize(repeating: 0, count: binCount)
        imaginary = .allocate(capacity: binCount)
        imaginary.initialize(repeating: 0, count: binCount)
        spectrum = .allocate(capacity: binCount)
        spectrum.initialize(repeating: 0, count: binCount)
        mel = .allocate(capacity: bandCount)
        mel.initialize(repeating: 0, count: bandCount)

        windowTable = .allocate(capacity: windowLength)
        let window = config.window.coefficients(length: windowLength)
        for i in 0..<windowLength { (windowTable + i).initialize(to: Float(window[i])) }

        filterFirstBin = .allocate(capacity: bandCount)
        filterFirstBin.initialize(from: filterbank.firstBin, count: bandCount)
        filterOffset = .allocate(capacity: bandCount)
        filterOffset.initialize(from: filterbank.weightOffset, count: bandCount)
        filterCount = .allocate(capacity: bandCount)
        filterCount.initialize(from: filterbank.weightCount, count: bandCount)
        filterWeights = .allocate(capacity: max(filterbank.weights.count, 1))
        filterWeights.initialize(repeating: 0, count: max(filterbank.weights.count, 1))
        filterWeights.update(from: filterbank.weights, count: filterbank.weights.count)

        // The Double path's buffers; a single element each when it is off.
        let wideFrameCount = wide ? fftLength : 1
        let wideBinCount = wide ? binCount : 1
        let wideWeightCount = wide ? max(filterbank.weights.count, 1) : 1
        wideFrame = .allocate(capacity: wideFrameCount)
        wideFrame.initialize(repeating: 0, count: wideFrameCount)
        wideReal = .allocate(capacity: wideBinCount)
        wideReal.initialize(repeating: 0, count: wideBinCount)
        wideImaginary = .allocate(capacity: wideBinCount)
        wideImaginary.initialize(repeating: 0, count: wideBinCount)
        wideSpectrum = .allocate(capacity: wideBinCount)
        wideSpectrum.initialize(repeating: 0, count: wideBinCount)
        wideMel = .allocate(capacity: wide ? bandCount : 1)
        wideMel.initialize(repeating: 0, count: wide ? bandCount : 1)
        wideWindow = .allocate(capacity: wide ? windowLength : 1)
        wideWindow.initialize(repeating: 0, count: wide ? windowLength : 1)
        wideWeights = .allocate(capacity: wideWeightCount)
        wideWeights.initialize(repeating: 0, count: wideWeightCount)
        if wide {
            for i in 0..<windowLength { wideWindow[i] = window[i] }
            // The filter weights are Float, as librosa's (float32 by default) and Kaldi's are.
            for i in 0..<filterbank.weights.count { wideWeights[i] = Double(filterbank.weights[i]) }
        }

        dctMatrix = .allocate(capacity: dct.matrix.count)
        dctMatrix.initialize(from: dct.matrix, count: dct.matrix.count)

        mean = .allocate(capacity: featureCount)
        inverseDeviation = .allocate(capacity: featureCount)
        for i in 0..<featureCount {
            (mean + i).initialize(to: normalize ? config.featureMean[i] : 0)
            (inverseDeviation + i).initialize(to: normalize ? 1 / config.featureStandardDeviation[i] : 1)
        }
    }

    deinit {
        ring.deallocate()
        frame.deallocate()
        real.deallocate()
        imaginary.deallocate()
        spectrum.deallocate()
        mel.deallocate()
        windowTable.deallocate()
        filterFirstBin.deallocate()
        filterOffset.deallocate()
        filterCount.deallocate()
        filterWeights.deallocate()
        dctMatrix.deallocate()
        mean.deallocate()
        inverseDeviation.deallocate()
        wideFrame.deallocate()
        wideReal.deallocate()
        wideImaginary.deallocate()
        wideSpectrum.deallocate()
        wideMel.deallocate()
        wideWindow.deallocate()
        wideWeights.deallocate()
    }

    // MARK: - Streaming

    /// Forgets all buffered samples: the next frame needs a full window again.
    /// Allocates: never.
    public func reset() {
        ring.update(repeating: 0, count: windowLength)
        writeIndex = 0
        untilNextFrame = silero == nil ? windowLength : hopLength
        micro?.reset()
    }

    /// Samples still needed before the next frame is produced.
    public var samplesUntilNextFrame: Int { micro?.samplesUntilNextFrame ?? untilNextFrame }

    /// Consumes samples until one frame completes or the input runs out.
    ///
    /// Call it in a loop, advancing by `consumed`, and use `frame` whenever `produced` is true:
    /// ```
    /// var offset = 0
    /// while offset < input.count {
    ///     let step = extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out)
    ///     offset += step.consumed
    ///     if step.produced { /* out holds a new feature frame */ }
    /// }
    /// ```
    /// - Parameters:
    ///   - samples: Float samples in [-1, 1] (any count, including 0); each is multiplied by
    ///     `config.sampleScale` (Kaldi's presets: 32768) as it is buffered.
    ///   - output: at least `featureCount` Floats; written only when a frame is produced.
    /// - Returns: how many samples were consumed (stops right after a frame completes) and
    ///   whether a frame was written.
    /// Allocates: never.
    public func process(
        _ samples: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) -> (consumed: Int, produced: Bool) {
        precondition(output.count >= featureCount, "output holds fewer values than featureCount")
        if let micro { return finishMicro(micro.process(samples), micro, output: output.baseAddress!) }
        guard let base = samples.baseAddress, samples.count > 0 else { return (0, false) }
        let scale = sampleScale
        let take = min(samples.count, untilNextFrame)
        var i = 0
        while i < take {
            ring[writeIndex] = base[i] * scale
            writeIndex &+= 1
            if writeIndex == windowLength { writeIndex = 0 }
            i &+= 1
        }
        return finishChunk(take, output: output.baseAddress!)
    }

    /// Int16 convenience: as `process(_:into:)` for Float, each sample scaled by
    /// `config.sampleScale / 32768` (TensorFlow's DecodeWav: s / 32768; Kaldi: s).
    /// Allocates: never.
    public func process(
        _ samples: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Float>
    ) -> (consumed: Int, produced: Bool) {
        precondition(output.count >= featureCount, "output holds fewer values than featureCount")
        if let micro { return finishMicro(micro.process(samples), micro, output: output.baseAddress!) }
        guard let base = samples.baseAddress, samples.count > 0 else { return (0, false) }
        let scale = int16Scale
        let take = min(samples.count, untilNextFrame)
        var i = 0
        while i < take {
            ring[writeIndex] = Float(base[i]) * scale
            writeIndex &+= 1
            if writeIndex == windowLength { writeIndex = 0 }
            i &+= 1
        }
        return finishChunk(take, output: output.baseAddress!)
    }

    @inline(__always)
    private func finishChunk(_ take: Int, output: UnsafeMutablePointer<Float>) -> (consumed: Int, produced: Bool) {
        untilNextFrame &-= take
        guard untilNextFrame == 0 else { return (take, false) }
        untilNextFrame = hopLength
        computeFrame(into: output)
        return (take, true)
    }

    /// The micro front end's frame as Floats (value * 0.0390625), then the normalization if any.
    @inline(__always)
    private func finishMicro(
        _ step: (consumed: Int, produced: Bool), _ micro: MicroFrontend, output: UnsafeMutablePointer<Float>
    ) -> (consumed: Int, produced: Bool) {
        guard step.produced else { return step }
        micro.copyFeatures(into: output)
        if normalize {
            for i in 0..<featureCount { output[i] = (output[i] - mean[i]) * inverseDeviation[i] }
        }
        return step
    }

    // MARK: - One frame

    private func computeFrame(into output: UnsafeMutablePointer<Float>) {
        if let silero {
            silero.compute(ring: ring, oldest: writeIndex, into: output)
            if normalize {
                for i in 0..<featureCount { output[i] = (output[i] - mean[i]) * inverseDeviation[i] }
            }
            return
        }
        // Ordered copy of the ring: oldest sample first.
        let tail = windowLength &- writeIndex
        frame.update(from: ring + writeIndex, count: tail)
        (frame + tail).update(from: ring, count: writeIndex)

        if config.removeDCOffset {
            var sum: Float = 0
            for i in 0..<windowLength { sum += frame[i] }
            let average = sum / Float(windowLength)
            for i in 0..<windowLength { frame[i] -= average }
        }
        var energy: Float = 0
        if config.logEnergy != .none && config.rawEnergy {
            for i in 0..<windowLength { energy += frame[i] * frame[i] }
        }
        let a = config.preEmphasis
        if a != 0 {
            var i = windowLength &- 1
            while i > 0 {
                frame[i] -= a * frame[i &- 1]
                i &-= 1
            }
            frame[0] -= a * frame[0]
        }
        if wide {
            wideLogMel(energy: &energy)
        } else {
            floatLogMel(energy: &energy)
        }

        let values = output + valueOffset
        if config.dct == .none {
            values.update(from: mel, count: bandCount)
        } else {
            for i in 0..<coefficientCount {
                let row = dctMatrix + i &* bandCount
                var sum: Float = 0
                for j in 0..<bandCount { sum += row[j] * mel[j] }
                values[i] = sum
            }
        }
        if config.logEnergy != .none {
            // Kaldi: ln(max(energy, FLT_EPSILON)), then at least ln(energy_floor).
            output[0] = max(ElementaryMath.log(max(energy, Float.ulpOfOne)), energyFloor)
        }
        if normalize {
            for i in 0..<featureCount { output[i] = (output[i] - mean[i]) * inverseDeviation[i] }
        }
    }

    /// `SpectrumPrecision.float32` and `.float32KissFFT`: window, FFT, spectrum, filterbank and log
    /// of `frame` in Float into `mel`.
    private func floatLogMel(energy: inout Float) {
        for i in 0..<windowLength { frame[i] *= windowTable[i] }
        // frame[windowLength..<fftLength] stays zero.
        if config.logEnergy != .none && !config.rawEnergy {
            for i in 0..<windowLength { energy += frame[i] * frame[i] }
        }

        if kissOrder {
            kissFFT.forward(frame, real: real, imaginary: imaginary)
        } else {
            fft.forward(frame, real: real, imaginary: imaginary)
        }

        if config.spectrum == .power {
            for k in 0..<binCount { spectrum[k] = real[k] * real[k] + imaginary[k] * imaginary[k] }
        } else {
            for k in 0..<binCount { spectrum[k] = (real[k] * real[k] + imaginary[k] * imaginary[k]).squareRoot() }
        }

        for band in 0..<bandCount {
            let weights = filterWeights + filterOffset[band]
            let bins = spectrum + filterFirstBin[band]
            var sum: Float = 0
            for j in 0..<filterCount[band] { sum += weights[j] * bins[j] }
            mel[band] = sum
        }

        let floor = config.logFloor
        switch config.logCompression {
        case .none:
            break
        case .natural:
            for band in 0..<bandCount { mel[band] = ElementaryMath.log(max(mel[band], floor)) }
        case .decibel:
            for band in 0..<bandCount { mel[band] = 10 * ElementaryMath.log10(max(mel[band], floor)) }
        }
    }

    /// `SpectrumPrecision.float64`: window, FFT, spectrum, filterbank and log of `frame` in
    /// Double into `mel` (rounded to Float once, after the log).
    private func wideLogMel(energy: inout Float) {
        for i in 0..<windowLength { wideFrame[i] = Double(frame[i]) * wideWindow[i] }
        // wideFrame[windowLength..<fftLength] stays zero.
        if config.logEnergy != .none && !config.rawEnergy {
            var sum: Double = 0
            for i in 0..<windowLength { sum += wideFrame[i] * wideFrame[i] }
            energy = Float(sum)
        }

        wideFFT.forward(wideFrame, real: wideReal, imaginary: wideImaginary)

        if config.spectrum == .power {
            for k in 0..<binCount { wideSpectrum[k] = wideReal[k] * wideReal[k] + wideImaginary[k] * wideImaginary[k] }
        } else {
            for k in 0..<binCount {
                wideSpectrum[k] = (wideReal[k] * wideReal[k] + wideImaginary[k] * wideImaginary[k]).squareRoot()
            }
        }

        for band in 0..<bandCount {
            let weights = wideWeights + filterOffset[band]
            let bins = wideSpectrum + filterFirstBin[band]
            var sum: Double = 0
            for j in 0..<filterCount[band] { sum += weights[j] * bins[j] }
            wideMel[band] = sum
        }

        let floor = Double(config.logFloor)
        switch config.logCompression {
        case .none:
            for band in 0..<bandCount { mel[band] = Float(wideMel[band]) }
        case .natural:
            for band in 0..<bandCount { mel[band] = Float(ElementaryMath.log(max(wideMel[band], floor))) }
        case .decibel:
            for band in 0..<bandCount { mel[band] = Float(10 * ElementaryMath.log10(max(wideMel[band], floor))) }
        }
    }

    // MARK: - Offline convenience

    /// All frames of a whole signal, streamed from a fresh state (the extractor is reset before
    /// and after).
    ///
    /// - Parameter samples: the signal.
    /// - Returns: 1 + (count - windowLength) / hopLength frames of `featureCount` values (none if
    ///   the signal is shorter than a window).
    /// Allocates: the result (not for the hot path).
    public func features(of samples: [Float]) -> [[Float]] {
        reset()
        defer { reset() }
        var result: [[Float]] = []
        var out = [Float](repeating: 0, count: featureCount)
        samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                var offset = 0
                while offset < input.count {
                    let step = process(UnsafeBufferPointer(rebasing: input[offset...]), into: output)
                    offset += step.consumed
                    if step.produced { result.append(Array(output)) }
                }
            }
        }
        return result
    }
}
