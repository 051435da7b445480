import Pipeline

/// One client's audio stream through every served model: PCM bytes as the client announced them
/// (rate, sample width, channels) -> mono float (channels averaged, as `listen` downmixes) ->
/// one `PipelineStream` of the server's `Pipeline` (the stream `listen` runs) -> detections of the
/// keywords the client asked for.
///
/// All buffers are allocated at `init`; `process`, `finish` and `reset` allocate nothing.
final class ClientStream {
    let rate: Int
    /// Bytes per sample: 1 (signed 8-bit), 2 (s16le), 3 (s24le) or 4 (s32le), as Wyoming's width.
    let width: Int
    let channels: Int
    /// The detections of the last `process` or `finish` call.
    let detections: DetectionList

    private let stream: PipelineStream
    /// Per model, per output label: the catalog entry, or -1 (`KeywordCatalog.tables`, flattened
    /// as `PipelineStream.labelOffsets`).
    private let keywordIndex: UnsafeMutablePointer<Int32>
    private let keywordIndexCount: Int
    private let enabled: UnsafeMutablePointer<Bool>
    private let keywordCount: Int
    private let mono: UnsafeMutablePointer<Float>
    private let monoCapacity = 2048
    private let scale: Float

    /// Audio formats accepted from clients.
    static let rates = 4_000...192_000
    static let widths = 1...4
    static let channelCounts = 1...16

    /// - Throws: `ServeError.unsupportedAudio` for a format outside the accepted ranges, or
    ///   `.model` when a model's chain cannot be built.
    init(pipeline: Pipeline, catalog: KeywordCatalog, rate: Int, width: Int, channels: Int) throws(ServeError) {
        guard Self.rates.contains(rate) else { throw .unsupportedAudio("rate \(rate) Hz is outside \(Self.rates)") }
        guard Self.widths.contains(width) else { throw .unsupportedAudio("sample width \(width) bytes is outside \(Self.widths)") }
        guard Self.channelCounts.contains(channels) else {
            throw .unsupportedAudio("\(channels) channels is outside \(Self.channelCounts)")
        }
        self.rate = rate
        self.width = width
        self.channels = channels
        do throws(PipelineError) {
            stream = try pipeline.makeStream(inputRate: rate, eventCapacity: 64)
        } catch {
            if case .frontend = error { throw .unsupportedAudio("cannot resample \(rate) Hz: \(error)") }
            throw .model(name: "(all)", reason: "\(error)")
        }
        let table = catalog.tables.flatMap { $0 }
        keywordIndexCount = table.count
        keywordIndex = .allocate(capacity: max(1, table.count))
        keywordIndex.initialize(from: table, count: table.count)
        keywordCount = catalog.entries.count
        enabled = .allocate(capacity: max(1, keywordCount))
        enabled.initialize(repeating: true, count: max(1, keywordCount))
        mono = .allocate(capacity: monoCapacity)
        mono.initialize(repeating: 0, count: monoCapacity)
        detections = DetectionList(capacity: 64)
        // Full scale of a signed integer of `width` bytes, averaged over the channels.
        scale = 1 / (Float(1 << (8 * width - 1)) * Float(channels))
    }

    /// A stream through a pipeline of `served` (as `WyomingServer` builds it).
    ///
    /// - Throws: as `init(pipeline:catalog:rate:width:channels:)`.
    convenience init(models served: [ServedModel], catalog: KeywordCatalog, rate: Int, width: Int, channels: Int) throws(ServeError) {
        try self.init(pipeline: try WyomingServer.pipeline(of: served), catalog: catalog, rate: rate, width: width, channels: channels)
    }

    deinit {
        keywordIndex.deallocate()
        enabled.deallocate()
        mono.deallocate()
    }

    /// Bytes in one frame (one sample of every channel).
    var frameBytes: Int { width * channels }

    /// Chooses the keywords reported (one flag per catalog entry).
    func select(_ flags: [Bool]) {
        for i in 0..<min(flags.count, keywordCount) { enabled[i] = flags[i] }
    }

    /// Forgets all audio (a new audio-start). Allocates: never.
    func reset() {
        stream.reset()
        detections.removeAll()
    }

    /// Runs whole frames of little-endian PCM through every model; the detections are then in
    /// `detections`. `bytes.count` must be a multiple of `frameBytes`. Allocates: never.
    func process(_ bytes: UnsafeRawBufferPointer) {
        detections.removeAll()
        let frames = bytes.count / frameBytes
        var done = 0
        while done < frames {
            let count = min(monoCapacity, frames &- done)
            downmix(bytes.baseAddress! + done &* frameBytes, frames: count)
            stream.process(samples: UnsafeBufferPointer(start: mono, count: count))
            collect()
            done &+= count
        }
    }

    /// Places detections still waiting for their keyword's end (audio-stop). Allocates: never.
    func finish() {
        detections.removeAll()
        stream.flush()
        collect()
    }

    /// Appends the stream's events that are keywords the client asked for. Allocates: never.
    private func collect() {
        // Index loop: `for event in events` allocates an iterator in debug builds.
        let events = stream.events
        var i = 0
        while i < events.count {
            let event = events[i]
            i &+= 1
            guard event.keywordIndex >= 0 && event.keywordIndex < keywordIndexCount else { continue }
            let keyword = keywordIndex[event.keywordIndex]
            guard keyword >= 0, enabled[Int(keyword)] else { continue }
            detections.append(StreamDetection(keyword: keyword, time: event.time, score: event.score))
        }
    }

    /// Averages the channels of `frames` frames into `mono`, scaled to [-1, 1).
    private func downmix(_ source: UnsafeRawPointer, frames: Int) {
        let channels = self.channels
        let scale = self.scale
        switch width {
        case 2:
            for f in 0..<frames {
                var sum: Int32 = 0
                let frame = source + f &* 2 &* channels
                for c in 0..<channels { sum &+= Int32(Int16(littleEndian: frame.loadUnaligned(fromByteOffset: c &* 2, as: Int16.self))) }
                mono[f] = Float(sum) * scale
            }
        case 1:
            for f in 0..<frames {
                var sum: Int32 = 0
                let frame = source + f &* channels
                for c in 0..<channels { sum &+= Int32(Int8(bitPattern: frame.load(fromByteOffset: c, as: UInt8.self))) }
                mono[f] = Float(sum) * scale
            }
        case 3:
            for f in 0..<frames {
                var sum: Int64 = 0
                let frame = source + f &* 3 &* channels
                for c in 0..<channels {
                    let b = frame + c &* 3
                    let raw = Int32(b.load(as: UInt8.self)) | Int32(b.load(fromByteOffset: 1, as: UInt8.self)) << 8
                        | Int32(Int8(bitPattern: b.load(fromByteOffset: 2, as: UInt8.self))) << 16
                    sum &+= Int64(raw)
                }
                mono[f] = Float(sum) * scale
            }
        default:
            for f in 0..<frames {
                var sum: Int64 = 0
                let frame = source + f &* 4 &* channels
                for c in 0..<channels { sum &+= Int64(Int32(littleEndian: frame.loadUnaligned(fromByteOffset: c &* 4, as: Int32.self))) }
                mono[f] = Float(sum) * scale
            }
        }
    }
}
