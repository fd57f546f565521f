import XCTest
@testable import MTOps

final class FeatureMapTests: XCTestCase {
    func testNamesAndInitRange() {
        var layout = ParameterLayout()
        let phi = FeatureMap.declare(&layout, prefix: "decoder.layers.0.self_attn", heads: 2, headDim: 4, features: 3)
        XCTAssertEqual(layout.entries.map(\.name), ["decoder.layers.0.self_attn.phi.weight", "decoder.layers.0.self_attn.phi.bias"])
        XCTAssertEqual(layout.entries.map(\.shape), [[6, 4], [6]])
        let p = ParameterStore(layout: layout, training: false)
        var rng = RNG(seed: 1)
        phi.initialize(p, rng: &rng)
        let all = p.weight(phi.weightID).array + p.weight(phi.biasID).array
        XCTAssertTrue(all.allSatisfy { abs($0) <= 0.5 })  // 1/√Dh = 0.5
        XCTAssertGreaterThan(all.map { abs($0) }.max()!, 0.3)
    }

    func testForwardMatchesNaiveWithScaleAndZeroRows() {
        var layout = ParameterLayout()
        let phi = FeatureMap.declare(&layout, prefix: "a", heads: 2, headDim: 3, features: 4)
        let p = OpTest.randomParams(layout, seed: 2)
        var rng = RNG(seed: 3)
        let u = OpTest.randomTensor([3, 6], &rng)
        let zero: [UInt8] = [0, 1, 0]
        let f = phi.forward(u, scale: 0.5, zeroRows: zero, params: p, arena: Arena(capacity: 256))
        let w = p.weight(phi.weightID), b = p.weight(phi.biasID)
        for n in 0..<3 {
            for h in 0..<2 {
                for r in 0..<4 {
                    var s = Double(b[h * 4 + r])
                    for i in 0..<3 { s += 0.5 * Double(w[(h * 4 + r) * 3 + i]) * Double(u[n * 6 + h * 3 + i]) }
                    let expect = zero[n] != 0 ? 0 : max(s, 0)
                    XCTAssertEqual(Double(f[n * 8 + h * 4 + r]), expect, accuracy: 1e-6)
                }
            }
        }
    }

    func testGradients() {
        var layout = ParameterLayout()
        let phi = FeatureMap.declare(&layout, prefix: "a", heads: 2, headDim: 3, features: 4)
        let p = OpTest.randomParams(layout, seed: 4)
        var rng = RNG(seed: 5)
        let u = OpTest.randomTensor([5, 6], &rng)
        let zero: [UInt8] = [0, 0, 1, 0, 0]
        OpTest.gradCheck(params: p, inputs: [u], h: 1e-3) { arena in
            let f = phi.forward(u, scale: 0.7, zeroRows: zero, params: p, arena: arena)
            return (f, { dy, dIn, _ in
                let g = dy.copy()
                phi.backward(u: u.pointer, ldu: 6, rows: 5, scale: 0.7, f: f.pointer, df: g.pointer,
                             du: dIn[0].pointer, lddu: 6, params: p)
            })
        }
    }

    /// T2R.md §8.4: the fused φ(q)/φ(k) projection equals the unfused one (≤ 1e-6).
    func testFusedProjectionMatchesUnfused() {
        var layout = ParameterLayout()
        let d = 16, hN = 4, dh = 4, r = 8
        let qp = Linear.declare(&layout, prefix: "a.q_proj", inFeatures: d, outFeatures: d)
        let kp = Linear.declare(&layout, prefix: "a.k_proj", inFeatures: d, outFeatures: d)
        let phi = FeatureMap.declare(&layout, prefix: "a", heads: hN, headDim: dh, features: r)
        let p = ParameterStore(layout: layout, training: false)
        var rng = RNG(seed: 6)
        qp.initialize(p, rng: &rng, weight: .xavierUniform(gain: 1 / Float(2).squareRoot()))
        kp.initialize(p, rng: &rng, weight: .xavierUniform(gain: 1 / Float(2).squareRoot()))
        phi.initialize(p, rng: &rng)
        let x = OpTest.randomTensor([7, d], &rng)
        let arena = Arena(capacity: 4096)
        var positives = 0
        for (proj, scale) in [(qp, 1 / Float(dh).squareRoot()), (kp, Float(1))] {
            let u = proj.forward(x, params: p, arena: arena).y
            let unfused = phi.forward(u, scale: scale, params: p, arena: arena)
            let fused = phi.fused(with: proj, scale: scale, params: p).apply(x, arena: arena)
            XCTAssertEqual(fused.shape, [7, hN * r])
            XCTAssertLessThanOrEqual(OpTest.maxAbsDiff(fused.array, unfused.array), 1e-6)
            positives += unfused.array.filter { $0 > 0 }.count
        }
        XCTAssertGreaterThan(positives, 40, "the comparison covers active features")
    }
}
