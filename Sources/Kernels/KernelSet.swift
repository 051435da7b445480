import CKernels

// MARK: - Kernel dispatch

/// Which implementation of the C kernels (Sources/CKernels) a `KernelSet` uses.
public enum KernelPath: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Portable C for the baseline ISA: the reference, and the fallback.
    case generic = 0
    /// x86-64 with AVX2, FMA and F16C.
    case x86AVX2 = 1
    /// aarch64 Advanced SIMD (every Armv8-A CPU).
    case aarch64NEON = 2
    /// aarch64 Advanced SIMD with the SDOT dot-product instructions (Armv8.2-A FEAT_DotProd).
    case aarch64DotProduct = 3
    /// x86-64 AVX2 + FMA + F16C, with AVX-VNNI (VPDPBUSD) for int8.
    case x86AVXVNNI = 4
    /// x86-64 AVX2 + FMA + F16C, with AVX-512 VNNI (512-bit VPDPBUSD) for int8.
    case x86AVX512VNNI = 5

    public var description: String {
        switch self {
        case .generic: return "generic"
        case .x86AVX2: return "x86-64 avx2+fma+f16c"
        case .aarch64NEON: return "aarch64 neon"
        case .aarch64DotProduct: return "aarch64 neon+dotprod"
        case .x86AVXVNNI: return "x86-64 avx2+fma+f16c+avxvnni"
        case .x86AVX512VNNI: return "x86-64 avx2+fma+f16c+avx512vnni"
        }
    }
}

/// One set of matrix–vector, quantization and activation kernels, chosen for the CPU once.
///
/// A plain value holding a pointer to a static C table of function pointers; calling a kernel is
/// one indirect call, with no check of the CPU. `KernelSet.best` checks the CPU (cpuid/xgetbv on
/// x86-64, getauxval on aarch64) on first use. Every kernel has a portable Swift twin
/// (`MatrixVector`, `Quantization`, `VectorMath`) that the tests compare it with.
public struct KernelSet: @unchecked Sendable, Equatable {
    @usableFromInline let table: UnsafePointer<ek_kernels>

    /// The fastest kernels this CPU runs.
    public static var best: KernelSet { KernelSet(table: ek_kernels_best()) }

    /// The kernels of `path`, or nil when this build or this CPU lacks them.
    public init?(path: KernelPath) {
        guard let table = ek_kernels_for_path(ek_path(UInt32(path.rawValue))) else { return nil }
        self.table = table
    }

    init(table: UnsafePointer<ek_kernels>) { self.table = table }

    public static func == (a: KernelSet, b: KernelSet) -> Bool { a.table == b.table }

    /// Every path available on this machine, the generic one first and the best one last.
    public static var available: [KernelSet] {
        let order: [KernelPath] = [.generic, .x86AVX2, .x86AVXVNNI, .x86AVX512VNNI, .aarch64NEON, .aarch64DotProduct]
        return order.compactMap { KernelSet(path: $0) }
    }

    public var path: KernelPath { KernelPath(rawValue: Int(table.pointee.path.rawValue)) ?? .generic }
    public var name: String { String(cString: table.pointee.name) }

    // MARK: - Kernels

    /// y[r] (+)= Σ_c W[r, c] · x[c] for r in 0..<rows; W float32 row-major [rows, columns].
    /// Twin: `MatrixVector.multiply`. Allocates: never.
    @inlinable @inline(__always)
    public func multiply(
        float32 matrix: UnsafePointer<Float>, rows: Int, columns: Int, vector: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        table.pointee.gemv_f32(matrix, rows, columns, vector, output, accumulate ? 1 : 0)
    }

    /// As `multiply(float32:...)` with W stored as IEEE binary16 bit patterns, widened exactly.
    /// Twin: `MatrixVector.multiply(float16:...)`. Allocates: never.
    @inlinable @inline(__always)
    public func multiply(
        float16 matrix: UnsafePointer<UInt16>, rows: Int, columns: Int, vector: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        table.pointee.gemv_f16(matrix, rows, columns, vector, output, accumulate ? 1 : 0)
    }

