#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's memory high-water marks.
public enum ProcessMemory {
    /// Peak resident set size in bytes: Linux's `VmHWM` from /proc/self/status when readable,
    /// else `getrusage(RUSAGE_SELF).ru_maxrss` (KiB on Linux, bytes on Darwin).
    public static func peakResidentBytes() -> Int {
        if let kib = statusField("VmHWM:") { return kib * 1024 }
        #if hasFeature(Embedded)
        return 0  // the Embedded build's glibc module has no sys/resource.h; /proc is there on Linux
        #else
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        #if canImport(Darwin)
        return Int(usage.ru_maxrss)
        #else
        return Int(usage.ru_maxrss) * 1024
        #endif
        #endif
    }

    /// Current resident set size in bytes (`VmRSS`), or nil where /proc is not there.
    public static func residentBytes() -> Int? {
        statusField("VmRSS:").map { $0 * 1024 }
    }

    /// A "Name:   1234 kB" line's number from /proc/self/status.
    static func statusField(_ name: String) -> Int? {
        let descriptor = open("/proc/self/status", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got <= 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.dropFirst(name.count).drop(while: { $0 == " " || $0 == "\t" }).prefix(while: { $0.isNumber })
            return Int(digits)
        }
        return nil
    }
}
