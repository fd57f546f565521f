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
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FastMath.exp(-Float.infinity), 0)
        XCTAssertEqual(FastMath.exp(-100), 0)
        XCTAssertEqual(FastMath.exp(0), 1)
    }

    func testAddScaleAxpyRelu() {
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
            XCTAssertEqual(ax, zip(a, b).map { $1 + -1.5 * $0 })
            var r = [Float](repeating: 0, count: n)
            Kernels.relu(a, &r, n)
            XCTAssertEqual(r, a.map { max($0, 0) })
            var dr = b
            Kernels.reluBackward(r, a, &dr, n)
            XCTAssertEqual(dr, (0..<n).map { b[$0] + (a[$0] > 0 ? a[$0] : 0) })
        }
    }

    func testBiasAndColumnSums() {
        var rng = RNG(seed: 12)
        for (rows, cols) in shapes {
            let x = randomArray(rows * cols, &rng), bias = randomArray(cols, &rng)
            var y = x
            Kernels.addBias(&y, bias, rows: rows, cols: cols)
            XCTAssertEqual(y, (0..<rows * cols).map { x[$0] + bias[$0 % max(cols, 1)] })
            var sums = [Float](repeating: 1, count: cols)
            Kernels.addColumnSums(x, &sums, rows: rows, cols: cols)
            for c in 0..<cols {
                let ref = 1 + (0..<rows).reduce(0.0) { $0 + Double(x[$1 * cols + c]) }
                XCTAssertEqual(Double(sums[c]), ref, accuracy: 1e-4)
            }
        }
    }

    func testGeluAndBackwardAgainstReference() {
        var rng = RNG(seed: 13)
        for n in sizes {
            let x = randomArray(n, &rng, scale: 6)
            var y = [Float](repeating: 0, count: n)
            Kernels.gelu(x, &y, n)
            let dy = randomArray(n, &rng)
            var dx = [Float](repeating: 0.25, count: n)
            Kernels.geluBackward(x, dy, &dx, n)
            for i in 0..<n {
                let v = Double(x[i])
                func g(_ v: Double) -> Double { 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))) }
                XCTAssertEqual(Double(y[i]), g(v), accuracy: 2e-6 * max(1, abs(v)))
                let h = 1e-5
                let d = (g(v + h) - g(v - h)) / (2 * h)
                XCTAssertEqual(Double(dx[i]), 0.25 + Double(dy[i]) * d, accuracy: 1e-5 * max(1, abs(Double(dy[i]))))
            }
        }
    }

    func testSumMaxAndSquares() {
        var rng = RNG(seed: 14)
        for n in sizes {
            let x = randomArray(n, &rng)
            let ref = x.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(Double(Kernels.sum(x, n)), ref, accuracy: 1e-4 * max(1, Double(n).squareRoot()))
            XCTAssertEqual(Kernels.max(x, n), n == 0 ? -.infinity : x.max()!)
            let sq = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(Kernels.sumOfSquares(x, n), sq, accuracy: 1e-6 * max(1, sq))
        }
    }

    func testRowSoftmaxLogSumExpSumsMaxima() {
        var rng = RNG(seed: 15)
        for (rows, cols) in shapes {
            var x = randomArray(rows * cols, &rng, scale: 20)
            if rows * cols > 2 { x[1] = -.infinity }  // a masked entry
            var y = [Float](repeating: 0, count: rows * cols)
            Kernels.softmaxRows(x, &y, rows: rows, cols: cols)
            var lse = [Float](repeating: 0, count: rows), sums = lse, maxima = lse
            Kernels.logSumExpRows(x, &lse, rows: rows, cols: cols)
            Kernels.sumRows(x, &sums, rows: rows, cols: cols)
            Kernels.maxRows(x, &maxima, rows: rows, cols: cols)
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max() ?? -.infinity
                let z = row.reduce(0.0) { $0 + Foundation.exp($1 - m) }
                for c in 0..<cols {
                    XCTAssertEqual(Double(y[r * cols + c]), Foundation.exp(row[c] - m) / z, accuracy: 1e-6)
                }
                if cols > 0 {
                    XCTAssertEqual(Double(lse[r]), m + Foundation.log(z), accuracy: 1e-5 * max(1, abs(m)))
                    XCTAssertEqual(Double(maxima[r]), m)
                } else {
                    XCTAssertEqual(lse[r], -.infinity)
                }
                if !row.contains(-.infinity) {
                    XCTAssertEqual(Double(sums[r]), row.reduce(0, +), accuracy: 1e-3)
                }
            }
        }
        var masked: [Float] = [-.infinity, -.infinity, -.infinity]
        Kernels.softmaxRows(masked, &masked, rows: 1, cols: 3)
        XCTAssertEqual(masked, [0, 0, 0], "an all-masked row gives zeros, not NaN")
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
}
