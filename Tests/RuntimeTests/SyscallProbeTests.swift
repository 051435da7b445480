import Glibc
import Model
import Runtime
import Testing

// The step loop between two marker system calls, for tools/checks/syscall_check.py: it runs this test
// under `strace -f` and asserts that the thread makes no system call between the markers (and at
// least one in the control region, so a trace that sees nothing fails). Without strace this is an
// ordinary test of the same loop.

/// A marker the tracer can find: write(2) to fd -1 fails with EBADF, and strace prints the text.
private func marker(_ text: StaticString) {
    _ = write(-1, text.utf8Start, text.utf8CodeUnitCount)
}

@Suite("System calls of the step loop (traced by tools/checks/syscall_check.py)")
struct SyscallProbeTests {
    @Test("10,000 steps of LSTM 40→128 + dense 12 + softmax between strace markers, for every weight type",
          arguments: [TensorType.float32, .float16, .int8])
    func stepLoopBetweenMarkers(weightType: TensorType) throws {
        let model = try TestModel.lstm40(seed: 42, weightType: weightType)
        let network = try Network(model: model.file)
        let flat = randomFrames(count: 16, size: network.inputSize, seed: 43).flatMap { $0 }
        var checksum: Float = 0
        flat.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            // Control: one getppid(2) between its own markers; the tracer must see it.
            marker("earshot-syscall-probe control-begin")
            _ = getppid()
            marker("earshot-syscall-probe control-end")
            // From the first step after load: no warm-up.
            marker("earshot-syscall-probe steps-begin")
            var t = 0
            while t < 10_000 {
                checksum += network.step(base + (t & 15) &* network.inputSize)[0]
                t &+= 1
            }
            marker("earshot-syscall-probe steps-end")
        }
        #expect(checksum.isFinite)
    }
}
