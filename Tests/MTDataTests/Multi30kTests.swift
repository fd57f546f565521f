import Foundation
import XCTest

@testable import MTData

/// Reads the real Multi30k training set. The data directory is $MT_DATA_DIR, else ../shared/data
/// relative to the package root; missing data is a failure, not a skip.
final class Multi30kTests: XCTestCase {
    static var dataDir: String {
        if let env = ProcessInfo.processInfo.environment["MT_DATA_DIR"], !env.isEmpty { return env }
        // #filePath = <root>/Tests/MTDataTests/Multi30kTests.swift
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("../shared/data").standardized.path
    }

    func paths() throws -> (String, String) {
        let dir = Self.dataDir + "/multi30k"
        let (en, de) = (dir + "/train.en.gz", dir + "/train.de.gz")
        for p in [en, de] where !FileManager.default.isReadableFile(atPath: p) {
            XCTFail(
                "Multi30k data missing: \(p) is not readable. Set MT_DATA_DIR to the data directory"
                    + " (holding multi30k/train.en.gz) or fetch it (make data).")
            throw DataError.unreadable(path: p, reason: "missing")
        }
        return (en, de)
    }

    func testReadCacheAndBatchMulti30k() throws {
        let (en, de) = try paths()
        let enc = WordHashEncoder()
        let filter = CorpusFilter(maxTokens: 100, maxRatio: 3)
        let dir = try TempDir()
        let cache = dir.path + "/multi30k.ids"
        let t0 = Date()
        let built = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: en, targetPath: de,
            sourceEncoder: enc, targetEncoder: enc, filter: filter, threads: 2)
        let buildTime = Date().timeIntervalSince(t0)
        XCTAssertEqual(built.outcome, .built(reason: "no cache file"))
        let s = built.corpus.summary
        XCTAssertEqual(s.pairsRead, 29_000)
        XCTAssertEqual(s.pairsKept + s.dropped, 29_000)
        XCTAssertGreaterThan(s.pairsKept, 28_000)
        XCTAssertEqual(s.sourceTokens, built.corpus.corpus.sourceIds.count)
        XCTAssertEqual(s.targetTokens, built.corpus.corpus.targetIds.count)
        print(s)

        let t1 = Date()
        let again = try CorpusCache.loadOrBuild(
            cachePath: cache, sourcePath: en, targetPath: de,
            sourceEncoder: enc, targetEncoder: enc, filter: filter, threads: 2)
        let loadTime = Date().timeIntervalSince(t1)
        XCTAssertEqual(again.outcome, .hit)
        XCTAssertEqual(again.corpus, built.corpus)

        let t2 = Date()
        var it = try BatchIterator(
            corpus: again.corpus.corpus, config: BatchingConfig(maxTokens: 4096, seed: 1))
        var covered: [Int] = []
        var targetTokens = 0
        for _ in 0..<it.batchesInEpoch {
            let b = it.next()
            XCTAssertLessThanOrEqual(b.paddedSize, 4096)
            covered += b.indices
            targetTokens += b.targetTokens
        }
        let batchTime = Date().timeIntervalSince(t2)
        XCTAssertEqual(covered.sorted(), Array(0..<s.pairsKept))
        XCTAssertEqual(targetTokens, s.targetTokens + s.pairsKept)
        XCTAssertNil(it.plan.oversizedReport(again.corpus.corpus, budget: 4096))
        let times = [buildTime, loadTime, batchTime].map { String(format: "%.3fs", $0) }
        print("[data] multi30k read+encode+save \(times[0]), cache hit \(times[1]),"
            + " epoch of batches \(times[2]) (\(it.batchesInEpoch))")
    }

    /// Reading alone (trivial encoder): the part that must stay well under a second.
    func testReadingMulti30kWithoutEncoding() throws {
        let (en, de) = try paths()
        let one = ClosureEncoder(fingerprint: "one") { _ in [4] }
        let t0 = Date()
        let r = try ParallelCorpus.read(
            sourcePath: en, targetPath: de, sourceEncoder: one, targetEncoder: one)
        let time = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.summary.pairsRead, 29_000)
        XCTAssertEqual(r.summary.droppedEmpty, 0)
        XCTAssertEqual(r.corpus.count, 29_000)
        XCTAssertEqual(r.corpus.lineNumbers.last, 29_000)
        print(String(format: "[data] multi30k read without encoding %.3fs", time))
    }
}
