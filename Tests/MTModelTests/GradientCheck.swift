import XCTest
import MTModel
import MTTensor

/// The whole-model gradient check Seq2SeqTests and MarianLayoutTests share. The caller has run
/// forward and backward into `params`' gradients. For each tensor, the directional derivative
/// along a random unit direction by central differences at each of `steps` must equal
/// ⟨gradient, direction⟩ within 2 % (relative to max(|value|, 0.02)) at one of them: Float32
/// rounding dominates small steps, ReLU kinks near the point bend large ones; a correct gradient
/// matches at one, a wrong one at none. `mask` may zero direction entries that get no gradient
/// by design (a padding row).
enum GradientCheck {
    static func directional(_ m: Seq2Seq, _ p: ParameterStore, steps: [Float],
                            mask: (ParameterLayout.Entry, inout [Float]) -> Void = { _, _ in },
                            loss: () -> Double, file: StaticString, line: UInt) {
        var dirRNG = RNG(seed: 99)
        for (id, e) in m.layout.entries.enumerated() {
            let w = p.weight(id), g = p.grad(id)
            var dir = (0..<e.count).map { _ in dirRNG.normal() }
            mask(e, &dir)
            let norm = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
            dir = dir.map { $0 / norm }  // a unit direction: the step moves θ by h in norm
            var analytic = 0.0
            for i in 0..<e.count { analytic += Double(g[i]) * Double(dir[i]) }
            let saved = w.array
            var errors: [Double] = [], numerics: [Double] = []
            for h in steps {
                for i in 0..<e.count { w[i] = saved[i] + h * dir[i] }
                let up = loss()
                for i in 0..<e.count { w[i] = saved[i] - h * dir[i] }
                let down = loss()
                for i in 0..<e.count { w[i] = saved[i] }
                let numeric = (up - down) / (2 * Double(h))
                numerics.append(numeric)
                errors.append(abs(numeric - analytic) / max(abs(numeric), abs(analytic), 2e-2))
            }
            XCTAssertLessThan(errors.min()!, 2e-2, "\(e.name): numeric \(numerics), analytic \(analytic)", file: file, line: line)
        }
    }
}
