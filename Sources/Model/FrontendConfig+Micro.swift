// MARK: - TensorFlow Lite Micro preset

extension FrontendConfig {
    /// TensorFlow Lite Micro's audio front end (`MicroFrontend`) as microWakeWord, ESPHome and
    /// pymicro-features configure it: windows of `windowMilliseconds` every `stepMilliseconds`
    /// (sample counts rounded down, as the reference does), an FFT of the next power of two,
    /// `channelCount` channels over `lowerBandLimit`...`upperBandLimit` Hz, then noise reduction,
    /// PCAN gain control and the log, all in its integer arithmetic
    /// (`SpectrumPrecision.tfliteMicroInt16`). Features are value * 0.0390625 as Floats.
    ///
    /// The window, spectrum, filterbank, log and DCT fields below only describe the stages in
    /// words; `MicroFrontend` computes them its own way.
    public static func micro(
        sampleRate: Int = 16000, windowMilliseconds: Int = 30, stepMilliseconds: Int = 10,
        channelCount: Int = 40, lowerBandLimit: Double = 125, upperBandLimit: Double = 7500
    ) -> FrontendConfig {
        let windowLength = windowMilliseconds * sampleRate / 1000
        return FrontendConfig(
            sampleRate: sampleRate, windowLength: windowLength, hopLength: stepMilliseconds * sampleRate / 1000,
            fftLength: nextPowerOfTwo(windowLength), window: .hannPeriodic,
            spectrum: .magnitude, spectrumPrecision: .tfliteMicroInt16, filterbank: .tensorFlow, melScale: .htk,
            melBandCount: channelCount, lowFrequency: lowerBandLimit, highFrequency: upperBandLimit,
            logCompression: .none, logFloor: 1, dct: .none, coefficientCount: channelCount,
            sampleScale: 1, name: "micro")
    }
}
