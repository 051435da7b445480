// Builds WAV files byte by byte for the tests (independent of the reader).

func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

func chunk(_ id: String, _ body: [UInt8], declaredSize: Int? = nil, pad: Bool = true) -> [UInt8] {
    var bytes = Array(id.utf8) + le32(declaredSize ?? body.count) + body
    if pad && body.count % 2 == 1 { bytes.append(0) }
    return bytes
}

/// The standard 16-byte fmt body (or the 40-byte extensible one when `subformat` is given).
func formatBody(tag: Int, channels: Int, rate: Int, bits: Int, blockAlign: Int? = nil,
                subformat: [UInt8]? = nil) -> [UInt8] {
    let align = blockAlign ?? channels * ((bits + 7) / 8)
    var body = le16(tag) + le16(channels) + le32(rate) + le32(rate * align) + le16(align) + le16(bits)
    if let subformat {
        body += le16(22) + le16(bits) + le32(0) + subformat
    }
    return body
}

/// KSDATAFORMAT_SUBTYPE_* GUID bytes for a format tag: {tag}-0000-0010-8000-00AA00389B71.
func subformatGUID(_ tag: Int) -> [UInt8] {
    le16(tag) + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
}

func riff(_ chunks: [UInt8], form: String = "WAVE", riffID: String = "RIFF") -> [UInt8] {
    Array(riffID.utf8) + le32(4 + chunks.count) + Array(form.utf8) + chunks
}

func wav(tag: Int = 1, channels: Int = 1, rate: Int = 16000, bits: Int = 16, data: [UInt8],
         subformat: [UInt8]? = nil) -> [UInt8] {
    riff(chunk("fmt ", formatBody(tag: tag, channels: channels, rate: rate, bits: bits, subformat: subformat))
        + chunk("data", data))
}
