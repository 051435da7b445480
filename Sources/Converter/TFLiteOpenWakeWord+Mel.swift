import Model

extension TFLiteOpenWakeWord {
    /// The wheel's melspectrogram.tflite: two CONV_2D DFTs, squares, BATCH_MATMUL filters, a clip,
    /// LOG, two MULs, a ceiling, and the top-dB floor (REDUCE_MAX, SUB, MAXIMUM).
    func melNetwork() throws(TFLiteError) -> OpenWakeWordMel {
        let layout: Set<Op> = [.expandDims, .transpose, .squeeze, .mul, .add, .conv2D, .batchMatMul, .minimum, .maximum, .log, .reduceMax, .sub]
        for (index, op) in graph.operators.enumerated() {
            guard let code = Op(rawValue: op.code), layout.contains(code) else { throw unsupported(index) }
        }
        let convs = graph.operators.filter { $0.code == Op.conv2D.rawValue }
        guard convs.count == 2 else { throw .notAModel(reason: "a mel-spectrogram network has two CONV_2D (DFT) operators, found \(convs.count)") }
        var bases = [[Float]](), biases = [[Float]]()
        var frame = 0, hop = 0, bins = 0
        for conv in convs {
            let w = shape(conv, 1)
            let valid = try optionByte(conv, 0) == 1
            let stride = Int(try option(conv, 1))
            guard w.count == 4, w[1] == 1, w[3] == 1, valid, try activation(conv, field: 3) == .none, stride >= 1 else {
                throw .unsupportedAttribute(op: "CONV_2D", tensor: outputName(conv), reason: "a DFT is [bins, 1, frame, 1] weights, VALID, no activation; found \(w)")
            }
            if bases.isEmpty { (bins, frame, hop) = (w[0], w[2], stride) }
            guard (bins, frame, hop) == (w[0], w[2], stride) else {
                throw .unsupportedAttribute(op: "CONV_2D", tensor: outputName(conv), reason: "the two DFTs differ in shape or stride")
            }
            bases.append(try floats(conv, 1, "DFT basis"))
            biases.append(conv.inputs.count > 2 && conv.inputs[2] >= 0 ? try floats(conv, 2, "bias") : [Float](repeating: 0, count: bins))
        }
        guard let matmulIndex = graph.operators.firstIndex(where: { $0.code == Op.batchMatMul.rawValue }) else {
            throw .notAModel(reason: "no BATCH_MATMUL (mel filters)")
        }
        let matmul = graph.operators[matmulIndex]
        let filterShape = shape(matmul, 1)
        guard filterShape.count == 2, filterShape[0] == bins, try optionByte(matmul, 0) == 0, try optionByte(matmul, 1) == 0 else {
            throw .unsupportedAttribute(op: "BATCH_MATMUL", tensor: outputName(matmul), reason: "filters \(filterShape) for \(bins) bins, no adjoints")
        }
        let mels = filterShape[1]
        let filters = try floats(matmul, 1, "mel filters")
        var transposed = [Float](repeating: 0, count: mels * bins)
        for b in 0..<bins { for m in 0..<mels { transposed[m * bins + b] = filters[b * mels + m] } }

        // The tail after BATCH_MATMUL, in order.
        let tail = Array(graph.operators[(matmulIndex + 1)...])
        let expected: [Op] = [.minimum, .maximum, .log, .mul, .mul, .minimum, .reduceMax, .sub, .maximum]
        guard tail.count == expected.count, zip(tail, expected).allSatisfy({ $0.0.code == $0.1.rawValue }),
              tail[0].inputs.first == matmul.outputs.first, tail[8].outputs.first == graph.outputs.first,
              tail[6].inputs.first == tail[5].inputs.first || tail[6].inputs.first == tail[5].outputs.first,
              tail[8].inputs.first == tail[5].outputs.first, tail[8].inputs.dropFirst().first == tail[7].outputs.first else {
            throw .notAModel(reason: "the mel filters must be followed by MINIMUM MAXIMUM LOG MUL MUL MINIMUM REDUCE_MAX SUB MAXIMUM, wired as the top-dB floor")
        }
        for op in tail where op.code == Op.mul.rawValue || op.code == Op.sub.rawValue {
            guard try activation(op, field: 0) == .none else { throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "a fused activation") }
        }
        return OpenWakeWordMel(
            frameLength: frame, hop: hop, bins: bins, mels: mels, dftReal: bases[0], dftImaginary: bases[1],
            biasReal: biases[0], biasImaginary: biases[1], filters: transposed,
            powerFloor: try scalar(tail[1], 1, "power floor"), powerCeiling: try scalar(tail[0], 1, "power ceiling"),
            logMultiplier: try scalar(tail[3], 1, "dB multiplier"), logDivisor: try scalar(tail[4], 1, "dB multiplier"), divides: false,
            dbOffset: 0, dbCeiling: try scalar(tail[5], 1, "dB ceiling"), topDB: try scalar(tail[7], 1, "top dB"))
    }
}
