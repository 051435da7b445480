/// The named choices a front-end description is made of (window, mel scale, filterbank layout,
/// normalization, DCT). Raw values are stable names stored in model files; the computations
/// that use them live in Frontend (`WindowFunction.coefficients`, `MelScale.mel(fromHertz:)`...).

/// The analysis window multiplied into each frame before the FFT.
///
/// Raw values are stable names for the model file (`earshot.frontend.window`).
public enum WindowFunction: String, CaseIterable, Equatable, Sendable {
    /// w[n] = 1.
    case rectangular
    /// w[n] = 0.5 - 0.5 cos(2 pi n / N). TensorFlow's AudioSpectrogram, librosa/scipy `hann`.
    case hannPeriodic = "hann_periodic"
    /// w[n] = 0.5 - 0.5 cos(2 pi n / (N - 1)). Kaldi `hanning`, numpy `hanning`.
    case hannSymmetric = "hann_symmetric"
    /// w[n] = 0.54 - 0.46 cos(2 pi n / N). scipy `hamming` with fftbins=True (librosa).
    case hammingPeriodic = "hamming_periodic"
    /// w[n] = 0.54 - 0.46 cos(2 pi n / (N - 1)). Kaldi `hamming`, numpy `hamming`.
    case hammingSymmetric = "hamming_symmetric"
    /// w[n] = (0.5 - 0.5 cos(2 pi n / (N - 1)))^0.85. Kaldi's default `povey`.
    case povey
}

/// A mel scale: the map between frequency in Hz and perceptual pitch in mels.
///
/// Raw values are stable names for the model file (`earshot.frontend.mel_scale`).
public enum MelScale: String, CaseIterable, Equatable, Sendable {
    /// mel = 1127 ln(1 + f / 700). TensorFlow's Mfcc, Kaldi, and HTK (HTK writes it
    /// 2595 log10(1 + f / 700); the two constants agree to 1e-5 relative, and every filterbank
    /// here depends only on ratios of mel differences, so the constant cancels).
    case htk
    /// Slaney's Auditory Toolbox scale (librosa's default): linear below 1 kHz,
    /// mel = 3 f / 200; logarithmic above, mel = 15 + 27 ln(f / 1000) / ln(6.4).
    case slaney
}

/// How the triangular mel filters are laid over the FFT bins.
///
/// Raw values are stable names for the model file (`earshot.frontend.filterbank`).
public enum FilterbankStyle: String, CaseIterable, Equatable, Sendable {
    /// TensorFlow's `MfccMelFilterbank` (mfcc_mel_filterbank.cc): channel c has its peak at
    /// mel_low + (c + 1) * spacing with spacing = (mel_high - mel_low) / (bands + 1) on the
    /// 1127 ln(1 + f/700) scale; only bins start...end are used, with
    /// hz_per_bin = (sampleRate / 2) / (bins - 1), start = Int(1.5 + low / hz_per_bin) (DC is
    /// always excluded), end = Int(high / hz_per_bin). Bin i, between peaks c and c+1 in mel,
    /// gives weight w = (peak[c+1] - mel_i) / (peak[c+1] - peak[c]) to c and 1 - w to c + 1
    /// (below the first peak the left edge is mel_low). Peak value 1, no area normalization.
    /// Note that TensorFlow applies this filterbank to the magnitude (sqrt of the power).
    case tensorFlow = "tensorflow"
    /// Triangles in the mel domain over bins 0..<N/2 (Kaldi's `MelBanks`): band m spans
    /// mel points m, m+1, m+2 of bands + 2 equally spaced points from mel(low) to mel(high);
    /// weight (mel - left)/(center - left) rising, (right - mel)/(right - center) falling,
    /// strictly inside (left, right). Computed in Float with Kaldi's expressions (Double weights
    /// differ from Kaldi's by up to 1e-5, 3e-4 relative near the triangles' feet).
    case melTriangles = "mel_triangles"
    /// Triangles in the Hz domain over bins 0...N/2 (librosa's `filters.mel`): the bands + 2
    /// mel points are mapped back to Hz and bin frequency f = k * sampleRate / N gets
    /// max(0, min((f - f[m]) / (f[m+1] - f[m]), (f[m+2] - f) / (f[m+2] - f[m+1]))).
    case hertzTriangles = "hertz_triangles"
}

/// Area normalization of the filters (librosa's `norm`).
///
/// Raw values are stable names for the model file (`earshot.frontend.mel_norm`).
public enum MelNormalization: String, CaseIterable, Equatable, Sendable {
    /// Peak 1.
    case none
    /// Slaney: each triangle scaled by 2 / (f_right - f_left) in Hz (constant energy per band).
    case slaney
}

/// Scaling of the DCT-II that turns log mel energies into cepstral coefficients.
///
/// Raw values are stable names for the model file (`earshot.frontend.dct`).
public enum DCTScaling: String, CaseIterable, Equatable, Sendable {
    /// No DCT: the features are the (log) mel energies.
    case none
    /// TensorFlow's MfccDct (mfcc_dct.cc): c[i] = sqrt(2/N) sum_j x[j] cos(pi i (j + 0.5) / N),
    /// the same factor sqrt(2/N) for every i (including i = 0).
    case tensorFlow = "tensorflow"
    /// Orthonormal DCT-II (scipy `norm="ortho"`, librosa, Kaldi): as above but c[0] uses sqrt(1/N).
    case orthonormal
}
