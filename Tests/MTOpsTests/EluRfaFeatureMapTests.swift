import Foundation
import XCTest
@testable import MTOps

/// The parameter-free feature maps of the paper's baselines (T2R.md §1): ELU and RFA, alone and
/// inside causal and cross linear attention (gradient checks, parallel ≡ recurrent).
final class EluRfaFeatureMapTests: XCTestCase {
    let hN = 2, dh = 3

    func map(_ family: FeatureMap.Family, k: Int = 4) -> FeatureMap {
        var layout = ParameterLayout()
        let phi = FeatureMap.declare(&layout, prefix: "a", heads: hN, headDim: dh, features: k, family: family)
        XCTAssertTrue(layout.entries.isEmpty, "\(family) φ has no parameters")
        XCTAssertTrue(phi.parameterIDs.isEmpty)
        return phi
    }

    func testEluForwardMatchesNaive() {
        let phi = map(.elu)
        XCTAssertEqual(phi.features, dh)
        var rng = RNG(seed: 1)
        let u = OpTest.randomTensor([3, hN * dh], &rng, scale: 3)
        let zero: [UInt8] = [0, 1, 0]
        let f = phi.forward(u, scale: 0.5, zeroRows: zero, params: ParameterStore(layout: ParameterLayout(), training: false),
                            arena: Arena(capacity: 256))
        var negatives = 0
        for n in 0..<3 {
            for c in 0..<(hN * dh) {
                let x = 0.5 * Double(u[n * 6 + c])
                if x < 0 { negatives += 1 }
                let expect = zero[n] != 0 ? 0 : (x > 0 ? x + 1 : Foundation.exp(x))
                XCTAssertEqual(Double(f[n * 6 + c]), expect, accuracy: 1e-6)
            }
        }
        XCTAssertGreaterThan(negatives, 2, "both branches of elu are covered")
    }

    func testEluGradients() {
        let phi = map(.elu)
        let p = ParameterStore(layout: ParameterLayout(), training: true)
        var rng = RNG(seed: 2)
        let u = OpTest.randomTensor([5, 6], &rng, scale: 2)
        let zero: [UInt8] = [0, 0, 1, 0, 0]
        OpTest.gradCheck(params: nil, inputs: [u], h: 1e-3) { arena in
            let f = phi.forward(u, scale: 0.7, zeroRows: zero, params: p, arena: arena)
            return (f, { dy, dIn, _ in
                let g = dy.copy()
                phi.backward(u: u.pointer, ldu: 6, rows: 5, scale: 0.7, f: f.pointer, df: g.pointer,
                             du: dIn[0].pointer, lddu: 6, params: p)
            })
        }
    }

    /// φ(u) = 0.01·[sin Ω_h û, cos Ω_h û] with û = v/(‖v‖ + 1e-3), v = scale·u, in Double.
    func naiveRFA(_ u: Tensor, row n: Int, head h: Int, scale: Double, omega: Tensor, k: Int) -> [Double] {
        var v = [Double](repeating: 0, count: dh)
        for i in 0..<dh { v[i] = scale * Double(u[n * hN * dh + h * dh + i]) }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var sines: [Double] = [], cosines: [Double] = []
        for j in 0..<k {
            var p = 0.0
            for i in 0..<dh { p += Double(omega[(h * k + j) * dh + i]) * v[i] / (norm + 1e-3) }
            sines.append(0.01 * Foundation.sin(p)); cosines.append(0.01 * Foundation.cos(p))
        }
        return sines + cosines
    }

    func testRfaForwardMatchesNaiveForEvalAndTrainingOmega() {
        let k = 4
        let phi = map(.random, k: k)
        XCTAssertEqual(phi.features, 2 * k)
        let rf = phi.randomFeatures!
        let p = ParameterStore(layout: ParameterLayout(), training: false)
        var rng = RNG(seed: 3)
        let u = OpTest.randomTensor([3, hN * dh], &rng)
        let zero: [UInt8] = [0, 0, 1]
        rf.select([7, 123])
        XCTAssertEqual(rf.selected, [7, 123])
        for training in [false, true] {
            let omega = training ? rf.omega : rf.evalOmega
            let f = phi.forward(u, scale: 0.6, zeroRows: zero, training: training, params: p, arena: Arena(capacity: 256))
            for n in 0..<3 {
                for h in 0..<hN {
                    let expect = zero[n] != 0 ? [Double](repeating: 0, count: 2 * k)
                        : naiveRFA(u, row: n, head: h, scale: 0.6, omega: omega, k: k)
                    for j in 0..<(2 * k) {
                        XCTAssertEqual(Double(f[n * hN * 2 * k + h * 2 * k + j]), expect[j], accuracy: 1e-7)
                    }
                }
            }
        }
        // the training draw is bank matrices 7 and 123; evaluation uses bank matrices 0 and 1
        let m = k * dh
        XCTAssertEqual(Array(rf.omega.array[m..<(2 * m)]), Array(rf.bank.array[(123 * m)..<(124 * m)]))
        XCTAssertEqual(rf.evalOmega.array, Array(rf.bank.array[0..<(2 * m)]))
        XCTAssertNotEqual(rf.omega.array, rf.evalOmega.array)
    }

    func testRfaGradients() {
        let phi = map(.random, k: 5)
        phi.randomFeatures!.select([11, 3])
        let p = ParameterStore(layout: ParameterLayout(), training: true)
        var rng = RNG(seed: 4)
        let u = OpTest.randomTensor([5, 6], &rng, scale: 2)
        let zero: [UInt8] = [0, 1, 0, 0, 0]
        for training in [false, true] {
            OpTest.gradCheck(params: nil, inputs: [u], h: 1e-3) { arena in
                let f = phi.forward(u, scale: 0.8, zeroRows: zero, training: training, params: p, arena: arena)
                return (f, { dy, dIn, _ in
                    let g = dy.copy()
                    phi.backward(u: u.pointer, ldu: 6, rows: 5, scale: 0.8, f: f.pointer, df: g.pointer,
                                 du: dIn[0].pointer, lddu: 6, training: training, params: p)
                })
            }
        }
    }

    /// The bank is a fixed function of (Dh, k) shared by every map of those sizes, and the
    /// per-update index draw is distinct and reproducible from its RNG.
    func testRfaBankIsFixedAndDrawsAreDistinct() {
        let a = RandomFeatures(heads: 2, headDim: 3, count: 4), b = RandomFeatures(heads: 3, headDim: 3, count: 4)
        XCTAssertTrue(a.bank.storage === b.bank.storage)
        XCTAssertEqual(a.bank.shape, [400, 4, 3])
        let c = RandomFeatures(heads: 2, headDim: 3, count: 5)
        XCTAssertFalse(a.bank.storage === c.bank.storage)
        let values = a.bank.array
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance, 1, accuracy: 0.1)
        var r1 = RNG(seed: 9, stream: 4), r2 = RNG(seed: 9, stream: 4), r3 = RNG(seed: 9, stream: 5)
        let i1 = RandomFeatures.drawIndices(96, rng: &r1), i2 = RandomFeatures.drawIndices(96, rng: &r2)
        let i3 = RandomFeatures.drawIndices(96, rng: &r3)
        XCTAssertEqual(i1, i2)
        XCTAssertNotEqual(i1, i3)
        XCTAssertEqual(Set(i1).count, 96)
        XCTAssertTrue(i1.allSatisfy { $0 >= 0 && $0 < 400 })
        XCTAssertEqual(Set(RandomFeatures.drawIndices(400, rng: &r1)).count, 400)
    }
}
