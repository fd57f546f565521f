import Foundation
import XCTest
@testable import MTOps

/// Forward outputs against naive Double loops written straight from the formulas
/// (T2R.md §2–§3 for T2R; fairseq's MultiheadAttention for softmax attention).
final class NaiveReferenceTests: XCTestCase {
    typealias M = [[Double]]

    func mat(_ t: Tensor, rows: Int, cols: Int, offset: Int = 0) -> M {
        (0..<rows).map { r in (0..<cols).map { Double(t[offset + r * cols + $0]) } }
    }
    func vec(_ t: Tensor) -> [Double] { t.array.map(Double.init) }
    /// y = x Wᵀ + b
    func affine(_ x: M, _ w: M, _ b: [Double]) -> M {
        x.map { row in (0..<w.count).map { o in b[o] + zip(row, w[o]).reduce(0) { $0 + $1.0 * $1.1 } } }
    }
    func linear(_ lin: Linear, _ p: ParameterStore, _ x: M) -> M {
        affine(x, mat(p.weight(lin.weightID), rows: lin.outFeatures, cols: lin.inFeatures), vec(p.weight(lin.biasID!)))
    }
    /// φ_h(u) = ReLU(W_h u + b_h)
    func phi(_ f: FeatureMap, _ p: ParameterStore, head h: Int, _ u: [Double]) -> [Double] {
        let w = p.weight(f.weightID), b = p.weight(f.biasID)
        return (0..<f.features).map { r in
            let j = h * f.features + r
            var s = Double(b[j])
            for i in 0..<f.headDim { s += Double(w[j * f.headDim + i]) * u[i] }
            return max(s, 0)
        }
    }
    func slice(_ row: [Double], head h: Int, _ dh: Int) -> [Double] { Array(row[(h * dh)..<((h + 1) * dh)]) }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    func testCausalLinearAttentionAgainstFormula() {
        let b = 2, t = 5, d = 8, hN = 2, dh = 4
        var layout = ParameterLayout()
        let att = CausalLinearAttention.declare(&layout, prefix: "s", dim: d, heads: hN, features: 3)
        let p = OpTest.randomParams(layout, seed: 1)
        OpTest.shrinkHead(att.phi, head: 1, params: p, weightScale: 0.01, biasRange: 0.03, 0.05, seed: 2)  // floored rows
        var rng = RNG(seed: 3)
        let x = OpTest.randomTensor([b, t, d], &rng)
        let pads: [UInt8] = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
        let got = att.forward(x, keyPadding: PaddingMask(batch: b, length: t, isPad: pads), training: false,
                              rng: &rng, params: p, arena: Arena(capacity: 8192)).y
        var worst = 0.0, floored = 0
        for s in 0..<b {
            let xs = mat(x, rows: t, cols: d, offset: s * t * d)
            let q = linear(att.q, p, xs), k = linear(att.k, p, xs), v = linear(att.v, p, xs)
            var ctx = M(repeating: [Double](repeating: 0, count: d), count: t)
            for h in 0..<hN {
                let fk = (0..<t).map { pads[s * t + $0] != 0 ? [Double](repeating: 0, count: 3) : phi(att.phi, p, head: h, slice(k[$0], head: h, dh)) }
                for i in 0..<t {
                    let fq = phi(att.phi, p, head: h, slice(q[i], head: h, dh).map { $0 / Double(dh).squareRoot() })
                    let a = (0...i).map { dot(fq, fk[$0]) }
                    let sum = a.reduce(0, +)
                    if sum < 0.01 { floored += 1 }
                    let den = max(sum, 0.01)
                    for j in 0..<dh {
                        ctx[i][h * dh + j] = (0...i).reduce(0.0) { $0 + a[$1] * v[$1][h * dh + j] } / den
                    }
                }
            }
            let y = linear(att.out, p, ctx)
            for i in 0..<t { for j in 0..<d { worst = max(worst, abs(y[i][j] - Double(got[(s * t + i) * d + j]))) } }
        }
        XCTAssertGreaterThan(floored, 0, "the reference exercises the ε floor")
        XCTAssertLessThan(worst, 1e-5)
    }

