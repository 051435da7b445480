import Frontend
import Glibc
import Model
import Pipeline
import Profiler
import Runtime
import Testing

/// The profiler's inputs come from a `PipelineStream`: the same network, window and front end
/// objects the stream runs, and audio converted by the stream's resampler.
@Suite struct PipelineInputTests {
    static let mfcc = FrontendConfig.tensorFlowMFCC(sampleRate: 16000, windowLength: 640, stride: 320,
                                                    filterbankChannelCount: 40, dctCoefficientCount: 10)

    @Test("a target is the stream's own network and window runner")
    func targetFromStream() throws {
        let file = try testModelFile(inputSize: 10, execution: .windowed(frames: 6, hop: 3), frontend: Self.mfcc)
        let stream = try Pipeline(model: file).makeStream(inputRate: 16000)
        let stages = stream.stages(model: 0)
        let target = try ProfileTarget(label: "w", stream: stream, model: 0)
        #expect(target.network === stages.network)
        #expect(target.windowed != nil && target.windowed === stages.windowed)
        #expect(target.windowed?.windowFrames == 6 && target.windowed?.hopFrames == 3)
        let report = try StepProfiler.run([target], source: .random(seed: 1), settings: ProfileSettings(steps: 20, warmup: 0))[0]
        #expect(report.window?.frames == 6 && report.window?.hop == 3)
    }

    @Test("audio at another rate is converted by the stream's resampler and read by its front end")
    func audioFromStream() throws {
        let file = try testModelFile(inputSize: 10, frontend: Self.mfcc)
        let stream = try Pipeline(model: file).makeStream(inputRate: 48000)
        let tone = (0..<4800).map { Float(sin(2 * Double.pi * 440 * Double($0) / 48000)) * 0.3 }
        let audio = try AudioInput(label: "tone", samples: tone, stream: stream, model: 0, frontendDescription: "tf")
        #expect(audio.sampleRate == 16000)
        #expect(audio.samples.count == 1600)   // ceil(4800 / 3)
        #expect(audio.extractor === stream.stages(model: 0).extractor)
        #expect(audio.label == "tone, resampled from 48000 Hz")
        let target = try ProfileTarget(label: "m", stream: stream, model: 0)
        let report = try StepProfiler.run([target], source: .audio(audio), settings: ProfileSettings(steps: 10, warmup: 0))[0]
        #expect(report.frontend?.count == 20)
    }

    @Test("chunks through the whole stream: counts, budget and errors")
    func chunks() throws {
        let file = try testModelFile(inputSize: 10, frontend: Self.mfcc)
        let stream = try Pipeline(model: file).makeStream(inputRate: 16000)
        let report = try ChunkProfiler.run(stream, label: "m", chunkSamples: 1280, steps: 30, warmup: 2, seed: 1,
                                           samples: nil, inputDescription: "noise")
        #expect(report.chunk.count == 30)
        #expect(report.chunkAudioNanoseconds == 80_000_000)
        #expect(report.deadlineMisses <= 30)
        // 32 chunks of 4 hops each went through the front end.
        #expect(stream.featureFrames == 32 * 4 - 1)
        #expect(throws: ProfilerError.emptyAudio("m")) {
            _ = try ChunkProfiler.run(stream, label: "m", chunkSamples: 1280, steps: 1, warmup: 0, seed: 1, samples: [], inputDescription: "")
        }
        #expect(throws: ProfilerError.invalidSetting(name: "steps", value: "0")) {
            _ = try ChunkProfiler.run(stream, label: "m", chunkSamples: 1280, steps: 0, warmup: 0, seed: 1, samples: nil, inputDescription: "")
        }
    }
}
