#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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
            let code = cpus.withUnsafeBufferPointer { buffer in
                let ints = buffer.map { Int32(truncatingIfNeeded: $0) }
                return ints.withUnsafeBufferPointer { earshot_set_thread_affinity($0.baseAddress, Int32(ints.count)) }
            }
            if code == 0 {
                report.applied.append("CPU affinity: CPU\(cpus.count == 1 ? "" : "s") \(list)")
            } else {
                let available = earshot_allowed_cpu_count()
                let reason = code == EINVAL
                    ? "no such CPU (this machine offers \(available) to this process)" : errorText(code)
                report.notApplied.append("CPU affinity \(list): \(reason)")
            }
        }
        if let priority = settings.realtimePriority {
            var parameters = sched_param()
            parameters.sched_priority = Int32(priority)
            let code = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
            if code == 0 {
                report.applied.append("real-time scheduling: SCHED_FIFO priority \(priority)")
            } else {
                let reason = code == EPERM
                    ? "not permitted (needs root, CAP_SYS_NICE, or an rtprio limit: ulimit -r / limits.conf)"
                    : errorText(code)
                report.notApplied.append("real-time scheduling SCHED_FIFO \(priority): \(reason)")
            }
        }
        if settings.lockMemory {
            if mlockall(MCL_CURRENT | MCL_FUTURE) == 0 {
                report.applied.append("memory locked (mlockall)")
            } else {
                let code = errno
                let reason = code == EPERM || code == ENOMEM
                    ? "not permitted (needs root, CAP_IPC_LOCK, or a memlock limit above the process size: ulimit -l)"
                    : errorText(code)
                report.notApplied.append("memory locking (mlockall): \(reason)")
            }
        }
        return report
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
