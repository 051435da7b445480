#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's signals and its real-time settings: how `listen` stops on SIGINT/SIGTERM, and
/// the capture thread's scheduling and memory locking.
public enum SystemProcess {
    /// SIGINT (Ctrl-C) and SIGTERM (systemd's stop), the signals that ask to stop.
    public static var interruptSignal: Int32 { SIGINT }
    public static var terminateSignal: Int32 { SIGTERM }

    /// Installs `handler` for SIGINT and SIGTERM without SA_RESTART (so blocking calls return
    /// EINTR), unblocks both on the calling thread (a parent may have started us with them
    /// blocked; the mask survives exec), and ignores SIGPIPE. Call it before starting other
    /// threads: they inherit the mask. `sigaction`, `pthread_sigmask`, `signal`.
    ///
    /// `handler` runs in signal context: it may only do async-signal-safe work (store an atomic).
    public static func installStopHandler(_ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        SystemThread.ignoreBrokenPipe()
    }

    /// Runs the calling thread under SCHED_FIFO at `priority`. Returns nil, or the error
    /// (EPERM: no CAP_SYS_NICE or rtprio limit). `pthread_setschedparam`.
    public static func setRealtimePriority(_ priority: Int) -> SystemCallError? {
        var parameters = sched_param()
        parameters.sched_priority = Int32(priority)
        let code = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        return code == 0 ? nil : SystemCallError(call: "pthread_setschedparam", errno: code)
    }

    /// Locks the process's current and future pages in memory. Returns nil, or the error
    /// (EPERM/ENOMEM: no CAP_IPC_LOCK or a low memlock limit). `mlockall(MCL_CURRENT | MCL_FUTURE)`.
    public static func lockMemory() -> SystemCallError? {
        mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? nil : .last("mlockall")
    }

    /// The errno values callers tell apart.
    public static var notPermitted: Int32 { EPERM }
    public static var outOfMemory: Int32 { ENOMEM }
    public static var invalidArgument: Int32 { EINVAL }

    /// Writes all of `text` to descriptor `fd`, retrying after signals and partial writes.
    /// Returns false when it is closed for writing (EPIPE) or fails otherwise. `write`.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// Seconds of CLOCK_MONOTONIC (vDSO: no system call, no allocation).
    @inline(__always)
    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    // MARK: - Commands

    /// Starts `/bin/sh -c command` with exactly `environment` ("NAME=value" entries); its
    /// standard output goes to our standard error, its standard input is /dev/null. Returns its
    /// process id. `posix_spawn`.
    public static func spawnShell(_ command: String, environment: [String]) throws(SystemCallError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let arguments = ["/bin/sh", "-c", command]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let code = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard code == 0 else { throw SystemCallError(call: "posix_spawn", errno: code) }
        return pid
    }

    #if !hasFeature(Embedded)
    // Host build only (`earshot train`): the static aarch64 build's C module has no `environ`.
    /// Runs `arguments` (the first is looked up on PATH by /usr/bin/env) with this process's
    /// environment and standard streams, and waits for it. Returns its exit status, or 128 plus
    /// the signal that ended it. `posix_spawn`, `waitpid`.
    public static func runAndWait(_ arguments: [String]) throws(SystemCallError) -> Int32 {
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let code = posix_spawn(&pid, "/usr/bin/env", nil, nil, argv, environ)
        guard code == 0 else { throw SystemCallError(call: "posix_spawn \(arguments.first ?? "")", errno: code) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .last("waitpid") }
        }
        // WIFEXITED / WEXITSTATUS spelled out (the macros are not imported).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
    #endif

    /// Sends SIGTERM to process `pid`; true when it was sent. `kill`.
    public static func terminate(_ pid: Int32) -> Bool { kill(pid, SIGTERM) == 0 }

    /// What `reap` found for a child process.
    public enum ChildStatus: Equatable, Sendable {
        case running
        /// It ended: exit status 0 (`succeeded`), or a non-zero status or a signal.
        case ended(succeeded: Bool)
        /// It is not our child any more (already reaped: ECHILD).
        case gone
    }

    /// Collects child `pid` if it ended, without waiting. `waitpid(WNOHANG)`.
    public static func reap(_ pid: Int32) -> ChildStatus {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result < 0 && errno == ECHILD { return .gone }
        guard result == pid else { return .running }
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the macros are not imported).
        return .ended(succeeded: (status & 0x7F) == 0 && ((status >> 8) & 0xFF) == 0)
    }
}
