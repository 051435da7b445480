/// An openWakeWord model: its mel-spectrogram network, Google's speech-embedding CNN and one head,
/// with the streaming geometry openWakeWord uses (80 ms chunks, 76 mel frames per embedding,
/// 16 embeddings per head run).
public struct OpenWakeWordModel: Sendable, Equatable {
    /// The wake word's name (the head file's stem unless given).
    public var name: String
    public var mel: OpenWakeWordMel
    /// [embeddingFrames, mels, 1] -> [1, 1, embedding size].
    public var embedding: FloatLayerStack
    /// [headEmbeddings, embedding size, 1] -> [1, 1, 1]; with a recurrent head, [1, hidden, 1] (its state) -> [1, 1, 1].
    public var head: FloatLayerStack
    /// A GRU stepped once per chunk on the newest embedding, its state carried; `head` reads its state.
    public var recurrent: OpenWakeWordRecurrentHead?
    /// A second network some heads carry (hey_jarvis): when the head's score reaches its threshold,
    /// the score is the verifier's over the same embeddings instead.
    public var verifier: OpenWakeWordVerifier?
    /// Samples per chunk (openWakeWord: 1280, 80 ms at 16 kHz); one embedding and one score per chunk.
    public var chunkSamples: Int
    /// Mel frames the embedding CNN reads (76).
    public var embeddingFrames: Int
    /// Embeddings the head reads (16).
    public var headEmbeddings: Int
    /// The detection threshold the model was trained for (`earshot train`: chosen on held-out
    /// training data for a false-alarm target); nil when the file stores none (imported heads).
    public var threshold: Double?
    /// The embedding CNN's weight precision at run time (`convert --embedding-weights`).
    public var embeddingWeights: OpenWakeWordEmbeddingWeights = .fp32
    /// The head's dense-layer weight precision at run time (`convert --head-weights`; fp32 as stored, or
    /// fp16/int8 converted at load). The verifier and a recurrent head's GRU stay as they are.
    public var headWeights: OpenWakeWordEmbeddingWeights = .fp32
    /// A multi-class head's class names in output order (e.g. the 12 Speech Commands labels): the head
    /// then ends in `labels.count` scores (softmax probabilities). Empty: one score, named `name`.
    /// Labels starting with "_" (`_silence_`, `_unknown_`) are classes, not keywords.
    public var labels: [String] = []
    /// A multi-class head's own thresholds per label (`convert --keyword-threshold NAME=VALUE`,
    /// `earshot.oww.thresholds.NAME`), each in 0...1; labels without one take `threshold`.
    public var keywordThresholds: [String: Double] = [:]

    public init(name: String, mel: OpenWakeWordMel, embedding: FloatLayerStack, head: FloatLayerStack,
                verifier: OpenWakeWordVerifier? = nil, chunkSamples: Int = 1280, embeddingFrames: Int = 76, headEmbeddings: Int = 16,
                threshold: Double? = nil, recurrent: OpenWakeWordRecurrentHead? = nil) {
        self.name = name
        self.recurrent = recurrent
        self.mel = mel
        self.embedding = embedding
        self.head = head
        self.verifier = verifier
        self.chunkSamples = chunkSamples
        self.embeddingFrames = embeddingFrames
        self.headEmbeddings = headEmbeddings
        self.threshold = threshold
    }

    /// Checks that the three networks fit together and the geometry is openWakeWord's kind.
    public func validate() throws(ModelError) {
        try mel.validate()
        guard chunkSamples > 0, chunkSamples % mel.hop == 0, chunkSamples <= 1 << 20,
              (1...4096).contains(embeddingFrames), (1...4096).contains(headEmbeddings) else {
            throw .invalidValue(key: "earshot.oww.geometry", value: "chunk \(chunkSamples), \(embeddingFrames) frames, \(headEmbeddings) embeddings",
                                expected: "a chunk that is a whole number of hops, window sizes in 1...4096")
        }
        let embeddingInput = FloatShape(height: embeddingFrames, width: mel.mels, channels: 1)
        guard embedding.input == embeddingInput else {
            throw .invalidValue(key: "earshot.oww.embedding.input", value: embedding.input.description, expected: embeddingInput.description)
        }
        guard let out = try embedding.shapes().last, out.height == 1, out.width == 1 else {
            throw .invalidValue(key: "earshot.oww.embedding", value: "\(embedding.layers.count) layers", expected: "layers ending in a 1x1xN output")
        }
        let windowInput = FloatShape(height: headEmbeddings, width: out.channels, channels: 1)
        try recurrent?.validate(embeddingSize: out.channels)
        if recurrent != nil, verifier != nil {
            throw .invalidValue(key: "earshot.oww.verifier", value: "a verifier beside a recurrent head", expected: "a verifier only over a window head")
        }
        let headInput = recurrent?.stateShape ?? windowInput
        guard head.input == headInput else {
            throw .invalidValue(key: "earshot.oww.head.input", value: head.input.description, expected: headInput.description)
        }
        try validateLabels()
        guard let score = try head.shapes().last, score.count == outputCount else {
            let found = (try? head.shapes())?.last?.count ?? 0
            throw .invalidValue(key: "earshot.oww.head", value: "\(head.layers.count) layers ending in \(found) scores",
                                expected: labels.isEmpty ? "one score (a head with several scores needs one label each: convert --labels)"
                                    : "\(labels.count) scores, one per label in earshot.oww.labels")
        }
        if let verifier {
            guard verifier.stack.input == windowInput, let out = try verifier.stack.shapes().last, out.count == 1, verifier.threshold.isFinite else {
                throw .invalidValue(key: "earshot.oww.verifier", value: "\(verifier.stack.layers.count) layers over \(verifier.stack.input), threshold \(verifier.threshold)",
                                    expected: "layers over the head's input \(windowInput) ending in one score, a finite threshold")
            }
        }
    }
}

