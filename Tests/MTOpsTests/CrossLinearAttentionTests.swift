import XCTest
@testable import MTOps

final class CrossLinearAttentionTests: XCTestCase {
    let d = 8, hN = 2, r = 4
    let eps = t2rEpsilon

    func make(seed: UInt64) -> (CrossLinearAttention, ParameterStore) {
        var layout = ParameterLayout()
        let att = CrossLinearAttention.declare(&layout, prefix: "decoder.layers.0.encoder_attn", dim: d, heads: hN, features: r)
        XCTAssertEqual(layout.entries.suffix(2).map(\.name), ["decoder.layers.0.encoder_attn.phi.weight",
                                                              "decoder.layers.0.encoder_attn.phi.bias"])
        return (att, OpTest.randomParams(layout, seed: seed))
    }

    func testGradientsWithSourcePadding() {
        let (att, p) = make(seed: 1)
        var rng = RNG(seed: 2)
        let x = OpTest.randomTensor([2, 3, d], &rng), mem = OpTest.randomTensor([2, 4, d], &rng)
        let mask = PaddingMask(batch: 2, length: 4, isPad: [1, 0, 0, 0, 0, 0, 1, 1])
        OpTest.gradCheck(params: p, inputs: [x, mem], h: 1e-3) { arena in
            let c = att.forward(x, memory: mem, padding: mask, params: p, arena: arena)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: dIn[1], params: p, arena: a) })
        }
    }

    func testGradientsWithFlooredHead() {
        let (att, p) = make(seed: 3)
        OpTest.shrinkHead(att.phi, head: 1, params: p, weightScale: 0.01, biasRange: 0.01, 0.02, seed: 4)
        var rng = RNG(seed: 5)
        let x = OpTest.randomTensor([2, 3, d], &rng), mem = OpTest.randomTensor([2, 3, d], &rng)
        let c = att.forward(x, memory: mem, padding: nil, params: p, arena: Arena(capacity: 4096))
        XCTAssertTrue(c.dot.array.contains { $0 > 0 && $0 < eps }, "some denominators are floored")
        XCTAssertTrue(c.dot.array.contains { $0 > 2 * eps }, "some are not")
        OpTest.gradCheck(params: p, inputs: [x, mem], h: 1e-3) { arena in
            let c = att.forward(x, memory: mem, padding: nil, params: p, arena: arena)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: dIn[1], params: p, arena: a) })
        }
    }

    /// T2R.md §8.2: parallel over N targets ≡ N steps against the cached (S_x, z_x), with beams.
    func testParallelMatchesStepsWithBeams() {
        let (att, p) = make(seed: 6)
        OpTest.shrinkHead(att.phi, head: 1, params: p, weightScale: 0.01, biasRange: 0.01, 0.02, seed: 7)
        let b = 2, t = 4, s = 5, beam = 3
        var rng = RNG(seed: 8)
        let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, s, d], &rng)
        let mask = PaddingMask(batch: b, length: s, isPad: [0, 0, 0, 0, 0, 1, 1, 0, 0, 0])
        let par = att.forward(x, memory: mem, padding: mask, params: p, arena: Arena(capacity: 1 << 14))
        XCTAssertTrue(par.dot.array.contains { $0 > 0 && $0 < eps }, "some denominators are floored")
        XCTAssertTrue(par.dot.array.contains { $0 > 2 * eps }, "some are not")
        let arena = Arena(capacity: 4096)
        let state = att.buildState(mem, padding: mask, params: p, arena: arena)
        XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(state.s.array, par.state.s.array), 1e-6)
        let fq = att.fusedQuery(params: p)
        var worst: Float = 0
        for pos in 0..<t {
            arena.reset()
            let xs = Tensor(zeros: [b * beam, d])
            for row in 0..<(b * beam) { (xs.pointer + row * d).update(from: x.pointer + ((row / beam) * t + pos) * d, count: d) }
            let y = att.step(xs, state: state, beam: beam, fusedQuery: nil, params: p, arena: arena)
            let yf = att.step(xs, state: state, beam: beam, fusedQuery: fq, params: p, arena: arena)
            for row in 0..<(b * beam) {
                for i in 0..<d {
                    let ref = par.y[((row / beam) * t + pos) * d + i]
                    worst = max(worst, abs(y[row * d + i] - ref), abs(yf[row * d + i] - ref))
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }

    func testZeroQueryFeatureHead() {
        let (att, p) = make(seed: 9)
        OpTest.killQueryFeatures(q: att.q, phi: att.phi, head: 1, params: p)
        var rng = RNG(seed: 10)
        let x = OpTest.randomTensor([2, 3, d], &rng), mem = OpTest.randomTensor([2, 4, d], &rng)
        let arena = Arena(capacity: 1 << 14)
        let c = att.forward(x, memory: mem, padding: nil, params: p, arena: arena)
        let dh = d / hN
        for row in 0..<6 {
            XCTAssertEqual(Array(c.context.array[(row * d + dh)..<(row * d + 2 * dh)]), [Float](repeating: 0, count: dh))
        }
        XCTAssertTrue(c.state.z.array.contains { $0 > 0 }, "key features stay alive")
        XCTAssertTrue(OpTest.allFinite(c.y))
        p.zeroGrads()
        let dx = Tensor(zeros: x.shape), dm = Tensor(zeros: mem.shape)
        att.backward(c, dy: OpTest.randomTensor(x.shape, &rng), dx: dx, dMemory: dm, params: p, arena: arena)
        XCTAssertTrue(OpTest.allFinite(dx) && OpTest.allFinite(dm))
        XCTAssertFalse(Array(UnsafeBufferPointer(start: p.grads!.base, count: p.totalCount)).contains { !$0.isFinite })
    }

    func testSourcePaddingAndBatchInvariance() {
        let (att, p) = make(seed: 11)
        var rng = RNG(seed: 12)
        let x = OpTest.randomTensor([1, 3, d], &rng), mem = OpTest.randomTensor([1, 2, d], &rng)
        let ya = att.forward(x, memory: mem, padding: nil, params: p, arena: Arena(capacity: 4096)).y.array
        // the same sentence as row 1 of a batch, its source left-padded to 4 with garbage
        let xb = OpTest.randomTensor([2, 3, d], &rng), mb = OpTest.randomTensor([2, 4, d], &rng, scale: 9)
        (xb.pointer + 3 * d).update(from: x.pointer, count: 3 * d)
        (mb.pointer + 6 * d).update(from: mem.pointer, count: 2 * d)
        let mask = PaddingMask(batch: 2, length: 4, isPad: [0, 0, 0, 0, 1, 1, 0, 0])
        let yb = att.forward(xb, memory: mb, padding: mask, params: p, arena: Arena(capacity: 8192)).y.array
        XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(Array(yb[(3 * d)...]), ya), 1e-5)
    }
}
