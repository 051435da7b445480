// MARK: - TensorFlow preset

extension FrontendConfig {
    /// TensorFlow's `AudioSpectrogram(window_size, stride, magnitude_squared: true)` followed by
    /// `Mfcc(sample_rate, upper_frequency_limit, lower_frequency_limit, filterbank_channel_count,
    /// dct_coefficient_count)` (tensorflow/core/kernels/spectrogram.cc, mfcc*.cc):
    /// periodic Hann window of `windowLength` samples, FFT of the next power of two, power
    /// spectrum whose square root (the magnitude) goes through TensorFlow's mel filterbank,
    /// ln(max(e, 1e-12)), and the DCT-II scaled by sqrt(2 / channels).
    /// Samples are in [-1, 1] as DecodeWav gives them (Int16 input is scaled by 1/32768).
    ///
    /// Defaults are the ops' own defaults (20–4000 Hz, 40 channels, 13 coefficients).
    public static func tensorFlowMFCC(
        sampleRate: Int = 16000, windowLength: Int, stride: Int,
        lowerFrequencyLimit: Double = 20, upperFrequencyLimit: Double = 4000,
        filterbankChannelCount: Int = 40, dctCoefficientCount: Int = 13
    ) -> FrontendConfig {
        FrontendConfig(
            sampleRate: sampleRate, windowLength: windowLength, hopLength: stride,
            fftLength: nextPowerOfTwo(windowLength), window: .hannPeriodic,
            spectrum: .magnitude, filterbank: .tensorFlow, melScale: .htk, melNormalization: .none,
            melBandCount: filterbankChannelCount,
            lowFrequency: lowerFrequencyLimit, highFrequency: upperFrequencyLimit,
            logCompression: .natural, logFloor: 1e-12,
            dct: .tensorFlow, coefficientCount: dctCoefficientCount,
            sampleScale: 1, name: "tf-mfcc")
    }

    /// The front end of ARM's ML-KWS-for-MCU models (github ARM-software/ML-KWS-for-MCU):
    /// 16 kHz, 40 ms windows (640 samples), 10 MFCCs from 40 channels over 20–4000 Hz.
    ///
    /// - Parameter stride: 640 (LSTM_S, GRU_S: 25 frames per 1 s clip) or 320 (the other
    ///   models: 49 frames per clip).
    public static func mlKWS(stride: Int) -> FrontendConfig {
        tensorFlowMFCC(sampleRate: 16000, windowLength: 640, stride: stride,
                       lowerFrequencyLimit: 20, upperFrequencyLimit: 4000,
                       filterbankChannelCount: 40, dctCoefficientCount: 10)
    }
}
