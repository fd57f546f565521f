import XCTest
@testable import MTSearch
import MTModel
import MTOps

/// Beam and greedy search on tiny random models: K = 1 ≡ greedy, beam scores reproduced by the
/// parallel form, batch invariance, removal of finished sentences, length rules.
final class BeamSearchTests: XCTestCase {
    let attentions: [ModelConfig.DecoderAttention] = [.t2r, .softmax]

    func testBeamOneEqualsGreedy() throws {
        for att in attentions {
            for preNorm in [false, true] {
                let (m, p) = try SearchTest.model(att, preNorm: preNorm)
                let opts = SearchOptions(beam: 1, lengthPenalty: 0.6, maxLenA: 1, maxLenB: 5)
                let greedy = GreedySearch(model: m, params: p, options: opts).search(SearchTest.sources, arena: Arena(capacity: 0))
                let beam = BeamSearch(model: m, params: p, options: opts).search(SearchTest.sources, arena: Arena(capacity: 0))
                for (g, b) in zip(greedy, beam) {
                    SearchTest.assertSame([g], b, tolerance: 0, "\(att) preNorm \(preNorm)")
                    XCTAssertEqual(g.tokenScores, b[0].tokenScores)
                }
                // Not every output ran into the length limit: the model ends some on its own.
                XCTAssertTrue(greedy.contains { !$0.reachedMaxLength }, "\(att): every greedy output hit the limit")
            }
        }
    }

    /// Re-scoring every final hypothesis with the parallel (training) form gives its beam score.
    func testBeamScoresMatchParallelRescoring() throws {
        for att in attentions {
            let (m, p) = try SearchTest.model(att, preNorm: att == .softmax)
            for alpha: Float in [1, 0.6] {
                let opts = SearchOptions(beam: 4, lengthPenalty: alpha, maxLenA: 1, maxLenB: 6, nbest: 4)
                let results = BeamSearch(model: m, params: p, options: opts).search(SearchTest.sources, arena: Arena(capacity: 0))
                for (src, hyps) in zip(SearchTest.sources, results) {
                    XCTAssertEqual(hyps.count, 4)
                    XCTAssertEqual(hyps.map(\.score), hyps.map(\.score).sorted(by: >), "n-best is sorted")
                    for h in hyps {
                        let lp = RecurrentCheck.tokenLogProbs(model: m, params: p, source: src, target: h.tokens)
                        let total = lp.reduce(0, +)
                        let score = Hypothesis.normalized(total, length: h.tokens.count + 1, alpha: alpha)
                        XCTAssertEqual(score, h.score, accuracy: 1e-4, "\(att) α \(alpha) \(h.tokens)")
                        XCTAssertEqual(h.tokenScores.count, h.tokens.count + 1)
                        for (a, b) in zip(lp, h.tokenScores) { XCTAssertEqual(a, b, accuracy: 1e-4) }
                    }
                }
            }
        }
    }

    /// Each sentence translates the same alone and inside a batch (with padding and other lengths).
    func testSentenceSameAloneAndInBatch() throws {
        for att in attentions {
            let (m, p) = try SearchTest.model(att)
            let opts = SearchOptions(beam: 3, lengthPenalty: 1, maxLenA: 1.5, maxLenB: 3, nbest: 2)
            let search = BeamSearch(model: m, params: p, options: opts)
            let batch = search.search(SearchTest.sources, arena: Arena(capacity: 0))
            for (i, src) in SearchTest.sources.enumerated() {
                let alone = search.search([src], arena: Arena(capacity: 0))[0]
                SearchTest.assertSame(alone, batch[i], "\(att) sentence \(i)")
            }
        }
    }

