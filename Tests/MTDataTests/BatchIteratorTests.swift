import XCTest

@testable import MTData

final class BatchIteratorTests: XCTestCase {
    func testEpochCoversEveryPairOnceAndRollsOver() throws {
        let corpus = syntheticCorpus(2000)
        var it = try BatchIterator(corpus: corpus, config: BatchingConfig(maxTokens: 400, seed: 9))
        let n = it.batchesInEpoch
        var seen: [Int] = []
        for _ in 0..<n { seen += it.next().indices }
        XCTAssertEqual(seen.sorted(), Array(0..<2000))
        XCTAssertEqual(it.position.epoch, 2)
        XCTAssertEqual(it.position.batch, 0)
    }

    func testResumedIteratorContinuesExactly() throws {
        let corpus = syntheticCorpus(1500)
        let config = BatchingConfig(maxTokens: 300, windowBatches: 4, seed: 77, accumulate: 3)
        var straight = try BatchIterator(corpus: corpus, config: config)
        var reference: [Batch] = []
        for _ in 0..<(2 * straight.batchesInEpoch + 5) { reference.append(straight.next()) }

        for stop in [0, 1, 17, straight.batchesInEpoch - 1, straight.batchesInEpoch + 3] {
            var first = try BatchIterator(corpus: corpus, config: config)
            for _ in 0..<stop { _ = first.next() }
            let saved = try JSONDecoder().decode(
                BatchPosition.self, from: JSONEncoder().encode(first.position))
            let restored = try BatchPosition(int64s: saved.int64s)
            var resumed = try BatchIterator(corpus: corpus, config: config, position: restored)
            for k in stop..<reference.count {
                XCTAssertEqual(resumed.next(), reference[k], "batch \(k) after resuming at \(stop)")
            }
        }
    }

    func testGradientAccumulationGroupsWithinEpochs() throws {
        let corpus = syntheticCorpus(1000)
        let config = BatchingConfig(maxTokens: 250, seed: 3, accumulate: 4)
        var it = try BatchIterator(corpus: corpus, config: config)
        var plain = try BatchIterator(corpus: corpus, config: config)
        let perEpoch = it.batchesInEpoch
        XCTAssertEqual(it.updatesInEpoch, (perEpoch + 3) / 4)
        var batchesSeen = 0
        var updates = 0
        while true {
            let u = it.nextUpdate()
            updates += 1
            XCTAssertEqual(u.epoch, 1)
            XCTAssertEqual(u.firstBatch, batchesSeen)
            for b in u.batches { XCTAssertEqual(b, plain.next()) }
            batchesSeen += u.batches.count
            XCTAssertEqual(u.targetTokens, u.batches.map(\.targetTokens).reduce(0, +))
            if u.endsEpoch { break }
            XCTAssertEqual(u.batches.count, 4)
        }
        XCTAssertEqual(batchesSeen, perEpoch)
        XCTAssertEqual(updates, (perEpoch + 3) / 4)
        XCTAssertEqual(it.position.epoch, 2)
        XCTAssertEqual(it.nextUpdate().epoch, 2)
    }

    func testPositionFromOtherDataOrSettingsIsRejected() throws {
        let corpus = syntheticCorpus(300)
        var it = try BatchIterator(corpus: corpus, config: BatchingConfig(maxTokens: 200, seed: 1))
        _ = it.next()
        let pos = it.position
        XCTAssertThrowsError(
            try BatchIterator(
                corpus: corpus, config: BatchingConfig(maxTokens: 200, seed: 2),
                position: pos))
        XCTAssertThrowsError(
            try BatchIterator(
                corpus: syntheticCorpus(301), config: BatchingConfig(maxTokens: 200, seed: 1),
                position: pos))
        // accumulate does not change the batches, so it may differ on resume.
        XCTAssertNoThrow(
            try BatchIterator(
                corpus: corpus, config: BatchingConfig(maxTokens: 200, seed: 1, accumulate: 2),
                position: pos))
        var past = pos
        past.batch = it.batchesInEpoch
        XCTAssertThrowsError(
            try BatchIterator(
                corpus: corpus, config: BatchingConfig(maxTokens: 200, seed: 1),
                position: past)
        ) { e in
            XCTAssertTrue("\(e)".contains("which has \(it.batchesInEpoch) batches"), "\(e)")
        }
        XCTAssertThrowsError(try BatchIterator(corpus: EncodedCorpus(), config: BatchingConfig()))
    }
}
