import XCTest
@testable import MTOps

/// Central-difference gradient checks and small helpers shared by the op tests.
///
/// The scalar checked is L = Σ_i y_i · R_i with a fixed random R, so dy = R. Storage is Float32:
/// each tensor passes when ‖g_analytic − g_numeric‖₂ / max(‖g_analytic‖₂, ‖g_numeric‖₂, 2e-3) < tol.
/// (The floor lets a gradient that is exactly zero in theory, such as k_proj.bias of softmax
/// attention, pass against a numeric one made of Float32 rounding noise.)
enum OpTest {
    typealias Backward = (_ dy: Tensor, _ dInputs: [Tensor], _ arena: Arena) -> Void
    typealias Run = (_ arena: Arena) -> (y: Tensor, backward: Backward)

    static func randomTensor(_ shape: [Int], _ rng: inout RNG, scale: Float = 1) -> Tensor {
        let t = Tensor(zeros: shape)
        rng.fillUniform(t, -scale, scale)
        return t
    }

    static func randomParams(_ layout: ParameterLayout, seed: UInt64, scale: Float = 0.5) -> ParameterStore {
        let p = ParameterStore(layout: layout, training: true)
        var rng = RNG(seed: seed)
        for (i, _) in layout.entries.enumerated() { rng.fillUniform(p.weight(i), -scale, scale) }
        return p
    }

    struct Report { var worst = 0.0; var lines: [String] = [] }

    /// Checks every parameter of `params` (except names in `skip`) and every input.
    @discardableResult
    static func gradCheck(params: ParameterStore?, inputs: [Tensor], h: Float = 1e-2, tol: Double = 1e-2,
                          skip: Set<String> = [], file: StaticString = #filePath, line: UInt = #line,
                          run: Run) -> Report {
        let arena = Arena(capacity: 1 << 16)
        let y0 = run(arena).y
        var rr = RNG(seed: 4242)
        let r = (0..<y0.count).map { _ in rr.uniform(-1, 1) }
        func loss() -> Double {
            arena.reset()
            let y = run(arena).y
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }
            return s
        }
        // analytic
        params?.zeroGrads()
        let dIn = inputs.map { Tensor(zeros: $0.shape) }
        arena.reset()
        let (y, bw) = run(arena)
        bw(Tensor(r, shape: y.shape), dIn, arena)
        var report = Report()
        var anyNonZero = false
        func compare(_ name: String, value: Tensor, analytic: [Float]) {
            var num = [Double](repeating: 0, count: value.count)
            for i in 0..<value.count {
                let orig = value[i]
                value[i] = orig + h
                let lp = loss()
                value[i] = orig - h
                let lm = loss()
                value[i] = orig
                num[i] = (lp - lm) / (2 * Double(h))
            }
            var diff = 0.0, na = 0.0, nn = 0.0
            for i in 0..<value.count {
                let a = Double(analytic[i])
                diff += (a - num[i]) * (a - num[i]); na += a * a; nn += num[i] * num[i]
            }
            if na > 0 { anyNonZero = true }
            let err = diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 2e-3)
            report.worst = max(report.worst, err)
            report.lines.append("\(name): rel err \(err) (|g| \(na.squareRoot()))")
            XCTAssertLessThan(err, tol, "gradient of \(name): rel err \(err), |analytic| \(na.squareRoot()), |numeric| \(nn.squareRoot())",
                              file: file, line: line)
            XCTAssertFalse(analytic.contains { !$0.isFinite }, "non-finite gradient in \(name)", file: file, line: line)
        }
        if let params {
            for (id, e) in params.layout.entries.enumerated() where !skip.contains(e.name) {
                compare(e.name, value: params.weight(id), analytic: params.grad(id).array)
            }
        }
        for (i, x) in inputs.enumerated() { compare("input \(i)", value: x, analytic: dIn[i].array) }
        XCTAssertTrue(anyNonZero, "all analytic gradients are zero", file: file, line: line)
        return report
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "maxAbsDiff: \(a.count) vs \(b.count)")
        var m: Float = 0
        for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
        return m
    }

    static func allFinite(_ t: Tensor) -> Bool { !t.array.contains { !$0.isFinite } }
}

extension OpTest {
    /// Makes φ's head `head` produce small, strictly positive features: W_h scaled by
    /// `weightScale`, b_h drawn from [lo, hi]. Used to put T2R denominators near or under ε.
    static func shrinkHead(_ phi: FeatureMap, head: Int, params p: ParameterStore, weightScale: Float,
                           biasRange lo: Float, _ hi: Float, seed: UInt64) {
        var rng = RNG(seed: seed)
        let w = p.weight(phi.weightID).pointer, b = p.weight(phi.biasID).pointer
        let r = phi.features, dh = phi.headDim
        for j in (head * r)..<((head + 1) * r) {
            for i in 0..<dh { w[j * dh + i] *= weightScale }
            b[j] = rng.uniform(lo, hi)
        }
    }

    /// Makes φ(q/√Dh) ≡ 0 for head `head` while φ(k) stays non-zero: the head's q is the constant
    /// vector (−10, 0, …, 0) (zero q_proj rows, that bias), and column 0 of W_h is ≥ 0.5.
    static func killQueryFeatures(q: Linear, phi: FeatureMap, head: Int, params p: ParameterStore) {
        let dh = phi.headDim, r = phi.features, d = q.inFeatures
        let wq = p.weight(q.weightID).pointer, bq = p.weight(q.biasID!).pointer
        for row in (head * dh)..<((head + 1) * dh) {
            (wq + row * d).update(repeating: 0, count: d)
            bq[row] = row == head * dh ? -10 : 0
        }
        let w = p.weight(phi.weightID).pointer
        for j in (head * r)..<((head + 1) * r) { w[j * dh] = abs(w[j * dh]) + 0.5 }
        // pre-activation of a query feature: −10·W[j,0]/√Dh + b_j ≤ −5/√Dh + 0.5 < 0 for Dh ≤ 16
    }
}
