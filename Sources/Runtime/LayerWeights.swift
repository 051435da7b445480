import Kernels
import Model

/// Every layer's validated weights: the forward directions in layer order, then the reverse
/// directions of bidirectional layers.
struct NetworkWeights {
    var directions: [LayerWeights]
    /// Per layer: the index in `directions` of its reverse direction, -1 when it has none.
    var reverseIndex: [Int]
    /// Bytes of quantization buffer the int8 matrices need (0 when none is int8).
    var quantizedByteCount: Int

    /// Reads and checks every layer's tensors (see `LayerWeights`).
    init(model: ModelFile) throws(RuntimeError) {
        let layers = model.description.layers
        directions = []
        directions.reserveCapacity(layers.count)
        quantizedByteCount = 0
        for (index, layer) in layers.enumerated() {
            let w = try LayerWeights(model: model, layer: layer, index: index, reverse: false)
            quantizedByteCount = Swift.max(quantizedByteCount, w.quantizedByteCount)
            directions.append(w)
        }
        reverseIndex = [Int](repeating: -1, count: layers.count)
        for (index, layer) in layers.enumerated() where layer.isBidirectional {
            let w = try LayerWeights(model: model, layer: layer, index: index, reverse: true)
            quantizedByteCount = Swift.max(quantizedByteCount, w.quantizedByteCount)
            reverseIndex[index] = directions.count
            directions.append(w)
        }
    }

    /// The operands of every direction ([input, recurrent, projection], nil where absent), int8
    /// ones packed into one new allocation (`packed`, `packedByteCount` bytes) when `kernels`
    /// multiply their own layout. Called once, at load.
    func operands(
        kernels: KernelSet, quantized: UnsafeMutablePointer<Int8>?
    ) -> (operands: [[MatrixOperand?]], packed: UnsafeMutableRawPointer?, packedByteCount: Int) {
        var operands: [[MatrixOperand?]] = directions.map { w in
            [w.inputWeights, w.recurrentWeights, w.projection].map { $0?.operand(kernels, quantized) }
        }
        var total = 0
        for (w, layerOperands) in zip(directions, operands) {
            for (matrix, operand) in zip([w.inputWeights, w.recurrentWeights, w.projection], layerOperands) {
                if let matrix, let operand { total += operand.packedByteCount(segmentRows: matrix.segmentRows) }
            }
        }
        guard total > 0 else { return (operands, nil, 0) }
        let packed = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: ArenaLayout.alignment)
        var cursor = packed
        for index in operands.indices {
            let matrices = [directions[index].inputWeights, directions[index].recurrentWeights, directions[index].projection]
            for slot in 0..<3 {
                guard let matrix = matrices[slot], var operand = operands[index][slot] else { continue }
                let bytes = operand.packedByteCount(segmentRows: matrix.segmentRows)
                guard bytes > 0 else { continue }
                operand.pack(into: cursor, segmentRows: matrix.segmentRows)
                operands[index][slot] = operand
                cursor += bytes
            }
        }
        return (operands, packed, total)
    }
}

/// A validated weight matrix, before the arena exists: its type, shape, data and scales.
struct MatrixWeights {
    var type: MatrixElementType
    var rows: Int
    var columns: Int
    var data: UnsafeRawPointer
    var scales: UnsafePointer<Float>?
    /// Rows per packed segment: the rows `multiply` is asked for at once (GRU's recurrent matrix
    /// is multiplied as its z·r rows and then its candidate rows, so it packs per gate block).
    var segmentRows: Int

    func operand(_ kernels: KernelSet, _ quantized: UnsafeMutablePointer<Int8>?) -> MatrixOperand {
        MatrixOperand(
            elementType: type, rows: rows, columns: columns, data: data, scales: scales, kernels: kernels,
            quantizedVector: type == .int8 ? quantized : nil)
    }
}

/// A layer's weight tensors, validated against `requiredTensors`.
struct LayerWeights {
    var inputWeights: MatrixWeights?
    var recurrentWeights: MatrixWeights?
    var projection: MatrixWeights?
    var bias: UnsafePointer<Float>?
    var recurrentBias: UnsafePointer<Float>?
    var peepholes: UnsafePointer<Float>?
    var attentionVector: UnsafePointer<Float>?
    /// Bytes of quantization buffer the int8 matrices need (0 when none is int8).
    var quantizedByteCount = 0

    /// The tensors of one direction: the forward roles, or (`reverse`) the `reverse_*` ones.
    init(model: ModelFile, layer: LayerDescription, index: Int, reverse: Bool) throws(RuntimeError) {
        for (role, shape) in layer.requiredTensors where role.isReverse == reverse {
            let name = role.tensorName(layer: index)
            guard let tensor = model.tensor(layer: index, role: role) else {
                throw .missingTensor(layer: index, tensor: name)
            }
            guard tensor.shape == shape else {
                throw .tensorShapeMismatch(layer: index, tensor: name, expected: shape, found: tensor.shape)
            }
            let allowed: Bool
            switch tensor.type {
            case .float32: allowed = true
            case .float16, .int8: allowed = role.isMatrix
            }
            guard allowed else {
                throw .unsupportedWeightType(layer: index, tensor: name, type: tensor.type)
            }
            var needed = tensor.type.byteSize
            for dimension in shape {
                let (product, overflow) = needed.multipliedReportingOverflow(by: dimension)
                needed = overflow ? .max : product
            }
            guard tensor.byteCount >= needed else {
                throw .tensorTooSmall(layer: index, tensor: name, byteCount: tensor.byteCount, needed: needed)
            }
            let floats = tensor.data.assumingMemoryBound(to: Float.self)
            switch role.reverseOf ?? role {
            case .inputWeights: inputWeights = try Self.matrix(tensor, layer: index)
            case .recurrentWeights:
                recurrentWeights = try Self.matrix(tensor, layer: index)
                if layer.kind == .gru { recurrentWeights?.segmentRows = layer.hiddenSize }
            case .projection: projection = try Self.matrix(tensor, layer: index)
            case .bias, .inputBias: bias = floats
            case .recurrentBias: recurrentBias = floats
            case .peepholes: peepholes = floats
            case .attentionVector: attentionVector = floats
            default: break  // reverse roles were mapped to their forward twins above
            }
            if role.isMatrix && tensor.type == .int8 {
                quantizedByteCount = Swift.max(quantizedByteCount, MatrixOperand.quantizedByteCount(columns: shape[1]))
            }
        }
    }

    /// The matrix of `tensor`; int8 needs its row scales and values in −127...127 (the kernels'
    /// sign trick and exact sums assume the symmetric range; −128 is refused here, once).
    private static func matrix(_ tensor: TensorView, layer: Int) throws(RuntimeError) -> MatrixWeights {
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let type: MatrixElementType
        switch tensor.type {
        case .float32: type = .float32
        case .float16: type = .float16
        case .int8:
            type = .int8
            guard tensor.scales != nil else { throw .missingScales(layer: layer, tensor: tensor.name) }
            let values = tensor.data.assumingMemoryBound(to: Int8.self)
            var i = 0
            let count = rows &* columns
            while i < count {
                if values[i] == .min {
                    throw .int8ValueOutOfRange(layer: layer, tensor: tensor.name, row: i / columns, column: i % columns)
                }
                i &+= 1
            }
        }
        return MatrixWeights(
            type: type, rows: rows, columns: columns, data: tensor.data, scales: tensor.scales, segmentRows: rows)
    }
}
