import Kernels
import Model

/// openWakeWord's streaming pipeline over 16 kHz audio: mel frames per 10 ms hop, the embedding
/// CNN once per 80 ms chunk on the last 76 frames, each head on the last 16 embeddings. Several
/// heads over the same mel and embedding networks share that backbone: it runs once per chunk.
///
/// Alignment is openWakeWord's (utils.AudioFeatures): mel frame m covers samples 160m ..< 160m+512;
/// a chunk's frames get the top-dB floor over the frames of that chunk's network call; the mel
/// history starts as ones. Scores are 0 until `headEmbeddings` embeddings of the stream exist
/// (openWakeWord's first scores read embeddings of random noise instead). A recurrent head's GRU
/// (the runtime's `Network`) steps once per chunk from then on, on the newest embedding, its state
/// carried; its head stack reads the state.
///
/// A model's head gives `outputCount` scores per chunk (one, or one per label of a multi-class
/// head); a row is every model's scores in model order (`rowWidth` values, model m's at `offsets[m]`).
/// Everything is allocated at init; `process` allocates nothing.
public final class OpenWakeWordStream {
    public let models: [OpenWakeWordModel]
    let mel: OpenWakeWordMel
    let embedding: FloatLayerRunner
    let heads: [FloatLayerRunner]
    /// Per head: its verifier's runner and threshold (nil for heads without one).
    let verifiers: [FloatLayerRunner?]
    let verifierThresholds: [Float]
    /// Per head: the GRU of a recurrent head (nil for window heads).
    let recurrentNetworks: [Network?]
    let chunk: Int, frames: Int, embeddings: Int, embeddingSize: Int
    /// The last `frameLength` samples, circular.
    let ring: UnsafeMutablePointer<Float>
    var ringPosition = 0
    var samplesSeen = 0
    /// One frame in order, the DFT outputs and the power spectrum.
    let frame: UnsafeMutablePointer<Float>
    let real: UnsafeMutablePointer<Float>
    let imaginary: UnsafeMutablePointer<Float>
    let dft: (real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, filters: UnsafeMutablePointer<Float>,
              biasReal: UnsafeMutablePointer<Float>, biasImaginary: UnsafeMutablePointer<Float>)
    /// dB frames of the current chunk, before the top-dB floor.
    let pending: UnsafeMutablePointer<Float>
    var pendingFrames = 0
    let pendingCapacity: Int
    /// The last `frames` mel frames [frames][mels], oldest first.
    let melHistory: UnsafeMutablePointer<Float>
    /// The last `embeddings` embeddings [embeddings][size], oldest first.
    let embeddingHistory: UnsafeMutablePointer<Float>
    var embeddingsComputed = 0
    /// The latest row: every head's scores, model after model (`rowWidth` values).
    public let scores: UnsafeMutablePointer<Float>
    /// Values per row: the sum of the models' output counts.
    public let rowWidth: Int
    /// Where each model's scores start in a row.
    public let offsets: [Int]
    /// Per model, its output count (plain buffer: the hot path touches no arrays).
    let outputCounts: UnsafeMutablePointer<Int>
    let offsetBuffer: UnsafeMutablePointer<Int>

