import XCTest

@testable import MTData

final class TextLineReaderTests: XCTestCase {
    func readAll(_ path: String, bufferSize: Int = 1 << 20) throws -> [String] {
        let r = try TextLineReader(path: path, bufferSize: bufferSize)
        var lines: [String] = []
        while let l = try r.nextLine() { lines.append(l) }
        return lines
    }

    func testPlainLinesCRLFAndMissingFinalNewline() throws {
        let dir = try TempDir()
        let p = try dir.write("a.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("one\r\ntwo\n\nfour ü".utf8))
        XCTAssertEqual(try readAll(p), ["one", "two", "", "four ü"])
    }

    func testLongLinesAcrossSmallBuffer() throws {
        let dir = try TempDir()
        let lines = (0..<50).map { i in String(repeating: "w\(i) ", count: i * 7) }
        let p = try dir.write("long.txt", lines: lines)
        XCTAssertEqual(try readAll(p, bufferSize: 64), lines)
    }

    func testGzipMatchesPlain() throws {
        let dir = try TempDir()
        let lines = (0..<3000).map { "Zeile \($0) mit Umlauten äöü" }
        let plain = try dir.write("x.txt", lines: lines)
        let gz = try dir.write("x.txt.gz", lines: lines)
        XCTAssertEqual(try readAll(gz), try readAll(plain))
        XCTAssertEqual(try readAll(gz).count, 3000)
    }

    func testInvalidUTF8GivesFileAndLine() throws {
        let dir = try TempDir()
        var bytes = Array("ok\nstill ok\n".utf8)
        bytes += [0x62, 0xFF, 0x61, 0x0A] + Array("after\n".utf8)
        let p = try dir.write("bad.txt", bytes: bytes)
        assertThrows(.invalidUTF8(path: p, line: 3)) { try readAll(p) }
        let gz = try dir.write("bad.txt.gz", bytes: bytes)
        assertThrows(.invalidUTF8(path: gz, line: 3)) { try readAll(gz) }
    }

    func testMissingFileAndCorruptGzip() throws {
        let dir = try TempDir()
        let missing = dir.path + "/nope.txt"
        XCTAssertThrowsError(try TextLineReader(path: missing)) { error in
            guard case DataError.unreadable(let path, _)? = error as? DataError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, missing)
        }
        let fake = try dir.write("fake.gz", bytes: Array("not gzip at all\n".utf8), compress: false)
        XCTAssertThrowsError(try readAll(fake)) { error in
            guard case DataError.gzipFailed(let path, let reason)? = error as? DataError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, fake)
            XCTAssertTrue(reason.contains("not in gzip format"), reason)
        }
    }

    func testCountToEnd() throws {
        let dir = try TempDir()
        let p = try dir.write("c.txt.gz", lines: (0..<1234).map(String.init))
        let r = try TextLineReader(path: p)
        XCTAssertEqual(try r.nextLine(), "0")
        XCTAssertEqual(try r.countToEnd(), 1234)
    }
}
