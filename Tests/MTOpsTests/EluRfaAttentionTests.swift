import Foundation
import XCTest
@testable import MTOps

/// Causal and cross linear attention with the ELU and RFA feature maps: gradient checks through
/// the whole attention, parallel ≡ recurrent (T2R.md §8.1–§8.3 for the baselines of §1).
///
/// RFA's features are 0.01·[sin, cos], so ⟨φ(q), φ(k)⟩ ≤ 1e-4·k and the reference's ε = 0.01
/// floors almost every denominator at these sizes; each check runs with ε = 0.01 and with a
/// tiny ε, so both branches of the normalisation are covered.
final class EluRfaAttentionTests: XCTestCase {
    let d = 8, hN = 2, k = 6

    func causal(_ family: FeatureMap.Family, epsilon: Float, seed: UInt64) -> (CausalLinearAttention, ParameterStore) {
        var layout = ParameterLayout()
        let a = CausalLinearAttention.declare(&layout, prefix: "s", dim: d, heads: hN, features: k, featureMap: family)
        XCTAssertEqual(layout.entries.count, 8, "q, k, v, out only")
        XCTAssertEqual(a.features, family == .elu ? d / hN : 2 * k)
        let att = CausalLinearAttention(dim: d, heads: hN, features: a.features, q: a.q, k: a.k, v: a.v, out: a.out,
                                        phi: a.phi, epsilon: epsilon)
        return (att, OpTest.randomParams(layout, seed: seed))
    }

    func cross(_ family: FeatureMap.Family, epsilon: Float, seed: UInt64) -> (CrossLinearAttention, ParameterStore) {
        var layout = ParameterLayout()
        let a = CrossLinearAttention.declare(&layout, prefix: "x", dim: d, heads: hN, features: k, featureMap: family)
        XCTAssertEqual(layout.entries.count, 8, "q, k, v, out only")
        let att = CrossLinearAttention(dim: d, heads: hN, features: a.features, q: a.q, k: a.k, v: a.v, out: a.out,
                                       phi: a.phi, epsilon: epsilon)
        return (att, OpTest.randomParams(layout, seed: seed))
    }

    let cases: [(FeatureMap.Family, Float)] = [(.elu, t2rEpsilon), (.random, t2rEpsilon), (.random, 1e-6)]

