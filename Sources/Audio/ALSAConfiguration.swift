import CALSA

/// A private ALSA configuration tree: the system's configuration (`alsa.conf`, `~/.asoundrc`)
/// with extra definitions loaded on top, used to open PCMs without touching the user's files.
///
/// ```
/// let config = try ALSAConfiguration(text: """
///     pcm.recording { type file; slave.pcm "null"; file "/dev/null"; infile "/tmp/in.raw"; format "raw" }
///     """)
/// let device = try CaptureDevice(device: "recording", configuration: config)
/// ```
/// Built with `snd_config_update_ref` (the global tree), `snd_config_copy`, and
/// `snd_config_load` from a memory buffer or a file; freed with `snd_config_delete`.
public final class ALSAConfiguration: @unchecked Sendable {
    /// The `snd_config_t *` root this object owns.
    let root: OpaquePointer

    /// Loads `text` (ALSA configuration syntax) on top of a copy of the system configuration,
    /// or on top of an empty tree when `includingSystemConfiguration` is false (then names like
    /// `"null"` are not defined; use inline definitions such as `slave.pcm { type null }`).
    ///
    /// - Throws: `AudioError.configuration` with ALSA's code when the text does not parse.
    public convenience init(text: String, includingSystemConfiguration: Bool = true) throws(AudioError) {
        let root = try Self.baseTree(includingSystemConfiguration, source: "text")
        var input: OpaquePointer? = nil
        var bytes = Array(text.utf8CString)
        let count = bytes.count &- 1
        let opened = bytes.withUnsafeMutableBufferPointer { buffer in
            systemInputBufferOpen(&input, buffer.baseAddress!, count)
        }
        guard opened >= 0, let input else {
            _ = systemConfigDelete(root)
            throw .configuration(source: "text", code: opened)
        }
        let loaded = systemConfigLoad(root, input)
        _ = systemInputClose(input)
        if loaded < 0 {
            _ = systemConfigDelete(root)
            throw .configuration(source: "text", code: loaded)
        }
        self.init(root: root)
    }

    /// Loads the configuration file at `path` on top of a copy of the system configuration
    /// (or of an empty tree).
    ///
    /// - Throws: `AudioError.configuration` naming the file when it cannot be opened or parsed.
    public convenience init(path: String, includingSystemConfiguration: Bool = true) throws(AudioError) {
        let source = "file '\(path)'"
        let root = try Self.baseTree(includingSystemConfiguration, source: source)
        var input: OpaquePointer? = nil
        let opened = systemInputFileOpen(&input, path)
        guard opened >= 0, let input else {
            _ = systemConfigDelete(root)
            throw .configuration(source: source, code: opened)
        }
        let loaded = systemConfigLoad(root, input)
        _ = systemInputClose(input)
        if loaded < 0 {
            _ = systemConfigDelete(root)
            throw .configuration(source: source, code: loaded)
        }
        self.init(root: root)
    }

    private init(root: OpaquePointer) {
        self.root = root
    }

    deinit {
        _ = systemConfigDelete(root)
    }

    /// A fresh tree to load into: a deep copy of the global configuration, or an empty one.
    private static func baseTree(_ system: Bool, source: String) throws(AudioError) -> OpaquePointer {
        var tree: OpaquePointer? = nil
        if system {
            var global: OpaquePointer? = nil
            let updated = systemConfigUpdateReference(&global)
            guard updated >= 0, let global else { throw .configuration(source: source, code: updated) }
            let copied = systemConfigCopy(&tree, global)
            systemConfigUnreference(global)
            guard copied >= 0, let tree else { throw .configuration(source: source, code: copied) }
            return tree
        }
        let made = systemConfigTop(&tree)
        guard made >= 0, let tree else { throw .configuration(source: source, code: made) }
        return tree
    }
}

/// Switches alsa-lib's own diagnostics on stderr (`ALSA lib pcm.c:...`) off or on for the
/// whole process. Earshot's errors carry the same information. Wraps `snd_lib_error_set_handler`.
public func setALSADiagnosticsEnabled(_ enabled: Bool) {
    _ = systemSetQuietErrors(!enabled)
}
