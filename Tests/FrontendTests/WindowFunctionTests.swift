import Foundation
import Frontend
import Model
import Testing

@Suite struct WindowFunctionTests {
    /// The formulas, with Glibc's cos and pow.
    static func formula(_ window: WindowFunction, _ n: Int, _ length: Int) -> Double {
        let periodic = Double(length), symmetric = Double(length - 1)
        switch window {
        case .rectangular: return 1
        case .hannPeriodic: return 0.5 - 0.5 * cos(2 * .pi * Double(n) / periodic)
        case .hannSymmetric: return 0.5 - 0.5 * cos(2 * .pi * Double(n) / symmetric)
        case .hammingPeriodic: return 0.54 - 0.46 * cos(2 * .pi * Double(n) / periodic)
        case .hammingSymmetric: return 0.54 - 0.46 * cos(2 * .pi * Double(n) / symmetric)
        case .povey: return pow(0.5 - 0.5 * cos(2 * .pi * Double(n) / symmetric), 0.85)
        }
    }

    @Test(arguments: WindowFunction.allCases)
    func matchesFormula(window: WindowFunction) {
        for length in [2, 3, 400, 640, 1024] {
            let values = window.coefficients(length: length)
            #expect(values.count == length)
            for n in 0..<length {
                let expected = Self.formula(window, n, length)
                #expect(abs(values[n] - expected) <= 1e-14, "\(window) N=\(length) n=\(n)")
            }
        }
    }

    @Test func symmetricWindowsAreSymmetricAndPeriodicOnesAreNot() {
        for window in [WindowFunction.hannSymmetric, .hammingSymmetric, .povey] {
            let w = window.coefficients(length: 401)
            for n in 0..<401 { #expect(abs(w[n] - w[400 - n]) <= 1e-15) }
        }
        let periodic = WindowFunction.hannPeriodic.coefficients(length: 640)
        #expect(periodic[0] == 0)
        #expect(periodic[320] == 1)
        #expect(abs(periodic[639] - periodic[1]) <= 1e-15)
    }

    @Test func rawValuesAreStableNames() {
        // The names stored in model files (earshot.frontend.window): changing one breaks old files.
        #expect(WindowFunction.allCases.map(\.rawValue)
                == ["rectangular", "hann_periodic", "hann_symmetric", "hamming_periodic", "hamming_symmetric", "povey"])
        #expect(FilterbankStyle.allCases.map(\.rawValue) == ["tensorflow", "mel_triangles", "hertz_triangles"])
        #expect(DCTScaling.allCases.map(\.rawValue) == ["none", "tensorflow", "orthonormal"])
        #expect(LogEnergyPlacement.allCases.map(\.rawValue) == ["none", "prepend", "replace_first"])
    }
}
