import Foundation
@testable import MTServe
import XCTest

/// The answers' JSON is written by hand (JSONEncoder took ~150 µs a response): the bytes must be
/// JSONEncoder's, sorted keys and unescaped slashes, for strings with every kind of escape,
/// numbers, nesting and empty containers.
final class JSONValueTests: XCTestCase {
    func encoderBytes(_ v: JSONValue) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(v))
    }

    func testBytesEqualJSONEncoders() throws {
        let strings = ["", "plain", "quote \" and backslash \\", "slash / url http://a.b/c?d=e&f", "tab\tnewline\nreturn\r",
                       "bell\u{07} nul\u{00} escape\u{1B} us\u{1F} del\u{7F}", "backspace\u{08} formfeed\u{0C}",
                       "Ünïcödé 中文 🐶 ‐ \u{2028} \u{2029}", "<html> & 'x'"]
        let numbers: [Double] = [0, 1, -1, 0.5, 100, 3.7, -2.25, 1e-7, 123456.789, 1e21, 0.1 + 0.2, 4.5e15, 1e300, -0.0]
        var values: [JSONValue] = strings.map { .string($0) } + numbers.map { .number($0) }
        values += [.int(0), .int(-42), .int(Int.max), .bool(true), .bool(false), .null, .array([]), .object([:])]
        values.append(.object(["translatedText": .string("Ein Mann."), "alternatives": .array([.string("a"), .string("b")]),
                               "detectedLanguage": .object(["language": .string("en"), "confidence": .number(100)]),
                               "b": .array([.int(1), .number(0.25), .null, .object(["z": .bool(true), "a": .string("/")])])]))
        values.append(.array(values))
        for v in values {
            XCTAssertEqual(String(decoding: v.bytes, as: UTF8.self), String(decoding: try encoderBytes(v), as: UTF8.self), "\(v)")
        }
    }

    func testNonFiniteNumbersAreNull() {
        XCTAssertEqual(String(decoding: JSONValue.array([.number(.nan), .number(.infinity)]).bytes, as: UTF8.self), "[null,null]")
    }
}
