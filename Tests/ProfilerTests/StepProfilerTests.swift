import Frontend
import Glibc
import Model
import Profiler
import Runtime
import TestSupport
import Testing

@Suite("StepProfiler")
struct StepProfilerTests {
    @Test("random frames: every histogram gets its samples, hops and memory are counted")
    func randomFrames() throws {
        let network = try testNetwork()
        let settings = ProfileSettings(steps: 300, warmup: 20, hopNanoseconds: 10_000_000, hopSource: "test")
        let reports = try StepProfiler.run([ProfileTarget(label: "m", network: network)], source: .random(seed: 3), settings: settings)
        #expect(reports.count == 1)
        let report = reports[0]
        #expect(report.step.count == 300)
        #expect(report.layerSum.count == 300)
        #expect(report.layers.map(\.latency.count) == [300, 300, 300])
        #expect(report.layers.map(\.kind) == ["lstm", "dense", "softmax"])
        #expect(report.layers.map(\.name) == ["lstm", "dense", ""])
        #expect(report.hops == 600)
        #expect(report.deadlineMisses <= report.hops)
        #expect(report.frontend == nil)
        #expect(report.arenaBytes == network.arenaByteCount)
        #expect(report.modelMappedBytes == network.model.fileByteCount)
        #expect(report.peakRSSBytes > 0)
        #expect(report.weightTypes == ["fp32"])
        #expect(report.hopNanoseconds == 10_000_000)
        #expect(report.step.minimum <= report.step.p50 && report.step.p50 <= report.step.p90)
        #expect(report.step.p90 <= report.step.p99 && report.step.p99 <= report.step.p999 && report.step.p999 <= report.step.maximum)
    }

    @Test("layer-by-layer steps compute what whole steps compute")
    func layerStepsEqualStep() throws {
        // The profiler relies on stepLayer 0..<n being step; check it on its own networks.
        let a = try testNetwork(seed: 4)
        let b = try testNetwork(seed: 4)
        var generator = SeededGenerator(seed: 8)
        for _ in 0..<50 {
            let frame = (0..<a.inputSize).map { _ in generator.uniformFromTopBits(1) }
            let whole = frame.withUnsafeBufferPointer { Array(a.step($0)) }
            frame.withUnsafeBufferPointer { buffer in
                for layer in 0..<b.layerCount { b.stepLayer(layer, frame: buffer.baseAddress!) }
            }
            #expect(whole == Array(b.output))
        }
    }

    @Test("audio input: the front end runs once per hop and its hop becomes the budget")
    func audioInput() throws {
        let network = try testNetwork(inputSize: 10)
        let config = FrontendConfig.tensorFlowMFCC(sampleRate: 16000, windowLength: 640, stride: 320,
                                                   filterbankChannelCount: 40, dctCoefficientCount: 10)
        let extractor = try FeatureExtractor(config: config)
        // 0.3 s of a 440 Hz tone: shorter than the run needs, so it is looped.
        let samples = (0..<4800).map { Float(sin(2 * Double.pi * 440 * Double($0) / 16000)) * 0.3 }
        let audio = AudioInput(label: "tone", samples: samples, sampleRate: 16000, extractor: extractor, frontendDescription: "tf")
        let settings = ProfileSettings(steps: 100, warmup: 5)
        let report = try StepProfiler.run([ProfileTarget(label: "m", network: network)], source: .audio(audio), settings: settings)[0]
        #expect(report.frontend?.count == 200)
        #expect(report.hopNanoseconds == 20_000_000)
        #expect(report.hops == 200)
        #expect(report.frontendDescription == "tf")
        #expect(report.input.contains("tone"))
        #expect(report.frontendMeanPerHop != nil)
    }

