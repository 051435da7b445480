import Kernels
import TestSupport
import Testing

// Every C kernel path available on this machine against its portable Swift twin:
// int8 bit for bit (integer sums and the specified rescale), floats within stated tolerances.

private let shapes: [(rows: Int, columns: Int)] = [
    (1, 1), (1, 7), (3, 8), (4, 9), (5, 15), (7, 16), (8, 17), (9, 31), (12, 32), (13, 33),
    (4, 35), (16, 40), (17, 63), (33, 64), (5, 65), (64, 128), (11, 129), (512, 40), (512, 128),
]

private func randomFloats(_ count: Int, scale: Float, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in generator.uniform(scale) }
}

/// Σ|W·x| per row, in Double, to scale float tolerances.
private func magnitudes(_ w: [Float], rows: Int, columns: Int, _ x: [Float]) -> [Double] {
    (0..<rows).map { r in (0..<columns).reduce(0.0) { $0 + abs(Double(w[r * columns + $1]) * Double(x[$1])) } }
}

@Suite("C kernels against their Swift twins")
struct KernelSetTests {
    @Test("the best path is one of the available paths, and generic is always there")
    func dispatch() {
        let available = KernelSet.available
        #expect(available.first?.path == .generic)
        #expect(available.contains(KernelSet.best))
        #expect(KernelSet.best.path == available.last?.path)
        print("kernel paths on this machine: \(available.map(\.name)); best: \(KernelSet.best.name)")
    }

    // One test per kernel path: a path this CPU lacks is reported as skipped with the reason, never
    // as passed. Each runs every check below (fp32, fp16, int8 quantize and matrix-vector, packed
    // int8 where the path packs, int8 extremes, σ/tanh) against the Swift twins.

    /// Runs every check on `path`'s kernels (the test is only enabled when the path exists).
    func checkAll(_ path: KernelPath) throws {
        let kernels = try #require(KernelSet(path: path))
        float32(kernels)
        float16(kernels)
        quantize(kernels)
        int8(kernels)
        packedOperand(kernels)
        int8Extremes(kernels)
        activations(kernels)
    }

    @Test("generic C kernels match their Swift twins")
    func generic() throws { try checkAll(.generic) }

    @Test("x86-64 AVX2 kernels match their Swift twins",
          .enabled(if: KernelSet(path: .x86AVX2) != nil, "this CPU lacks AVX2+FMA+F16C (or is not x86-64)"))
    func avx2() throws { try checkAll(.x86AVX2) }

    @Test("x86-64 AVX-VNNI kernels match their Swift twins",
          .enabled(if: KernelSet(path: .x86AVXVNNI) != nil, "this CPU lacks AVX-VNNI (or is not x86-64)"))
    func avxVNNI() throws { try checkAll(.x86AVXVNNI) }

    @Test("x86-64 AVX-512 VNNI kernels match their Swift twins",
          .enabled(if: KernelSet(path: .x86AVX512VNNI) != nil, "this CPU lacks AVX-512 VNNI (or is not x86-64)"))
    func avx512VNNI() throws { try checkAll(.x86AVX512VNNI) }

    @Test("aarch64 NEON kernels match their Swift twins",
          .enabled(if: KernelSet(path: .aarch64NEON) != nil, "not an aarch64 CPU (tools/ci/test_aarch64.sh checks them under QEMU against the generic C kernels)"))
    func neon() throws { try checkAll(.aarch64NEON) }

    @Test("aarch64 NEON dot-product kernels match their Swift twins",
          .enabled(if: KernelSet(path: .aarch64DotProduct) != nil, "this CPU lacks the Armv8.2 dot-product instructions (or is not aarch64)"))
    func neonDotProduct() throws { try checkAll(.aarch64DotProduct) }

