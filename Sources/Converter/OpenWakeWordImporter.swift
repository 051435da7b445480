import Model

/// Imports openWakeWord models: a head (.onnx or .tflite) with the mel-spectrogram and
/// speech-embedding networks it runs on (.onnx or .tflite each), into one `OpenWakeWordModel`.
/// Each network's graph is checked op by op; anything else is refused, naming the node and op.
public enum OpenWakeWordImporter {
    /// One network file: its bytes and whether it is TFLite (else ONNX).
    public struct Source: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public var isTFLite: Bool

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
            isTFLite = name.lowercased().hasSuffix(".tflite")
        }
    }

    /// `labels`: a multi-class head's class names in output order (empty for a single score).
    public static func importModel(name: String, head: Source, melspectrogram: Source, embedding: Source,
                                   labels: [String] = []) throws(OpenWakeWordImportError) -> OpenWakeWordModel {
        let mel = try melNetwork(melspectrogram)
        let embeddingStack = try stack(embedding, input: FloatShape(height: 76, width: mel.mels, channels: 1))
        let embeddingSize: Int
        do { embeddingSize = try embeddingStack.shapes().last?.count ?? 0 } catch { throw .model(error) }
        var model: OpenWakeWordModel
        if let recurrent = try recurrentHead(head, embeddingSize: embeddingSize) {
            model = OpenWakeWordModel(name: name, mel: mel, embedding: embeddingStack, head: recurrent.1, recurrent: recurrent.0)
        } else {
            let (headStack, verifier) = try headNetwork(head, input: FloatShape(height: 16, width: embeddingSize, channels: 1))
            model = OpenWakeWordModel(name: name, mel: mel, embedding: embeddingStack, head: headStack, verifier: verifier)
        }
        model.labels = labels
        do { try model.validate() } catch { throw .model(error) }
        return model
    }

    /// A mel-spectrogram network alone (what `importModel` reads from `melspectrogram`).
    public static func melNetwork(_ source: Source) throws(OpenWakeWordImportError) -> OpenWakeWordMel {
        if source.isTFLite {
            do { return try TFLiteOpenWakeWord(bytes: source.bytes).melNetwork() } catch { throw .tflite(file: source.name, error) }
        }
        do { return try ONNXOpenWakeWord(bytes: source.bytes).melNetwork() } catch { throw .onnx(file: source.name, error) }
    }

    /// An embedding CNN or a head alone, as a layer chain over `input`.
    public static func stack(_ source: Source, input: FloatShape) throws(OpenWakeWordImportError) -> FloatLayerStack {
        if source.isTFLite {
            do { return try TFLiteOpenWakeWord(bytes: source.bytes).stack(input: input) } catch { throw .tflite(file: source.name, error) }
        }
        do { return try ONNXOpenWakeWord(bytes: source.bytes).stack(input: input) } catch { throw .onnx(file: source.name, error) }
    }

    /// A recurrent head (an ONNX graph starting with a GRU over the embeddings) and the stack over its
    /// state; nil for any other head.
    public static func recurrentHead(_ source: Source, embeddingSize: Int) throws(OpenWakeWordImportError) -> (OpenWakeWordRecurrentHead, FloatLayerStack)? {
        guard !source.isTFLite else { return nil }
        do {
            let graph = try ONNXOpenWakeWord(bytes: source.bytes)
            guard graph.recurrentNode != nil else { return nil }
            return try graph.recurrentHead(embeddingSize: embeddingSize)
        } catch { throw .onnx(file: source.name, error) }
    }

    /// A head and its verifier, if it has one (TFLite's GREATER_EQUAL + IF ending, as in hey_jarvis).
    public static func headNetwork(_ source: Source, input: FloatShape) throws(OpenWakeWordImportError) -> (FloatLayerStack, OpenWakeWordVerifier?) {
        guard source.isTFLite else { return (try stack(source, input: input), nil) }
        do { return try TFLiteOpenWakeWord(bytes: source.bytes).head(input: input) } catch { throw .tflite(file: source.name, error) }
    }
}

/// Why an openWakeWord import failed, naming the file.
public enum OpenWakeWordImportError: Error, Sendable, CustomStringConvertible {
    case onnx(file: String, ConversionError)
    case tflite(file: String, TFLiteError)
    case model(ModelError)

    public var description: String {
        switch self {
        case let .onnx(file, error): return "'\(file)': \(error)"
        case let .tflite(file, error): return "'\(file)': \(error)"
        case let .model(error): return "the imported networks do not fit together: \(error)"
        }
    }
}
