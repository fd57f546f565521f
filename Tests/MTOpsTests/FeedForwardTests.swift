import XCTest
@testable import MTOps

final class FeedForwardTests: XCTestCase {
    func check(dropout: Float, seed: UInt64) {
        var layout = ParameterLayout()
        let ff = FeedForward.declare(&layout, prefix: "encoder.layers.0", dim: 4, hidden: 6, activationDropout: dropout)
        XCTAssertEqual(layout.entries.map(\.name), ["encoder.layers.0.fc1.weight", "encoder.layers.0.fc1.bias",
                                                    "encoder.layers.0.fc2.weight", "encoder.layers.0.fc2.bias"])
        let p = OpTest.randomParams(layout, seed: seed)
        var rng = RNG(seed: seed + 1)
        let x = OpTest.randomTensor([5, 4], &rng)
        OpTest.gradCheck(params: p, inputs: [x], h: 1e-3) { arena in
            var r = RNG(seed: 5)
            let c = ff.forward(x, training: true, rng: &r, params: p, arena: arena)
            return (c.y, { dy, dIn, a in ff.backward(c, dy: dy, dx: dIn[0], params: p, arena: a) })
        }
    }

    func testGradients() { check(dropout: 0, seed: 10) }
    func testGradientsWithDropout() { check(dropout: 0.3, seed: 20) }

    func testEvalHasNoDropout() {
        var layout = ParameterLayout()
        let ff = FeedForward.declare(&layout, prefix: "l", dim: 4, hidden: 8, activationDropout: 0.5)
        let p = OpTest.randomParams(layout, seed: 1)
        var rng = RNG(seed: 2)
        let x = OpTest.randomTensor([3, 4], &rng)
        let a = ff.forward(x, training: false, rng: &rng, params: p, arena: Arena(capacity: 256)).y.array
        let b = ff.forward(x, training: false, rng: &rng, params: p, arena: Arena(capacity: 256)).y.array
        XCTAssertEqual(a, b)
        // naive reference
        let w1 = p.weight(ff.fc1.weightID), b1 = p.weight(ff.fc1.biasID!)
        let w2 = p.weight(ff.fc2.weightID), b2 = p.weight(ff.fc2.biasID!)
        for n in 0..<3 {
            var h = [Double](repeating: 0, count: 8)
            for j in 0..<8 {
                var s = Double(b1[j])
                for i in 0..<4 { s += Double(w1[j * 4 + i]) * Double(x[n * 4 + i]) }
                h[j] = max(s, 0)
            }
            for o in 0..<4 {
                var s = Double(b2[o])
                for j in 0..<8 { s += Double(w2[o * 8 + j]) * h[j] }
                XCTAssertEqual(Double(a[n * 4 + o]), s, accuracy: 1e-5)
            }
        }
    }
}