    /// fp32 matrix-vector matches the Swift kernel within n·ε·Σ|w·x|
    func float32(_ kernels: KernelSet) {
        var generator = SeededGenerator(seed: 7)
        for (rows, columns) in shapes {
            let w = randomFloats(rows * columns, scale: 1, &generator)
            let x = randomFloats(columns, scale: 2, &generator)
            let start = randomFloats(rows, scale: 3, &generator)
            let bound = magnitudes(w, rows: rows, columns: columns, x)
            for accumulate in [false, true] {
                var c = start, swift = start
                w.withUnsafeBufferPointer { wp in
                    x.withUnsafeBufferPointer { xp in
                        kernels.multiply(float32: wp.baseAddress!, rows: rows, columns: columns, vector: xp.baseAddress!,
                                         into: &c, accumulate: accumulate)
                        swift.withUnsafeMutableBufferPointer { sp in
                            if accumulate {
                                MatrixVector.multiplyAdd(wp.baseAddress!, rows: rows, columns: columns,
                                                         vector: xp.baseAddress!, into: sp.baseAddress!)
                            } else {
                                MatrixVector.multiply(wp.baseAddress!, rows: rows, columns: columns,
                                                      vector: xp.baseAddress!, into: sp.baseAddress!)
                            }
                        }
                    }
                }
                for r in 0..<rows {
                    let tolerance = 2 * Double(columns + 2) * Double(Float.ulpOfOne) * (bound[r] + abs(Double(start[r])))
                    #expect(abs(Double(c[r]) - Double(swift[r])) <= tolerance,
                            "\(kernels.name) [\(rows)x\(columns)] acc \(accumulate) row \(r): \(c[r]) vs \(swift[r])")
                }
            }
        }
    }

    /// fp16 matrix-vector matches the Swift twin within n·ε·Σ|w·x|
    func float16(_ kernels: KernelSet) {
        var generator = SeededGenerator(seed: 8)
        for (rows, columns) in shapes {
            let halves = randomFloats(rows * columns, scale: 1, &generator).map { HalfPrecision.bits(from: $0) }
            let widened = halves.map { HalfPrecision.float(fromBits: $0) }
            let x = randomFloats(columns, scale: 2, &generator)
            let start = randomFloats(rows, scale: 3, &generator)
            let bound = magnitudes(widened, rows: rows, columns: columns, x)
            for accumulate in [false, true] {
                var c = start, swift = start
                halves.withUnsafeBufferPointer { wp in
                    x.withUnsafeBufferPointer { xp in
                        kernels.multiply(float16: wp.baseAddress!, rows: rows, columns: columns, vector: xp.baseAddress!,
                                         into: &c, accumulate: accumulate)
                        MatrixVector.multiply(float16: wp.baseAddress!, rows: rows, columns: columns,
                                              vector: xp.baseAddress!, into: &swift, accumulate: accumulate)
                    }
                }
                for r in 0..<rows {
                    let tolerance = 2 * Double(columns + 2) * Double(Float.ulpOfOne) * (bound[r] + abs(Double(start[r])))
                    #expect(abs(Double(c[r]) - Double(swift[r])) <= tolerance,
                            "\(kernels.name) [\(rows)x\(columns)] acc \(accumulate) row \(r): \(c[r]) vs \(swift[r])")
                }
            }
        }
    }

    /// int8 quantization is bit-identical to the Swift twin
    func quantize(_ kernels: KernelSet) {
        var generator = SeededGenerator(seed: 9)
        var vectors: [[Float]] = [[], [0, 0, 0], [0.5], [-3, 3, 1.5, -1.5], [Float](repeating: -0.0, count: 40)]
        for count in [1, 7, 8, 31, 32, 33, 40, 64, 100, 128, 129] {
            vectors.append(randomFloats(count, scale: 1.5, &generator))
            // exact ties: multiples of m/254 hit .5 after scaling
            vectors.append((0..<count).map { Float($0 % 255 - 127) / 2 })
        }
        vectors.append([1, .nan, 2])
        vectors.append([1, -.infinity, 2] + [Float](repeating: 0.25, count: 40))
        vectors.append([Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude])
        vectors.append([Float.greatestFiniteMagnitude, 1])
        for x in vectors {
            var c = [Int8](repeating: 99, count: x.count), swift = c
            let (cScale, swiftScale) = x.withUnsafeBufferPointer { xp in
                let base = xp.baseAddress ?? UnsafePointer(bitPattern: 16)!
                return (kernels.quantize(base, count: x.count, into: &c),
                        Quantization.quantize(base, count: x.count, into: &swift))
            }
            #expect(c == swift, "\(kernels.name) \(x.prefix(8))…: \(c.prefix(8)) vs \(swift.prefix(8))")
            #expect(cScale.bitPattern == swiftScale.bitPattern || (cScale.isNaN && swiftScale.isNaN),
                    "\(kernels.name): scale \(cScale) vs \(swiftScale)")
            #expect(c.allSatisfy { $0 >= -127 })
        }
    }

    /// int8 matrix-vector is bit-identical to the Swift twin
    func int8(_ kernels: KernelSet) {
        var generator = SeededGenerator(seed: 10)
        for (rows, columns) in shapes + [(6, 1000), (3, 4099)] {
            let w = (0..<rows * columns).map { _ in Int8.random(in: -127...127, using: &generator) }
            let scales = randomFloats(rows, scale: 0.02, &generator).map(abs)
            let x = randomFloats(columns, scale: 2, &generator)
            let start = randomFloats(rows, scale: 3, &generator)
            // The kernels read the quantized vector in whole 32-byte blocks.
            var q = [Int8](repeating: 0x55, count: MatrixOperand.quantizedByteCount(columns: columns))
            let vectorScale = Quantization.quantize(x, count: columns, into: &q)
            for accumulate in [false, true] {
                var c = start, swift = start
                kernels.multiply(int8: w, rowScales: scales, rows: rows, columns: columns, quantizedVector: q,
                                 vectorScale: vectorScale, into: &c, accumulate: accumulate)
                MatrixVector.multiply(int8: w, rowScales: scales, rows: rows, columns: columns, quantizedVector: q,
                                      vectorScale: vectorScale, into: &swift, accumulate: accumulate)
                let difference = c.indices.first { c[$0].bitPattern != swift[$0].bitPattern }
                #expect(difference == nil,
                        "\(kernels.name) [\(rows)x\(columns)] acc \(accumulate): first difference at row \(difference ?? -1)")
                guard kernels.packsInt8 else { continue }
                let bytes = kernels.packedInt8ByteCount(rows: rows, columns: columns)
                let packed = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                defer { packed.deallocate() }
                kernels.packInt8(w, rows: rows, columns: columns, into: packed)
                var p = start
                kernels.multiply(packedInt8: packed, rowScales: scales, rows: rows, columns: columns, quantizedVector: q,
                                 vectorScale: vectorScale, into: &p, accumulate: accumulate)
                let packedDifference = p.indices.first { p[$0].bitPattern != swift[$0].bitPattern }
                #expect(packedDifference == nil,
                        "\(kernels.name) packed [\(rows)x\(columns)] acc \(accumulate): first difference at row \(packedDifference ?? -1)")
            }
        }
    }

    /// packed int8 through MatrixOperand: segments and row ranges equal the row-major product
    func packedOperand(_ kernels: KernelSet) {
        guard kernels.packsInt8 else { return }  // this path keeps int8 row-major: nothing packed to check
        var generator = SeededGenerator(seed: 14)
        let h = 13, rows = 3 * h, columns = 37
        let w = (0..<rows * columns).map { _ in Int8.random(in: -127...127, using: &generator) }
        let scales = randomFloats(rows, scale: 0.02, &generator).map(abs)
        let x = randomFloats(columns, scale: 2, &generator)
        var q = [Int8](repeating: 0, count: MatrixOperand.quantizedByteCount(columns: columns))
        w.withUnsafeBufferPointer { wp in
            scales.withUnsafeBufferPointer { sp in
                q.withUnsafeMutableBufferPointer { qp in
                    let plain = MatrixOperand(elementType: .int8, rows: rows, columns: columns,
                                              data: UnsafeRawPointer(wp.baseAddress!), scales: sp.baseAddress!,
                                              kernels: kernels, quantizedVector: qp.baseAddress!)
                    var packed = plain
                    let bytes = plain.packedByteCount(segmentRows: h)
                    let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                    defer { memory.deallocate() }
                    packed.pack(into: memory, segmentRows: h)
                    for (first, count) in [(0, rows), (0, 2 * h), (2 * h, h), (h, h)] {
                        var a = [Float](repeating: 1, count: count), b = a
                        plain.multiply(firstRow: first, rowCount: count, vector: x, into: &a, accumulate: true)
                        packed.multiply(firstRow: first, rowCount: count, vector: x, into: &b, accumulate: true)
                        #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(kernels.name) rows \(first)..<\(first + count)")
                    }
                }
            }
        }
    }

    /// int8 extremes: ±127 everywhere sums exactly
    func int8Extremes(_ kernels: KernelSet) {
        for columns in [1, 31, 32, 45, 1000] {
            let rows = 5
            let w = (0..<rows * columns).map { i in Int8(i % 3 == 0 ? -127 : 127) }
            let q = [Int8](repeating: -127, count: MatrixOperand.quantizedByteCount(columns: columns))
            var y = [Float](repeating: 0, count: rows)
            kernels.multiply(int8: w, rowScales: [Float](repeating: 1, count: rows), rows: rows, columns: columns,
                             quantizedVector: q, vectorScale: 1, into: &y, accumulate: false)
            for r in 0..<rows {
                var exact = 0
                for c in 0..<columns { exact += Int(w[r * columns + c]) * -127 }
                #expect(y[r] == Float(exact), "\(kernels.name) columns \(columns) row \(r)")
            }
        }
    }

    /// σ and tanh match the Swift twin within 2e-7
    func activations(_ kernels: KernelSet) {
        var values: [Float] = stride(from: -30, through: 30, by: 0.0137).map { Float($0) }
        values += [0, -0.0, 1e-30, -1e-30, 0.6249, 0.625, 0.6251, 9, 9.5, 87.9, 88, 88.1, 100, -100, 1e30, -1e30,
                   .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for count in [values.count, 1, 7, 9] {
            let x = Array(values.prefix(count))
            var s = x, t = x, e = x
            kernels.sigmoidInPlace(&s, count: count)
            kernels.tanhInPlace(&t, count: count)
            kernels.expInPlace(&e, count: count)
            for i in 0..<count {
                let twin = VectorMath.exp(x[i])
                #expect(abs(e[i] - twin) <= 4 * twin.ulp, "\(kernels.name) exp(\(x[i])): \(e[i]) vs \(twin)")
                #expect(abs(s[i] - VectorMath.sigmoid(x[i])) <= 2e-7, "\(kernels.name) σ(\(x[i])): \(s[i])")
                #expect(abs(t[i] - VectorMath.tanh(x[i])) <= 2e-7, "\(kernels.name) tanh(\(x[i])): \(t[i])")
            }
        }
        var nan: [Float] = [.nan, 1, .nan, 2, 3, 4, 5, 6, .nan]
        kernels.sigmoidInPlace(&nan, count: nan.count)
        #expect(nan[0].isNaN && nan[2].isNaN && nan[8].isNaN && !nan[1].isNaN, "\(kernels.name) σ keeps NaN")
        nan = [.nan, 1, .nan, 2, 3, 4, 5, 6, .nan]
        kernels.tanhInPlace(&nan, count: nan.count)
        #expect(nan[0].isNaN && nan[2].isNaN && nan[8].isNaN && !nan[1].isNaN, "\(kernels.name) tanh keeps NaN")
    }
}

