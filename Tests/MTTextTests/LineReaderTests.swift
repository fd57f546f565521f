import MTIO
import XCTest
@testable import MTText

/// MTIO's streaming reads of the BPE fixture corpus must split lines exactly like splitting the
/// whole text at once (the splitting rules themselves: Tests/MTIOTests/LineReaderTests.swift).
final class LineReaderTests: XCTestCase {
    func lines(of path: String, mode: LineBreakMode, blockSize: Int) throws -> [[UInt8]] {
        let r = try LineReader(path: path, mode: mode, blockSize: blockSize)
        var out: [[UInt8]] = []
        while let c = try r.nextChunk() {
            for l in 0..<c.lineCount { out.append(Array(c.bytes[c.lineStarts[l]..<c.lineStarts[l + 1]])) }
        }
        return out
    }

    func testFixtureCorpusInSmallBlocks() throws {
        let path = Fixtures.path("corpus.txt")
        let whole = LineChunk(splitting: try Fixtures.bytes("corpus.txt"), mode: .python)
        let streamed = try lines(of: path, mode: .python, blockSize: 4093)
        XCTAssertEqual(streamed.count, whole.lineCount)
        XCTAssertEqual(streamed.flatMap { $0 }, whole.bytes)
    }
}