    /// Sentences with very different length limits: the short ones are forced to finish within a
    /// few steps and leave the batch (the state is compacted) while the rest go on; the rest must
    /// get exactly what they get alone. Also for greedy search.
    func testRemovingFinishedSentencesChangesNothing() throws {
        let sources: [[Int32]] = [[5], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [16], [17, 18, 19, 20, 21, 22, 4, 5]]
        for att in attentions {
            let (m, p) = try SearchTest.model(att)
            for beam in [1, 4] {
                let opts = SearchOptions(beam: beam, lengthPenalty: 1, maxLenA: 2, maxLenB: 0, minLength: 0, nbest: 1)
                let batch = Translator.batches(lengths: [2, 11, 2, 9], tokens: 1000, sentences: 10)
                XCTAssertEqual(batch.count, 1)
                let together = BeamSearch(model: m, params: p, options: opts).search(sources, arena: Arena(capacity: 0))
                let greedy = GreedySearch(model: m, params: p, options: opts).search(sources, arena: Arena(capacity: 0))
                for (i, src) in sources.enumerated() {
                    let alone = BeamSearch(model: m, params: p, options: opts).search([src], arena: Arena(capacity: 0))[0]
                    SearchTest.assertSame(alone, together[i], "\(att) K \(beam) sentence \(i)")
                    let g = GreedySearch(model: m, params: p, options: opts).search([src], arena: Arena(capacity: 0))[0]
                    SearchTest.assertSame([g], [greedy[i]], "\(att) greedy sentence \(i)")
                    XCTAssertLessThanOrEqual(together[i][0].tokens.count, opts.maxLength(sourceLength: src.count + 1))
                }
                XCTAssertLessThanOrEqual(together[0][0].tokens.count, 4, "short sentence finishes early")
            }
        }
    }

    func testForcedLengthAndMinimumLength() throws {
        let (m, p) = try SearchTest.model(.t2r)
        for beam in [1, 3] {
            let opts = SearchOptions.forcedLength(12, beam: beam)
            let out = try Translator(model: m, params: p, options: opts).translate(SearchTest.sources)
            for hyps in out {
                XCTAssertEqual(hyps[0].tokens.count, 12)
                XCTAssertTrue(hyps[0].reachedMaxLength)
                XCTAssertFalse(hyps[0].tokens.contains(Vocab.eos))
                XCTAssertFalse(hyps[0].tokens.contains(Vocab.pad))
                XCTAssertFalse(hyps[0].tokens.contains(Vocab.bos))
            }
        }
    }

    /// Translator keeps input order across length-sorted batches, equal to one big batch.
    func testTranslatorOrderAndBatching() throws {
        let (m, p) = try SearchTest.model(.t2r)
        var opts = SearchOptions(beam: 2, maxLenA: 1, maxLenB: 4, nbest: 2)
        let one = try Translator(model: m, params: p, options: opts).translate(SearchTest.sources)
        opts.batchTokens = 12
        opts.maxBatchSentences = 2
        let many = try Translator(model: m, params: p, options: opts).translate(SearchTest.sources)
        XCTAssertEqual(one.count, SearchTest.sources.count)
        for (a, b) in zip(one, many) { SearchTest.assertSame(a, b) }
        XCTAssertEqual(try Translator(model: m, params: p, options: opts).translate([]).count, 0)
    }

    func testBatchesByLength() {
        let b = Translator.batches(lengths: [5, 2, 9, 2, 30, 3], tokens: 10, sentences: 3)
        XCTAssertEqual(b, [[1, 3, 5], [0], [2], [4]])
        XCTAssertEqual(b.flatMap { $0 }.sorted(), Array(0..<6))
    }

    func testRecurrentCheck() throws {
        for att in attentions {
            for preNorm in [false, true] {
                let (m, p) = try SearchTest.model(att, preNorm: preNorm)
                let r = RecurrentCheck.compare(model: m, params: p, source: [5, 6, 7, 8], target: [9, 10, 11, 12, 13, 4, 7])
                XCTAssertEqual(r.positions, 8)
                XCTAssertLessThan(r.maxRelDifference, 1e-5, "\(att) preNorm \(preNorm): \(r)")
            }
        }
    }

    /// A source longer than the model's position table translates (the table is extended).
    func testLongSourceBeyondPositionTable() throws {
        let (m, p) = try SearchTest.model(.t2r)
        let long = (0..<1100).map { Int32(4 + $0 % 19) }
        let opts = SearchOptions(beam: 1, maxLenA: 0, maxLenB: 3)
        let out = try Translator(model: m, params: p, options: opts).translate([long])
        XCTAssertEqual(out.count, 1)
        XCTAssertLessThanOrEqual(out[0][0].tokens.count, 3)
    }
}
