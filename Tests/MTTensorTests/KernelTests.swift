import Foundation
import XCTest
@testable import MTTensor

/// Every kernel against a naive Double reference on random shapes, including odd and zero sizes.
final class KernelTests: XCTestCase {
    let sizes = [0, 1, 3, 7, 8, 9, 15, 16, 17, 100, 1023]
    let shapes = [(0, 5), (3, 0), (1, 1), (2, 7), (5, 8), (3, 9), (4, 33), (2, 1000)]

    func randomArray(_ n: Int, _ rng: inout RNG, scale: Float = 3) -> [Float] {
        (0..<n).map { _ in rng.uniform(-scale, scale) }
    }

    func testFastExpAgainstLibm() {
        var x: Float = -87
        var worst: Double = 0
        while x < 88 {
            let e = Double(FastMath.exp(x)), r = Foundation.exp(Double(x))
            worst = max(worst, abs(e - r) / r)
            x += 0.0071
        }
        XCTAssertLessThan(worst, 2e-7)
        XCTAssertEqual(FastMath.exp(-Float.infinity), 0)
        XCTAssertEqual(FastMath.exp(-90), 0)
        XCTAssertEqual(FastMath.exp(-100), 0)
        XCTAssertEqual(FastMath.exp(0), 1)
        let v = SIMD8<Float>(-88, -87.3, -20, -1.5, -0.0, 0, 3.25, 88)
        let e = FastMath.exp(v)
        for l in 0..<8 { XCTAssertEqual(e[l].bitPattern, FastMath.exp(v[l]).bitPattern, "lane \(l)") }
    }

    func testAddScaleAxpyReluDot() {
        var rng = RNG(seed: 11)
        for n in sizes {
            let a = randomArray(n, &rng), b = randomArray(n, &rng)
            var y = [Float](repeating: 0, count: n)
            Kernels.add(a, b, &y, n)
            XCTAssertEqual(y, zip(a, b).map { $0 + $1 })
            var s = a
            Kernels.scale(&s, 0.5, n)
            XCTAssertEqual(s, a.map { $0 * 0.5 })
            var ax = b
            Kernels.axpy(-1.5, a, &ax, n)
            XCTAssertEqual(ax, zip(a, b).map { $1 + -1.5 * $0 }, "SIMD lanes round exactly as the scalar loop")
            var r = [Float](repeating: 0, count: n)
            Kernels.relu(a, &r, n)
            XCTAssertEqual(r, a.map { max($0, 0) })
            let ref = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(Double(Kernels.dot(a, b, n)), ref, accuracy: 1e-4 * max(1, Double(n).squareRoot()))
        }
    }

    func testSumMaxAndSquares() {
        var rng = RNG(seed: 14)
        for n in sizes {
            let x = randomArray(n, &rng)
            let ref = x.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(Double(Kernels.sum(x, n)), ref, accuracy: 1e-4 * max(1, Double(n).squareRoot()))
            XCTAssertEqual(Kernels.max(x, n), n == 0 ? -.infinity : x.max()!)
            let (m, s) = Kernels.maxAndSum(x, n)
            XCTAssertEqual(m, Kernels.max(x, n))
            XCTAssertEqual(s, ref, accuracy: 1e-4 * max(1, Double(n).squareRoot()))
            let sq = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(Kernels.sumOfSquares(x, n), sq, accuracy: 1e-6 * max(1, sq))
        }
    }

