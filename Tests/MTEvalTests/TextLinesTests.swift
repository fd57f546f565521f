import XCTest

@testable import MTEval

/// Reading text as sacreBLEU's command line does: `\n`-only lines for files, universal
/// newlines for stdin, `rstrip()` with Python whitespace, a kept BOM, strict UTF-8.
final class TextLinesTests: XCTestCase {
    func lines(_ s: String, _ e: TextLines.LineEndings = .newline) throws -> [String] {
        try TextLines(data: Array(s.utf8), name: "t", endings: e).strings
    }

    func testFileLinesSplitOnNewlineOnly() throws {
        XCTAssertEqual(try lines("a\r\nb\rc\u{85}d\u{2028}e\n"), ["a", "b\rc\u{85}d\u{2028}e"])
        XCTAssertEqual(try lines("a\nb"), ["a", "b"])
        XCTAssertEqual(try lines(""), [])
        XCTAssertEqual(try lines("\n"), [""])
        XCTAssertEqual(try lines("\u{FEFF}x  \t\u{3000}\n  y\n"), ["\u{FEFF}x", "  y"])
    }

    func testUniversalNewlines() throws {
        XCTAssertEqual(try lines("a\r\nb\rc\nd", .universal), ["a", "b", "c", "d"])
    }

    func testInvalidUTF8NamesLine() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            XCTAssertThrowsError(try TextLines(data: Array("ok\nok\n".utf8) + bad + [0x0A], name: "f.txt")) {
                XCTAssertEqual($0 as? MTEvalError, .invalidUTF8(file: "f.txt", line: 3, byteOffset: 6))
            }
        }
        XCTAssertNoThrow(try TextLines(data: Array("ü€😀\u{10FFFF}".utf8), name: "ok"))
    }

    func testTabFields() throws {
        let t = try TextLines(data: Array("a\tb \tc\nd\te\tf\n".utf8), name: "t")
        XCTAssertEqual(t.field(1).strings, ["b", "e"])
        XCTAssertEqual(t.field(1, rest: true, strip: false).strings, ["b \tc", "e\tf"])
        XCTAssertEqual(t.fieldCount(0), 3)
    }

    func testLineCountMismatchNamesBothFiles() {
        let h = TextLines(["a", "b"]), r = TextLines(["a"])
        XCTAssertThrowsError(
            try CorpusScorer.checkLineCounts(
                hypothesis: h, hypothesisName: "hyp.txt", references: [r], referenceNames: ["ref.txt"])
        ) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("hyp.txt has 2 lines") && message.contains("ref.txt has 1 lines"), message)
        }
    }
}
