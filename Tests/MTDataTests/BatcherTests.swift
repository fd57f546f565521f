import Foundation
import XCTest

@testable import MTData

final class BatcherTests: XCTestCase {
    func testBatchLayoutSpecialsAndPadding() {
        let corpus = EncodedCorpus(pairs: [
            (source: [10, 11, 12], target: [20]), (source: [13], target: [21, 22, 23, 24]),
        ])
        let b = Batch(corpus: corpus, indices: [0, 1])
        XCTAssertEqual(b.size, 2)
        XCTAssertEqual(b.sourceLength, 4)
        XCTAssertEqual(b.targetLength, 5)
        XCTAssertEqual(
            b.source,
            [
                10, 11, 12, 2,
                13, 2, 0, 0,
            ])
        XCTAssertEqual(
            b.targetIn,
            [
                1, 20, 0, 0, 0,
                1, 21, 22, 23, 24,
            ])
        XCTAssertEqual(
            b.targetOut,
            [
                20, 2, 0, 0, 0,
                21, 22, 23, 24, 2,
            ])
        XCTAssertEqual(b.sourceLengths, [4, 2])
        XCTAssertEqual(b.targetLengths, [2, 5])
        XCTAssertEqual(b.targetTokens, 7)
        XCTAssertEqual(b.sourceTokens, 6)
        XCTAssertEqual(b.paddedSize, 10)
        XCTAssertEqual(b.targetPadding.filter { !$0 }.count, b.targetTokens)
        XCTAssertEqual(b.sourcePadding.filter { !$0 }.count, b.sourceTokens)
    }

    /// An imported Marian vocabulary: `</s>` 0, `<unk>` 1, `<pad>` last (99), decoder start = `<pad>`.
    func testBatchWithImportedSpecials() {
        let marian = SpecialIds(pad: 99, bos: 99, eos: 0, unk: 1)
        let corpus = EncodedCorpus(pairs: [(source: [1, 11], target: [20]), (source: [13], target: [21, 1])])
        let b = Batch(corpus: corpus, indices: [0, 1], specials: marian)
        XCTAssertEqual(b.source, [1, 11, 0, 13, 0, 99])
        XCTAssertEqual(b.targetIn, [99, 20, 99, 99, 21, 1])
        XCTAssertEqual(b.targetOut, [20, 0, 99, 21, 1, 0])
        XCTAssertEqual(b.targetTokens, 5)
        XCTAssertEqual(b.targetPadding, [false, false, true, false, false, false])
        XCTAssertEqual(b.sourcePadding, [false, false, false, false, false, true])
        var it = try! BatchIterator(corpus: corpus, config: .evaluation(maxTokens: 64), specials: marian)
        XCTAssertEqual(it.next().specials, marian)
        XCTAssertTrue(marian.isReserved(0) && marian.isReserved(99) && marian.isReserved(-1))
        XCTAssertFalse(marian.isReserved(1) || marian.isReserved(2))  // <unk> and ordinary pieces
        XCTAssertEqual((-1...4).filter(SpecialIds.standard.isReserved), [-1, 0, 1, 2])
    }

    func testBudgetCoverageAndOversized() throws {
        var corpus = syntheticCorpus(5000, maxLength: 60)
        corpus.append(source: Array(repeating: 9, count: 300), target: [9, 9], line: 5001)  // S 301
        for config in [
            BatchingConfig(maxTokens: 256, windowBatches: 8, seed: 5),
            BatchingConfig(maxTokens: 256, maxSentences: 3, windowBatches: 0, seed: 5),
            BatchingConfig.evaluation(maxTokens: 256),
        ] {
            let batcher = try Batcher(config: config)
            let plan = batcher.plan(corpus, epoch: 1)
            XCTAssertEqual(
                plan.indices.sorted(), Array(0..<corpus.count), "every pair exactly once")
            XCTAssertEqual(plan.oversized, [5000])
            let report = plan.oversizedReport(corpus, budget: 256) ?? ""
            XCTAssertTrue(report.contains("1 pair(s) exceed the budget of 256"), report)
            XCTAssertTrue(report.contains("line 5001 (S 301, T 3)"), report)
            let it = try BatchIterator(corpus: corpus, config: config)
            XCTAssertEqual(it.paddedSizeBound, 301)
            XCTAssertEqual(it.oversizedReport, report)
            for k in 0..<plan.count {
                let b = Batch(corpus: corpus, indices: Array(plan.batch(k)))
                if plan.batch(k) == [5000] { continue }
                XCTAssertLessThanOrEqual(b.paddedSize, 256)
                XCTAssertLessThanOrEqual(b.size, config.maxSentences ?? .max)
            }
            let mean = Double(plan.indices.count) / Double(plan.count)
            if config.maxSentences == nil {
                XCTAssertGreaterThan(mean, 4, "batches should be well filled")
            }
        }
    }