    /// - Throws: when the models do not share one mel network, embedding network and geometry.
    /// `embeddingPrecision`: the embedding CNN's convolution weights (fp32 as in the file, or fp16/int8
    /// converted at load); nil: what the models store (`OpenWakeWordEmbeddingWeights.shared(by:)`).
    public init(models: [OpenWakeWordModel], embeddingPrecision: FloatLayerRunner.Precision? = nil) throws(ModelError) {
        guard let base = models.first else { throw .invalidValue(key: "models", value: "none", expected: "at least one openWakeWord model") }
        let embeddingPrecision = embeddingPrecision ?? FloatLayerRunner.Precision(OpenWakeWordEmbeddingWeights.shared(by: models))
        for other in models.dropFirst() where other.mel != base.mel || other.embedding != base.embedding
            || other.chunkSamples != base.chunkSamples || other.embeddingFrames != base.embeddingFrames {
            throw .invalidValue(key: "models", value: "'\(other.name)' has other feature networks than '\(base.name)'",
                                expected: "models on one stream that share their mel and embedding networks")
        }
        for model in models { try model.validate() }
        embedding = try FloatLayerRunner(base.embedding, precision: embeddingPrecision)
        var heads = [FloatLayerRunner]()
        var verifiers = [FloatLayerRunner?]()
        var recurrentNetworks = [Network?]()
        for model in models {
            if let recurrent = model.recurrent {
                let file = try recurrent.networkFile()
                do { recurrentNetworks.append(try Network(model: file)) } catch {
                    throw .invalidValue(key: "earshot.oww.recurrent", value: "\(error)", expected: "a GRU the runtime runs")
                }
            } else {
                recurrentNetworks.append(nil)
            }
            heads.append(try FloatLayerRunner(model.head, densePrecision: FloatLayerRunner.Precision(model.headWeights)))
            if let verifier = model.verifier { verifiers.append(try FloatLayerRunner(verifier.stack)) } else { verifiers.append(nil) }
        }
        self.heads = heads
        self.recurrentNetworks = recurrentNetworks
        self.verifiers = verifiers
        verifierThresholds = models.map { $0.verifier?.threshold ?? .infinity }
        self.models = models
        mel = base.mel
        (chunk, frames, embeddings, embeddingSize) = (base.chunkSamples, base.embeddingFrames, base.headEmbeddings, embedding.outputCount)
        func buffer(_ count: Int, _ value: Float = 0) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: value, count: count)
            return pointer
        }
        func copy(_ values: [Float]) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        ring = buffer(mel.frameLength)
        frame = buffer(mel.frameLength)
        real = buffer(mel.bins)
        imaginary = buffer(mel.bins)
        dft = (copy(mel.dftReal), copy(mel.dftImaginary), copy(mel.filters), copy(mel.biasReal), copy(mel.biasImaginary))
        pendingCapacity = chunk / mel.hop + 1
        pending = buffer(pendingCapacity * mel.mels)
        melHistory = buffer(frames * mel.mels, 1)
        embeddingHistory = buffer(embeddings * embeddingSize)
        var offsets = [Int]()
        var width = 0
        for model in models {
            offsets.append(width)
            width += model.outputCount
        }
        (self.offsets, rowWidth) = (offsets, width)
        scores = buffer(width)
        outputCounts = .allocate(capacity: models.count)
        outputCounts.initialize(from: models.map { $0.outputCount }, count: models.count)
        offsetBuffer = .allocate(capacity: models.count)
        offsetBuffer.initialize(from: offsets, count: models.count)
    }

    deinit {
        for pointer in [ring, frame, real, imaginary, dft.real, dft.imaginary, dft.filters, dft.biasReal, dft.biasImaginary, pending, melHistory, embeddingHistory, scores] {
            pointer.deallocate()
        }
        outputCounts.deallocate()
        offsetBuffer.deallocate()
    }

    /// Samples per chunk (one score row per chunk).
    public var chunkSamples: Int { chunk }

    /// Feeds samples in int16 scale (−32768...32767, as openWakeWord reads them). Each completed chunk
    /// writes one row of `rowWidth` scores to `rows` (capacity `rowCapacity` rows); returns the
    /// rows written. Chunks beyond the capacity are computed and their rows dropped.
    public func process(_ samples: UnsafeBufferPointer<Float>, rows: UnsafeMutablePointer<Float>, rowCapacity: Int) -> Int {
        var written = 0
        let length = mel.frameLength
        for sample in samples {
            ring[ringPosition] = sample
            ringPosition = ringPosition &+ 1 == length ? 0 : ringPosition &+ 1
            samplesSeen &+= 1
            if samplesSeen >= length, (samplesSeen &- length) % mel.hop == 0 { computeFrame() }
            if samplesSeen % chunk == 0 {
                finishChunk()
                if written < rowCapacity {
                    (rows + written &* rowWidth).update(from: scores, count: rowWidth)
                    written &+= 1
                }
            }
        }
        return written
    }

    /// Back to the state after init (ones in the mel history, no embeddings).
    public func reset() {
        ring.update(repeating: 0, count: mel.frameLength)
        (ringPosition, samplesSeen, pendingFrames, embeddingsComputed) = (0, 0, 0, 0)
        melHistory.update(repeating: 1, count: frames * mel.mels)
        embeddingHistory.update(repeating: 0, count: embeddings * embeddingSize)
        scores.update(repeating: 0, count: rowWidth)
        for network in recurrentNetworks { network?.reset() }
    }

    /// One mel frame (in dB, before the floor) from the last `frameLength` samples.
    private func computeFrame() {
        let length = mel.frameLength
        let tail = length &- ringPosition
        frame.update(from: ring + ringPosition, count: tail)
        (frame + tail).update(from: ring, count: ringPosition)
        MatrixVector.multiply(dft.real, rows: mel.bins, columns: length, vector: frame, into: real)
        MatrixVector.multiply(dft.imaginary, rows: mel.bins, columns: length, vector: frame, into: imaginary)
        for bin in 0..<mel.bins {
            let re = real[bin] + dft.biasReal[bin], im = imaginary[bin] + dft.biasImaginary[bin]
            real[bin] = re * re + im * im
        }
        guard pendingFrames < pendingCapacity else { return }
        let out = pending + pendingFrames &* mel.mels
        MatrixVector.multiply(dft.filters, rows: mel.mels, columns: mel.bins, vector: real, into: out)
        for m in 0..<mel.mels {
            let power = Swift.min(Swift.max(out[m], mel.powerFloor), mel.powerCeiling)
            let scaled = ElementaryMath.log(power) * mel.logMultiplier
            let db = (mel.divides ? scaled / mel.logDivisor : scaled * mel.logDivisor) - mel.dbOffset
            out[m] = Swift.min(db, mel.dbCeiling)
        }
        pendingFrames &+= 1
    }

    /// The chunk's frames get the top-dB floor and openWakeWord's transform, join the history; then
    /// one embedding, then every head.
    private func finishChunk() {
        let mels = mel.mels
        let count = pendingFrames &* mels
        var peak = -Float.infinity
        for i in 0..<count where pending[i] > peak { peak = pending[i] }
        let floor = peak - mel.topDB
        let kept = frames &- pendingFrames
        if kept > 0 { melHistory.update(from: melHistory + pendingFrames &* mels, count: kept &* mels) }
        let target = melHistory + Swift.max(kept, 0) &* mels
        let first = Swift.max(-kept, 0) &* mels
        for i in first..<count {
            target[i &- first] = Swift.max(pending[i], floor) / mel.outputDivisor + mel.outputOffset
        }
        let added = pendingFrames
        pendingFrames = 0

        // The history moved up by `added` frames: the runner reuses what it proves unchanged.
        let vector = embedding.run(melHistory, newRows: added)
        embeddingHistory.update(from: embeddingHistory + embeddingSize, count: (embeddings &- 1) &* embeddingSize)
        (embeddingHistory + (embeddings &- 1) &* embeddingSize).update(from: vector, count: embeddingSize)
        embeddingsComputed &+= 1
        guard embeddingsComputed >= embeddings else { return }
        for index in 0..<heads.count {
            let target = scores + offsetBuffer[index]
            if let network = recurrentNetworks[index] {
                target.update(from: heads[index].run(network.step(vector).baseAddress!), count: outputCounts[index])
                continue
            }
            let output = heads[index].run(embeddingHistory)
            // A verifier exists only beside a single score (`OpenWakeWordModel.validate`).
            if output[0] >= verifierThresholds[index], let verifier = verifiers[index] {
                target[0] = verifier.run(embeddingHistory)[0]
            } else {
                target.update(from: output, count: outputCounts[index])
            }
        }
    }
}

extension FloatLayerRunner.Precision {
    /// The runner precision a model's stored embedding or head weights ask for.
    public init(_ weights: OpenWakeWordEmbeddingWeights) {
        switch weights {
        case .fp32: self = .fp32
        case .fp16: self = .fp16
        case .int8: self = .int8
        }
    }
}
