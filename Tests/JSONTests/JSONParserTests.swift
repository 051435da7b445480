import Testing

import JSON

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONError) -> JSON { try JSON.parse(Array(text.utf8)) }

    @Test func valuesOfEveryKind() throws {
        let value = try parse(#" { "a" : [1, 2.5, -3e2, true, false, null, "x\u00e9\ud83d\ude00\n\"\\\/"], "b": {} } "#)
        guard case .array(let items)? = value["a"] else {
            Issue.record("no array")
            return
        }
        #expect(items.count == 7)
        #expect(items[0] == .number(JSONNumber(text: "1", double: 1)))
        if case .number(let n) = items[0] { #expect(n.integer == 1) }
        if case .number(let n) = items[1] { #expect(n.double == 2.5 && n.integer == nil) }
        if case .number(let n) = items[2] { #expect(n.double == -300 && n.integer == nil) }
        #expect(items[3] == .bool(true) && items[4] == .bool(false) && items[5] == .null)
        #expect(items[6] == .string("xé😀\n\"\\/"))
        #expect(value["b"] == .object([]))
        #expect(value["c"] == nil)
    }

    @Test func membersKeepDocumentOrder() throws {
        guard case .object(let members) = try parse(#"{"z": 1, "a": 2, "m": 3}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
    }

    @Test func largeIntegersAreExact() throws {
        guard case .number(let n) = try parse("9007199254740993") else { return }
        #expect(n.integer == 9_007_199_254_740_993)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc",
        "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\" 1}", "{1: 2}", "[1 2]",
        "{\"a\": 1, \"a\": 2}", "1 2", "1e400", "[\"\\ud800\\u0041\"]",
    ])
    func invalidTextIsAnError(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test func duplicateKeysAreNamed() {
        do {
            _ = try parse(#"{"dtype": "F32", "dtype": "F16"}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.reason.contains("\"dtype\"") && error.offset == 17)
        }
    }

    @Test func invalidUTF8IsRejectedWithItsOffset() {
        #expect(throws: JSONError(offset: 3, reason: "the text is not valid UTF-8", line: 1, column: 4)) {
            try JSON.parse([0x22, 0x61, 0x62, 0xFF, 0x22])
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try parse(deep) }
        #expect((try? parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))) != nil)
    }

    @Test func integersAreKeptApartFromFractions() throws {
        guard case .number(let big) = try parse("  12345678901234567890 ") else { Issue.record("not a number"); return }
        #expect(big.integer == nil && big.double == Double("12345678901234567890")!)
        guard case .number(let zero) = try parse("-0") else { Issue.record("not a number"); return }
        #expect(zero.integer == 0)
    }

    @Test func membersAndErrorsCarryTheirLine() throws {
        guard case .object(let members) = try parse("{\n  \"a\": 1,\n\n  \"b\": [2]\n}") else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.line) == [2, 4])
        do {
            _ = try parse("{\n  \"board\": \"x\",\n  \"audio\": {\"rate\": 16000,}\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3 && error.column == 27)
        }
    }

    @Test func limitsAndByteOrderMarkAreOptions() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)
        #expect(throws: JSONError.self) { try JSON.parse(bom) }
        #expect(try JSON.parse(bom, allowsByteOrderMark: true) == .array([.int(1)]))
        let long = Array("\"\(String(repeating: "x", count: 100))\"".utf8)
        #expect(throws: JSONError.self) { try JSON.parse(long, maximumStringBytes: 99) }
        #expect(try JSON.parse(long, maximumStringBytes: 100) == .string(String(repeating: "x", count: 100)))
    }
}
