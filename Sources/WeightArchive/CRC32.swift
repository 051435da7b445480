/// CRC-32 as used by zip, gzip and PNG (IEEE 802.3 polynomial, reflected, 0xEDB88320).
public enum CRC32 {
    /// Lookup table: the CRC of each byte value.
    static let table: [UInt32] = (0..<256).map { (index: Int) -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    /// The CRC-32 of `bytes` (`crc32(b"123456789") == 0xCBF43926`).
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }

    /// The CRC-32 of the bytes in `buffer`.
    public static func checksum(_ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for index in 0..<buffer.count { crc = table[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
