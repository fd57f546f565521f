import XCTest
@testable import MTSearch
import MTModel
import MTOps

/// Tiny random models (deterministic outputs to compare) and sources shared by the search tests.
enum SearchTest {
    static func model(_ attention: ModelConfig.DecoderAttention, preNorm: Bool = false, seed: UInt64 = 21,
                      vocab: Int = 29) throws -> (Seq2Seq, ParameterStore) {
        var c = ModelConfig.preset(.tiny, sourceVocabSize: 23, targetVocabSize: vocab, decoderAttention: attention)
        c.preNorm = preNorm
        c.decoderLayers = 2
        c.dropout = 0
        let m = try Seq2Seq(config: c)
        let p = ParameterStore(layout: m.layout, training: false)
        m.initialize(p, seed: seed)
        sharpen(m, p)
        return (m, p)
    }

    /// A random model tends to repeat one token for ever. Make </s> a slightly stronger copy of
    /// the token greedy search repeats most (in the tied output embedding; </s> is never fed to
    /// the decoder), so hypotheses end where the model would repeat it: some outputs then end
    /// on their own instead of all running to the length limit.
    static func sharpen(_ m: Seq2Seq, _ p: ParameterStore) {
        let w = p.weight(m.outputProjection.weightID), d = w.shape[1]
        for i in 0..<w.count { w.pointer[i] *= 3 }
        let opts = SearchOptions(beam: 1, maxLenA: 1, maxLenB: 5)
        let out = GreedySearch(model: m, params: p, options: opts).search(sources, arena: Arena(capacity: 0))
        var counts = [Int](repeating: 0, count: w.shape[0])
        for h in out { for t in h.tokens { counts[Int(t)] += 1 } }
        let top = counts.indices.max { counts[$0] < counts[$1] }!
        for i in 0..<d { w.pointer[Int(Vocab.eos) * d + i] = 1.05 * w.pointer[top * d + i] }
    }

    static let sources: [[Int32]] = [
        [5, 6, 7, 8, 9], [10, 11], [12, 13, 14, 15, 16, 17, 18, 19], [4], [20, 21, 22, 5, 6, 7], [],
    ]

    static func assertSame(_ a: [Hypothesis], _ b: [Hypothesis], tolerance: Float = 1e-5, _ msg: String = "",
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, msg, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.tokens, y.tokens, msg, file: file, line: line)
            XCTAssertEqual(x.reachedMaxLength, y.reachedMaxLength, msg, file: file, line: line)
            XCTAssertEqual(x.score, y.score, accuracy: tolerance, msg, file: file, line: line)
            XCTAssertEqual(x.logProb, y.logProb, accuracy: tolerance * max(1, abs(x.logProb)), msg, file: file, line: line)
        }
    }
}
