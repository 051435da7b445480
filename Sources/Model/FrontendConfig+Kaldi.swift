// MARK: - Kaldi presets

extension FrontendConfig {
    /// Kaldi's `compute-fbank-feats` (feature-fbank.cc, as kaldi-native-fbank and
    /// torchaudio.compliance.kaldi.fbank compute it) with dither 0 and snip_edges true:
    /// frames of `frameLength` samples every `frameShift`; per frame remove the DC offset,
    /// pre-emphasize (x[i] -= 0.97 x[i-1], x[0] -= 0.97 x[0]), Povey window, zero-pad to the next
    /// power of two, power spectrum, triangular filters on the 1127 ln(1 + f/700) mel scale over
    /// bins 0..<N/2, ln(max(e, FLT_EPSILON)). All in Float, the FFT in kaldi-native-fbank's
    /// rounding order (`SpectrumPrecision.float32KissFFT`), so that even bands far below the
    /// frame's peak, where Float rounding noise decides the value, match the library.
    ///
    /// Samples are in Kaldi's 16-bit integer scale (`sampleScale` 32768): Float input in [-1, 1]
    /// is multiplied by 32768, Int16 input is used as is.
    ///
    /// - Parameters:
    ///   - frameLength: samples per frame (Kaldi: frame_length_ms 25 -> 400 at 16 kHz).
    ///   - frameShift: samples between frames (frame_shift_ms 10 -> 160).
    ///   - melBinCount: num_mel_bins (Kaldi's default 23).
    ///   - highFrequency: the upper edge in Hz; nil for the Nyquist frequency (Kaldi's high_freq 0).
    ///   - useEnergy: prepend the raw log energy (Kaldi's use_energy; htk_compat false).
    public static func kaldiFbank(
        sampleRate: Int = 16000, frameLength: Int = 400, frameShift: Int = 160,
        melBinCount: Int = 23, lowFrequency: Double = 20, highFrequency: Double? = nil,
        preEmphasis: Float = 0.97, window: WindowFunction = .povey, useEnergy: Bool = false
    ) -> FrontendConfig {
        FrontendConfig(
            sampleRate: sampleRate, windowLength: frameLength, hopLength: frameShift,
            fftLength: nextPowerOfTwo(frameLength), window: window,
            removeDCOffset: true, preEmphasis: preEmphasis,
            spectrum: .power, spectrumPrecision: .float32KissFFT, filterbank: .melTriangles, melScale: .htk,
            melNormalization: .none,
            melBandCount: melBinCount, lowFrequency: lowFrequency,
            highFrequency: highFrequency ?? Double(sampleRate) / 2,
            logCompression: .natural, logFloor: Float.ulpOfOne,
            dct: .none, coefficientCount: melBinCount,
            logEnergy: useEnergy ? .prepend : .none, rawEnergy: true, energyFloor: 0,
            sampleScale: 32768, name: "kaldi-fbank")
    }

    /// Kaldi's `compute-mfcc-feats` (feature-mfcc.cc): the fbank pipeline above, then the
    /// orthonormal DCT-II keeping `cepstrumCount` coefficients, the cepstral lifter
    /// 1 + (L/2) sin(pi i / L), and (use_energy, Kaldi's default) coefficient 0 replaced by the
    /// raw log energy ln(max(sum x^2, FLT_EPSILON)) of the frame after DC removal and before
    /// pre-emphasis.
    ///
    /// - Parameters: as `kaldiFbank`, plus
    ///   - cepstrumCount: num_ceps (13).
    ///   - lifter: cepstral_lifter (22; 0 turns it off).
    public static func kaldiMFCC(
        sampleRate: Int = 16000, frameLength: Int = 400, frameShift: Int = 160,
        melBinCount: Int = 23, cepstrumCount: Int = 13, lifter: Float = 22,
        lowFrequency: Double = 20, highFrequency: Double? = nil,
        preEmphasis: Float = 0.97, window: WindowFunction = .povey, useEnergy: Bool = true
    ) -> FrontendConfig {
        var config = kaldiFbank(
            sampleRate: sampleRate, frameLength: frameLength, frameShift: frameShift,
            melBinCount: melBinCount, lowFrequency: lowFrequency, highFrequency: highFrequency,
            preEmphasis: preEmphasis, window: window, useEnergy: false)
        config.dct = .orthonormal
        config.coefficientCount = cepstrumCount
        config.lifter = lifter
        config.logEnergy = useEnergy ? .replaceFirst : .none
        config.name = "kaldi-mfcc"
        return config
    }
}