    func testRowSoftmaxAndLogSumExp() {
        var rng = RNG(seed: 15)
        for (rows, cols) in shapes where rows > 0 {
            var x = randomArray(rows * cols, &rng, scale: 20)
            if rows * cols > 2 { x[1] = -.infinity }  // a masked entry
            var y = x
            for r in 0..<rows { y.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress! + r * cols, cols) } }
            let t = Tensor(x, shape: [rows, cols])
            var lse = [Float](repeating: 0, count: rows)
            lse.withUnsafeMutableBufferPointer { Kernels.logSumExpRows(t, into: $0.baseAddress!) }  // [rows]
            let lp = Tensor(x, shape: [rows, cols])
            Kernels.logSoftmaxRows(lp)
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max() ?? -.infinity
                let z = row.reduce(0.0) { $0 + Foundation.exp($1 - m) }
                for c in 0..<cols {
                    XCTAssertEqual(Double(y[r * cols + c]), Foundation.exp(row[c] - m) / z, accuracy: 1e-6)
                    if row[c] > -.infinity {
                        XCTAssertEqual(Double(lp[r * cols + c]), row[c] - m - Foundation.log(z), accuracy: 1e-5 * max(1, abs(m)))
                    }
                }
                let one = x.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress! + r * cols, cols) }
                if cols > 0 {
                    XCTAssertEqual(one.bitPattern, lse[r].bitPattern, "row and matrix forms agree")
                    XCTAssertEqual(Double(lse[r]), m + Foundation.log(z), accuracy: 1e-5 * max(1, abs(m)))
                    let e = x.withUnsafeBufferPointer { Kernels.sumExp($0.baseAddress! + r * cols, cols, minus: Float(m)) }
                    XCTAssertEqual(e, z, accuracy: 1e-6 * z)
                } else {
                    XCTAssertEqual(one, -.infinity)
                }
            }
        }
        var masked: [Float] = [-.infinity, 1, -.infinity]
        masked.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, 3) }
        XCTAssertEqual(masked, [0, 1, 0])
        var dead: [Float] = [-.infinity, -.infinity, -.infinity]
        dead.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, 3) }
        XCTAssertEqual(dead, [0, 0, 0], "an all-masked row gives zeros, not NaN")
        let allMasked: [Float] = [-.infinity, -.infinity]
        XCTAssertEqual(allMasked.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress!, 2) }, -.infinity)
    }

    func testExpShiftScale() {
        var rng = RNG(seed: 17)
        for n in sizes {
            let x = randomArray(n, &rng, scale: 10)
            var out = [Float](repeating: 0, count: n)
            let lse: Float = 12, g: Float = 0.5, c: Float = 0.01
            Kernels.expShiftScale(x, &out, n, lse: lse, g: g, minus: c)
            for i in 0..<n {
                XCTAssertEqual(Double(out[i]), Double(g) * (Foundation.exp(Double(x[i] - lse)) - Double(c)), accuracy: 1e-7)
            }
        }
    }

    func testLayerNormStatistics() {
        var rng = RNG(seed: 16)
        for (rows, cols) in shapes {
            let x = randomArray(rows * cols, &rng).map { $0 + 100 }  // offset tests the two-pass variance
            var mean = [Float](repeating: 0, count: rows), rstd = mean
            Kernels.layerNormStats(x, mean: &mean, rstd: &rstd, rows: rows, cols: cols, eps: 1e-5)
            for r in 0..<rows where cols > 0 {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let mu = row.reduce(0, +) / Double(cols)
                let v = row.reduce(0.0) { $0 + ($1 - mu) * ($1 - mu) } / Double(cols)
                XCTAssertEqual(Double(mean[r]), mu, accuracy: 1e-5 * abs(mu))
                XCTAssertEqual(Double(rstd[r]), 1 / (v + 1e-5).squareRoot(), accuracy: 1e-4 / (v + 1e-5).squareRoot())
            }
        }
    }

    /// ReLU's backward: the eight-lane loop and its tail equal the scalar formula bit for bit,
    /// zero where h ≤ 0 or h is NaN.
    func testReluBackwardMatchesScalarFormula() {
        var rng = RNG(seed: 21)
        for n in [0, 5, 8, 37] {
            let h = Tensor(zeros: [max(n, 1)]), g = Tensor(zeros: [max(n, 1)])
            rng.fillUniform(h, -1, 1); rng.fillUniform(g, -3, 3)
            if n > 3 { h.pointer[3] = .nan; h.pointer[1] = 0 }
            let expected = (0..<n).map { h.pointer[$0] > 0 ? g.pointer[$0] * 1.25 : 0 }
            Kernels.reluBackward(h.pointer, g.pointer, 1.25, n)
            XCTAssertEqual(Array(g.array.prefix(n)), expected, "n \(n)")
        }
    }
}
