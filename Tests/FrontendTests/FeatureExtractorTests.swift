import AllocationCounter
import Foundation
import Frontend
import Model
import TestSupport
import Testing

@Suite struct FeatureExtractorTests {
    /// A Kaldi-like configuration exercising every optional stage.
    static let everyStage = FrontendConfig(
        sampleRate: 16000, windowLength: 400, hopLength: 160, fftLength: 512, window: .povey,
        removeDCOffset: true, preEmphasis: 0.97, spectrum: .power, filterbank: .melTriangles,
        melScale: .htk, melBandCount: 23, lowFrequency: 20, highFrequency: 7600,
        logCompression: .natural, logFloor: Float.ulpOfOne, dct: .orthonormal, coefficientCount: 13,
        lifter: 22, featureMean: (0..<13).map { Float($0) * 0.5 },
        featureStandardDeviation: (0..<13).map { 1 + Float($0) * 0.25 })

    /// Streams `samples` in the given repeating chunk sizes.
    static func stream(_ extractor: FeatureExtractor, _ samples: [Float], chunks: [Int]) -> [[Float]] {
        var frames: [[Float]] = []
        var output = [Float](repeating: 0, count: extractor.featureCount)
        var offset = 0, index = 0
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                while offset < input.count {
                    let size = min(chunks[index % chunks.count], input.count - offset)
                    index += 1
                    var chunk = UnsafeBufferPointer(rebasing: input[offset..<(offset + size)])
                    offset += size
                    while !chunk.isEmpty {
                        let step = extractor.process(chunk, into: out)
                        chunk = UnsafeBufferPointer(rebasing: chunk[step.consumed...])
                        if step.produced { frames.append(Array(out)) }
                    }
                }
            }
        }
        return frames
    }

    /// The same pipeline in Double with Glibc math and a naive DFT, frame by frame (natural log;
    /// with `dct == .none`, the log-mel values).
    static func reference(_ config: FrontendConfig, _ samples: [Float]) throws -> [[Double]] {
        let bank = try MelFilterbank(
            style: config.filterbank, scale: config.melScale, normalization: config.melNormalization,
            bandCount: config.melBandCount, fftLength: config.fftLength, sampleRate: config.sampleRate,
            lowFrequency: config.lowFrequency, highFrequency: config.highFrequency)
        let window = WindowFunction.povey == config.window
            ? (0..<config.windowLength).map { pow(0.5 - 0.5 * cos(2 * .pi * Double($0) / Double(config.windowLength - 1)), 0.85) }
            : config.window.coefficients(length: config.windowLength)
        let n = config.fftLength, bands = config.melBandCount
        var frames: [[Double]] = []
        var start = 0
        while start + config.windowLength <= samples.count {
            var x = samples[start..<(start + config.windowLength)].map(Double.init)
            if config.removeDCOffset {
                let mean = x.reduce(0, +) / Double(x.count)
                x = x.map { $0 - mean }
            }
            let a = Double(config.preEmphasis)
            if a != 0 {
                for i in stride(from: x.count - 1, to: 0, by: -1) { x[i] -= a * x[i - 1] }
                x[0] -= a * x[0]
            }
            for i in 0..<x.count { x[i] *= window[i] }
            var spectrum = [Double](repeating: 0, count: n / 2 + 1)
            for k in 0...(n / 2) {
                var re = 0.0, im = 0.0
                for t in 0..<x.count {
                    let angle = 2 * Double.pi * Double((k * t) % n) / Double(n)
                    re += x[t] * cos(angle)
                    im -= x[t] * sin(angle)
                }
                let power = re * re + im * im
                spectrum[k] = config.spectrum == .power ? power : power.squareRoot()
            }
            var mel = [Double](repeating: 0, count: bands)
            for band in 0..<bands {
                for j in 0..<bank.weightCount[band] {
                    mel[band] += Double(bank.weights[bank.weightOffset[band] + j]) * spectrum[bank.firstBin[band] + j]
                }
                mel[band] = log(max(mel[band], Double(config.logFloor)))
            }
            if config.dct == .none {  // log-mel features (no normalization either)
                frames.append(mel)
                start += config.hopLength
                continue
            }
            var features = [Double](repeating: 0, count: config.coefficientCount)
            for i in 0..<config.coefficientCount {
                let scale = i == 0 ? sqrt(1 / Double(bands)) : sqrt(2 / Double(bands))
                var sum = 0.0
                for j in 0..<bands { sum += mel[j] * cos(Double.pi / Double(bands) * Double(i) * (Double(j) + 0.5)) }
                let lifter = Double(config.lifter)
                features[i] = scale * sum * (1 + lifter / 2 * sin(Double.pi * Double(i) / lifter))
                features[i] = (features[i] - Double(config.featureMean[i])) / Double(config.featureStandardDeviation[i])
            }
            frames.append(features)
            start += config.hopLength
        }
        return frames
    }

    @Test(arguments: SpectrumPrecision.allCases.filter { $0 != .tfliteMicroInt16 && $0 != .sileroSTFT })
    func everyStageMatchesADoubleReference(precision: SpectrumPrecision) throws {
        var config = Self.everyStage
        config.spectrumPrecision = precision
        let extractor = try FeatureExtractor(config: config)
        // A chirp plus noise, 0.2 s.
        var generator = SeededGenerator(seed: 42)
        let samples = (0..<3200).map { t -> Float in
            let time = Double(t) / 16000
            return Float(0.5 * sin(2 * .pi * (200 + 3000 * time) * time)) + Float.random(in: -0.01..<0.01, using: &generator)
        }
        let frames = Self.stream(extractor, samples, chunks: [97, 1, 400, 33])
        let expected = try Self.reference(config, samples)
        #expect(frames.count == 1 + (3200 - 400) / 160)
        #expect(frames.count == expected.count)
        var maxError = 0.0
        for (got, want) in zip(frames, expected) {
            for (g, w) in zip(got, want) { maxError = max(maxError, abs(Double(g) - w)) }
        }
        #expect(maxError < 1e-3, "max error \(maxError)")
    }

    @Test func chunkingDoesNotChangeTheFrames() throws {
        let extractor = try FeatureExtractor(config: .mlKWS(stride: 320))
        let samples = randomSignal(count: 16000, seed: 1)
        let whole = extractor.features(of: samples)
        #expect(whole.count == 49)
        for chunks in [[1], [160], [333, 1, 7], [16000], [640, 320]] {
            extractor.reset()
            #expect(Self.stream(extractor, samples, chunks: chunks) == whole, "chunks \(chunks)")
        }
    }

    @Test func int16InputEqualsScaledFloatInput() throws {
        let extractor = try FeatureExtractor(config: .mlKWS(stride: 640))
        var generator = SeededGenerator(seed: 3)
        let pcm = (0..<4000).map { _ in Int16.random(in: .min ... .max, using: &generator) }
        let floats = extractor.features(of: pcm.map { Float($0) / 32768 })
        var frames: [[Float]] = []
        var output = [Float](repeating: 0, count: 10)
        pcm.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var offset = 0
                while offset < input.count {
                    let step = extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out)
                    offset += step.consumed
                    if step.produced { frames.append(Array(out)) }
                }
            }
        }
        #expect(frames.count == 1 + (4000 - 640) / 640)
        #expect(frames == floats)
    }

    @Test func resetStartsOver() throws {
        let extractor = try FeatureExtractor(config: .mlKWS(stride: 320))
        let samples = randomSignal(count: 2000, seed: 5)
        let first = Self.stream(extractor, samples, chunks: [123])
        #expect(extractor.samplesUntilNextFrame != 640)
        extractor.reset()
        #expect(extractor.samplesUntilNextFrame == 640)
        #expect(Self.stream(extractor, samples, chunks: [77]) == first)
    }

    @Test func hopLongerThanWindowSkipsSamples() throws {
        var config = FrontendConfig.mlKWS(stride: 320)
        config.windowLength = 256
        config.fftLength = 256
        config.hopLength = 1000
        let extractor = try FeatureExtractor(config: config)
        let samples = randomSignal(count: 5000, seed: 9)
        let frames = Self.stream(extractor, samples, chunks: [61])
        #expect(frames.count == 1 + (5000 - 256) / 1000)
        // Frame 2 is the window starting at sample 2000.
        let alone = extractor.features(of: Array(samples[2000..<2256]))
        #expect(alone.count == 1 && alone[0] == frames[2])
    }

    @Test func logMelWithoutDCTAndDecibels() throws {
        var config = FrontendConfig.mlKWS(stride: 320)
        config.dct = .none
        config.logCompression = .decibel
        config.logFloor = 1e-10
        let extractor = try FeatureExtractor(config: config)
        #expect(extractor.featureCount == 40)
        var natural = config
        natural.logCompression = .natural
        let samples = randomSignal(count: 1280, seed: 11)
        let decibels = extractor.features(of: samples)
        let logs = try FeatureExtractor(config: natural).features(of: samples)
        #expect(decibels.count == 3)
        for (d, l) in zip(decibels.joined(), logs.joined()) {
            #expect(abs(d - l * Float(10 / log(10.0))) <= 1e-4 * max(1, abs(d)))
        }
    }

    /// Log-mel energies (no DCT) of a loud tone over faint noise, whose weak bands sit ~100 dB
    /// below the tone: a float32 spectrum loses their low digits (its rounding error is relative to
    /// the strongest bin); the Double one keeps them to Float rounding.
    @Test func doubleSpectrumKeepsWeakBandsExact() throws {
        var config = Self.everyStage
        // DC removal and pre-emphasis run in Float on either path (their rounding would mask the
        // difference); librosa's presets use neither.
        config.removeDCOffset = false
        config.preEmphasis = 0
        config.dct = .none
        config.lifter = 0
        config.coefficientCount = config.melBandCount
        config.featureMean = []
        config.featureStandardDeviation = []
        var generator = SeededGenerator(seed: 7)
        let samples = (0..<2000).map { t -> Float in
            Float(0.9 * sin(2 * .pi * 440 * Double(t) / 16000)) + Float.random(in: -1e-5..<1e-5, using: &generator)
        }
        let expected = try Self.reference(config, samples)  // log-mel values, no DCT
        var errors: [SpectrumPrecision: Double] = [:]
        for precision in SpectrumPrecision.allCases where precision != .tfliteMicroInt16 && precision != .sileroSTFT {
            config.spectrumPrecision = precision
            let frames = try FeatureExtractor(config: config).features(of: samples)
            #expect(frames.count == expected.count)
            var maxError = 0.0
            for (got, want) in zip(frames, expected) {
                for (g, w) in zip(got, want) { maxError = max(maxError, abs(Double(g) - w)) }
            }
            errors[precision] = maxError
        }
        let narrow = errors[.float32] ?? .nan, wide = errors[.float64] ?? .nan
        #expect(wide < 1e-5, "float64: max error \(wide)")
        #expect(narrow > 10 * wide, "float32 \(narrow) vs float64 \(wide): the test signal no longer separates them")
    }

    @Test(arguments: SpectrumPrecision.allCases.filter { $0 != .tfliteMicroInt16 && $0 != .sileroSTFT })
    func processingAllocatesNothing(precision: SpectrumPrecision) throws {
        #expect(allocation_counter_is_active() == 1)
        var config = Self.everyStage
        config.spectrumPrecision = precision
        let extractor = try FeatureExtractor(config: config)
        let samples = randomSignal(count: 16000, seed: 13)
        let pcm = samples.map { Int16($0 * 32767) }
        var output = [Float](repeating: 0, count: extractor.featureCount)
        var produced = 0
        samples.withUnsafeBufferPointer { input in
            pcm.withUnsafeBufferPointer { pcmInput in
                output.withUnsafeMutableBufferPointer { out in
                    allocation_counter_begin()
                    for _ in 0..<10 {
                        var offset = 0
                        while offset < input.count {
                            let size = min(160, input.count - offset)
                            var done = 0
                            while done < size {
                                let step = extractor.process(
                                    UnsafeBufferPointer(start: input.baseAddress! + offset + done, count: size - done),
                                    into: out)
                                done += step.consumed
                                if step.produced { produced += 1 }
                            }
                            offset += size
                        }
                        var done = 0
                        while done < pcmInput.count {
                            let step = extractor.process(
                                UnsafeBufferPointer(start: pcmInput.baseAddress! + done, count: pcmInput.count - done),
                                into: out)
                            done += step.consumed
                            if step.produced { produced += 1 }
                        }
                        extractor.reset()
                    }
                    let allocations = allocation_counter_end()
                    #expect(allocations == 0, "\(allocations) allocations in \(produced) frames")
                }
            }
        }
        #expect(produced == 10 * (1 + (32000 - 400) / 160))  // one stream of 2 x 16000 samples per round
    }
}

