import Model
import Runtime
import Testing

/// One network configuration for the parity tests.
struct NetworkCase: Sendable, CustomTestStringConvertible {
    var name: String
    var inputSize: Int
    var layers: [LayerDescription]
    var testDescription: String { name }
}

private func lstm(
    _ input: Int, _ hidden: Int, projection: Int = 0, peepholes: Bool = false, forgetBias: Float = 0,
    cellClip: Float = 0, gateClip: Float = 0, projectionClip: Float = 0
) -> LayerDescription {
    LayerDescription(
        kind: .lstm, inputSize: input, hiddenSize: hidden, projectionSize: projection,
        hasPeepholes: peepholes, forgetBias: forgetBias, cellClip: cellClip, gateClip: gateClip,
        projectionClip: projectionClip)
}

private func gru(_ input: Int, _ hidden: Int, resetAfter: Bool, gateClip: Float = 0) -> LayerDescription {
    LayerDescription(kind: .gru, inputSize: input, hiddenSize: hidden, gateClip: gateClip, resetAfter: resetAfter)
}

private func rnn(_ input: Int, _ hidden: Int, _ activation: Activation, gateClip: Float = 0) -> LayerDescription {
    LayerDescription(kind: .rnn, inputSize: input, hiddenSize: hidden, activation: activation, gateClip: gateClip)
}

private func dense(_ input: Int, _ output: Int, _ activation: Activation = .linear) -> LayerDescription {
    LayerDescription(kind: .dense, inputSize: input, hiddenSize: output, activation: activation)
}

private func softmax(_ size: Int) -> LayerDescription {
    LayerDescription(kind: .softmax, inputSize: size, hiddenSize: size)
}

let parityCases: [NetworkCase] = [
    NetworkCase(name: "LSTM 13→37", inputSize: 13, layers: [lstm(13, 37)]),
    NetworkCase(name: "LSTM peepholes", inputSize: 13, layers: [lstm(13, 37, peepholes: true)]),
    NetworkCase(name: "LSTM projection 37→11", inputSize: 7, layers: [lstm(7, 37, projection: 11)]),
    NetworkCase(
        name: "LSTM projection + projection clip", inputSize: 7,
        layers: [lstm(7, 37, projection: 11, projectionClip: 0.05)]),
    NetworkCase(name: "LSTM forget bias 1", inputSize: 9, layers: [lstm(9, 17, forgetBias: 1)]),
    NetworkCase(name: "LSTM cell clip 0.3", inputSize: 9, layers: [lstm(9, 17, forgetBias: 1, cellClip: 0.3)]),
    NetworkCase(name: "LSTM gate clip 0.7", inputSize: 9, layers: [lstm(9, 17, gateClip: 0.7)]),
    NetworkCase(
        name: "LSTM peepholes + gate clip", inputSize: 9, layers: [lstm(9, 17, peepholes: true, gateClip: 0.5)]),
    NetworkCase(
        name: "LSTM all options (TF1 style)", inputSize: 10,
        layers: [lstm(10, 24, projection: 8, peepholes: true, forgetBias: 1, cellClip: 0.8, projectionClip: 0.1)]),
    NetworkCase(name: "GRU reset-before", inputSize: 13, layers: [gru(13, 37, resetAfter: false)]),
    NetworkCase(name: "GRU reset-after", inputSize: 13, layers: [gru(13, 37, resetAfter: true)]),
    NetworkCase(name: "GRU reset-after gate clip", inputSize: 13, layers: [gru(13, 37, resetAfter: true, gateClip: 0.6)]),
    NetworkCase(name: "GRU reset-before gate clip", inputSize: 13, layers: [gru(13, 37, resetAfter: false, gateClip: 0.6)]),
    NetworkCase(name: "RNN tanh", inputSize: 13, layers: [rnn(13, 37, .tanh)]),
    NetworkCase(name: "RNN relu", inputSize: 13, layers: [rnn(13, 37, .relu)]),
    NetworkCase(name: "RNN tanh gate clip", inputSize: 13, layers: [rnn(13, 37, .tanh, gateClip: 0.5)]),
    NetworkCase(name: "dense linear", inputSize: 13, layers: [dense(13, 7)]),
    NetworkCase(name: "dense relu", inputSize: 13, layers: [dense(13, 7, .relu)]),
    NetworkCase(name: "dense tanh", inputSize: 13, layers: [dense(13, 7, .tanh)]),
    NetworkCase(name: "dense sigmoid", inputSize: 13, layers: [dense(13, 7, .sigmoid)]),
    NetworkCase(name: "softmax alone", inputSize: 12, layers: [softmax(12)]),
    NetworkCase(name: "dense + softmax", inputSize: 13, layers: [dense(13, 12), softmax(12)]),
    NetworkCase(
        name: "LSTM 40→128 + dense 12 + softmax", inputSize: 40,
        layers: [lstm(40, 128), dense(128, 12), softmax(12)]),
    NetworkCase(name: "two stacked LSTMs", inputSize: 13, layers: [lstm(13, 32), lstm(32, 24), dense(24, 5)]),
    NetworkCase(
        name: "LSTM(projection) → GRU → dense → softmax", inputSize: 10,
        layers: [lstm(10, 20, projection: 9, peepholes: true), gru(9, 15, resetAfter: false), dense(15, 6), softmax(6)]),
    NetworkCase(
        name: "GRU → RNN → dense", inputSize: 13,
        layers: [gru(13, 21, resetAfter: true), rnn(21, 19, .relu), dense(19, 4, .sigmoid)]),
    NetworkCase(
        name: "dense → dense → dense → softmax (ping-pong)", inputSize: 13,
        layers: [dense(13, 30, .relu), dense(30, 20, .tanh), dense(20, 8), softmax(8)]),
    NetworkCase(
        name: "softmax → dense → LSTM → dense", inputSize: 6,
        layers: [softmax(6), dense(6, 9, .tanh), lstm(9, 5), dense(5, 3)]),
]

