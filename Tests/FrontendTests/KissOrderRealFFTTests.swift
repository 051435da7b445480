import AllocationCounter
import Foundation
import Frontend
import Model
import Testing

/// The inputs of the knf.Rfft fixtures: x' = 1664525 x + 1013904223 mod 2^32, value = (signed top
/// 16 bits) / 256 (tools/fixtures/make_kaldi_fixtures.py's `lcg_floats`).
func kaldiFixtureLCG(count: Int, seed: UInt32) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = 1_664_525 &* state &+ 1_013_904_223
        return Float(Int16(truncatingIfNeeded: state >> 16)) / 256
    }
}

@Suite struct KissOrderRealFFTTests {
    /// Bit for bit against kaldi-native-fbank's own FFT (knf.Rfft, fixtures from
    /// tools/fixtures/make_kaldi_fixtures.py): sizes with radix-4 stages only and with an inner radix-2 one.
    @Test(arguments: [4, 8, 16, 32, 64, 128, 256, 512, 1024])
    func matchesKaldiNativeFbankBitForBit(size: Int) throws {
        let expected = try #require(KaldiFixtures.rfft[size])
        #expect(expected.count == size)
        let fft = try KissOrderRealFFT(size: size)
        let x = kaldiFixtureLCG(count: size, seed: UInt32(size))
        var re = [Float](repeating: .nan, count: fft.binCount)
        var im = [Float](repeating: .nan, count: fft.binCount)
        fft.forward(x, real: &re, imaginary: &im)
        // knf's packing: Re X0, Re X(N/2), then Re/Im of X1 ... X(N/2 - 1).
        var ours = [re[0], re[size / 2]]
        for k in 1..<(size / 2) { ours += [re[k], im[k]] }
        var mismatches: [String] = []
        for i in 0..<size where ours[i].bitPattern != expected[i] {
            mismatches.append("[\(i)] \(ours[i]) vs \(Float(bitPattern: expected[i]))")
        }
        #expect(mismatches.isEmpty, "N=\(size): \(mismatches.count) values differ: \(mismatches.prefix(6))")
        #expect(im[0] == 0 && im[size / 2] == 0)
    }

    /// Accuracy against a Double DFT (an independent reference), as for `RealFFT`.
    @Test(arguments: [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    func matchesNaiveDFT(size: Int) throws {
        let fft = try KissOrderRealFFT(size: size)
        #expect(fft.binCount == size / 2 + 1)
        let x = randomSignal(count: size, seed: UInt64(size) &+ 7)
        var re = [Float](repeating: .nan, count: fft.binCount)
        var im = [Float](repeating: .nan, count: fft.binCount)
        fft.forward(x, real: &re, imaginary: &im)
        let reference = RealFFTTests.naiveDFT(x)
        let norm = sqrt(x.reduce(0.0) { $0 + Double($1) * Double($1) })
        var maxError = 0.0
        for k in 0..<fft.binCount {
            maxError = max(maxError, abs(Double(re[k]) - reference.re[k]), abs(Double(im[k]) - reference.im[k]))
        }
        let tolerance = 1e-6 * log2(Double(size)) * norm
        #expect(maxError <= tolerance, "N=\(size): max error \(maxError), tolerance \(tolerance)")
    }

    @Test(arguments: [0, 1, 3, 6, 400, 1 << 17])
    func rejectsSizesThatAreNotPowersOfTwoInRange(size: Int) {
        #expect(throws: FrontendError.fftLengthNotPowerOfTwo(size)) { _ = try KissOrderRealFFT(size: size) }
    }

    @Test func forwardAllocatesNothing() throws {
        #expect(allocation_counter_is_active() == 1)
        let fft = try KissOrderRealFFT(size: 512)
        let x = randomSignal(count: 512, seed: 3)
        var re = [Float](repeating: 0, count: fft.binCount)
        var im = [Float](repeating: 0, count: fft.binCount)
        x.withUnsafeBufferPointer { input in
            re.withUnsafeMutableBufferPointer { real in
                im.withUnsafeMutableBufferPointer { imaginary in
                    allocation_counter_begin()
                    for _ in 0..<100 { fft.forward(input.baseAddress!, real: real.baseAddress!, imaginary: imaginary.baseAddress!) }
                    let allocations = allocation_counter_end()
                    #expect(allocations == 0, "\(allocations) allocations in 100 transforms")
                }
            }
        }
    }
}