    /// y[r] (+)= Float(Σ_c Q[r, c] · q[c]) · (rowScales[r] · vectorScale), the sum exact in Int32.
    ///
    /// - Parameters:
    ///   - matrix: Q, int8 row-major [rows, columns], values in −127...127.
    ///   - quantizedVector: q from `quantize`, readable for `columns` rounded up to 32 bytes.
    /// Twin: `MatrixVector.multiply(int8:...)` (bit-identical). Allocates: never.
    @inlinable @inline(__always)
    public func multiply(
        int8 matrix: UnsafePointer<Int8>, rowScales: UnsafePointer<Float>, rows: Int, columns: Int,
        quantizedVector: UnsafePointer<Int8>, vectorScale: Float,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        table.pointee.gemv_s8(
            matrix, rowScales, rows, columns, quantizedVector, vectorScale, output, accumulate ? 1 : 0)
    }

    /// Whether this path multiplies int8 matrices in its own packed layout (`packInt8`) — faster,
    /// at the cost of a packed copy of each int8 matrix made at load.
    public var packsInt8: Bool { table.pointee.pack_s8 != nil }

    /// Bytes of the packed copy of an int8 [rows, columns] matrix (a multiple of 32); 0 when the
    /// path does not pack.
    public func packedInt8ByteCount(rows: Int, columns: Int) -> Int {
        guard let size = table.pointee.packed_s8_size else { return 0 }
        return size(rows, columns)
    }

    /// Packs an int8 matrix (values in −127...127) for `multiply(packedInt8:...)` into `packed`
    /// (`packedInt8ByteCount` bytes, 64-byte aligned). Precondition: `packsInt8`.
    public func packInt8(_ matrix: UnsafePointer<Int8>, rows: Int, columns: Int, into packed: UnsafeMutableRawPointer) {
        precondition(packsInt8, "\(name) does not pack int8 matrices")
        table.pointee.pack_s8.unsafelyUnwrapped(matrix, rows, columns, packed)
    }

    /// `multiply(int8:...)` on a matrix packed by `packInt8`; bit-identical to it.
    /// Allocates: never.
    @inlinable @inline(__always)
    public func multiply(
        packedInt8 packed: UnsafeRawPointer, rowScales: UnsafePointer<Float>, rows: Int, columns: Int,
        quantizedVector: UnsafePointer<Int8>, vectorScale: Float,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        // `guard let`, not `unsafelyUnwrapped` (see MatrixOperand.multiply).
        guard let gemv = table.pointee.gemv_s8_packed else { preconditionFailure("\(name) has no packed int8 kernel") }
        gemv(
            packed, rowScales, rows, columns, quantizedVector, vectorScale, output, accumulate ? 1 : 0)
    }

    /// Symmetric dynamic quantization: m = max|x|, q[i] = clamp(roundeven(x[i] · (127/m)), ±127),
    /// returns m/127 (0 when m < 2^-100, NaN when x holds NaN or ±∞, with q all 0).
    /// Twin: `Quantization.quantize` (bit-identical). Allocates: never.
    @inlinable @inline(__always)
    public func quantize(_ vector: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Int8>) -> Float {
        table.pointee.quantize_s8(vector, count, output)
    }

    /// y[i] = σ(y[i]) = 1 / (1 + e^(−y[i])), absolute error < 3e-7. Twin: `VectorMath.sigmoid`.
    /// Allocates: never.
    @inlinable @inline(__always)
    public func sigmoidInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.sigmoid(y, count)
    }

    /// y[i] = e^clamp(y[i], −88, 88), relative error about 2 ulp. Twin: `VectorMath.exp`.
    /// Allocates: never.
    @inlinable @inline(__always)
    public func expInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.exp(y, count)
    }

    /// y[i] = tanh(y[i]), absolute error < 3e-7. Twin: `VectorMath.tanh`. Allocates: never.
    @inlinable @inline(__always)
    public func tanhInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.tanh(y, count)
    }
}