/// A head's verifier: score = head(x) while head(x) < threshold, else verifier(x) (the
/// GREATER_EQUAL + IF branch of openWakeWord's hey_jarvis head).
public struct OpenWakeWordVerifier: Sendable, Equatable {
    public var threshold: Float
    /// [headEmbeddings, embedding size, 1] -> one score, like the head.
    public var stack: FloatLayerStack

    public init(threshold: Float, stack: FloatLayerStack) {
        self.threshold = threshold
        self.stack = stack
    }
}

/// openWakeWord's mel-spectrogram network as parameters: a framed DFT (window folded into the
/// basis), power, a mel matrix, a clipped log in dB, the top-dB floor over one call's frames, and
/// openWakeWord's own `x / 10 + 2` afterwards.
public struct OpenWakeWordMel: Sendable, Equatable {
    public var frameLength: Int
    public var hop: Int
    public var bins: Int
    public var mels: Int
    /// [bins][frameLength] each.
    public var dftReal: [Float]
    public var dftImaginary: [Float]
    /// [bins] each (zero in the ONNX network; TFLite's CONV_2D carries one).
    public var biasReal: [Float]
    public var biasImaginary: [Float]
    /// [mels][bins] (the network's [bins, mels] matrix transposed).
    public var filters: [Float]
    /// power is clipped to [powerFloor, powerCeiling] before the log.
    public var powerFloor: Float
    public var powerCeiling: Float
    /// dB = log(power) · logMultiplier, then ÷ logDivisor (or · logDivisor when `divides` is false), − dbOffset.
    public var logMultiplier: Float
    public var logDivisor: Float
    public var divides: Bool
    public var dbOffset: Float
    /// dB values are clipped above at dbCeiling (TFLite's graph has one; ONNX: +inf).
    public var dbCeiling: Float
    /// Values below (max over the call's frames − topDB) are raised to it.
    public var topDB: Float
    /// openWakeWord's transform of the network output: x / outputDivisor + outputOffset.
    public var outputDivisor: Float = 10
    public var outputOffset: Float = 2

    public init(frameLength: Int, hop: Int, bins: Int, mels: Int, dftReal: [Float], dftImaginary: [Float],
                biasReal: [Float], biasImaginary: [Float], filters: [Float], powerFloor: Float, powerCeiling: Float,
                logMultiplier: Float, logDivisor: Float, divides: Bool, dbOffset: Float, dbCeiling: Float, topDB: Float) {
        (self.frameLength, self.hop, self.bins, self.mels) = (frameLength, hop, bins, mels)
        (self.dftReal, self.dftImaginary, self.biasReal, self.biasImaginary, self.filters) = (dftReal, dftImaginary, biasReal, biasImaginary, filters)
        (self.powerFloor, self.powerCeiling, self.logMultiplier, self.logDivisor, self.divides) = (powerFloor, powerCeiling, logMultiplier, logDivisor, divides)
        (self.dbOffset, self.dbCeiling, self.topDB) = (dbOffset, dbCeiling, topDB)
    }

    /// The scalar parameters in file order.
    public var scalars: [Float] {
        [powerFloor, powerCeiling, logMultiplier, logDivisor, divides ? 1 : 0, dbOffset, dbCeiling, topDB, outputDivisor, outputOffset]
    }

    func validate() throws(ModelError) {
        guard (1...65536).contains(frameLength), (1...frameLength).contains(hop), (1...8192).contains(bins), (1...1024).contains(mels) else {
            throw .invalidValue(key: "earshot.oww.mel.sizes", value: "\([frameLength, hop, bins, mels])", expected: "frame 1...65536, hop 1...frame, bins 1...8192, mels 1...1024")
        }
        func check(_ name: String, _ values: [Float], _ count: Int) throws(ModelError) {
            guard values.count == count else {
                throw .shapeMismatch(tensor: "oww.mel." + name, expected: [count], found: [values.count])
            }
        }
        try check("dft_real", dftReal, bins * frameLength)
        try check("dft_imag", dftImaginary, bins * frameLength)
        try check("bias_real", biasReal, bins)
        try check("bias_imag", biasImaginary, bins)
        try check("filters", filters, mels * bins)
        guard !scalars.contains(where: { $0.isNaN }), powerFloor > 0, logDivisor != 0, outputDivisor != 0, topDB >= 0 else {
            throw .invalidValue(key: "earshot.oww.mel.scalars", value: "\(scalars)", expected: "numbers, floor > 0, divisors != 0, top dB >= 0")
        }
    }
}
