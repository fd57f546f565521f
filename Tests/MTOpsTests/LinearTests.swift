import XCTest
@testable import MTOps

final class LinearTests: XCTestCase {
    func testForwardMatchesNaive() {
        var layout = ParameterLayout()
        let lin = Linear.declare(&layout, prefix: "fc", inFeatures: 5, outFeatures: 3)
        XCTAssertEqual(layout.entries.map(\.name), ["fc.weight", "fc.bias"])
        XCTAssertEqual(layout.entries[0].shape, [3, 5])
        let p = OpTest.randomParams(layout, seed: 1)
        var rng = RNG(seed: 2)
        let x = OpTest.randomTensor([2, 4, 5], &rng)
        let c = lin.forward(x, params: p, arena: Arena(capacity: 1024))
        XCTAssertEqual(c.y.shape, [2, 4, 3])
        let w = p.weight(lin.weightID), b = p.weight(lin.biasID!)
        for n in 0..<8 {
            for o in 0..<3 {
                var s = Double(b[o])
                for i in 0..<5 { s += Double(x[n * 5 + i]) * Double(w[o * 5 + i]) }
                XCTAssertEqual(Double(c.y[n * 3 + o]), s, accuracy: 1e-5)
            }
        }
    }

    func testGradients() {
        var layout = ParameterLayout()
        let lin = Linear.declare(&layout, prefix: "fc", inFeatures: 4, outFeatures: 3)
        let p = OpTest.randomParams(layout, seed: 3)
        var rng = RNG(seed: 4)
        let x = OpTest.randomTensor([5, 4], &rng)
        OpTest.gradCheck(params: p, inputs: [x]) { arena in
            let c = lin.forward(x, params: p, arena: arena)
            return (c.y, { dy, dIn, _ in lin.backward(x: x, dy: dy, dx: dIn[0], params: p) })
        }
    }

    func testBackwardAddsIntoGradients() {
        var layout = ParameterLayout()
        let lin = Linear.declare(&layout, prefix: "fc", inFeatures: 3, outFeatures: 2)
        let p = OpTest.randomParams(layout, seed: 5)
        var rng = RNG(seed: 6)
        let x = OpTest.randomTensor([4, 3], &rng), dy = OpTest.randomTensor([4, 2], &rng)
        let dx = Tensor(zeros: [4, 3])
        p.zeroGrads()
        lin.backward(x: x, dy: dy, dx: dx, params: p)
        let g1 = p.grad(lin.weightID).array, dx1 = dx.array
        lin.backward(x: x, dy: dy, dx: dx, params: p)
        XCTAssertEqual(OpTest.maxAbsDiff(p.grad(lin.weightID).array, g1.map { 2 * $0 }), 0, accuracy: 1e-6)
        XCTAssertEqual(OpTest.maxAbsDiff(dx.array, dx1.map { 2 * $0 }), 0, accuracy: 1e-6)
    }

    /// Column sums (bias gradients) on odd and empty shapes, with a row stride wider than the row.
    func testColumnSumsOnSmallShapes() {
        var rng = RNG(seed: 12)
        for (rows, cols) in [(0, 5), (3, 0), (1, 1), (2, 7), (5, 8), (3, 9), (4, 33), (2, 1000)] {
            let ld = cols + 3
            let x = (0..<(rows * ld)).map { _ in rng.uniform(-3, 3) }
            var sums = [Float](repeating: 1, count: cols)
            Linear.addColumnSums(x, ld: ld, rows: rows, cols: cols, into: &sums)
            for c in 0..<cols {
                let ref = 1 + (0..<rows).reduce(0.0) { $0 + Double(x[$1 * ld + c]) }
                XCTAssertEqual(Double(sums[c]), ref, accuracy: 1e-4)
            }
        }
    }

    func testLargeBiasGradientUsesChunkedSums() {
        let saved = GEMM.maxThreads
        defer { GEMM.setThreads(saved) }
        GEMM.setThreads(2)
        var layout = ParameterLayout()
        let lin = Linear.declare(&layout, prefix: "fc", inFeatures: 4, outFeatures: 300)
        let p = OpTest.randomParams(layout, seed: 7)
        var rng = RNG(seed: 8)
        let x = OpTest.randomTensor([1000, 4], &rng), dy = OpTest.randomTensor([1000, 300], &rng)
        p.zeroGrads()
        p.grad(lin.biasID!).fill(1)
        lin.backward(x: x, dy: dy, dx: nil, params: p)
        let db = p.grad(lin.biasID!)
        for c in 0..<300 {
            var s = 1.0
            for r in 0..<1000 { s += Double(dy[r * 300 + c]) }
            XCTAssertEqual(Double(db[c]), s, accuracy: 1e-3)
        }
    }

    /// overwritingDX writes dy·W without reading dx (NaN there stays out), equal to adding into
    /// zeros; the weight and bias gradients still accumulate.
    func testBackwardOverwritingDXIgnoresItsContents() {
        var layout = ParameterLayout()
        let lin = Linear.declare(&layout, prefix: "fc", inFeatures: 70, outFeatures: 40)
        let p = OpTest.randomParams(layout, seed: 8)
        var rng = RNG(seed: 9)
        let x = OpTest.randomTensor([33, 70], &rng), dy = OpTest.randomTensor([33, 40], &rng)
        p.zeroGrads()
        let added = Tensor(zeros: [33, 70])
        lin.backward(x: x, dy: dy, dx: added, params: p)
        let gradAfterOne = p.grad(lin.weightID).array
        let written = Tensor(zeros: [33, 70])
        written.fill(.nan)
        lin.backward(x: x, dy: dy, dx: written, params: p, overwritingDX: true)
        XCTAssertEqual(written.array, added.array)
        XCTAssertTrue(OpTest.allFinite(written))
        let w = p.grad(lin.weightID)
        for i in 0..<w.count { XCTAssertEqual(w[i], 2 * gradAfterOne[i], accuracy: 1e-5 * max(1, abs(w[i]))) }
    }
}
