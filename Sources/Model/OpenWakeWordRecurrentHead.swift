/// A recurrent openWakeWord head: a GRU stepped once per chunk on the newest speech embedding, its
/// state carried across chunks (`earshot train --backbone openwakeword --head gru`). The model's
/// `head` stack then reads the GRU's state ([1, hiddenSize, 1]) and gives the chunk's score.
/// Gates and weights are ONNX's (z, r, h; see `LayerDescription`): the runtime's GRU layer runs it.
public struct OpenWakeWordRecurrentHead: Sendable, Equatable {
    /// Values per embedding (the GRU's input).
    public var inputSize: Int
    public var hiddenSize: Int
    /// ONNX linear_before_reset = 1.
    public var resetAfter: Bool
    /// [3H][inputSize], [3H][H], [3H], [3H].
    public var inputWeights: [Float]
    public var recurrentWeights: [Float]
    public var inputBias: [Float]
    public var recurrentBias: [Float]

    /// Largest hidden size accepted (a loader never trusts the file).
    public static let maximumHidden = 4096

    public init(inputSize: Int, hiddenSize: Int, resetAfter: Bool, inputWeights: [Float], recurrentWeights: [Float],
                inputBias: [Float], recurrentBias: [Float]) {
        (self.inputSize, self.hiddenSize, self.resetAfter) = (inputSize, hiddenSize, resetAfter)
        (self.inputWeights, self.recurrentWeights, self.inputBias, self.recurrentBias) = (inputWeights, recurrentWeights, inputBias, recurrentBias)
    }

    /// The shape the head stack reads: the GRU's state.
    public var stateShape: FloatShape { FloatShape(height: 1, width: hiddenSize, channels: 1) }

    /// Checks the sizes and that every tensor has exactly its count of finite values.
    public func validate(embeddingSize: Int) throws(ModelError) {
        guard inputSize == embeddingSize, (1...Self.maximumHidden).contains(hiddenSize) else {
            throw .invalidValue(key: "earshot.oww.recurrent.sizes", value: "input \(inputSize), hidden \(hiddenSize)",
                                expected: "input = the embedding size \(embeddingSize), hidden 1...\(Self.maximumHidden)")
        }
        let gates = 3 &* hiddenSize
        for (name, values, count) in [("oww.recurrent.w", inputWeights, gates &* inputSize), ("oww.recurrent.r", recurrentWeights, gates &* hiddenSize),
                                      ("oww.recurrent.wb", inputBias, gates), ("oww.recurrent.rb", recurrentBias, gates)] {
            guard values.count == count else { throw .shapeMismatch(tensor: name, expected: [count], found: [values.count]) }
            guard values.allSatisfy({ $0.isFinite }) else {
                throw .invalidValue(key: name, value: "a non-finite weight", expected: "finite weights")
            }
        }
    }

    /// The GRU as a one-layer Earshot network (description + tensors), for the runtime's `Network`.
    public func networkFile() throws(ModelError) -> ModelFile {
        var layer = LayerDescription(kind: .gru, name: "oww.recurrent", inputSize: inputSize, hiddenSize: hiddenSize)
        layer.resetAfter = resetAfter
        let gates = 3 &* hiddenSize
        let tensors = [
            TensorData(name: TensorRole.inputWeights.tensorName(layer: 0), shape: [gates, inputSize], floats: inputWeights),
            TensorData(name: TensorRole.recurrentWeights.tensorName(layer: 0), shape: [gates, hiddenSize], floats: recurrentWeights),
            TensorData(name: TensorRole.inputBias.tensorName(layer: 0), shape: [gates], floats: inputBias),
            TensorData(name: TensorRole.recurrentBias.tensorName(layer: 0), shape: [gates], floats: recurrentBias),
        ]
        let description = ModelDescription(inputSize: inputSize, layers: [layer], labels: [])
        return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }
}
