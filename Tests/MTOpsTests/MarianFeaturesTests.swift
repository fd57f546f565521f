import Foundation
import XCTest
@testable import MTOps

/// The op features a Hugging Face Marian checkpoint needs: swish and GELU FFNs, Marian's
/// sinusoid table and position/pad rules, and unscaled embeddings — values and gradients.
final class MarianFeaturesTests: XCTestCase {
    func ffnCheck(_ act: ActivationFunction, dropout: Float, seed: UInt64) {
        var layout = ParameterLayout()
        let ff = FeedForward.declare(&layout, prefix: "l", dim: 4, hidden: 6, activationDropout: dropout, activation: act)
        let p = OpTest.randomParams(layout, seed: seed)
        var rng = RNG(seed: seed + 1)
        let x = OpTest.randomTensor([5, 4], &rng, scale: 2)
        OpTest.gradCheck(params: p, inputs: [x], h: 1e-3) { arena in
            var r = RNG(seed: 5)
            let c = ff.forward(x, training: true, rng: &r, params: p, arena: arena)
            return (c.y, { dy, dIn, a in ff.backward(c, dy: dy, dx: dIn[0], params: p, arena: a) })
        }
    }

    func testSwishGradients() { ffnCheck(.swish, dropout: 0, seed: 1); ffnCheck(.swish, dropout: 0.3, seed: 2) }
    func testGELUGradients() { ffnCheck(.gelu, dropout: 0, seed: 3); ffnCheck(.gelu, dropout: 0.3, seed: 4) }

    func testActivationValues() {
        let u: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3]
        var y = [Float](repeating: 0, count: u.count)
        ActivationFunction.swish.apply(u, &y, u.count)
        for (a, b) in zip(u, y) { XCTAssertEqual(Double(b), Double(a) / (1 + exp(-Double(a))), accuracy: 1e-6) }
        ActivationFunction.gelu.apply(u, &y, u.count)
        // PyTorch: F.gelu(torch.tensor([-3., -1., -.5, 0., .5, 1., 3.]))
        let torch: [Double] = [-0.0040496, -0.1586553, -0.1542687, 0, 0.3457313, 0.8413447, 2.9959504]
        for (a, b) in zip(torch, y) { XCTAssertEqual(Double(b), a, accuracy: 1e-6) }
    }

    func testMarianSinusoids() {
        let d = 6
        let t = Embedding.marianSinusoids(count: 4, dim: d)
        for p in 0..<4 {
            for i in 0..<(d / 2) {
                let angle = Double(p) / pow(10000, Double(2 * i) / Double(d))
                XCTAssertEqual(Double(t[p * d + i]), sin(angle), accuracy: 1e-6)
                XCTAssertEqual(Double(t[p * d + d / 2 + i]), cos(angle), accuracy: 1e-6)
            }
        }
        XCTAssertEqual(Array(t.array[0..<d]), [0, 0, 0, 1, 1, 1], "position 0: sin 0 then cos 0")
    }

    func testMarianPositionsCountPadsAndEmbedThem() {
        var layout = ParameterLayout()
        let pad: Int32 = 4
        let emb = Embedding.declare(&layout, prefix: "e", vocab: 5, dim: 4, padID: pad, maxPositions: 8, marian: true, scaled: false)
        let p = OpTest.randomParams(layout, seed: 3)
        let toks: [Int32] = [pad, 2, 3, pad]  // decoder start = <pad>, then a right pad
        let c = emb.forward(tokens: toks, batch: 1, length: 4, params: p, arena: Arena(capacity: 0))
        let e = p.weight(emb.weightID)
        for (t, id) in toks.enumerated() {
            for k in 0..<4 {
                XCTAssertEqual(c.y[t * 4 + k], e[Int(id) * 4 + k] + emb.positions[t * 4 + k], accuracy: 1e-6)
            }
        }
        // one step at position 1 equals the parallel row 1
        let s = emb.forwardStep(tokens: [2], step: 1, params: p, arena: Arena(capacity: 0))
        XCTAssertEqual(s.array, Array(c.y.array[4..<8]))
        // gradients: exact for real tokens, none for the pad row (PyTorch's padding_idx)
        OpTest.gradCheck(params: p, inputs: []) { arena in
            let c = emb.forward(tokens: [0, 1, 2, 3, 1, 1], batch: 2, length: 3, params: p, arena: arena)
            return (c.y, { dy, _, _ in emb.backward(c, dy: dy, params: p) })
        }
        p.zeroGrads()
        emb.backward(c, dy: Tensor([Float](repeating: 1, count: 16), shape: [1, 4, 4]), params: p)
        XCTAssertEqual(Array(p.grad(emb.weightID).array[16..<20]), [0, 0, 0, 0])
        XCTAssertEqual(Array(p.grad(emb.weightID).array[8..<12]), [1, 1, 1, 1], "unscaled: dE = dy")
    }
}
