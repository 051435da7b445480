import Foundation
import Frontend
import Model
import Testing

@Suite struct RealFFTTests {
    /// Naive DFT in Double with Glibc's cos/sin: X[k] = sum x[n] e^{-2 pi i k n / N}.
    static func naiveDFT(_ x: [Float]) -> (re: [Double], im: [Double]) {
        let n = x.count
        var re = [Double](repeating: 0, count: n / 2 + 1)
        var im = [Double](repeating: 0, count: n / 2 + 1)
        for k in 0...(n / 2) {
            for t in 0..<n {
                // Reduce k*t mod n first so the angle stays accurate.
                let angle = 2 * Double.pi * Double((k * t) % n) / Double(n)
                re[k] += Double(x[t]) * cos(angle)
                im[k] -= Double(x[t]) * sin(angle)
            }
        }
        return (re, im)
    }

    @Test(arguments: [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    func matchesNaiveDFT(size: Int) throws {
        let fft = try RealFFT(size: size)
        #expect(fft.binCount == size / 2 + 1)
        let x = randomSignal(count: size, seed: UInt64(size))
        var re = [Float](repeating: .nan, count: fft.binCount)
        var im = [Float](repeating: .nan, count: fft.binCount)
        fft.forward(x, real: &re, imaginary: &im)
        let reference = Self.naiveDFT(x)
        let norm = sqrt(x.reduce(0.0) { $0 + Double($1) * Double($1) })  // per-bin rms of X
        var maxError = 0.0
        for k in 0..<fft.binCount {
            maxError = max(maxError, abs(Double(re[k]) - reference.re[k]), abs(Double(im[k]) - reference.im[k]))
        }
        // Float FFT: error grows like eps * log2(N) * ||x||; allow 1e-6 * log2(N) * ||x||.
        let tolerance = 1e-6 * log2(Double(size)) * norm
        #expect(maxError <= tolerance, "N=\(size): max error \(maxError), tolerance \(tolerance)")
        #expect(im[0] == 0 && im[size / 2] == 0)
    }

    @Test(arguments: [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    func doubleMatchesNaiveDFT(size: Int) throws {
        let fft = try RealFFT64(size: size)
        #expect(fft.binCount == size / 2 + 1)
        let x = randomSignal(count: size, seed: UInt64(size) &+ 99)
        let wide = x.map(Double.init)
        var re = [Double](repeating: .nan, count: fft.binCount)
        var im = [Double](repeating: .nan, count: fft.binCount)
        fft.forward(wide, real: &re, imaginary: &im)
        let reference = Self.naiveDFT(x)
        let norm = sqrt(x.reduce(0.0) { $0 + Double($1) * Double($1) })
        var maxError = 0.0
        for k in 0..<fft.binCount {
            maxError = max(maxError, abs(re[k] - reference.re[k]), abs(im[k] - reference.im[k]))
        }
        // Double FFT vs a Double naive DFT (whose own error is ~eps * N * ||x||): far below the
        // Float FFT's 1e-6 * log2(N) * ||x||.
        let tolerance = 1e-13 * Double(size) * norm
        #expect(maxError <= tolerance, "N=\(size): max error \(maxError), tolerance \(tolerance)")
        #expect(im[0] == 0 && im[size / 2] == 0)
    }

    @Test func pureToneLandsInItsBin() throws {
        let size = 256
        let fft = try RealFFT(size: size)
        let x = (0..<size).map { Float(cos(2 * Double.pi * 5 * Double($0) / Double(size))) }
        var re = [Float](repeating: 0, count: fft.binCount)
        var im = [Float](repeating: 0, count: fft.binCount)
        fft.forward(x, real: &re, imaginary: &im)
        #expect(abs(re[5] - Float(size / 2)) < 1e-3)
        for k in 0..<fft.binCount where k != 5 {
            #expect(abs(re[k]) < 1e-3 && abs(im[k]) < 1e-3, "bin \(k)")
        }
    }

    @Test(arguments: [0, 1, 3, 6, 1000, 1 << 25, -8])
    func rejectsSizesThatAreNotPowersOfTwo(size: Int) {
        #expect(throws: FrontendError.fftLengthNotPowerOfTwo(size)) { try RealFFT(size: size) }
        #expect(throws: FrontendError.fftLengthNotPowerOfTwo(size)) { try RealFFT64(size: size) }
    }
}
