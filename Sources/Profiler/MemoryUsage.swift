import SystemFile

/// The process's memory high-water marks (`/proc/self/status`, `getrusage`). The OS reads live in
/// SystemFile; the name stays here so the profiler's users need no other import.
public typealias MemoryUsage = ProcessMemory
