import Foundation
import Frontend
import Model
import TestSupport
import Testing

@Suite struct FixedPointRealFFTTests {
    /// X[k] / N of a full-scale random signal against a Double DFT: kissfft's fixed point divides by
    /// the radix at every stage with rounding, so the result is the DFT / N within a few LSB.
    @Test(arguments: [8, 16, 64, 128, 512, 1024])
    func isTheDFTDividedByN(size: Int) throws {
        let fft = try FixedPointRealFFT(size: size)
        var generator = SeededGenerator(seed: UInt64(size))
        let x = (0..<size).map { _ in Int16.random(in: -20000...20000, using: &generator) }
        var re = [Int16](repeating: 0, count: fft.binCount)
        var im = [Int16](repeating: 0, count: fft.binCount)
        fft.forward(x, real: &re, imaginary: &im)
        var worst = 0.0
        for k in 0...(size / 2) {
            var sumR = 0.0, sumI = 0.0
            for n in 0..<size {
                let angle = -2 * Double.pi * Double(k * n % size) / Double(size)
                sumR += Double(x[n]) * cos(angle)
                sumI += Double(x[n]) * sin(angle)
            }
            worst = max(worst, abs(Double(re[k]) - sumR / Double(size)), abs(Double(im[k]) - sumI / Double(size)))
        }
        #expect(worst <= 4, "max error \(worst) LSB")
        #expect(im[0] == 0 && im[size / 2] == 0)
    }

    @Test func aToneLandsInItsBin() throws {
        let fft = try FixedPointRealFFT(size: 512)
        let x = (0..<512).map { Int16(30000 * cos(2 * Double.pi * 37 * Double($0) / 512)) }
        var re = [Int16](repeating: 0, count: 257)
        var im = [Int16](repeating: 0, count: 257)
        fft.forward(x, real: &re, imaginary: &im)
        // A cosine of amplitude A gives A/2 in its bin after the 1/N scaling, about 0.05% less: each
        // stage divides by p as a multiplication by floor(32767 / p) / 32768.
        #expect(abs(Int(re[37]) - 15000) <= 15)
        #expect(re.enumerated().allSatisfy { $0.offset == 37 || abs(Int($0.element)) <= 4 })
    }

    @Test func rejectsSizesItCannotDo() {
        for size in [0, 2, 3, 12, 1 << 17] {
            #expect(throws: FrontendError.fftLengthNotPowerOfTwo(size)) { try FixedPointRealFFT(size: size) }
        }
    }
}
