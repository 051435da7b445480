import Model
import Testing

/// The recurrent head's keys in an earshot-oww file: round trip, and hostile values refused with an
/// error naming what is wrong (never a crash or a huge allocation).
@Suite("openWakeWord recurrent head file")
struct OpenWakeWordRecurrentFileTests {
    /// The file with value `index` of earshot.oww.recurrent.sizes ([input, hidden, reset-after]) replaced.
    private func patched(_ index: Int, _ value: Int64) throws -> [UInt8] {
        var bytes = try OpenWakeWordFile.serialize(recurrentModel())
        let key = Array("earshot.oww.recurrent.sizes".utf8)
        let at = try #require((0...(bytes.count - key.count)).first { bytes[$0 ..< $0 + key.count].elementsEqual(key) })
        let first = at + key.count + 4 + 4 + 8   // value type (array), element type, count
        for b in 0..<8 { bytes[first + index * 8 + b] = UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64(b))) }
        return bytes
    }

    @Test("serialize and parse give back the same model, GRU included", arguments: [false, true])
    func roundTrip(resetAfter: Bool) throws {
        let model = recurrentModel(hidden: 5, resetAfter: resetAfter)
        let parsed = try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(model))
        #expect(parsed == model)
        #expect(parsed.recurrent?.hiddenSize == 5 && parsed.recurrent?.resetAfter == resetAfter)
    }

    @Test("hostile sizes are refused, naming the key or tensor",
          arguments: [(1, Int64(1) << 40, "recurrent"), (1, 0, "recurrent"), (1, 4, "oww.recurrent"), (0, 7, "recurrent"),
                      (2, 2, "recurrent.sizes")])
    func hostileSizes(index: Int, value: Int64, names: String) throws {
        let bytes = try patched(index, value)
        let error = #expect(throws: ModelError.self) { _ = try OpenWakeWordFile.parse(bytes) }
        #expect(error.map { "\($0)".contains(names) } == true, "\(String(describing: error))")
    }

    @Test("models that do not fit are refused: a head not over the GRU state, a verifier beside a GRU, non-finite weights")
    func invalidModels() throws {
        var model = recurrentModel()
        model.head = smallModel().head
        #expect(throws: ModelError.self) { try model.validate() }
        model = recurrentModel()
        model.verifier = OpenWakeWordVerifier(threshold: 0.5, stack: smallModel().head)
        #expect(throws: ModelError.self) { try model.validate() }
        model = recurrentModel()
        model.recurrent?.recurrentBias[0] = .nan
        #expect(throws: ModelError.self) { try model.validate() }
    }
}
