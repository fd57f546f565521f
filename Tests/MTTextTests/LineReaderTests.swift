import Foundation
import XCTest
@testable import MTText

/// Streaming reads must split lines exactly like splitting the whole text at once, whatever
/// the block size (a "\r" at a block end must wait for a possible "\n").
final class LineReaderTests: XCTestCase {
    func lines(of path: String, mode: LineBreakMode, blockSize: Int) throws -> [[UInt8]] {
        let r = try LineReader(path: path, mode: mode, blockSize: blockSize)
        var out: [[UInt8]] = []
        while let c = try r.nextChunk() {
            for l in 0..<c.lineCount { out.append(Array(c.bytes[c.lineStarts[l]..<c.lineStarts[l + 1]])) }
        }
        return out
    }

    func testSmallBlocksEqualWholeText() throws {
        let text = Array("a b\r\nc\rd\u{1c}e\u{85}f\u{2028}\n\ng\r\r\nh\u{0b}i\u{0c}j end".utf8)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mttext-lines-\(getpid()).txt")
        try Data(text).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        for mode in [LineBreakMode.python, .universal, .newline] {
            let whole = LineChunk(splitting: text, mode: mode)
            let expected = (0..<whole.lineCount).map { Array(whole.bytes[whole.lineStarts[$0]..<whole.lineStarts[$0 + 1]]) }
            for block in [1, 2, 3, 5, 7, 64] {
                XCTAssertEqual(try lines(of: url.path, mode: mode, blockSize: block), expected, "mode \(mode) block \(block)")
            }
        }
    }

    func testFixtureCorpusInSmallBlocks() throws {
        let path = Fixtures.path("corpus.txt")
        let whole = LineChunk(splitting: try Fixtures.bytes("corpus.txt"), mode: .python)
        let streamed = try lines(of: path, mode: .python, blockSize: 4093)
        XCTAssertEqual(streamed.count, whole.lineCount)
        XCTAssertEqual(streamed.flatMap { $0 }, whole.bytes)
    }
}
