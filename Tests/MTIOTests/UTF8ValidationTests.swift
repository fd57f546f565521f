import XCTest

@testable import MTIO

/// Python's strict rules: overlongs, surrogates, values above U+10FFFF and truncated sequences
/// are invalid; the offset is that of the first bad sequence, past the ASCII fast path.
final class UTF8ValidationTests: XCTestCase {
    func first(_ b: [UInt8]) -> Int? { b.withUnsafeBufferPointer(UTF8Validation.firstInvalid) }

    func testValidText() {
        XCTAssertNil(first(Array("ü€😀\u{10FFFF} plain ASCII longer than eight".utf8)))
        XCTAssertNil(first([]))
        XCTAssertTrue([UInt8]("ok".utf8).withUnsafeBufferPointer(UTF8Validation.isValid))
    }

    func testInvalidSequencesAndTheirOffsets() {
        let prefix = Array("0123456789".utf8)
        for bad: [UInt8] in [
            [0xFF], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        ] {
            XCTAssertEqual(first(prefix + bad + [0x61]), prefix.count, "\(bad)")
            XCTAssertFalse((prefix + bad).withUnsafeBufferPointer(UTF8Validation.isValid), "\(bad)")
        }
    }
}
