import Foundation
import XCTest
@testable import MTOps

final class EmbeddingTests: XCTestCase {
    func testSinusoidLayoutIsFairseqs() {
        let d = 10, half = 5
        let t = Embedding.sinusoids(count: 6, dim: d, paddingIdx: 0)
        XCTAssertEqual(Array(t.array[0..<d]), [Float](repeating: 0, count: d), "padding row is zero")
        for p in 1..<6 {
            for i in 0..<half {
                let f = exp(-Double(i) * log(10000.0) / Double(half - 1))
                XCTAssertEqual(Double(t[p * d + i]), sin(Double(p) * f), accuracy: 2e-6)
                XCTAssertEqual(Double(t[p * d + half + i]), cos(Double(p) * f), accuracy: 2e-6)
            }
        }
        // odd width: a zero last column
        let o = Embedding.sinusoids(count: 3, dim: 5, paddingIdx: 0)
        XCTAssertEqual(o[2 * 5 + 4], 0)
    }

    func testPositionsIgnorePaddingSide() {
        var layout = ParameterLayout()
        let emb = Embedding.declare(&layout, prefix: "encoder.embed_tokens", vocab: 9, dim: 6)
        XCTAssertEqual(layout.entries.map(\.name), ["encoder.embed_tokens.weight"])
        let p = ParameterStore(layout: layout, training: true)
        var rng = RNG(seed: 1)
        emb.initialize(p, rng: &rng)
        XCTAssertEqual(Array(p.weight(emb.weightID).array[0..<6]), [Float](repeating: 0, count: 6), "pad row zero")
        let toks: [Int32] = [5, 6, 7, 0, 0,
                             0, 0, 5, 6, 7]
        let c = emb.forward(tokens: toks, batch: 2, length: 5, params: p, arena: Arena(capacity: 256))
        let y = c.y.array
        for t in 0..<3 {
            XCTAssertEqual(Array(y[(t * 6)..<(t * 6 + 6)]), Array(y[((5 + t + 2) * 6)..<((5 + t + 2) * 6 + 6)]))
        }
        // token 5 at the first position: √D·E[5] + P[1]
        let e = p.weight(emb.weightID), pos = emb.positions
        for i in 0..<6 { XCTAssertEqual(y[i], Float(6).squareRoot() * e[5 * 6 + i] + pos[1 * 6 + i], accuracy: 1e-6) }
        // the step form gives the same rows
        for t in 0..<3 {
            let s = emb.forwardStep(tokens: [toks[t]], step: t, params: p, arena: Arena(capacity: 64)).array
            XCTAssertEqual(s, Array(y[(t * 6)..<(t * 6 + 6)]))
        }
    }

    func testFairseqPaddingIndexOffsetsPositions() {
        var layout = ParameterLayout()
        let emb = Embedding.declare(&layout, prefix: "e", vocab: 4, dim: 4, padID: 1, positionPaddingIdx: 1)
        let p = ParameterStore(layout: layout, training: false)
        let y = emb.forward(tokens: [2], batch: 1, length: 1, params: p, arena: Arena(capacity: 16)).y.array
        XCTAssertEqual(y, Array(emb.positions.array[8..<12]), "first real token at position padding_idx + 1 = 2")
        XCTAssertEqual(y[0], Float(sin(2.0)), accuracy: 1e-6)
    }

    func testGradientsAndPadRow() {
        var layout = ParameterLayout()
        let emb = Embedding.declare(&layout, prefix: "e", vocab: 5, dim: 4)
        let p = OpTest.randomParams(layout, seed: 3)
        let toks: [Int32] = [1, 2, 2, 0, 0, 3, 4, 1]
        OpTest.gradCheck(params: p, inputs: []) { arena in
            let c = emb.forward(tokens: toks, batch: 2, length: 4, params: p, arena: arena)
            return (c.y, { dy, _, _ in emb.backward(c, dy: dy, params: p) })
        }
        XCTAssertEqual(Array(p.grad(emb.weightID).array[0..<4]), [0, 0, 0, 0], "pad row gets no gradient")
    }
}