/// Streams `frames` through the runtime and the Double reference and checks every output of
/// every step within 1e-5 (relative above 1).
private func expectParity(_ testCase: NetworkCase, seed: UInt64, steps: Int = 50) throws {
    let model = try TestModel(inputSize: testCase.inputSize, layers: testCase.layers, seed: seed)
    let network = try Network(model: model.file)
    var reference = ReferenceNetwork(model)
    let frames = randomFrames(count: steps, size: testCase.inputSize, seed: seed &+ 1)
    var worst = 0.0
    for (t, frame) in frames.enumerated() {
        let expected = reference.step(frame)
        let actual = frame.withUnsafeBufferPointer { Array(network.step($0)) }
        #expect(actual.count == expected.count)
        for (k, (a, e)) in zip(actual, expected).enumerated() {
            let error = abs(Double(a) - e) / max(1, abs(e))
            worst = max(worst, error)
            if !(error <= 1e-5) {
                Issue.record("\(testCase.name): step \(t) output \(k): \(a) vs reference \(e)")
                return
            }
        }
    }
    #expect(worst <= 1e-5)
}

@Suite("Network")
struct NetworkTests {
    @Test("every layer kind and option matches a Double reference over 50 steps", arguments: parityCases)
    func parity(_ testCase: NetworkCase) throws {
        try expectParity(testCase, seed: 1234)
    }

    @Test("options are live: clips and biases change the outputs")
    func optionsMatter() throws {
        let variants: [(LayerDescription, LayerDescription)] = [
            (lstm(9, 17), lstm(9, 17, forgetBias: 1)),
            (lstm(9, 17, forgetBias: 1), lstm(9, 17, forgetBias: 1, cellClip: 0.3)),
            (lstm(9, 17), lstm(9, 17, gateClip: 0.7)),
            (lstm(7, 37, projection: 11), lstm(7, 37, projection: 11, projectionClip: 0.05)),
            (gru(13, 37, resetAfter: false), gru(13, 37, resetAfter: true)),
            (gru(13, 37, resetAfter: true), gru(13, 37, resetAfter: true, gateClip: 0.6)),
            (rnn(13, 37, .tanh), rnn(13, 37, .tanh, gateClip: 0.5)),
        ]
        let frames = randomFrames(count: 20, size: 13, seed: 5)
        for (plain, modified) in variants {
            let a = try Network(model: TestModel(inputSize: plain.inputSize, layers: [plain], seed: 77).file)
            let b = try Network(model: TestModel(inputSize: modified.inputSize, layers: [modified], seed: 77).file)
            let input = frames.map { Array($0.prefix(plain.inputSize)) }
            let difference = zip(a.run(input), b.run(input))
                .map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
            #expect(difference > 1e-3, "\(modified) should differ from \(plain)")
        }
    }