/// Kaldi's log energy: raw (after DC removal, before pre-emphasis and window) or windowed,
/// prepended to log-mel features or replacing c0, against Double sums.
@Suite struct LogEnergyTests {
    static func energies(_ config: FrontendConfig, _ samples: [Float]) -> [Double] {
        let window = config.window.coefficients(length: config.windowLength)
        var result: [Double] = []
        var start = 0
        while start + config.windowLength <= samples.count {
            var x = samples[start..<(start + config.windowLength)].map { Double($0) * Double(config.sampleScale) }
            let mean = x.reduce(0, +) / Double(x.count)
            x = x.map { $0 - mean }
            if !config.rawEnergy {
                let a = Double(config.preEmphasis)
                for i in stride(from: x.count - 1, to: 0, by: -1) { x[i] -= a * x[i - 1] }
                x[0] -= a * x[0]
                for i in 0..<x.count { x[i] *= window[i] }
            }
            result.append(log(max(x.reduce(0) { $0 + $1 * $1 }, Double(Float.ulpOfOne))))
            start += config.hopLength
        }
        return result
    }

    @Test(arguments: [(LogEnergyPlacement.prepend, true), (.prepend, false), (.replaceFirst, true), (.replaceFirst, false)])
    func energyFeature(placement: LogEnergyPlacement, raw: Bool) throws {
        var config = placement == .prepend ? FrontendConfig.kaldiFbank() : FrontendConfig.kaldiMFCC()
        config.logEnergy = placement
        config.rawEnergy = raw
        var plain = config
        plain.logEnergy = .none
        let samples = randomSignal(count: 4000, seed: 21).map { $0 * 0.3 }
        let frames = try FeatureExtractor(config: config).features(of: samples)
        let without = try FeatureExtractor(config: plain).features(of: samples)
        let expected = Self.energies(config, samples)
        #expect(frames.count == expected.count && frames.count == 1 + (4000 - 400) / 160)
        for (index, frame) in frames.enumerated() {
            #expect(abs(Double(frame[0]) - expected[index]) < 1e-4 * max(1, abs(expected[index])),
                    "frame \(index): \(frame[0]) vs \(expected[index])")
            if placement == .prepend {
                #expect(frame.count == without[index].count + 1 && Array(frame.dropFirst()) == without[index])
            } else {
                #expect(frame.count == without[index].count && Array(frame.dropFirst()) == Array(without[index].dropFirst()))
            }
        }
    }

    @Test func energyFloorAndSilence() throws {
        var config = FrontendConfig.kaldiFbank(useEnergy: true)
        let silent = try FeatureExtractor(config: config).features(of: [Float](repeating: 0, count: 800))
        #expect(silent.allSatisfy { $0.allSatisfy { $0 == log(Float.ulpOfOne) } })
        config.energyFloor = 2
        let floored = try FeatureExtractor(config: config).features(of: [Float](repeating: 0, count: 800))
        #expect(floored.allSatisfy { abs($0[0] - log(2)) < 1e-6 })
    }

    @Test func replacingNeedsADCT() {
        var config = FrontendConfig.kaldiFbank()
        config.logEnergy = .replaceFirst
        #expect(throws: FrontendError.energyReplacesNothing) { try config.validate() }
    }
}

