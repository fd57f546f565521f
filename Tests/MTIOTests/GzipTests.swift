import XCTest

@testable import MTIO

/// zlib decoding must give what `gzip -dc` gives, and every failure must name the file and say
/// what is wrong.
final class GzipTests: XCTestCase {
    func testDecodesLikeGzipIncludingConcatenatedMembers() throws {
        let dir = try TempDir()
        let a = Array((0..<20_000).map { "line \($0) ü€\n" }.joined().utf8)
        let b = Array("second member\n".utf8)
        let gz = try dir.gzip("a.gz", bytes: a)
        XCTAssertEqual(try InputFile.contents(of: gz, gunzip: true), a)
        try dir.gzip("b.gz", bytes: b)
        let both = try dir.write("ab.gz", bytes: try dir.read("a.gz") + dir.read("b.gz"))
        XCTAssertEqual(try InputFile.contents(of: both, gunzip: true), a + b)
        let empty = try dir.gzip("empty.gz", bytes: [])
        XCTAssertEqual(try InputFile.contents(of: empty, gunzip: true), [])
    }

    func testTruncatedFileSaysTruncated() throws {
        let dir = try TempDir()
        try dir.gzip("t.gz", bytes: Array(repeating: 0x61, count: 10_000))
        let whole = try dir.read("t.gz")
        let cut = try dir.write("cut.gz", bytes: Array(whole.dropLast(6)))
        XCTAssertThrowsError(try InputFile.contents(of: cut, gunzip: true)) {
            XCTAssertEqual(
                $0 as? IOError,
                .corruptGzip(path: cut, reason: "unexpected end of file: the gzip data is truncated"))
            XCTAssertTrue("\($0)".hasPrefix("cannot decompress \(cut): "), "\($0)")
        }
        let zero = try dir.write("zero.gz", bytes: [])
        XCTAssertThrowsError(try InputFile.contents(of: zero, gunzip: true)) {
            guard case IOError.corruptGzip(zero, let reason)? = $0 as? IOError else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue(reason.contains("truncated"), reason)
        }
    }

    func testNonGzipFileNamedGzSaysNotGzip() throws {
        let dir = try TempDir()
        let fake = try dir.write("fake.gz", bytes: Array("not gzip at all\n".utf8))
        XCTAssertThrowsError(try LineReader(path: fake, mode: .newline, gunzip: true).nextChunk()) {
            XCTAssertEqual(
                $0 as? IOError,
                .corruptGzip(path: fake, reason: "not in gzip format (zlib: incorrect header check)"))
        }
    }

    func testCorruptDataAndTrailingGarbageAreErrors() throws {
        let dir = try TempDir()
        try dir.gzip("c.gz", bytes: Array(repeating: 0x62, count: 5000))
        var bytes = try dir.read("c.gz")
        let trailing = try dir.write("trailing.gz", bytes: bytes + Array("junk".utf8))
        XCTAssertThrowsError(try InputFile.contents(of: trailing, gunzip: true)) {
            guard case IOError.corruptGzip(trailing, _)? = $0 as? IOError else { return XCTFail("\($0)") }
        }
        bytes[bytes.count - 6] ^= 0xFF  // inside the CRC-32
        let bad = try dir.write("bad.gz", bytes: bytes)
        XCTAssertThrowsError(try InputFile.contents(of: bad, gunzip: true)) {
            guard case IOError.corruptGzip(bad, let reason)? = $0 as? IOError else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue(reason.hasPrefix("corrupt gzip data (zlib: "), reason)
        }
    }

    func testGzipNameRule() {
        XCTAssertTrue(InputFile.isGzipName("a/train.en.gz"))
        XCTAssertFalse(InputFile.isGzipName("a/train.en"))
    }
}