    func testLengthSortingKeepsPaddingLow() throws {
        let corpus = syntheticCorpus(4000, maxLength: 50, correlated: true)
        let plan = try Batcher(config: BatchingConfig(maxTokens: 512, windowBatches: 16, seed: 1))
            .plan(corpus, epoch: 1)
        var real = 0
        var padded = 0
        for k in 0..<plan.count {
            let b = Batch(corpus: corpus, indices: Array(plan.batch(k)))
            padded += b.paddedSize
            real += zip(b.sourceLengths, b.targetLengths).map { max($0, $1) }.reduce(0, +)
        }
        XCTAssertGreaterThan(
            Double(real) / Double(padded), 0.85, "windowed sorting should limit padding")
    }

    func testDeterministicPerSeedAndEpoch() throws {
        let corpus = syntheticCorpus(3000)
        let a = try Batcher(config: BatchingConfig(maxTokens: 300, seed: 42))
        let b = try Batcher(config: BatchingConfig(maxTokens: 300, seed: 42))
        XCTAssertEqual(a.plan(corpus, epoch: 3), b.plan(corpus, epoch: 3))
        XCTAssertNotEqual(a.plan(corpus, epoch: 3).indices, a.plan(corpus, epoch: 4).indices)
        let c = try Batcher(config: BatchingConfig(maxTokens: 300, seed: 43))
        XCTAssertNotEqual(a.plan(corpus, epoch: 3).indices, c.plan(corpus, epoch: 3).indices)
        // Pinned values: the order must not change with the Swift version or machine.
        var rng = ShuffleRNG(seed: 1, stream: 2)
        XCTAssertEqual((0..<4).map { _ in rng.below(1000) }, [308, 144, 763, 309])
    }

    func testEvaluationOrderIsSortedAndUnshuffled() throws {
        let corpus = syntheticCorpus(500)
        let plan = try Batcher(config: .evaluation(maxTokens: 200)).plan(corpus, epoch: 1)
        let lengths = plan.indices.map { (corpus.sourceLength($0), corpus.targetLength($0)) }
        XCTAssertTrue(zip(lengths, lengths.dropFirst()).allSatisfy { $0 <= $1 })
        XCTAssertEqual(
            plan,
            try Batcher(config: .evaluation(maxTokens: 200)).plan(corpus, epoch: 9).withEpoch(1))
    }

    func testConfigDecodesWithDefaultsForMissingKeys() throws {
        let c = try JSONDecoder().decode(
            BatchingConfig.self, from: Data(#"{"maxTokens": 1000, "accumulate": 2}"#.utf8))
        var expected = BatchingConfig(maxTokens: 1000, accumulate: 2)
        XCTAssertEqual(c, expected)
        expected.maxSentences = 7
        expected.shuffle = false
        let back = try JSONDecoder().decode(BatchingConfig.self, from: JSONEncoder().encode(expected))
        XCTAssertEqual(back, expected)
        let f = try JSONDecoder().decode(CorpusFilter.self, from: Data(#"{"maxRatio": 1.5}"#.utf8))
        XCTAssertEqual(f, CorpusFilter(maxTokens: 250, maxRatio: 1.5, minTokens: 1))
    }

    func testInvalidConfigListsEveryProblem() {
        let bad = BatchingConfig(maxTokens: 1, maxSentences: 0, windowBatches: -1, accumulate: 0)
        XCTAssertThrowsError(try bad.validate()) { error in
            guard case DataError.invalidConfig(_, let problems)? = error as? DataError else {
                return XCTFail()
            }
            XCTAssertEqual(problems.count, 4, "\(problems)")
            XCTAssertTrue(problems[0].contains("maxTokens is 1"))
        }
    }
}

extension BatchPlan {
    func withEpoch(_ e: Int) -> BatchPlan {
        BatchPlan(epoch: e, indices: indices, starts: starts, oversized: oversized)
    }
}
