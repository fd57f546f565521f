import XCTest
@testable import MTOps

final class LayerNormTests: XCTestCase {
    func testNormalises() {
        var layout = ParameterLayout()
        let ln = LayerNorm.declare(&layout, prefix: "ln", dim: 16)
        XCTAssertEqual(layout.entries.map(\.name), ["ln.weight", "ln.bias"])
        let p = ParameterStore(layout: layout, training: true)
        ln.initialize(p)
        var rng = RNG(seed: 1)
        let x = OpTest.randomTensor([3, 16], &rng, scale: 5)
        let c = ln.forward(x, params: p, arena: Arena(capacity: 1024))
        for r in 0..<3 {
            let row = (0..<16).map { Double(c.y[r * 16 + $0]) }
            let mean = row.reduce(0, +) / 16
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 16
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-3)
        }
    }

    func testGradients() {
        var layout = ParameterLayout()
        let ln = LayerNorm.declare(&layout, prefix: "ln", dim: 6)
        let p = OpTest.randomParams(layout, seed: 2)
        var rng = RNG(seed: 3)
        let x = OpTest.randomTensor([4, 6], &rng)
        OpTest.gradCheck(params: p, inputs: [x], h: 1e-2) { arena in
            let c = ln.forward(x, params: p, arena: arena)
            return (c.y, { dy, dIn, a in ln.backward(c, dy: dy, dx: dIn[0], params: p, arena: a) })
        }
    }
}
