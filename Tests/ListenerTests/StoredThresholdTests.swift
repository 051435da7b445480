import Model
import Pipeline
import Spotter
import Testing

/// The thresholds a model file stores (`StoredThresholds`: `detector.threshold`,
/// `detector.thresholds.NAME`): written, read back, used by the detector a stream builds in the
/// documented order, and hostile values refused with an error naming the key.
@Suite struct StoredThresholdTests {
    /// The burst model (labels `keywordLabels`) with `metadata` added, through a file's bytes.
    private func model(_ metadata: [String: MetadataValue]) throws -> ModelFile {
        var (description, tensors) = burstDetectorParts()
        for (key, value) in metadata { description.metadata[key] = value }
        return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }

    /// The thresholds the running detector uses: (keyword -> own, default).
    private func running(_ model: ModelFile, _ settings: DetectorSettings = DetectorSettings()) throws -> ([String: Float], Float) {
        let detector = try #require(try Pipeline(model: model, detector: settings).makeStream(inputRate: 16_000).detector)
        return (detector.configuration.thresholds, detector.configuration.defaultThreshold)
    }

    @Test("round trip: convert's metadata -> file bytes -> StoredThresholds and the stream's detector")
    func roundTrip() throws {
        let keyword = keywordLabels[2]
        let stored = StoredThresholds(threshold: 0.55, keywords: [keyword: 0.93])
        let file = try model(stored.metadata)
        #expect(file.description.metadata["detector.thresholds.\(keyword)"] == .float(0.93))
        #expect(try StoredThresholds(metadata: file.description.metadata, labels: file.description.labels) == stored)
        let (own, all) = try running(file)
        #expect(own == [keyword: 0.93])
        #expect(all == 0.55)
        let part = Pipeline.Part(model: file)
        #expect(part.threshold(for: keyword) == 0.93)
        #expect(part.threshold(for: keywordLabels[3]) == 0.55)
    }

    @Test("order: the user's keyword threshold > --threshold > the model's keyword threshold > the model's threshold > 0.8")
    func order() throws {
        let keyword = keywordLabels[2], other = keywordLabels[3]
        let file = try model(StoredThresholds(keywords: [keyword: 0.93]).metadata)
        var settings = DetectorSettings()
        #expect(try running(file, settings) == ([keyword: 0.93], 0.8))
        #expect(Pipeline.Part(model: file, detector: settings).threshold(for: other) == Double(DetectorSettings.defaultThreshold))
        settings.threshold = 0.6   // --threshold: every keyword without the user's own, the stored ones too
        #expect(try running(file, settings) == ([:], 0.6))
        #expect(Pipeline.Part(model: file, detector: settings).threshold(for: keyword) == Double(Float(0.6)))
        settings.thresholds = [keyword: 0.7]
        #expect(try running(file, settings) == ([keyword: 0.7], 0.6))
        settings.threshold = nil   // the user's own for one keyword; the model's for the rest
        settings.thresholds = [other: 0.5]
        #expect(try running(file, settings) == ([keyword: 0.93, other: 0.5], 0.8))
    }

    @Test("hostile stored values are refused naming the key: NaN, < 0, > 1, not a number, unknown keyword",
          arguments: [
            ("detector.thresholds.yes", MetadataValue.float(.nan)),
            ("detector.thresholds.yes", .float(-0.1)),
            ("detector.thresholds.yes", .float(1.5)),
            ("detector.thresholds.yes", .float(.infinity)),
            ("detector.thresholds.yes", .string("0.9")),
            ("detector.threshold", .float(.nan)),
            ("detector.threshold", .int(1)),
            ("detector.thresholds.maybe", .float(0.9)),
            ("detector.thresholds.", .float(0.9)),
          ])
    func hostile(key: String, value: MetadataValue) throws {
        #expect(keywordLabels.contains("yes") && !keywordLabels.contains("maybe"))
        let file = try model([key: value])
        #expect {
            _ = try Pipeline(model: file)
        } throws: { error in
            guard case let .storedThreshold(reported, _)? = error as? PipelineError else { return false }
            return reported == key && "\(error)".contains(key)
        }
        // Part's accessors never pass a refused value on.
        let part = Pipeline.Part(model: file)
        #expect(part.storedThresholds == StoredThresholds())
    }

    @Test("convert's NAME=VALUE pairs: parsed exactly; malformed, NaN, < 0, > 1 and repeated keywords refused",
          arguments: ["yes", "=0.9", "yes=", "yes=high", "yes=nan", "yes=-0.1", "yes=1.5", "yes=inf"])
    func refusedPairs(pair: String) {
        #expect(throws: PipelineError.self) { _ = try StoredThresholds.keywordThresholds(parsing: [pair]) }
    }

    @Test("convert's NAME=VALUE pairs: the values as written, 0 and 1 included; a keyword twice refused")
    func parsedPairs() throws {
        #expect(try StoredThresholds.keywordThresholds(parsing: ["yes=0.92", "no=0", "up=1", "down=.85"])
                == ["yes": 0.92, "no": 0, "up": 1, "down": 0.85])
        #expect(try StoredThresholds.keywordThresholds(parsing: []) == [:])
        #expect(throws: PipelineError.self) { _ = try StoredThresholds.keywordThresholds(parsing: ["yes=0.9", "yes=0.8"]) }
    }
}