/// Zero allocations per hop for every preset (the every-stage test above covers normalization).
@Suite struct PresetAllocationTests {
    @Test(arguments: FrontendPreset.allCases)
    func hopsAllocateNothing(preset: FrontendPreset) throws {
        #expect(allocation_counter_is_active() == 1)
        var config = try preset.config([.hopLength: .integer(160)])
        if preset == .kaldiFbank { config.logEnergy = .prepend }
        let extractor = try FeatureExtractor(config: config)
        let samples = randomSignal(count: 16000, seed: 17)
        var output = [Float](repeating: 0, count: extractor.featureCount)
        var frames = 0
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                _ = extractor.process(UnsafeBufferPointer(start: input.baseAddress!, count: input.count), into: out)
                extractor.reset()  // warm-up above: one-time runtime work is not counted
                allocation_counter_begin()
                var offset = 0
                while offset < input.count {
                    let step = extractor.process(
                        UnsafeBufferPointer(start: input.baseAddress! + offset, count: min(160, input.count - offset)),
                        into: out)
                    offset += step.consumed
                    if step.produced { frames += 1 }
                }
                let count = allocation_counter_end()
                #expect(count == 0, "\(preset.rawValue): \(count) allocations in \(frames) hops")
            }
        }
        // Silero's window starts as zero context: its first frame is due after one hop.
        let firstFrame = preset == .silero ? config.hopLength : config.windowLength
        #expect(frames == 1 + (16000 - firstFrame) / 160)
    }
}
