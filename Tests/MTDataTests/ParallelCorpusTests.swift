import XCTest

@testable import MTData

final class ParallelCorpusTests: XCTestCase {
    let enc = WordHashEncoder()

    func read(
        _ s: String, _ t: String, filter: CorpusFilter = CorpusFilter(),
        threads: Int = 1, chunkSize: Int = 16_384
    ) throws -> ParallelCorpus {
        try ParallelCorpus.read(
            sourcePath: s, targetPath: t, sourceEncoder: enc, targetEncoder: enc,
            filter: filter, threads: threads, chunkSize: chunkSize)
    }

    func testLineCountMismatchNamesBothFilesAndCounts() throws {
        let dir = try TempDir()
        let s = try dir.write("a.en", lines: (0..<10).map { "s \($0)" })
        let t = try dir.write("a.de.gz", lines: (0..<7).map { "t \($0)" })
        assertThrows(
            .lineCountMismatch(sourcePath: s, sourceLines: 10, targetPath: t, targetLines: 7)
        ) {
            try read(s, t, chunkSize: 3)
        }
        assertThrows(
            .lineCountMismatch(sourcePath: t, sourceLines: 7, targetPath: s, targetLines: 10)
        ) {
            try read(t, s)
        }
        let message = DataError.lineCountMismatch(
            sourcePath: s, sourceLines: 10, targetPath: t, targetLines: 7
        )
        .description
        XCTAssertTrue(
            message.contains("\(s) has 10 lines") && message.contains("\(t) has 7 lines"), message)
    }

    func testInvalidUTF8OnTargetSide() throws {
        let dir = try TempDir()
        let s = try dir.write("b.en", lines: ["a", "b", "c", "d"])
        let t = try dir.write(
            "b.de", bytes: Array("a\nb\n".utf8) + [0xC3, 0x28, 0x0A] + Array("d\n".utf8))
        assertThrows(.invalidUTF8(path: t, line: 3)) { try read(s, t) }
    }

    func testFilteringCountsEachReason() throws {
        let dir = try TempDir()
        func words(_ n: Int) -> String { (0..<n).map { "w\($0)" }.joined(separator: " ") }
        let pairs: [(String, String)] = [
            (words(3), words(4)),  // kept
            ("", words(2)),  // empty (blank source)
            ("   ", "  "),  // empty (whitespace only)
            (words(2), ""),  // empty (blank target)
            (words(11), words(10)),  // too long (source 11 > 10)
            (words(10), words(10)),  // kept (at the limit)
            (words(1), words(4)),  // ratio 4 > 3
            (words(2), words(6)),  // ratio 3: kept (≤ maxRatio)
            (words(9), words(30)),  // too long wins over ratio (checked first)
            (words(5), words(5)),  // kept
        ]
        let s = try dir.write("f.en", lines: pairs.map(\.0))
        let t = try dir.write("f.de", lines: pairs.map(\.1))
        let r = try read(s, t, filter: CorpusFilter(maxTokens: 10, maxRatio: 3))
        let sum = r.summary
        XCTAssertEqual(sum.pairsRead, 10)
        XCTAssertEqual(sum.pairsKept, 4)
        XCTAssertEqual(sum.droppedEmpty, 3)
        XCTAssertEqual(sum.droppedTooLong, 2)
        XCTAssertEqual(sum.droppedRatio, 1)
        XCTAssertEqual(sum.droppedTooShort, 0)
        XCTAssertEqual(sum.dropped + sum.pairsKept, sum.pairsRead)
        XCTAssertEqual(r.corpus.lineNumbers, [1, 6, 8, 10])
        XCTAssertEqual((0..<4).map(r.corpus.sourceLength), [3, 10, 2, 5])
        XCTAssertEqual(sum.sourceTokens, 20)
        XCTAssertEqual(sum.targetTokens, 25)
        XCTAssertEqual(Array(r.corpus.source(0)), try enc.encode(words(3)))
        XCTAssertTrue(
            sum.description.contains("read 10 kept 4 drop empty 3 short 0 long 2 ratio 1"),
            sum.description)

        let minTwo = try read(s, t, filter: CorpusFilter(maxTokens: 10, maxRatio: 3, minTokens: 2))
        XCTAssertEqual(minTwo.summary.droppedTooShort, 1)  // the 1-token source
        XCTAssertEqual(minTwo.summary.droppedRatio, 0)
    }

