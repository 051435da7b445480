import Frontend
import Glibc
import Model
import NumPyFile
import Runtime
import SystemFile

/// `earshot count-allocations --model MODEL --features X.npy [--wav CLIP.wav]` (hidden, this build
/// only): the heap allocations of this build's own code (Aarch64/Support/allocation_counter.c)
/// while loading, then while stepping the network over every row of X ([T, F]; windowed and
/// bidirectional models through their window ring), then while the model's front end turns the
/// clip into features hop by hop. Prints `load allocations N`, then `steps T allocations K first F` and
/// `hops H allocations K first F`: K over the steps (hops) after the first, F in the first.
enum EmbeddedAllocationCount {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: ["model", "features", "wav"], flags: [])
        let model = try list.required("model")
        let features = try list.required("features")
        do throws(CLIError) {
            try count(model: model, features: features, wav: list.option("wav"))
        } catch {
            throw .failed(error)
        }
    }

    private static func count(model: String, features: String, wav: String?) throws(CLIError) {
        let start = earshot_allocation_count()
        let file: ModelFile
        let network: Network
        let windowed: WindowedNetwork?
        do { file = try ModelFile(path: model) } catch { throw CLIError(error.description) }
        do {
            network = try Network(model: file)
            windowed = try WindowedNetwork.forModel(network)
        } catch {
            throw CLIError(error.description)
        }
        let array: NumPyArray
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(path: features) } catch { throw CLIError(error.description) }
        do { array = try NumPyFormat.parse(bytes) } catch { throw CLIError(error.description) }
        guard array.shape.count == 2, array.shape[1] == network.inputSize else {
            throw CLIError("'\(features)' has shape \(array.shape); the model needs [T, \(network.inputSize)]")
        }
        let frames = array.floats()
        let steps = array.shape[0]
        let loadAllocations = earshot_allocation_count() - start
        print("load allocations \(loadAllocations)")

        // The first step is counted apart (one-time runtime initialization, as the host's
        // AllocationTests warm up before counting); then every later step.
        var before = earshot_allocation_count()
        var first = 0
        frames.withUnsafeBufferPointer { input in
            for t in 0..<steps {
                if t == 1 {
                    first = Int(earshot_allocation_count() - before)
                    before = earshot_allocation_count()
                }
                let row = input.baseAddress! + t * network.inputSize
                if let windowed { _ = windowed.push(row) } else { _ = network.step(row) }
            }
        }
        // Read before printing: the interpolation's buffer is itself an allocation.
        let stepAllocations = earshot_allocation_count() - before
        print("steps \(max(steps - 1, 0)) allocations \(stepAllocations) first \(first)")

        guard let wav else { return }
        guard let config = file.description.frontend else { throw CLIError("'\(model)' has no front end") }
        let extractor: FeatureExtractor
        do { extractor = try FeatureExtractor(config: config) } catch { throw CLIError(error.description) }
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
        var frame = [Float](repeating: 0, count: extractor.featureCount)
        var hops = 0
        before = earshot_allocation_count()
        first = -1
        clip.samples.withUnsafeBufferPointer { input in
            frame.withUnsafeMutableBufferPointer { out in
                var offset = 0
                while offset < input.count {
                    let step = extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out)
                    offset += step.consumed
                    guard step.produced else { continue }
                    hops += 1
                    if first < 0 {
                        first = Int(earshot_allocation_count() - before)
                        before = earshot_allocation_count()
                    }
                }
            }
        }
        let hopAllocations = earshot_allocation_count() - before
        print("hops \(max(hops - 1, 0)) allocations \(hopAllocations) first \(max(first, 0))")
    }
}
