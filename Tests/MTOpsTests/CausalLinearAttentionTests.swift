import Foundation
import XCTest
@testable import MTOps

final class CausalLinearAttentionTests: XCTestCase {
    let d = 8, hN = 2, r = 4
    let eps = t2rEpsilon

    func make(dropout: Float = 0, seed: UInt64 = 1) -> (CausalLinearAttention, ParameterStore) {
        var layout = ParameterLayout()
        let att = CausalLinearAttention.declare(&layout, prefix: "decoder.layers.0.self_attn", dim: d, heads: hN,
                                                features: r, attentionDropout: dropout)
        return (att, OpTest.randomParams(layout, seed: seed))
    }

    func testParameterNames() {
        var layout = ParameterLayout()
        _ = CausalLinearAttention.declare(&layout, prefix: "s", dim: 8, heads: 2, features: 3)
        XCTAssertEqual(layout.entries.map(\.name), ["s.q_proj.weight", "s.q_proj.bias", "s.k_proj.weight", "s.k_proj.bias",
                                                    "s.v_proj.weight", "s.v_proj.bias", "s.out_proj.weight", "s.out_proj.bias",
                                                    "s.phi.weight", "s.phi.bias"])
        XCTAssertEqual(layout.entries[8].shape, [6, 4])
        XCTAssertEqual(layout.entries[9].shape, [6])
    }

