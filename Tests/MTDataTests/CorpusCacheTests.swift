import Foundation
import MTIO
import XCTest

@testable import MTData

final class CorpusCacheTests: XCTestCase {
    func makeInputs(_ dir: TempDir, n: Int = 500) throws -> (String, String) {
        var rng = ShuffleRNG(seed: 11)
        func line() -> String {
            (0..<(1 + rng.below(20))).map { _ in "t\(rng.below(300))" }.joined(separator: " ")
        }
        let src = (0..<n).map { _ in line() }
        let tgt = (0..<n).map { _ in line() }
        return (try dir.write("c.en", lines: src), try dir.write("c.de.gz", lines: tgt))
    }

    func testRoundTripUInt16AndInt32Ids() throws {
        let dir = try TempDir()
        for big in [false, true] {
            var corpus = syntheticCorpus(300)
            if big { corpus.append(source: [70_000, 5], target: [Int32.max - 1], line: 301) }
            var summary = FilterSummary(
                sourcePath: "a", targetPath: "b",
                filter: CorpusFilter(maxTokens: 99, maxRatio: .infinity))
            summary.pairsRead = 400
            summary.pairsKept = corpus.count
            summary.droppedRatio = 17
            let parallel = ParallelCorpus(corpus: corpus, summary: summary)
            let path = dir.path + "/rt\(big).bin"
            try CorpusCache.save(parallel, key: "k\nv", to: path)
            XCTAssertEqual(try CorpusCache.lookup(path, key: "k\nv"), .hit(parallel))
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            let idBytes = (corpus.sourceIds.count + corpus.targetIds.count) * (big ? 4 : 2)
            XCTAssertLessThan(size, idBytes + corpus.count * 12 + 400, "cache is not compact")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
        }
    }

    func testLoadOrBuildHitsThenDetectsStaleInputsAndSettings() throws {
        let dir = try TempDir()
        let (s, t) = try makeInputs(dir)
        let cache = dir.path + "/train.ids"
        let enc = WordHashEncoder()
        let first = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: enc)
        XCTAssertEqual(first.outcome, .built(reason: "no cache file"))
        let second = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: enc)
        XCTAssertEqual(second.outcome, .hit)
        XCTAssertEqual(second.corpus, first.corpus)

        // Another encoder setting: stale, rebuilt with the new ids.
        let other = WordHashEncoder(buckets: 77)
        let third = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: other)
        guard case .built(let reason) = third.outcome else { return XCTFail("\(third.outcome)") }
        XCTAssertTrue(reason.hasPrefix("stale:") && reason.contains("buckets=77"), reason)
        XCTAssertNotEqual(third.corpus.corpus.targetIds, first.corpus.corpus.targetIds)

        // Another filter: stale.
        let fourth = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: other,
            filter: CorpusFilter(maxTokens: 10))
        guard case .built(let r4) = fourth.outcome else { return XCTFail("\(fourth.outcome)") }
        XCTAssertTrue(r4.contains("filter="), r4)
        XCTAssertLessThan(fourth.corpus.corpus.count, third.corpus.corpus.count)

        // Input file rewritten (new size and mtime): stale.
        try dir.write("c.en", lines: (0..<500).map { "x \($0)" })
        let fifth = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: other,
            filter: CorpusFilter(maxTokens: 10))
        guard case .built(let r5) = fifth.outcome else { return XCTFail("\(fifth.outcome)") }
        XCTAssertTrue(r5.contains("source="), r5)
        let sixth = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: other,
            filter: CorpusFilter(maxTokens: 10))
        XCTAssertEqual(sixth.outcome, .hit)
        XCTAssertEqual(sixth.corpus, fifth.corpus)
    }

    func testCorruptCacheIsRebuiltNotTrusted() throws {
        let dir = try TempDir()
        let (s, t) = try makeInputs(dir, n: 50)
        let cache = dir.path + "/x.ids"
        let enc = WordHashEncoder()
        let built = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: enc)
        let bytes = try InputFile.contents(of: cache)
        let key = try CorpusCache.key(
            sourcePath: s, targetPath: t, sourceEncoder: enc, targetEncoder: enc,
            filter: CorpusFilter())
        try Data(bytes.dropLast(3)).write(to: URL(fileURLWithPath: cache))
        XCTAssertThrowsError(try CorpusCache.lookup(cache, key: key))
        let again = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: s, targetPath: t,
            sourceEncoder: enc, targetEncoder: enc)
        guard case .built(let reason) = again.outcome else { return XCTFail("\(again.outcome)") }
        XCTAssertTrue(reason.hasPrefix("corrupt:") && reason.contains("truncated"), reason)
        XCTAssertEqual(again.corpus, built.corpus)

        try Data("garbage".utf8).write(to: URL(fileURLWithPath: cache))
        assertThrows(
            .cacheCorrupt(path: cache, reason: "truncated: needs 8 bytes at offset 0, has 7")
        ) {
            try CorpusCache.lookup(cache, key: key)
        }
    }

    func testFailedWriteLeavesPreviousFileIntact() throws {
        let dir = try TempDir()
        let path = dir.path + "/keep.ids"
        let parallel = ParallelCorpus(
            corpus: syntheticCorpus(20),
            summary: FilterSummary(sourcePath: "a", targetPath: "b", filter: CorpusFilter()))
        try CorpusCache.save(parallel, key: "one", to: path)
        struct Stop: Error {}
        XCTAssertThrowsError(
            try AtomicFile.write(to: path) { w in
                try w.bytes([1, 2, 3])
                throw Stop()
            })
        XCTAssertEqual(try CorpusCache.lookup(path, key: "one"), .hit(parallel))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["keep.ids"])
        XCTAssertThrowsError(
            try CorpusCache.save(parallel, key: "x", to: dir.path + "/no/such/dir/f.ids")
        ) { e in
            guard case DataError.writeFailed? = e as? DataError else { return XCTFail("\(e)") }
        }
    }
}