@Suite("Swift twins against independent references")
struct TwinReferenceTests {
    @Test("VectorMath σ and tanh are within 3e-7 of the correctly rounded ElementaryMath")
    func activationAccuracy() {
        var worstSigmoid: Float = 0, worstTanh: Float = 0
        var x: Float = -40
        while x <= 40 {
            worstSigmoid = max(worstSigmoid, abs(VectorMath.sigmoid(x) - ElementaryMath.sigmoid(x)))
            worstTanh = max(worstTanh, abs(VectorMath.tanh(x) - ElementaryMath.tanh(x)))
            x += 0.000_731
        }
        for v: Float in [0, 1e-20, 1e-8, 1e-4, 0.3, 0.62, 0.63, 5, 8.99, 9.01, 50, 88, 89, 1e10, .infinity] {
            for s in [v, -v] {
                worstSigmoid = max(worstSigmoid, abs(VectorMath.sigmoid(s) - ElementaryMath.sigmoid(s)))
                worstTanh = max(worstTanh, abs(VectorMath.tanh(s) - ElementaryMath.tanh(s)))
            }
        }
        var worstExp: Float = 0
        x = -87
        while x <= 88 {
            let exact = ElementaryMath.exp(x)
            worstExp = max(worstExp, abs(VectorMath.exp(x) - exact) / exact.ulp)
            x += 0.001_37
        }
        #expect(worstExp <= 3, "worst exp error \(worstExp) ulp")
        #expect(worstSigmoid < 3e-7, "worst σ error \(worstSigmoid)")
        #expect(worstTanh < 3e-7, "worst tanh error \(worstTanh)")
        #expect(VectorMath.tanh(-0.0).sign == .minus)
        #expect(VectorMath.sigmoid(.nan).isNaN && VectorMath.tanh(.nan).isNaN)
        print("VectorMath worst abs error: sigmoid \(worstSigmoid), tanh \(worstTanh); exp \(worstExp) ulp")
    }

