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

    /// The backward runs eight rows' sums side by side and the column passes eight wide (C, AVX2): it must
    /// give the one-row-at-a-time loop's bits (written out here) for dx, dγ and dβ, with row
    /// counts that leave a partial group of eight, widths that leave a tail of eight, and any
    /// thread count (dγ, dβ are summed per thread's chunk, in chunk order, as before).
    func testBackwardEqualsTheOneRowLoopBitForBit() {
        let saved = GEMM.maxThreads, savedSIMD = LayerNorm.useSIMD
        defer { GEMM.setThreads(saved); LayerNorm.useSIMD = savedSIMD }
        for (n, d) in [(1, 5), (7, 13), (17, 5), (130, 64), (403, 100)] { for simd in [true, false] {
            LayerNorm.useSIMD = simd
            var layout = ParameterLayout()
            let ln = LayerNorm.declare(&layout, prefix: "ln", dim: d)
            var rng = RNG(seed: UInt64(n * d))
            let x = OpTest.randomTensor([n, d], &rng, scale: 3)
            let dy = OpTest.randomTensor([n, d], &rng)
            let dx0 = OpTest.randomTensor([n, d], &rng)
            for threads in 1...3 {
                GEMM.setThreads(threads)
                let p = OpTest.randomParams(layout, seed: 5)
                let dg0 = p.grad(ln.weightID).array, db0 = p.grad(ln.biasID).array
                let c = ln.forward(x, params: p, arena: Arena(capacity: 0))
                let dx = dx0.copy()
                ln.backward(c, dy: dy, dx: dx, params: p, arena: Arena(capacity: 0))
                // The reference: one row at a time, per chunk, partial sums added in chunk order.
                let gamma = p.weight(ln.weightID).array
                var refDX = dx0.array, refDG = dg0, refDB = db0
                let chunks = max(1, min(threads, n))
                for chunk in 0..<chunks {
                    var pg = [Float](repeating: 0, count: d), pb = pg
                    for r in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                        let mu = c.mean[r], rs = c.rstd[r]
                        var sumG: Float = 0, sumGX: Float = 0
                        for i in 0..<d {
                            let xh = (x[r * d + i] - mu) * rs
                            let gi = dy[r * d + i] * gamma[i]
                            sumG += gi
                            sumGX += gi * xh
                            pg[i] += dy[r * d + i] * xh
                            pb[i] += dy[r * d + i]
                        }
                        let mG = sumG / Float(d), mGX = sumGX / Float(d)
                        for i in 0..<d {
                            let xh = (x[r * d + i] - mu) * rs
                            refDX[r * d + i] += rs * (dy[r * d + i] * gamma[i] - mG - xh * mGX)
                        }
                    }
                    for i in 0..<d { refDG[i] += pg[i]; refDB[i] += pb[i] }
                }
                let tag = "n \(n), d \(d), threads \(threads), simd \(simd)"
                XCTAssertEqual(dx.array.map(\.bitPattern), refDX.map(\.bitPattern), tag)
                XCTAssertEqual(p.grad(ln.weightID).array.map(\.bitPattern), refDG.map(\.bitPattern), tag)
                XCTAssertEqual(p.grad(ln.biasID).array.map(\.bitPattern), refDB.map(\.bitPattern), tag)
            }
        } }
    }
}
