import SystemFile
import CListenerShims

/// What `SystemTuning.apply` did: one sentence per setting that was applied or not.
public struct TuningReport: Equatable, Sendable {
    /// Settings in effect, e.g. "CPU affinity: CPUs 2, 3".
    public var applied: [String] = []
    /// Settings that could not be applied, each with the reason.
    public var notApplied: [String] = []

    public init() {}
}

/// Applies a board's process tuning to the calling (capture) thread and the process.
public enum SystemTuning {
    /// Applies, in this order: CPU affinity of the calling thread (`sched_setaffinity`),
    /// SCHED_FIFO at `realtimePriority` for the calling thread (`pthread_setschedparam`), and
    /// `mlockall(MCL_CURRENT | MCL_FUTURE)`. Call it on the capture thread after every other
    /// thread was started (threads inherit affinity and policy from their creator) and after
    /// set-up allocations, so locking covers the working set.
    ///
    /// Never fails: what is not permitted (no CAP_SYS_NICE, a low `ulimit -l`, a CPU that does
    /// not exist) is listed in `notApplied` with the reason.
    public static func apply(_ settings: SystemSettings) -> TuningReport {
        var report = TuningReport()
        if let cpus = settings.cpuAffinity {
            let list = cpus.map(String.init).joined(separator: ", ")
            let code: Int32 = cpus.withUnsafeBufferPointer { buffer in
                let ints = buffer.map { Int32(truncatingIfNeeded: $0) }
                return ints.withUnsafeBufferPointer { earshot_set_thread_affinity($0.baseAddress, Int32(ints.count)) }
            }
            if code == 0 {
                report.applied.append("CPU affinity: CPU\(cpus.count == 1 ? "" : "s") \(list)")
            } else {
                let available = earshot_allowed_cpu_count()
                let reason = code == SystemProcess.invalidArgument
                    ? "no such CPU (this machine offers \(available) to this process)" : errorText(code)
                report.notApplied.append("CPU affinity \(list): \(reason)")
            }
        }
        if let priority = settings.realtimePriority {
            if let error = SystemProcess.setRealtimePriority(priority) {
                let code = error.errno
                let reason = code == SystemProcess.notPermitted
                    ? "not permitted (needs root, CAP_SYS_NICE, or an rtprio limit: ulimit -r / limits.conf)"
                    : errorText(code)
                report.notApplied.append("real-time scheduling SCHED_FIFO \(priority): \(reason)")
            } else {
                report.applied.append("real-time scheduling: SCHED_FIFO priority \(priority)")
            }
        }
        if settings.lockMemory {
            if let error = SystemProcess.lockMemory() {
                let code = error.errno
                let reason = code == SystemProcess.notPermitted || code == SystemProcess.outOfMemory
                    ? "not permitted (needs root, CAP_IPC_LOCK, or a memlock limit above the process size: ulimit -l)"
                    : errorText(code)
                report.notApplied.append("memory locking (mlockall): \(reason)")
            } else {
                report.applied.append("memory locked (mlockall)")
            }
        }
        return report
    }

    static func errorText(_ code: Int32) -> String { SystemErrno.message(code) }
}
