import Foundation
import JSON
import Testing

/// Parses `text` with Foundation's JSON parser (independent of the writer under test).
private func foundationParse(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
}

@Suite struct JSONWriterTests {
    @Test func stringsAreEscapedSoThatFoundationParsesThemBack() throws {
        let tricky = "a\"b\\c\nd\te\r\u{01}f é 🎤"
        let text = JSON.members([("k", .string(tricky)), ("n", .fixed(.nan, decimals: 2)), ("x", .array([]))]).serialized()
        let object = try foundationParse(text)
        #expect(object["k"] as? String == tricky)
        #expect(object["n"] is NSNull)
        #expect((object["x"] as? [Any])?.isEmpty == true)
        #expect(JSON.quoted(tricky) == (text.split(separator: ",")[0].dropFirst(5)).description)
    }

    @Test func numbersKeepTheirForms() throws {
        let value = JSON.members([
            ("i", .int(-42)), ("d", .double(0.1)), ("f", .fixed(17.675, decimals: 2)), ("t", .fixed(7, decimals: 3)),
            ("inf", .double(.infinity)),
        ])
        let text = value.serialized()
        #expect(text == #"{"i":-42,"d":0.1,"f":17.68,"t":7,"inf":null}"#)
        let object = try foundationParse(text)
        #expect(object["i"] as? Int == -42)
        #expect((object["f"] as? Double) == 17.68)
    }

    @Test func indentedOutputHasOneMemberPerLine() throws {
        let value = JSON.members([("a", .array([.int(1), .bool(true)])), ("b", .members([])), ("c", .null)])
        #expect(value.serialized(indent: 2) == "{\n  \"a\": [\n    1,\n    true\n  ],\n  \"b\": {},\n  \"c\": null\n}")
        // What is written parses back to the same value with the project's own parser too.
        #expect(try JSON.parse(Array(value.serialized(indent: 2).utf8)) == value)
    }
}