    func testCausalGradients() {
        for (i, (family, eps)) in cases.enumerated() {
            let (att, p) = causal(family, epsilon: eps, seed: 20 + UInt64(i))
            att.phi.randomFeatures?.select([5, 77])
            var rng = RNG(seed: 3)
            let x = OpTest.randomTensor([2, 4, d], &rng)
            let mask = PaddingMask(batch: 2, length: 4, isPad: [0, 0, 0, 1, 1, 0, 0, 0])
            for training in [false, true] {
                OpTest.gradCheck(params: p, inputs: [x], h: 1e-3) { arena in
                    var g = RNG(seed: 99)
                    let c = att.forward(x, keyPadding: mask, training: training, rng: &g, params: p, arena: arena)
                    return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], params: p, arena: a) })
                }
            }
        }
    }

    func testCrossGradients() {
        for (i, (family, eps)) in cases.enumerated() {
            let (att, p) = cross(family, epsilon: eps, seed: 30 + UInt64(i))
            att.phi.randomFeatures?.select([9, 1])
            var rng = RNG(seed: 4)
            let x = OpTest.randomTensor([2, 3, d], &rng), mem = OpTest.randomTensor([2, 4, d], &rng)
            let mask = PaddingMask(batch: 2, length: 4, isPad: [1, 0, 0, 0, 0, 0, 1, 1])
            for training in [false, true] {
                OpTest.gradCheck(params: p, inputs: [x, mem], h: 1e-3) { arena in
                    let c = att.forward(x, memory: mem, padding: mask, training: training, params: p, arena: arena)
                    return (c.y, { dy, dIn, a in att.backward(c, dy: dy, dx: dIn[0], dMemory: dIn[1], params: p, arena: a) })
                }
            }
        }
    }

    /// Masked quadratic form (eval mode) ≡ the decoding step, with right and left padding; the
    /// steps of a random φ use the evaluation Ω even after a training draw.
    func testCausalParallelMatchesRecurrent() {
        for (i, (family, eps)) in cases.enumerated() {
            let (att, p) = causal(family, epsilon: eps, seed: 40 + UInt64(i))
            att.phi.randomFeatures?.select([13, 2])
            XCTAssertNil(att.fused(params: p), "only a learned φ folds into the projections")
            let b = 3, t = 6
            var rng = RNG(seed: 11)
            let x = OpTest.randomTensor([b, t, d], &rng)
            let pads: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]
            let mask = PaddingMask(batch: b, length: t, isPad: pads)
            let par = att.forward(x, keyPadding: mask, training: false, rng: &rng, params: p, arena: Arena(capacity: 1 << 14))
            let floored = par.flooredFraction(epsilon: eps)
            if family == .random && eps == t2rEpsilon { XCTAssertGreaterThan(floored, 0.5) }
            let arena = Arena(capacity: 4096)
            var worst: Float = 0, scale: Float = 0
            for (rows, start) in [([0, 1], 0), ([2], 2)] {
                let state = att.makeState(rows: rows.count)
                for s in start..<t {
                    arena.reset()
                    let xs = Tensor(zeros: [rows.count, d])
                    for (j, row) in rows.enumerated() { (xs.pointer + j * d).update(from: x.pointer + (row * t + s) * d, count: d) }
                    let y = att.step(xs, state: state, fused: nil, params: p, arena: arena)
                    for (j, row) in rows.enumerated() where pads[row * t + s] == 0 {
                        for c in 0..<d {
                            let ref = par.y[(row * t + s) * d + c]
                            worst = max(worst, abs(y[j * d + c] - ref)); scale = max(scale, abs(ref))
                        }
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-5 * max(1, scale), "\(family) ε \(eps): |y| up to \(scale)")
            // a training-mode forward of a random φ uses the drawn Ω, so it differs
            if family == .random {
                let tr = att.forward(x, keyPadding: mask, training: true, rng: &rng, params: p, arena: Arena(capacity: 1 << 14))
                XCTAssertGreaterThan(OpTest.maxAbsDiff(tr.y.array, par.y.array), 1e-4)
            }
        }
    }

    func testCrossParallelMatchesStepsWithBeams() {
        for (i, (family, eps)) in cases.enumerated() {
            let (att, p) = cross(family, epsilon: eps, seed: 50 + UInt64(i))
            att.phi.randomFeatures?.select([4, 8])
            XCTAssertNil(att.fusedQuery(params: p))
            let b = 2, t = 4, s = 5, beam = 3
            var rng = RNG(seed: 8)
            let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, s, d], &rng)
            let mask = PaddingMask(batch: b, length: s, isPad: [0, 0, 0, 0, 0, 1, 1, 0, 0, 0])
            let par = att.forward(x, memory: mem, padding: mask, params: p, arena: Arena(capacity: 1 << 14))
            let arena = Arena(capacity: 4096)
            let state = att.buildState(mem, padding: mask, params: p, arena: arena)
            XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(state.s.array, par.state.s.array), 1e-6)
            var worst: Float = 0, scale: Float = 0
            for pos in 0..<t {
                arena.reset()
                let xs = Tensor(zeros: [b * beam, d])
                for row in 0..<(b * beam) { (xs.pointer + row * d).update(from: x.pointer + ((row / beam) * t + pos) * d, count: d) }
                let y = att.step(xs, state: state, beam: beam, fusedQuery: nil, params: p, arena: arena)
                for row in 0..<(b * beam) {
                    for c in 0..<d {
                        let ref = par.y[((row / beam) * t + pos) * d + c]
                        worst = max(worst, abs(y[row * d + c] - ref)); scale = max(scale, abs(ref))
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-5 * max(1, scale), "\(family) ε \(eps)")
        }
    }
}