    func testNothingLeftIsAnErrorWithTheCounts() throws {
        let dir = try TempDir()
        let s = try dir.write("n.en", lines: ["a b c d e", ""])
        let t = try dir.write("n.de", lines: ["x", "y"])
        XCTAssertThrowsError(try read(s, t, filter: CorpusFilter(maxTokens: 4))) { error in
            guard case DataError.emptyCorpus(let sp, let tp, let summary)? = error as? DataError
            else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([sp, tp], [s, t])
            XCTAssertTrue(summary.contains("read 2 kept 0 drop empty 1 short 0 long 1"), summary)
        }
        let empty1 = try dir.write("e.en", bytes: [])
        let empty2 = try dir.write("e.de", bytes: [])
        XCTAssertThrowsError(try read(empty1, empty2))
    }

    func testKeepAllKeepsEmptyLinesAligned() throws {
        let dir = try TempDir()
        let s = try dir.write("v.en", lines: ["a b", "", "c", "d e f g h i j"])
        let t = try dir.write("v.de", lines: ["x", "y", "", "z"])
        let r = try read(s, t, filter: .keepAll)
        XCTAssertEqual(r.summary.pairsKept, 4)
        XCTAssertEqual(r.summary.dropped, 0)
        XCTAssertEqual(r.corpus.lineNumbers, [1, 2, 3, 4])
        XCTAssertEqual((0..<4).map(r.corpus.sourceLength), [2, 0, 1, 7])
        let b = Batch(corpus: r.corpus, indices: [1, 2])
        XCTAssertEqual(b.source, [2, 0, try enc.encode("c")[0], 2])  // empty source is just </s>
        XCTAssertEqual(b.targetOut, [try enc.encode("y")[0], 2, 2, 0])  // empty target is just </s>
        XCTAssertEqual(try read(s, t, filter: .emptyOnly).summary.droppedEmpty, 2)
    }

    func testEncoderErrorsAndSpecialIdsAreReportedWithLine() throws {
        let dir = try TempDir()
        let s = try dir.write("e.en", lines: ["a", "b", "boom", "c"])
        let t = try dir.write("e.de", lines: ["a", "b", "c", "d"])
        struct Boom: Error, CustomStringConvertible { var description: String { "kaboom" } }
        let failing = ClosureEncoder(fingerprint: "f") { line in
            if line == "boom" { throw Boom() }
            return [5]
        }
        assertThrows(.encoderFailed(path: s, line: 3, message: "kaboom")) {
            try ParallelCorpus.read(
                sourcePath: s, targetPath: t, sourceEncoder: failing, targetEncoder: failing)
        }
        let special = ClosureEncoder(fingerprint: "s") { $0 == "c" ? [7, SpecialIds.standard.eos] : [7] }
        assertThrows(.invalidTokenId(path: t, line: 3, id: 2)) {
            try ParallelCorpus.read(
                sourcePath: s, targetPath: t, sourceEncoder: special, targetEncoder: special)
        }
        // With Marian's ids (</s> 0, <unk> 1, <pad> 9) the same 2 is an ordinary piece, 0 is refused.
        let marian = SpecialIds(pad: 9, bos: 9, eos: 0, unk: 1)
        let imported = ClosureEncoder(fingerprint: "m", specials: marian) { $0 == "d" ? [7, 0] : [1, 2] }
        assertThrows(.invalidTokenId(path: t, line: 4, id: 0)) {
            try ParallelCorpus.read(
                sourcePath: s, targetPath: t, sourceEncoder: imported, targetEncoder: imported)
        }
    }

    func testThreadsAndChunksDoNotChangeTheResult() throws {
        let dir = try TempDir()
        var rng = ShuffleRNG(seed: 3)
        let lines = (0..<3000).map { _ in
            (0..<rng.below(30)).map { _ in "v\(rng.below(500))" }.joined(separator: " ")
        }
        let s = try dir.write("p.en", lines: lines)
        let t = try dir.write("p.de.gz", lines: lines.reversed())
        let one = try read(s, t, threads: 1)
        let many = try read(s, t, threads: 4, chunkSize: 777)
        XCTAssertEqual(one, many)
        XCTAssertGreaterThan(one.corpus.count, 1000)
    }

    func testInvalidFilterListsEveryProblem() {
        XCTAssertThrowsError(
            try CorpusFilter(maxTokens: 0, maxRatio: 0.5, minTokens: -1).validate()
        ) { error in
            guard case DataError.invalidConfig(_, let problems)? = error as? DataError else {
                return XCTFail()
            }
            XCTAssertEqual(problems.count, 2, "\(problems)")  // minTokens -1 and maxRatio 0.5
            XCTAssertTrue(problems.joined().contains("0.5"))
        }
        XCTAssertThrowsError(try CorpusFilter(maxTokens: 0, maxRatio: .nan).validate()) { error in
            guard case DataError.invalidConfig(_, let problems)? = error as? DataError else {
                return XCTFail()
            }
            XCTAssertEqual(problems.count, 2, "\(problems)")
        }
    }
}
