// API CONTRACT — implementation in progress (runtime helper replaces the bodies).
import Model

/// A recurrent network that runs one timestep per `step` call in a fixed, preallocated arena.
public final class Network {
    public let model: ModelFile
    /// Bytes of the arena (state + scratch) planned at init.
    public private(set) var arenaByteCount: Int = 0
    public var inputSize: Int { model.description.inputSize }
    public var outputSize: Int { model.description.outputSize }

    /// Plans the arena for `model`. Throws if the model uses something the runtime cannot run.
    public init(model: ModelFile) throws(RuntimeError) {
        self.model = model
        fatalError("unimplemented")
    }

    /// Runs one timestep. `frame` holds `inputSize` floats. The returned buffer (outputSize floats)
    /// lives in the arena and is overwritten by the next call.
    /// Allocates: never. Locks: none. Syscalls: none.
    public func step(_ frame: UnsafePointer<Float>) -> UnsafeBufferPointer<Float> {
        fatalError("unimplemented")
    }

    /// Clears all recurrent state to zero, as at start.
    public func reset() {}
}

public enum RuntimeError: Error, Equatable, Sendable {
    case unimplemented
}