    @Test("windowed models: window runs are timed and give the real-time factor")
    func windowed() throws {
        let network = try testNetwork(execution: .windowed(frames: 6, hop: 3))
        let settings = ProfileSettings(steps: 120, warmup: 0, hopNanoseconds: 20_000_000, hopSource: "test")
        let report = try StepProfiler.run([ProfileTarget(label: "w", network: network)], source: .random(seed: 1), settings: settings)[0]
        let window = try #require(report.window)
        #expect(window.frames == 6 && window.hop == 3)
        #expect(window.histogram.count == 20)
        #expect(report.execution == "windowed (6 frames, every 3)")
        #expect(report.realtimeFactor == window.realtimeFactor)
        #expect(abs(window.realtimeFactor - window.histogram.mean / (3 * 20_000_000)) < 1e-12)
        #expect(report.step.count == 120)
        #expect(report.text.contains("windowed execution: 6 steps from zero state every 3 hops"))
        let streaming = try StepProfiler.run([ProfileTarget(label: "s", network: try testNetwork())], source: .random(seed: 1), settings: settings)[0]
        #expect(streaming.window == nil)
        #expect(streaming.realtimeFactor == streaming.stepRealtimeFactor)
    }

    @Test("compare: one report per variant, in order, each with its own samples")
    func compareVariants() throws {
        let targets = [ProfileTarget(label: "x", network: try testNetwork(seed: 1)),
                       ProfileTarget(label: "y", network: try testNetwork(seed: 2))]
        let reports = try StepProfiler.run(targets, source: .random(seed: 1), settings: ProfileSettings(steps: 50, warmup: 0))
        #expect(reports.map(\.model) == ["x", "y"])
        #expect(reports.map(\.step.count) == [50, 50])
        #expect(reports.map(\.hops) == [100, 100])
    }

    @Test("compare refuses models that are not variants of one network")
    func compareRefusesOtherModels() throws {
        let targets = [ProfileTarget(label: "x", network: try testNetwork(hidden: 16)),
                       ProfileTarget(label: "y", network: try testNetwork(hidden: 12))]
        #expect(throws: ProfilerError.notVariants(first: "x", other: "y", difference: "layer 0 has sizes 8->12, not 8->16")) {
            _ = try StepProfiler.run(targets, source: .random(seed: 1), settings: ProfileSettings(steps: 5, warmup: 0))
        }
    }

    @Test("a front end whose frames do not fit the model is refused, naming both sizes")
    func featureSizeMismatch() throws {
        let network = try testNetwork(inputSize: 8)
        let extractor = try FeatureExtractor(config: .tensorFlowMFCC(windowLength: 640, stride: 320, dctCoefficientCount: 13))
        let audio = AudioInput(label: "a.wav", samples: [Float](repeating: 0, count: 1000), sampleRate: 16000, extractor: extractor, frontendDescription: "")
        #expect(throws: ProfilerError.featureSizeMismatch(model: "m", modelInput: 8, frontendFeatures: 13)) {
            _ = try StepProfiler.run([ProfileTarget(label: "m", network: network)], source: .audio(audio), settings: ProfileSettings(steps: 5))
        }
        #expect(ProfilerError.featureSizeMismatch(model: "m", modelInput: 8, frontendFeatures: 13).description
                == "'m' takes 8 features per frame but the front end makes 13")
    }

    @Test("empty audio, a wrong sample rate, zero steps and no models are refused")
    func badSettings() throws {
        let network = try testNetwork(inputSize: 13)
        let extractor = try FeatureExtractor(config: .tensorFlowMFCC(windowLength: 640, stride: 320))
        let target = ProfileTarget(label: "m", network: network)
        let empty = AudioInput(label: "e.wav", samples: [], sampleRate: 16000, extractor: extractor, frontendDescription: "")
        #expect(throws: ProfilerError.emptyAudio("e.wav")) {
            _ = try StepProfiler.run([target], source: .audio(empty), settings: ProfileSettings())
        }
        let wrongRate = AudioInput(label: "r.wav", samples: [0, 0], sampleRate: 8000, extractor: extractor, frontendDescription: "")
        #expect(throws: ProfilerError.sampleRateMismatch(audio: "r.wav", audioRate: 8000, frontendRate: 16000)) {
            _ = try StepProfiler.run([target], source: .audio(wrongRate), settings: ProfileSettings())
        }
        #expect(throws: ProfilerError.invalidSetting(name: "steps", value: "0")) {
            _ = try StepProfiler.run([target], source: .random(seed: 1), settings: ProfileSettings(steps: 0))
        }
        #expect(throws: ProfilerError.noModels) {
            _ = try StepProfiler.run([], source: .random(seed: 1), settings: ProfileSettings())
        }
    }
}
