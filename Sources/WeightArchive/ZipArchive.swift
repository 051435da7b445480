/// One member of a zip archive, as its central directory records it.
public struct ZipMember: Equatable, Sendable {
    /// The member's file name (UTF-8).
    public var name: String
    /// 0 (stored) or 8 (deflated).
    public var method: Int
    public var crc32: UInt32
    public var compressedSize: Int
    public var uncompressedSize: Int
    /// Where the member's (possibly compressed) bytes start in the archive.
    public var dataOffset: Int
}

/// A reader for the zip archives NumPy writes (`numpy.savez`, `numpy.savez_compressed`).
///
/// Reads stored (method 0) and deflated (method 8) members from a single-disk archive and checks
/// each member's CRC-32. Zip64 archives (more than 65,535 members or any size or offset of 4 GiB or
/// more), encrypted members and other compression methods are refused with an error that says so.
/// A zip64 *extra field* in a local header, which NumPy writes for every member however small,
/// is accepted as long as the central directory itself needs no zip64.
public struct ZipArchive: Sendable {
    public let bytes: [UInt8]
    /// Members in central-directory order.
    public let members: [ZipMember]

    static let localSignature = 0x0403_4B50
    static let centralSignature = 0x0201_4B50
    static let endSignature = 0x0605_4B50
    static let zip64LocatorSignature = 0x0706_4B50
    static let endRecordSize = 22

    /// Parses the central directory and every local header. Member data is not read until
    /// `contents(of:)`.
    public init(bytes: [UInt8]) throws(WeightArchiveError) {
        self.bytes = bytes
        let reader = ByteReader(bytes: bytes)
        let end = try Self.findEndRecord(bytes)
        let diskNumber = try reader.u16(at: end + 4, "the end of central directory record")
        let directoryDisk = try reader.u16(at: end + 6, "the end of central directory record")
        let entriesOnDisk = try reader.u16(at: end + 8, "the end of central directory record")
        let entryCount = try reader.u16(at: end + 10, "the end of central directory record")
        let directorySize = try reader.u32(at: end + 12, "the end of central directory record")
        let directoryOffset = try reader.u32(at: end + 16, "the end of central directory record")
        var zip64Locator = false
        if end >= 20 { zip64Locator = try reader.u32(at: end - 20, "the zip64 locator") == Self.zip64LocatorSignature }
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF || zip64Locator {
            throw .unsupportedZip(reason: "it is a zip64 archive (needed beyond 65,535 members or 4 GiB); save fewer or smaller arrays")
        }
        guard diskNumber == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw .unsupportedZip(reason: "it spans several disks")
        }
        guard directoryOffset <= end, directorySize <= end - directoryOffset else {
            throw .malformedZip(reason: "the central directory (offset \(directoryOffset), \(directorySize) bytes) does not end before the end record at \(end)")
        }