    @Test("HalfPrecision widens all 65,536 halves exactly as Swift's Float16 does")
    func halfToFloat() {
        for bits in 0...UInt16.max {
            let mine = HalfPrecision.float(fromBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(mine.isNaN)
            } else {
                #expect(mine.bitPattern == reference.bitPattern, "half \(bits)")
            }
        }
    }

    @Test("HalfPrecision rounds floats to the nearest half as Swift's Float16 does")
    func floatToHalf() {
        var generator = SeededGenerator(seed: 11)
        var values: [Float] = [0, -0.0, 1, -1, 65504, 65519.99, 65520, 1e6, -1e6, .infinity, -.infinity,
                               0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1.ffcp-15, 0x1p-14, 6.1e-5, 5.96e-8]
        for _ in 0..<200_000 {
            let exponent = Int.random(in: -30...17, using: &generator)
            values.append(Float(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: exponent,
                                significand: 1 + Float.random(in: 0..<1, using: &generator)))
        }
        // Exact ties between two halves.
        for bits in stride(from: UInt16(0), to: 0x7BFF, by: 97) {
            let a = Float(Float16(bitPattern: bits)), b = Float(Float16(bitPattern: bits + 1))
            values.append((a + b) / 2)
        }
        for value in values {
            #expect(HalfPrecision.bits(from: value) == Float16(value).bitPattern, "value \(value)")
        }
        #expect(HalfPrecision.float(fromBits: HalfPrecision.bits(from: .nan)).isNaN)
    }