    func gradCheck(_ att: CausalLinearAttention, _ p: ParameterStore, x: Tensor, mask: PaddingMask?, training: Bool,
                   h: Float = 1e-3) {
        let rep = OpTest.gradCheck(params: p, inputs: [x], h: h) { arena in
            var rng = RNG(seed: 99)
            let c = att.forward(x, keyPadding: mask, training: training, rng: &rng, params: p, arena: arena)
            return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], params: p, arena: a) })
        }
        if ProcessInfo.processInfo.environment["MT_TEST_VERBOSE"] != nil { print(rep.lines.joined(separator: "\n")) }
    }

    func testGradientsWithPadding() {
        let (att, p) = make(seed: 2)
        var rng = RNG(seed: 3)
        let x = OpTest.randomTensor([2, 4, d], &rng)
        let mask = PaddingMask(batch: 2, length: 4, isPad: [0, 0, 0, 1, 1, 0, 0, 0])
        gradCheck(att, p, x: x, mask: mask, training: false)
    }

    func testGradientsWithAttentionDropout() {
        let (att, p) = make(dropout: 0.3, seed: 4)
        var rng = RNG(seed: 5)
        let x = OpTest.randomTensor([2, 3, d], &rng)
        gradCheck(att, p, x: x, mask: nil, training: true)
    }

    func testGradientsWithFlooredRows() {
        let (att, p) = make(seed: 6)
        OpTest.shrinkHead(att.phi, head: 1, params: p, weightScale: 0.01, biasRange: 0.03, 0.05, seed: 7)
        var rng = RNG(seed: 8)
        let x = OpTest.randomTensor([2, 4, d], &rng)
        let c = att.forward(x, keyPadding: nil, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096))
        let sums = c.rowSum.array
        XCTAssertTrue(sums.contains { $0 > 0 && $0 < eps }, "some rows are floored")
        XCTAssertTrue(sums.contains { $0 > 2 * eps }, "some rows are not")
        gradCheck(att, p, x: x, mask: nil, training: false, h: 1e-2)
    }

    /// T2R.md §8.1: masked quadratic form ≡ the decoder's step-by-step recurrence (≤ 1e-5), with
    /// padding on both sides and some ε-floored rows.
    func testParallelMatchesRecurrent() {
        let (att, p) = make(seed: 9)
        OpTest.shrinkHead(att.phi, head: 1, params: p, weightScale: 0.01, biasRange: 0.03, 0.05, seed: 10)
        let b = 3, t = 6
        var rng = RNG(seed: 11)
        let x = OpTest.randomTensor([b, t, d], &rng)
        let pads: [UInt8] = [0, 0, 0, 0, 0, 0,
                             0, 0, 0, 0, 1, 1,   // right-padded
                             1, 1, 0, 0, 0, 0]   // left-padded
        let mask = PaddingMask(batch: b, length: t, isPad: pads)
        let par = att.forward(x, keyPadding: mask, training: false, rng: &rng, params: p, arena: Arena(capacity: 1 << 14))
        let sums = par.rowSum.array
        XCTAssertTrue(sums.contains { $0 > 0 && $0 < eps }, "some rows are floored")
        XCTAssertTrue(sums.contains { $0 > 2 * eps }, "some rows are not")
        let frac = par.flooredFraction()
        XCTAssertEqual(frac, Double(sums.filter { $0 < eps }.count) / Double(sums.count))
        XCTAssertTrue(frac > 0 && frac < 1)
        // The production decoding step never sees padded target rows: rows 0 and 1 (right padding
        // only) step together from position 0, the left-padded row 2 steps alone from its first
        // real position; only real positions are compared. Unfused and fused φ alike.
        let arena = Arena(capacity: 4096)
        for fused in [nil, att.fused(params: p)] {
            var worst: Float = 0
            for (rows, start) in [([0, 1], 0), ([2], 2)] {
                let state = att.makeState(rows: rows.count)
                for s in start..<t {
                    arena.reset()
                    let xs = Tensor(zeros: [rows.count, d])
                    for (i, row) in rows.enumerated() {
                        (xs.pointer + i * d).update(from: x.pointer + (row * t + s) * d, count: d)
                    }
                    let y = att.step(xs, state: state, fused: fused, params: p, arena: arena)
                    for (i, row) in rows.enumerated() where pads[row * t + s] == 0 {
                        for j in 0..<d { worst = max(worst, abs(y[i * d + j] - par.y[(row * t + s) * d + j])) }
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-5, fused == nil ? "unfused" : "fused")
        }
    }

    /// T2R.md §8.8: a head with φ(q) ≡ 0 outputs exactly zero, with no NaN/Inf forward or backward.
    func testZeroQueryFeatureHead() {
        let (att, p) = make(seed: 12)
        OpTest.killQueryFeatures(q: att.q, phi: att.phi, head: 0, params: p)
        var rng = RNG(seed: 13)
        let x = OpTest.randomTensor([2, 4, d], &rng)
        let arena = Arena(capacity: 1 << 14)
        let c = att.forward(x, keyPadding: nil, training: false, rng: &rng, params: p, arena: arena)
        let dh = d / hN
        for row in 0..<8 {
            XCTAssertEqual(Array(c.fq.array[(row * hN * r)..<(row * hN * r + r)]), [Float](repeating: 0, count: r))
            XCTAssertEqual(Array(c.context.array[(row * d)..<(row * d + dh)]), [Float](repeating: 0, count: dh))
        }
        XCTAssertTrue(c.fk.array.contains { $0 > 0 }, "key features stay alive")
        XCTAssertTrue(OpTest.allFinite(c.y))
        p.zeroGrads()
        let dx = Tensor(zeros: x.shape)
        att.backward(c, dy: OpTest.randomTensor(x.shape, &rng), dx: dx, params: p, arena: arena)
        XCTAssertTrue(OpTest.allFinite(dx))
        XCTAssertFalse(Array(UnsafeBufferPointer(start: p.grads!.base, count: p.totalCount)).contains { !$0.isFinite })
        let state = att.makeState(rows: 1)
        let y = att.step(Tensor(Array(x.array[0..<d]), shape: [1, d]), state: state, fused: nil, params: p, arena: arena)
        XCTAssertTrue(OpTest.allFinite(y))
        XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(y.array, Array(c.y.array[0..<d])), 1e-5)
    }

    func testPaddingAndBatchInvariance() {
        let (att, p) = make(seed: 14)
        var rng = RNG(seed: 15)
        let alone = OpTest.randomTensor([1, 3, d], &rng), other = OpTest.randomTensor([1, 5, d], &rng)
        let ya = att.forward(alone, keyPadding: nil, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y.array
        let yo = att.forward(other, keyPadding: nil, training: false, rng: &rng, params: p, arena: Arena(capacity: 4096)).y.array
        for leftPad in [false, true] {
            let batch = OpTest.randomTensor([2, 5, d], &rng, scale: 9)  // pads hold garbage
            let off = leftPad ? 2 : 0
            (batch.pointer + off * d).update(from: alone.pointer, count: 3 * d)
            (batch.pointer + 5 * d).update(from: other.pointer, count: 5 * d)
            var pads = [UInt8](repeating: 0, count: 10)
            for i in 0..<5 where i < off || i >= off + 3 { pads[i] = 1 }
            let yb = att.forward(batch, keyPadding: PaddingMask(batch: 2, length: 5, isPad: pads), training: false,
                                 rng: &rng, params: p, arena: Arena(capacity: 8192)).y.array
            XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(Array(yb[(off * d)..<((off + 3) * d)]), ya), 1e-5)
            XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(Array(yb[(5 * d)...]), yo), 1e-5)
        }
    }
}
