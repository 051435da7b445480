// A small stand-in for the toolchain's Glibc overlay, for the Embedded Swift aarch64 build
// (tools/build_aarch64.sh). Embedded Swift ships no Glibc module; this one re-exports the cross
// glibc headers and adds the few overlay pieces the core's `import Glibc` files use (errno, the
// non-variadic `open`, `mode_t`-typed file-type bits), so those files compile unchanged.
@_exported import CGlibc

/// The calling thread's `errno`.
public var errno: Int32 {
    get { cglibc_errno() }
    set { cglibc_set_errno(newValue) }
}

/// `open(2)` with a mode (the C function is variadic).
public func open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    cglibc_open(path, flags, mode)
}

/// `open(2)` without a mode.
public func open(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    cglibc_open(path, flags, 0)
}

// The file-type bits of `st_mode`, typed as the overlay types them.
public var S_IFMT: mode_t { mode_t(0o170000) }
public var S_IFDIR: mode_t { mode_t(0o040000) }
public var S_IFREG: mode_t { mode_t(0o100000) }

/// `mmap`'s failure value, `(void *)-1`.
public var MAP_FAILED: UnsafeMutableRawPointer! { UnsafeMutableRawPointer(bitPattern: -1) }

/// `SIG_IGN` for `signal(2)` (a cast macro in C).
public var SIG_IGN: __sighandler_t? { cglibc_sig_ign() }
