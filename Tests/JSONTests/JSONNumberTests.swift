import Testing

import JSON

@Suite struct JSONNumberTests {
    func number(_ text: String) throws -> JSONNumber {
        guard case .number(let number) = try JSON.parse(Array(text.utf8)) else {
            Issue.record("\(text) did not parse as a number")
            return JSONNumber(text: "", double: .nan)
        }
        return number
    }

    /// Literals of at most 15 significant digits, which a Double holds exactly: the Double's
    /// own value says whether the number is whole and what it is.
    @Test(arguments: [
        "16000", "16000.0", "1.6e4", "1.6E+4", "160000e-1", "-2.50e1", "0.0", "-0.0e5", "0e999999999999999999999",
        "0.5", "1e-3", "12.0001", "3.14159", "-7", "1e15", "123456789012345e-5", "4.2e1", "-1.5",
    ])
    func wholeValueAgreesWithTheDouble(text: String) throws {
        let parsed = try number(text)
        let double = try #require(Double(text))
        #expect(parsed.wholeValue == (double == double.rounded() ? Int(double) : nil), "\(text)")
    }

    /// Past 2^53 a Double rounds; the digits decide instead.
    @Test func wholeValueIsExactBeyondADouble() throws {
        #expect(try number("9007199254740993.0").wholeValue == Int("9007199254740993"))
        #expect(try number("\(Int.max).000").wholeValue == Int.max)
        #expect(try number("\(Int.min).0").wholeValue == Int.min)
        #expect(try number("92233720368547758.07e2").wholeValue == Int.max)
        #expect(try number("9223372036854775808.0").wholeValue == nil)   // Int.max + 1
        #expect(try number("1e19").wholeValue == nil)
        #expect(try number("0.99999999999999999").wholeValue == nil)     // a Double says 1.0
        #expect(try number("0.99999999999999999").double == 1)
        #expect(try number("1e-99999999999999999999").wholeValue == nil)   // a Double underflows to 0
    }

    @Test func valueAccessorsAnswerOnlyForTheirKind() throws {
        let value = try JSON.parse(Array(#"{"rate": 16000.0, "name": "x", "list": [1]}"#.utf8))
        #expect(value["rate"]?.wholeNumber == 16000)
        #expect(value["name"]?.stringValue == "x")
        #expect(value["name"]?.wholeNumber == nil)
        #expect(value["rate"]?.stringValue == nil)
        #expect(value["list"]?.wholeNumber == nil)
        #expect(JSONNumber(text: "12x", double: 12).wholeValue == nil)
    }
}
