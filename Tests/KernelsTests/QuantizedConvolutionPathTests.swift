import CKernels
import Kernels
import TestSupport
import Testing

// The SIMD int8 convolutions of imported TFLite graphs (QuantizedConvInt8+AVX2.c, +NEON.c) against
// their portable twin, bit for bit, on random shapes, weights, offsets and requantization
// parameters. A path this CPU lacks is reported skipped, not passed.

private func available(_ path: KernelPath) -> Bool { eq_conv_s8_for_path(Int32(path.rawValue)) != nil }

/// One random layer: kind 0 convolution, 1 depthwise, 2 fully connected.
private struct Layer {
    var params: eq_conv_params
    var weights: [Int8], bias: [Int32], multipliers: [Int32], shifts: [Int32]
    var inputCount: Int, outputCount: Int
}

private func randomLayer(kind: Int32, _ g: inout SeededGenerator) -> Layer {
    func int(_ range: ClosedRange<Int32>) -> Int32 { Int32.random(in: range, using: &g) }
    var p = eq_conv_params()
    p.kind = kind
    p.input_channels = int(1...70)
    p.output_channels = kind == 1 ? p.input_channels : int(1...70)
    p.depth_multiplier = 1
    if kind == 2 {
        (p.input_height, p.input_width, p.output_height, p.output_width) = (1, 1, 1, 1)
        p.input_channels = int(1...400)
    } else {
        (p.kernel_height, p.kernel_width) = (int(1...21), int(1...3))
        (p.stride_height, p.stride_width) = (int(1...3), int(1...2))
        (p.dilation_height, p.dilation_width) = (int(1...2), int(1...2))
        (p.output_height, p.output_width) = (int(1...3), int(1...2))
        // Usually every tap inside the input (the SIMD shape); sometimes padding (the fallback).
        let padded = int(0...4) == 0
        (p.pad_top, p.pad_left) = padded ? (int(0...2), int(0...1)) : (0, 0)
        p.input_height = (p.output_height - 1) * p.stride_height + (p.kernel_height - 1) * p.dilation_height + 1
            - (padded ? int(0...1) : 0)
        p.input_width = (p.output_width - 1) * p.stride_width + (p.kernel_width - 1) * p.dilation_width + 1
        p.input_height = max(p.input_height, 1)
        if kind == 1, int(0...4) == 0 {  // depth multiplier 2 (the fallback)
            p.depth_multiplier = 2
            p.output_channels = p.input_channels * 2
        }
    }
    p.input_offset = int(-127...128)
    p.output_zero_point = int(-128...127)
    (p.activation_min, p.activation_max) = int(0...1) == 0 ? (-128, 127) : (int(-128...0), int(1...127))
    p.rounding_upward = int(0...1)
    let oc = Int(p.output_channels)
    let weightCount = kind == 0 ? oc * Int(p.kernel_height * p.kernel_width * p.input_channels)
        : kind == 1 ? oc * Int(p.kernel_height * p.kernel_width)
        : oc * Int(p.input_channels)
    let layer = Layer(
        params: p,
        weights: (0..<weightCount).map { _ in Int8.random(in: -127...127, using: &g) },
        bias: (0..<oc).map { _ in Int32.random(in: -20_000...20_000, using: &g) },
        multipliers: (0..<oc).map { _ in Int32.random(in: (1 << 30)...Int32.max, using: &g) },
        shifts: (0..<oc).map { _ in Int32.random(in: -14...1, using: &g) },
        inputCount: Int(p.input_height * p.input_width * p.input_channels),
        outputCount: Int(p.output_height * p.output_width) * oc)
    return layer
}

/// Runs `layer` through `kernel` on `input`.
private func run(_ kernel: eq_conv_s8_fn, _ layer: Layer, _ input: [Int8]) -> [Int8] {
    var output = [Int8](repeating: 0, count: layer.outputCount)
    layer.weights.withUnsafeBufferPointer { w in
        layer.bias.withUnsafeBufferPointer { b in
            layer.multipliers.withUnsafeBufferPointer { m in
                layer.shifts.withUnsafeBufferPointer { s in
                    var p = layer.params
                    (p.weights, p.bias, p.multipliers, p.shifts) = (w.baseAddress, b.baseAddress, m.baseAddress, s.baseAddress)
                    input.withUnsafeBufferPointer { i in
                        output.withUnsafeMutableBufferPointer { o in kernel(&p, i.baseAddress, o.baseAddress) }
                    }
                }
            }
        }
    }
    return output
}

private func agree(_ path: KernelPath) {
    let kernel = eq_conv_s8_for_path(Int32(path.rawValue))!
    var g = SeededGenerator(seed: 1414)
    for trial in 0..<600 {
        let kind = Int32(trial % 3)
        let layer = randomLayer(kind: kind, &g)
        let input = (0..<layer.inputCount).map { _ in Int8.random(in: -128...127, using: &g) }
        let expected = run(eq_conv_s8_portable, layer, input)
        let got = run(kernel, layer, input)
        #expect(got == expected, "trial \(trial) kind \(kind) \(layer.params)")
        if got != expected { return }
    }
}

@Test(.enabled(if: available(.x86AVX2), "this CPU or build has no AVX2 path"))
func quantizedConvolutionAVX2MatchesPortable() { agree(.x86AVX2) }

@Test(.enabled(if: available(.aarch64NEON), "this CPU or build has no NEON path"))
func quantizedConvolutionNEONMatchesPortable() { agree(.aarch64NEON) }

@Test func quantizedConvolutionPathsMissingAreNil() {
    // The portable path is always there; a path for the other architecture never is.
    #expect(eq_conv_s8_for_path(0) != nil)
    #expect(eq_conv_s8_for_path(-1) == nil)
    #expect(eq_conv_s8_for_path(Int32(EK_PATH_COUNT.rawValue)) == nil)
    #if arch(x86_64)
    #expect(eq_conv_s8_for_path(Int32(KernelPath.aarch64NEON.rawValue)) == nil)
    #elseif arch(arm64)
    #expect(eq_conv_s8_for_path(Int32(KernelPath.x86AVX2.rawValue)) == nil)
    #endif
}