    func testCrossLinearAttentionAgainstFormula() {
        let b = 2, t = 3, sl = 4, d = 8, hN = 2, dh = 4
        var layout = ParameterLayout()
        let att = CrossLinearAttention.declare(&layout, prefix: "c", dim: d, heads: hN, features: 3)
        let p = OpTest.randomParams(layout, seed: 4)
        var rng = RNG(seed: 5)
        let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, sl, d], &rng)
        let pads: [UInt8] = [1, 0, 0, 0, 0, 0, 1, 1]
        let got = att.forward(x, memory: mem, padding: PaddingMask(batch: b, length: sl, isPad: pads),
                              params: p, arena: Arena(capacity: 8192)).y
        var worst = 0.0
        for s in 0..<b {
            let q = linear(att.q, p, mat(x, rows: t, cols: d, offset: s * t * d))
            let ms = mat(mem, rows: sl, cols: d, offset: s * sl * d)
            let k = linear(att.k, p, ms), v = linear(att.v, p, ms)
            var ctx = M(repeating: [Double](repeating: 0, count: d), count: t)
            for h in 0..<hN {
                let fk = (0..<sl).map { pads[s * sl + $0] != 0 ? [Double](repeating: 0, count: 3) : phi(att.phi, p, head: h, slice(k[$0], head: h, dh)) }
                var z = [Double](repeating: 0, count: 3)
                var sx = M(repeating: [Double](repeating: 0, count: dh), count: 3)
                for j in 0..<sl { for r in 0..<3 { z[r] += fk[j][r]; for c in 0..<dh { sx[r][c] += fk[j][r] * v[j][h * dh + c] } } }
                for i in 0..<t {
                    let fq = phi(att.phi, p, head: h, slice(q[i], head: h, dh).map { $0 / Double(dh).squareRoot() })
                    let den = max(abs(dot(fq, z)), 0.01)
                    for c in 0..<dh { ctx[i][h * dh + c] = (0..<3).reduce(0.0) { $0 + fq[$1] * sx[$1][c] } / den }
                }
            }
            let y = linear(att.out, p, ctx)
            for i in 0..<t { for j in 0..<d { worst = max(worst, abs(y[i][j] - Double(got[(s * t + i) * d + j]))) } }
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    func testSoftmaxAttentionAgainstFormula() {
        let b = 2, t = 3, sl = 4, d = 8, hN = 2, dh = 4
        var layout = ParameterLayout()
        let att = SoftmaxAttention.declare(&layout, prefix: "a", dim: d, heads: hN)
        let p = OpTest.randomParams(layout, seed: 6)
        var rng = RNG(seed: 7)
        let x = OpTest.randomTensor([b, t, d], &rng), mem = OpTest.randomTensor([b, sl, d], &rng)
        let pads: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 1]
        let got = att.forward(x, memory: mem, keyPadding: PaddingMask(batch: b, length: sl, isPad: pads), causal: false,
                              training: false, rng: &rng, params: p, arena: Arena(capacity: 8192)).y
        var worst = 0.0
        for s in 0..<b {
            let q = linear(att.q, p, mat(x, rows: t, cols: d, offset: s * t * d))
            let ms = mat(mem, rows: sl, cols: d, offset: s * sl * d)
            let k = linear(att.k, p, ms), v = linear(att.v, p, ms)
            var ctx = M(repeating: [Double](repeating: 0, count: d), count: t)
            for h in 0..<hN {
                for i in 0..<t {
                    let sc = (0..<sl).map { j -> Double in
                        pads[s * sl + j] != 0 ? -Double.infinity
                            : dot(slice(q[i], head: h, dh).map { $0 / Double(dh).squareRoot() }, slice(k[j], head: h, dh))
                    }
                    let m = sc.max()!
                    let e = sc.map { Foundation.exp($0 - m) }
                    let z = e.reduce(0, +)
                    for c in 0..<dh { ctx[i][h * dh + c] = (0..<sl).reduce(0.0) { $0 + e[$1] / z * v[$1][h * dh + c] } }
                }
            }
            let y = linear(att.out, p, ctx)
            for i in 0..<t { for j in 0..<d { worst = max(worst, abs(y[i][j] - Double(got[(s * t + i) * d + j]))) } }
        }
        XCTAssertLessThan(worst, 1e-5)
    }
}