        var members: [ZipMember] = []
        members.reserveCapacity(min(entryCount, directorySize / 46))
        var names = Set<String>()
        var position = directoryOffset
        for index in 0..<entryCount {
            let what = "central directory entry \(index)"
            guard position + 46 <= directoryOffset + directorySize else {
                throw .malformedZip(reason: "\(what) lies outside the central directory (\(entryCount) entries in \(directorySize) bytes)")
            }
            guard try reader.u32(at: position, what) == Self.centralSignature else {
                throw .malformedZip(reason: "\(what) at offset \(position) has no central directory signature")
            }
            let flags = try reader.u16(at: position + 8, what)
            let method = try reader.u16(at: position + 10, what)
            let crc = UInt32(try reader.u32(at: position + 16, what))
            let compressedSize = try reader.u32(at: position + 20, what)
            let uncompressedSize = try reader.u32(at: position + 24, what)
            let nameLength = try reader.u16(at: position + 28, what)
            let extraLength = try reader.u16(at: position + 30, what)
            let commentLength = try reader.u16(at: position + 32, what)
            let diskStart = try reader.u16(at: position + 34, what)
            let localOffset = try reader.u32(at: position + 42, what)
            let entryEnd = position + 46 + nameLength + extraLength + commentLength
            guard entryEnd <= directoryOffset + directorySize else {
                throw .malformedZip(reason: "\(what) runs past the end of the central directory")
            }
            guard let name = String(validating: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self) else {
                throw .malformedZip(reason: "\(what) has a name that is not valid UTF-8")
            }
            if compressedSize == 0xFFFF_FFFF || uncompressedSize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw .unsupportedZip(reason: "member '\(name)' needs zip64 (4 GiB or more)")
            }
            guard diskStart == 0 else { throw .unsupportedZip(reason: "member '\(name)' starts on another disk") }
            guard flags & 0x41 == 0 else { throw .unsupportedZip(reason: "member '\(name)' is encrypted") }
            guard method == 0 || method == 8 else {
                throw .unsupportedZip(reason: "member '\(name)' uses compression method \(method) (Earshot reads stored (0) and deflated (8) members)")
            }
            guard method != 0 || compressedSize == uncompressedSize else {
                throw .malformedZip(reason: "member '\(name)' is stored but its sizes differ (\(compressedSize) and \(uncompressedSize))")
            }
            guard names.insert(name).inserted else { throw .duplicateKey(name) }
            let dataOffset = try Self.localDataOffset(
                reader, member: name, localOffset: localOffset, directoryOffset: directoryOffset,
                compressedSize: compressedSize, uncompressedSize: uncompressedSize, crc: crc)
            members.append(ZipMember(
                name: name, method: method, crc32: crc, compressedSize: compressedSize,
                uncompressedSize: uncompressedSize, dataOffset: dataOffset))
            position = entryEnd
        }
        self.members = members
    }

    /// The member's uncompressed bytes, after checking them against the recorded CRC-32.
    public func contents(of member: ZipMember) throws(WeightArchiveError) -> [UInt8] {
        let range = member.dataOffset..<(member.dataOffset + member.compressedSize)
        let data: [UInt8]
        if member.method == 0 {
            data = Array(bytes[range])
        } else {
            do {
                data = try Inflate.decompress(bytes, range: range, expectedSize: member.uncompressedSize)
            } catch {
                throw .inflateFailed(member: member.name, reason: error.reason, offset: error.offset)
            }
        }
        let computed = CRC32.checksum(data)
        guard computed == member.crc32 else {
            throw .checksumMismatch(member: member.name, recorded: member.crc32, computed: computed)
        }
        return data
    }

    // MARK: - Structure

    /// Offset of the end of central directory record: the last signature whose comment length
    /// reaches exactly the end of the file.
    static func findEndRecord(_ bytes: [UInt8]) throws(WeightArchiveError) -> Int {
        guard bytes.count >= endRecordSize else {
            throw .truncated(what: "the end of central directory record", offset: 0, needed: endRecordSize, fileSize: bytes.count)
        }
        let reader = ByteReader(bytes: bytes)
        let lowest = max(0, bytes.count - endRecordSize - 0xFFFF)
        var candidate = bytes.count - endRecordSize
        while candidate >= lowest {
            if bytes[candidate] == 0x50, bytes[candidate + 1] == 0x4B, bytes[candidate + 2] == 5, bytes[candidate + 3] == 6,
                let comment = try? reader.u16(at: candidate + 20, ""), candidate + endRecordSize + comment == bytes.count
            {
                return candidate
            }
            candidate -= 1
        }
        throw .malformedZip(reason: "no end of central directory record (the file is truncated or not a zip archive)")
    }

    /// Checks a member's local header against its central entry and returns where its data starts.
    static func localDataOffset(
        _ reader: ByteReader, member: String, localOffset: Int, directoryOffset: Int,
        compressedSize: Int, uncompressedSize: Int, crc: UInt32
    ) throws(WeightArchiveError) -> Int {
        let what = "the local header of '\(member)'"
        guard localOffset + 30 <= directoryOffset else {
            throw .malformedZip(reason: "\(what) at offset \(localOffset) does not lie before the central directory")
        }
        guard try reader.u32(at: localOffset, what) == localSignature else {
            throw .malformedZip(reason: "\(what) at offset \(localOffset) has no local header signature")
        }
        let flags = try reader.u16(at: localOffset + 6, what)
        let nameLength = try reader.u16(at: localOffset + 26, what)
        let extraLength = try reader.u16(at: localOffset + 28, what)
        let nameStart = localOffset + 30
        let dataOffset = nameStart + nameLength + extraLength
        guard dataOffset <= directoryOffset, compressedSize <= directoryOffset - dataOffset else {
            throw .malformedZip(reason: "the data of '\(member)' (\(compressedSize) bytes at offset \(dataOffset)) runs into the central directory")
        }
        guard Array(reader.bytes[nameStart..<(nameStart + nameLength)]) == Array(member.utf8) else {
            throw .malformedZip(reason: "\(what) names a different file than the central directory")
        }
        // Sizes in the local header: the same as the central ones, zero with a data descriptor
        // (flag bit 3), or 0xFFFFFFFF with a zip64 extra field that holds the same sizes.
        if flags & 0x08 == 0 {
            let localCRC = UInt32(try reader.u32(at: localOffset + 14, what))
            let localCompressed = try reader.u32(at: localOffset + 18, what)
            let localUncompressed = try reader.u32(at: localOffset + 22, what)
            guard localCRC == crc else {
                throw .malformedZip(reason: "\(what) records CRC-32 \(hex32(localCRC)), the central directory \(hex32(crc))")
            }
            if localCompressed == 0xFFFF_FFFF || localUncompressed == 0xFFFF_FFFF {
                let sizes = try zip64Sizes(reader, extra: (nameStart + nameLength)..<dataOffset, member: member)
                guard sizes.uncompressed == UInt64(uncompressedSize), sizes.compressed == UInt64(compressedSize) else {
                    throw .malformedZip(reason: "\(what) records sizes (\(sizes.compressed), \(sizes.uncompressed)) in its zip64 field that differ from the central directory's (\(compressedSize), \(uncompressedSize))")
                }
            } else {
                guard localCompressed == compressedSize, localUncompressed == uncompressedSize else {
                    throw .malformedZip(reason: "\(what) records sizes (\(localCompressed), \(localUncompressed)) that differ from the central directory's (\(compressedSize), \(uncompressedSize))")
                }
            }
        }
        return dataOffset
    }

    /// The uncompressed and compressed sizes of a local header's zip64 extra field (id 1).
    static func zip64Sizes(_ reader: ByteReader, extra: Range<Int>, member: String) throws(WeightArchiveError) -> (uncompressed: UInt64, compressed: UInt64) {
        var position = extra.lowerBound
        while position + 4 <= extra.upperBound {
            let id = try reader.u16(at: position, "an extra field of '\(member)'")
            let size = try reader.u16(at: position + 2, "an extra field of '\(member)'")
            guard position + 4 + size <= extra.upperBound else { break }
            if id == 1 {
                guard size >= 16 else {
                    throw .malformedZip(reason: "the zip64 extra field of '\(member)' holds \(size) bytes, fewer than the 16 its sizes need")
                }
                return (try reader.u64(at: position + 4, "the zip64 field"), try reader.u64(at: position + 12, "the zip64 field"))
            }
            position += 4 + size
        }
        throw .malformedZip(reason: "the local header of '\(member)' has 0xFFFFFFFF sizes but no zip64 extra field")
    }
}
