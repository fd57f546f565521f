import Foundation
import XCTest

@testable import MTEval

/// Checks MTEval's Unicode data against tables dumped from Python and the `regex` module
/// (`Fixtures/unicode.json`) for every code point: the intl tokenizer's \p{N}/\p{P}/\p{S},
/// Python's `str.isspace()` set, and Python's `str.lower()` (full mappings; Unicode 14).
final class UnicodeTablesTests: XCTestCase {
    nonisolated(unsafe) static let tables = try! Fixtures.load("unicode")

    func expand(_ key: String) -> Set<UInt32> {
        var s = Set<UInt32>()
        for r in Self.tables[key] as! [[Int]] { for c in r[0]...r[1] { s.insert(UInt32(c)) } }
        return s
    }

    func testIntlClassesMatchRegexModuleForEveryCodePoint() {
        let n = expand("N"), p = expand("P"), s = expand("S")
        var mismatches: [String] = []
        for c in UInt32(0)...0x10FFFF where !(0xD800...0xDFFF).contains(c) {
            let want: UnicodeClass =
                n.contains(c) ? .number : p.contains(c) ? .punctuation : s.contains(c) ? .symbol : .other
            let got = UnicodeClass.of(c)
            if got != want { mismatches.append(String(format: "U+%04X want %d got %d", c, want.rawValue, got.rawValue)) }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(20).joined(separator: ", "))
    }

    func testPythonWhitespaceSet() {
        let ws = Set((Self.tables["whitespace"] as! [Int]).map(UInt32.init))
        for c in UInt32(0)...0x10FFFF where !(0xD800...0xDFFF).contains(c) {
            XCTAssertEqual(PythonText.isWhitespace(c), ws.contains(c), String(format: "U+%04X", c))
            if c >= 0x80, let s = Unicode.Scalar(c) {
                let bytes = Array(String(s).utf8)
                let len = bytes.withUnsafeBufferPointer { PythonText.whitespaceLength($0, at: 0) }
                XCTAssertEqual(len > 0, ws.contains(c), String(format: "bytes of U+%04X", c))
            }
        }
    }

    func testPythonLowerForEveryCodePoint() {
        var table: [UInt32: [UInt32]] = [:]
        for row in Self.tables["lower"] as! [[Int]] {
            table[UInt32(row[0])] = row.dropFirst().map(UInt32.init)
        }
        var mismatches: [String] = []
        for c in UInt32(0)...0x10FFFF where !(0xD800...0xDFFF).contains(c) && c != 0x3A3 {
            var bytes: [UInt8] = []
            PythonText.encode(c, into: &bytes)
            var out: [UInt8] = []
            bytes.withUnsafeBufferPointer { PythonLowercase.lowercase($0, start: 0, end: $0.count, into: &out) }
            let got = String(decoding: out, as: UTF8.self).unicodeScalars.map(\.value)
            let want = table[c] ?? [c]
            if got != want { mismatches.append(String(format: "U+%04X", c)) }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(20).joined(separator: ", "))
    }

    func testFinalSigma() {
        XCTAssertEqual(PythonLowercase.lowercase("ΟΔΟΣ ΣΟΦΙΑΣ Σ ΑΣ. Σ_Σ ΑΣ'Β"), "οδος σοφιας σ ας. σ_σ ασ'β")
        XCTAssertEqual(PythonLowercase.lowercase("İstanbul"), "i\u{307}stanbul")
    }
}
