extension GGUF {
    /// The `general.architecture` of a GGUF file when it is the first key (as Earshot writes it),
    /// else nil: a cheap look that tells the model kinds apart before a full parse.
    static func architectureName(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            var cursor = GGUFCursor(raw)
            guard let magic = try? cursor.readBytes(4, "magic"), magic.elementsEqual(GGUF.magic),
                  (try? cursor.u32("version")) == GGUF.version, (try? cursor.u64("tensors")) != nil,
                  let count = try? cursor.u64("keys"), count > 0,
                  let key = try? cursor.string("key", limit: 256), key == ModelKey.architecture,
                  (try? cursor.u32("type")) == GGUFValueType.string.rawValue else { return nil }
            return try? cursor.string("value", limit: 256)
        }
    }
}
