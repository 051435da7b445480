// MARK: - librosa presets

extension FrontendConfig {
    /// `librosa.power_to_db(librosa.feature.melspectrogram(y, sr, n_fft, hop_length,
    /// window="hann", center=False, power=2.0, n_mels, fmin, fmax, htk=False, norm="slaney"),
    /// ref=1.0, amin=1e-10, top_db=None)`: periodic Hann window over the whole n_fft frame,
    /// power spectrum, Slaney-scale triangles in Hz with Slaney area normalization,
    /// 10 log10(max(e, 1e-10)). The spectrum is computed in Double (`SpectrumPrecision.float64`),
    /// as numpy's FFT is.
    ///
    /// `top_db` is not reproduced (it clips relative to the maximum of the whole signal, which a
    /// stream does not know); `win_length` is n_fft (librosa's default).
    ///
    /// - Parameters:
    ///   - fftLength: n_fft, a power of two (librosa's default 2048).
    ///   - hopLength: hop_length (512).
    ///   - melBandCount: n_mels (128).
    ///   - lowFrequency: fmin (0).
    ///   - highFrequency: fmax; nil for sr / 2.
    ///   - decibels: apply power_to_db (true) or return the mel power spectrogram (false).
    public static func librosaMelSpectrogram(
        sampleRate: Int = 16000, fftLength: Int = 2048, hopLength: Int = 512,
        melBandCount: Int = 128, lowFrequency: Double = 0, highFrequency: Double? = nil,
        decibels: Bool = true
    ) -> FrontendConfig {
        FrontendConfig(
            sampleRate: sampleRate, windowLength: fftLength, hopLength: hopLength,
            fftLength: fftLength, window: .hannPeriodic,
            spectrum: .power, spectrumPrecision: .float64, filterbank: .hertzTriangles, melScale: .slaney, melNormalization: .slaney,
            melBandCount: melBandCount, lowFrequency: lowFrequency,
            highFrequency: highFrequency ?? Double(sampleRate) / 2,
            logCompression: decibels ? .decibel : .none, logFloor: 1e-10,
            dct: .none, coefficientCount: melBandCount,
            sampleScale: 1, name: "librosa-mel")
    }

    /// `librosa.feature.mfcc(S=power_to_db(melspectrogram(...), top_db=None), n_mfcc,
    /// dct_type=2, norm="ortho", lifter=0)`: the mel spectrogram in decibels above, then the
    /// orthonormal DCT-II keeping `coefficientCount` coefficients (librosa's default 20).
    public static func librosaMFCC(
        sampleRate: Int = 16000, fftLength: Int = 2048, hopLength: Int = 512,
        melBandCount: Int = 128, coefficientCount: Int = 20,
        lowFrequency: Double = 0, highFrequency: Double? = nil
    ) -> FrontendConfig {
        var config = librosaMelSpectrogram(
            sampleRate: sampleRate, fftLength: fftLength, hopLength: hopLength,
            melBandCount: melBandCount, lowFrequency: lowFrequency, highFrequency: highFrequency)
        config.dct = .orthonormal
        config.coefficientCount = coefficientCount
        config.name = "librosa-mfcc"
        return config
    }
}
