import Glibc
import Kernels
import TestSupport
import Testing

@Suite("Vector helpers")
struct VectorTests {
    @Test("softmax matches a Double reference and sums to 1")
    func softmax() {
        var generator = SeededGenerator(seed: 3)
        for count in [1, 2, 7, 12, 37] {
            let x = (0..<count).map { _ in generator.uniform(30) }
            var y = [Float](repeating: 0, count: count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Vector.softmax(xp.baseAddress!, into: yp.baseAddress!, count: count)
                }
            }
            let maximum = Double(x.max()!)
            let exps = x.map { Glibc.exp(Double($0) - maximum) }
            let sum = exps.reduce(0, +)
            for i in 0..<count {
                #expect(abs(Double(y[i]) - exps[i] / sum) <= 1e-7, "count \(count) index \(i)")
            }
            #expect(abs(y.reduce(0, +) - 1) <= 1e-6)
        }
    }

    @Test("softmax of a vector containing NaN or +∞ is all NaN")
    func softmaxNaN() {
        for bad: Float in [.nan, .infinity] {
            let x: [Float] = [1, bad, 2]
            var y = [Float](repeating: 0, count: 3)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Vector.softmax(xp.baseAddress!, into: yp.baseAddress!, count: 3)
                }
            }
            #expect(y.allSatisfy { $0.isNaN })
        }
    }

    @Test("in-place element-wise helpers")
    func elementwise() {
        var y: [Float] = [-2, -0.5, 0, 0.5, 2]
        let x: [Float] = [1, 2, 3, 4, 5]
        y.withUnsafeMutableBufferPointer { yp in
            x.withUnsafeBufferPointer { xp in
                Vector.add(xp.baseAddress!, into: yp.baseAddress!, count: 5)
            }
        }
        #expect(y == [-1, 1.5, 3, 4.5, 7])
        y.withUnsafeMutableBufferPointer { Vector.clampInPlace($0.baseAddress!, limit: 2, count: 5) }
        #expect(y == [-1, 1.5, 2, 2, 2])
        var z: [Float] = [-3, -0.0, 0, 4]
        z.withUnsafeMutableBufferPointer { Vector.reluInPlace($0.baseAddress!, count: 4) }
        #expect(z[0] == 0 && z[3] == 4)
        var s: [Float] = [-1, 0, 1]
        s.withUnsafeMutableBufferPointer { Vector.sigmoidInPlace($0.baseAddress!, count: 3) }
        #expect(s[1] == 0.5 && abs(Double(s[2]) - 1 / (1 + Glibc.exp(-1.0))) < 1e-7)
        var t: [Float] = [-1, 0, 1]
        t.withUnsafeMutableBufferPointer { Vector.tanhInPlace($0.baseAddress!, count: 3) }
        #expect(t[0] == -t[2] && abs(Double(t[2]) - Glibc.tanh(1.0)) < 1e-7)
        var m: [Float] = [1, 2, 3]
        m.withUnsafeMutableBufferPointer { mp in
            x.withUnsafeBufferPointer { Vector.multiply($0.baseAddress!, into: mp.baseAddress!, count: 3) }
        }
        #expect(m == [1, 4, 9])
    }
}
