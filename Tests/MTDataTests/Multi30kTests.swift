import Foundation
import XCTest
@testable import MTData

/// Reads the real Multi30k training set. The data directory is $MT_DATA_DIR, else ../shared/data
/// relative to the package root; missing data is a failure, not a skip.
final class Multi30kTests: XCTestCase {
    static var dataDir: String {
        if let env = ProcessInfo.processInfo.environment["MT_DATA_DIR"], !env.isEmpty { return env }
        // #filePath = <root>/Tests/MTDataTests/Multi30kTests.swift
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("../shared/data").standardized.path
    }

    func paths() throws -> (String, String) {
        let dir = Self.dataDir + "/multi30k"
        let (en, de) = (dir + "/train.en.gz", dir + "/train.de.gz")
        for p in [en, de] where !FileManager.default.isReadableFile(atPath: p) {
            XCTFail("Multi30k data missing: \(p) is not readable. Set MT_DATA_DIR to the data directory"
                + " (holding multi30k/train.en.gz) or fetch it (make data).")
            throw DataError.unreadable(path: p, reason: "missing")
        }
        return (en, de)
    }

    func testReadCacheAndBatchMulti30k() throws {
        let (en, de) = try paths()
        let enc = WordHashEncoder()
        let t0 = Date()
        let parallel = try ParallelCorpus.read(sourcePath: en, targetPath: de, sourceEncoder: enc,
                                               targetEncoder: enc, filter: CorpusFilter(maxTokens: 100, maxRatio: 3),
                                               threads: 2)
        let readTime = Date().timeIntervalSince(t0)
        let s = parallel.summary
        XCTAssertEqual(s.pairsRead, 29_000)
        XCTAssertEqual(s.pairsKept + s.dropped, 29_000)
        XCTAssertGreaterThan(s.pairsKept, 28_000)
        XCTAssertEqual(s.sourceTokens, parallel.corpus.sourceIds.count)
        print(s)

        let dir = try TempDir()
        let cache = dir.path + "/multi30k.ids"
        try CorpusCache.save(parallel, key: "multi30k", to: cache)
        let t1 = Date()
        XCTAssertEqual(try CorpusCache.lookup(cache, key: "multi30k"), .hit(parallel))
        let loadTime = Date().timeIntervalSince(t1)

        let t2 = Date()
        var it = try BatchIterator(corpus: parallel.corpus, config: BatchingConfig(maxTokens: 4096, seed: 1))
        var covered = 0, targetTokens = 0
        for _ in 0..<it.batchesInEpoch {
            let b = it.next()
            XCTAssertLessThanOrEqual(b.paddedSize, 4096)
            covered += b.size
            targetTokens += b.targetTokens
        }
        let batchTime = Date().timeIntervalSince(t2)
        XCTAssertEqual(covered, parallel.corpus.count)
        XCTAssertEqual(targetTokens, s.targetTokens + s.pairsKept)
        print(String(format: "[data] multi30k read+encode %.3fs, cache load %.3fs, batch epoch %.3fs (%d batches)",
                     readTime, loadTime, batchTime, it.batchesInEpoch))
    }
}