    @Test("a second seed of the stacked models also matches")
    func parityOtherSeed() throws {
        for testCase in parityCases where testCase.layers.count > 2 {
            try expectParity(testCase, seed: 98765, steps: 40)
        }
    }

    @Test("reset() restores the fresh state: stream, reset, stream again equals a fresh network")
    func reset() throws {
        let model = try TestModel(
            inputSize: 10, layers: [lstm(10, 20, projection: 9, peepholes: true), gru(9, 15, resetAfter: false),
                                    rnn(15, 8, .tanh), dense(8, 6), softmax(6)], seed: 11)
        let frames = randomFrames(count: 30, size: 10, seed: 12)
        let network = try Network(model: model.file)
        let first = network.run(frames)
        let continued = network.run(frames)
        #expect(continued != first, "state must carry between steps")
        network.reset()
        let again = network.run(frames)
        #expect(again == first)
        let fresh = try Network(model: model.file).run(frames)
        #expect(fresh == first)
    }

    @Test("stepLayer over all layers equals step, and output holds the result")
    func stepLayerByLayer() throws {
        let model = try TestModel(
            inputSize: 13, layers: [lstm(13, 32), gru(32, 16, resetAfter: true), dense(16, 5), softmax(5)], seed: 3)
        let frames = randomFrames(count: 10, size: 13, seed: 4)
        let whole = try Network(model: model.file)
        let layered = try Network(model: model.file)
        #expect(layered.layerCount == 4)
        for frame in frames {
            let expected = frame.withUnsafeBufferPointer { Array(whole.step($0)) }
            frame.withUnsafeBufferPointer { buffer in
                for index in 0..<layered.layerCount { layered.stepLayer(index, frame: buffer.baseAddress!) }
            }
            #expect(Array(layered.output) == expected)
        }
    }

    @Test("arena: 64-byte multiple, sized by the documented layout")
    func arenaSize() throws {
        let model = try TestModel(inputSize: 40, layers: [lstm(40, 128), dense(128, 12), softmax(12)], seed: 1)
        let network = try Network(model: model.file)
        // state: h 128 + c 128 floats = 1024 B; work: 4·128 floats = 2048 B;
        // two activation buffers of 12 floats, each padded to 64 B.
        #expect(network.stateByteCount == 1024)
        #expect(network.arenaByteCount == 1024 + 2048 + 64 + 64)
        #expect(network.inputSize == 40 && network.outputSize == 12)

        let odd = try TestModel(inputSize: 13, layers: [lstm(13, 37, projection: 11), gru(11, 5, resetAfter: true)], seed: 2)
        let oddNetwork = try Network(model: odd.file)
        #expect(oddNetwork.arenaByteCount % 64 == 0)
        // h 11 → 64 B, c 37 → 192 B, GRU h 5 → 64 B; work max(4·37 + 37, 4·5) = 185 floats → 768 B.
        #expect(oddNetwork.stateByteCount == 64 + 192 + 64)
        #expect(oddNetwork.arenaByteCount == 64 + 192 + 64 + 768)
    }

    @Test("the returned buffer has outputSize elements; buffer overload agrees with pointer overload")
    func stepOverloads() throws {
        let model = try TestModel(inputSize: 13, layers: [gru(13, 8, resetAfter: false), dense(8, 3)], seed: 21)
        let a = try Network(model: model.file)
        let b = try Network(model: model.file)
        for frame in randomFrames(count: 5, size: 13, seed: 22) {
            let viaBuffer = frame.withUnsafeBufferPointer { Array(a.step($0)) }
            let viaPointer = frame.withUnsafeBufferPointer { Array(b.step($0.baseAddress!)) }
            #expect(viaBuffer.count == 3)
            #expect(viaBuffer == viaPointer)
        }
    }
}
