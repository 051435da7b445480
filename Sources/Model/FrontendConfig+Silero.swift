// MARK: - Silero VAD preset

extension FrontendConfig {
    /// Silero VAD's front end (`SpectrumPrecision.sileroSTFT`): every `chunk` new samples, the
    /// window of the last `context` + `chunk` samples (zeros before the stream starts) is
    /// reflect-padded by fftLength/4 on the right and cut into frames of `fftLength` every
    /// fftLength/2; each frame's magnitude spectrum under a periodic Hann window, bins × frames
    /// channels-major, is one feature vector (16 kHz: 129 × 4 = 516 values per 512 samples).
    ///
    /// This is the STFT Silero's graph computes as a convolution with a fixed cos/sin basis
    /// (`model.stft.forward_basis_buffer`); its encoder, LSTM and decoder are the network.
    /// The mel, log and DCT fields below only fill the configuration; they do not apply.
    public static func silero(sampleRate: Int = 16000) -> FrontendConfig {
        // Silero's two rates: 16 kHz (512-sample chunks, 64 of context, n_fft 256) and 8 kHz (halved).
        let scale = sampleRate >= 16000 ? 1 : 2
        return FrontendConfig(
            sampleRate: sampleRate, windowLength: 576 / scale, hopLength: 512 / scale, fftLength: 256 / scale,
            window: .hannPeriodic, spectrum: .magnitude, spectrumPrecision: .sileroSTFT, filterbank: .tensorFlow,
            melScale: .htk, melBandCount: 1, lowFrequency: 0, highFrequency: Double(sampleRate) / 2,
            logCompression: .none, logFloor: 1, dct: .none, coefficientCount: 1,
            sampleScale: 1, name: "silero")
    }

    /// `sileroSTFT`: right reflect padding of the window (fftLength/4, Silero's `pad`).
    public var sileroPadding: Int { fftLength / 4 }

    /// `sileroSTFT`: frames per window, (windowLength + padding − fftLength) / (fftLength/2) + 1
    /// (0 when the padded window is shorter than one frame).
    public var sileroFrameCount: Int {
        let hop = fftLength / 2
        let span = windowLength + sileroPadding - fftLength
        return hop < 1 || span < 0 ? 0 : span / hop + 1
    }

    /// `sileroSTFT`: the window must hold at least one frame, the padding must fit the reflection
    /// (padding < windowLength) and each hop must leave context (hopLength <= windowLength).
    func validateSilero() throws(FrontendError) {
        guard fftLength >= 4, sileroFrameCount >= 1, sileroPadding < windowLength, hopLength <= windowLength else {
            throw .presetConstraint(
                preset: "silero",
                reason: "window_length \(windowLength), hop_length \(hopLength) and fft_length \(fftLength) "
                    + "must give at least one frame of fft_length in the window plus fft_length/4 of reflection, "
                    + "with hop_length <= window_length")
        }
    }
}