    @Test("int8 Swift twin equals exact integer arithmetic in Double")
    func int8Twin() {
        var generator = SeededGenerator(seed: 12)
        let rows = 7, columns = 45
        let w = (0..<rows * columns).map { _ in Int8.random(in: -127...127, using: &generator) }
        let q = (0..<columns).map { _ in Int8.random(in: -127...127, using: &generator) }
        let scales: [Float] = (0..<rows).map { _ in Float.random(in: 0.001...0.01, using: &generator) }
        var y = [Float](repeating: 0, count: rows)
        MatrixVector.multiply(int8: w, rowScales: scales, rows: rows, columns: columns, quantizedVector: q,
                              vectorScale: 0.02, into: &y, accumulate: false)
        for r in 0..<rows {
            var sum = 0
            for c in 0..<columns { sum += Int(w[r * columns + c]) * Int(q[c]) }
            #expect(y[r] == Float(sum) * (scales[r] * 0.02))
        }
    }

    @Test("quantize: q·scale is within scale/2 of x, and ties round to even")
    func quantizeTwin() {
        var generator = SeededGenerator(seed: 13)
        let x = randomFloats(100, scale: 4, &generator)
        var q = [Int8](repeating: 0, count: 100)
        let scale = Quantization.quantize(x, count: 100, into: &q)
        let m = x.map(abs).max()!
        #expect(scale == m / 127)
        for i in 0..<100 { #expect(abs(Double(q[i]) * Double(scale) - Double(x[i])) <= Double(scale) * 0.5001) }
        var ties = [Int8](repeating: 0, count: 4)
        #expect(Quantization.quantize([127, 0.5, 1.5, -2.5], count: 4, into: &ties) == 1)
        #expect(ties == [127, 0, 2, -2])
    }
}
