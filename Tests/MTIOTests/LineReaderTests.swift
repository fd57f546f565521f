import Foundation
import XCTest

@testable import MTIO

/// Streaming reads must split lines exactly like splitting the whole text at once, whatever the
/// block size (a "\r" at a block end must wait for a possible "\n"); the available-now mode must
/// answer each line without waiting for more input.
final class LineReaderTests: XCTestCase {
    func lines(_ c: LineChunk) -> [[UInt8]] {
        (0..<c.lineCount).map { Array(c.bytes[c.lineStarts[$0]..<c.lineStarts[$0 + 1]]) }
    }

    func lines(of path: String, mode: LineBreakMode, blockSize: Int, gunzip: Bool = false) throws
        -> [[UInt8]]
    {
        let r = try LineReader(path: path, mode: mode, blockSize: blockSize, gunzip: gunzip)
        var out: [[UInt8]] = []
        while let c = try r.nextChunk() { out += lines(c) }
        return out
    }

    func testSmallBlocksEqualWholeText() throws {
        let text = Array("a b\r\nc\rd\u{1c}e\u{85}f\u{2028}\n\ng\r\r\nh\u{0b}i\u{0c}j end".utf8)
        let dir = try TempDir()
        let path = try dir.write("lines.txt", bytes: text)
        for mode in [LineBreakMode.python, .universal, .newline] {
            let expected = lines(LineChunk(splitting: text, mode: mode))
            for block in [1, 2, 3, 5, 7, 64] {
                XCTAssertEqual(
                    try lines(of: path, mode: mode, blockSize: block), expected,
                    "mode \(mode) block \(block)")
            }
        }
    }

    func testModesSplitAsDocumented() {
        let text = Array("a\rb\r\nc\u{1c}d\ne".utf8)
        XCTAssertEqual(lines(LineChunk(splitting: text, mode: .newline)).count, 3)
        XCTAssertEqual(
            lines(LineChunk(splitting: text, mode: .universal)),
            [Array("a\n".utf8), Array("b\n".utf8), Array("c\u{1c}d\n".utf8), Array("e".utf8)])
        XCTAssertEqual(lines(LineChunk(splitting: text, mode: .python)).count, 5)
        XCTAssertEqual(LineChunk(splitting: [], mode: .python).lineCount, 0)
    }

    func testGzipFileReadsLikePlain() throws {
        let dir = try TempDir()
        let text = Array((0..<5000).map { "Zeile \($0) mit Umlauten äöü\n" }.joined().utf8)
        let plain = try dir.write("x.txt", bytes: text)
        let gz = try dir.gzip("x.txt.gz", bytes: text)
        let expected = try lines(of: plain, mode: .newline, blockSize: 1 << 16)
        XCTAssertEqual(expected.count, 5000)
        for block in [7, 4096, 1 << 20] {
            XCTAssertEqual(try lines(of: gz, mode: .newline, blockSize: block, gunzip: true), expected)
        }
    }

    func testMissingFileAndDirectoryNameThePath() throws {
        let dir = try TempDir()
        XCTAssertThrowsError(try LineReader(path: dir.path + "/nope", mode: .newline)) {
            guard case IOError.cannotOpen(let path, false, _)? = $0 as? IOError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(path, dir.path + "/nope")
        }
        XCTAssertThrowsError(try LineReader(path: dir.path, mode: .newline)) {
            XCTAssertEqual(
                $0 as? IOError,
                .cannotOpen(path: dir.path, forWriting: false, reason: "is a directory"))
        }
    }

    /// One line written to a pipe comes back while the writer stays open; two lines written at
    /// once come back together; a partial line waits for its end.
    func testAvailableChunkAnswersWithoutWaitingForMore() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let reader = LineReader(fileDescriptor: fds[0], name: "pipe", mode: .newline)
        func send(_ s: String) {
            let b = Array(s.utf8)
            XCTAssertEqual(b.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }, b.count)
        }
        send("A man is walking.\n")
        let first = try XCTUnwrap(reader.availableChunk())
        XCTAssertEqual(lines(first), [Array("A man is walking.\n".utf8)])
        XCTAssertEqual(first.firstLineNumber, 1)

        send("A dog runs.\nTwo cats.\n")
        let second = try XCTUnwrap(reader.availableChunk())
        XCTAssertEqual(lines(second), [Array("A dog runs.\n".utf8), Array("Two cats.\n".utf8)])
        XCTAssertEqual(second.firstLineNumber, 2)

        send("half a li")
        XCTAssertEqual(try reader.availableChunk(wait: false)?.lineCount, 0)
        send("ne\nno end")
        XCTAssertEqual(try reader.availableChunk().map(lines), [Array("half a line\n".utf8)])
        close(fds[1])
        XCTAssertEqual(try reader.availableChunk().map(lines), [Array("no end".utf8)])
        XCTAssertNil(try reader.availableChunk())
    }
}
