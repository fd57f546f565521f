import CKernels
import XCTest
@testable import MTTensor

/// The int8 path of `--compute-type int8` (CKernels/gemm_q8.c, MTTensor/Int8Weights.swift).
final class Int8GEMMTests: XCTestCase {
    /// Symmetric per-row quantization as documented: s = max|x| / 127, q = round(x / s).
    static func quantize(_ x: [Float], rows: Int, cols: Int) -> (q: [Int32], s: [Float]) {
        var q = [Int32](repeating: 0, count: rows * cols), s = [Float](repeating: 1, count: rows)
        for i in 0..<rows {
            let row = x[(i * cols)..<((i + 1) * cols)]
            let mx = row.map(abs).max() ?? 0
            let scale: Float = mx > 0 ? mx / 127 : 1, inv = 1 / scale
            s[i] = scale
            for p in 0..<cols { q[i * cols + p] = Int32(max(-127, min(127, lroundf(x[i * cols + p] * inv)))) }
        }
        return (q, s)
    }

    func random(_ n: Int, _ rng: inout RNG, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in (rng.uniform() * 2 - 1) * scale }
    }

    /// The kernel equals the exact integer product of the documented quantization, for M 1–17,
    /// K with and without a 16-tail, beta 0 and 1, and it is close to the float product.
    func testInt8ProductIsTheExactIntegerProductOfTheQuantizedOperands() {
        var rng = RNG(seed: 11)
        for (m, n, k) in [(1, 3, 16), (4, 64, 256), (5, 33, 100), (16, 17, 31), (17, 8, 1024), (2, 1, 7)] {
            var a = random(m * k, &rng, scale: 3), b = random(n * k, &rng, scale: 0.2)
            a[0] = 0  // a zero and a row maximum inside the data
            if m > 1 { for p in 0..<k { a[k + p] = 0 } }  // an all-zero row (scale 1)
            let (qa, sa) = Self.quantize(a, rows: m, cols: k)
            var qb = [Int8](repeating: 0, count: n * k), sb = [Float](repeating: 0, count: n)
            mt_quantize_rows_s8(Int32(n), Int32(k), b, Int32(k), &qb, Int32(k), &sb)
            let (qbRef, sbRef) = Self.quantize(b, rows: n, cols: k)
            XCTAssertEqual(qb.map(Int32.init), qbRef)
            XCTAssertEqual(sb, sbRef)
            for beta: Float in [0, 1] {
                let c0 = random(m * n, &rng)
                var c = c0
                XCTAssertEqual(mt_gemm_q8_nt(Int32(m), 0, Int32(n), Int32(k), a, Int32(k), qb, Int32(k), sb, beta, &c, Int32(n)), 1)
                for i in 0..<m {
                    for j in 0..<n {
                        var acc: Int32 = 0
                        for p in 0..<k { acc += qa[i * k + p] * qbRef[j * k + p] }
                        let expect = (sa[i] * sbRef[j]) * Float(acc) + (beta == 0 ? 0 : beta * c0[i * n + j])
                        XCTAssertEqual(c[i * n + j], expect, "m \(m) n \(n) k \(k) beta \(beta) at (\(i), \(j))")
                        // Against the float product: each quantized operand is within half a step,
                        // so |error| ≤ Σ_p (sa/2 · |b_p| + sb/2 · |a_p| + sa · sb / 4).
                        var exact = 0.0, bound = 0.0
                        for p in 0..<k {
                            let x = Double(a[i * k + p]), y = Double(b[j * k + p])
                            exact += x * y
                            bound += Double(sa[i]) / 2 * abs(y) + Double(sbRef[j]) / 2 * abs(x) + Double(sa[i] * sbRef[j]) / 4
                        }
                        let got = Double(c[i * n + j]) - (beta == 0 ? 0 : Double(beta) * Double(c0[i * n + j]))
                        XCTAssertLessThanOrEqual(abs(got - exact), bound * 1.0001 + 1e-5 * abs(exact) + 1e-6,
                                                 "m \(m) n \(n) k \(k) at (\(i), \(j)): int8 beyond the quantization bound")
                    }
                }
            }
        }
    }

    /// Every body this CPU runs (portable, AVX2, AVX-512 VNNI) agrees bit for bit with the one in
    /// use, for K with and without tails of 16 and 64, and any split of the output columns
    /// (threads) gives the same bits.
    func testBodiesAndSplitsAgreeBitForBit() {
        var rng = RNG(seed: 3)
        let best = Int(mt_gemm_q8_body())
        XCTAssertGreaterThanOrEqual(best, 1)
        for (m, n, k) in [(6, 37, 200), (17, 9, 64), (3, 5, 7), (5, 4, 1030)] {
            let a = random(m * k, &rng), b = random(n * k, &rng)
            var qb = [Int8](repeating: 0, count: n * k), sb = [Float](repeating: 0, count: n)
            mt_quantize_rows_s8(Int32(n), Int32(k), b, Int32(k), &qb, Int32(k), &sb)
            var whole = [Float](repeating: 0, count: m * n), split = whole
            XCTAssertEqual(mt_gemm_q8_nt(Int32(m), 0, Int32(n), Int32(k), a, Int32(k), qb, Int32(k), sb, 0, &whole, Int32(n)), 1)
            for body in 1...3 {
                var other = [Float](repeating: 0, count: m * n)
                let rc = mt_gemm_q8_nt_body(Int32(body), Int32(m), 0, Int32(n), Int32(k), a, Int32(k), qb, Int32(k), sb, 0, &other, Int32(n))
                if body > best { XCTAssertEqual(rc, -1); continue }
                XCTAssertEqual(rc, 1)
                XCTAssertEqual(other, whole, "body \(body), m \(m) n \(n) k \(k)")
            }
            for (j0, j1) in [(0, 1), (1, 2), (2, n)] {
                _ = mt_gemm_q8_nt(Int32(m), Int32(j0), Int32(j1), Int32(k), a, Int32(k), qb, Int32(k), sb, 0, &split, Int32(n))
            }
            XCTAssertEqual(split, whole, "split, m \(m) n \(n) k \(k)")
        }
    }

    /// `ParameterStore.quantizeInt8` + `GEMM.int8` on 1 and 2 threads (the split path) give the
    /// kernel's result; a store without int8 copies has none.
    func testStoreCopiesAndThreadedProduct() {
        var layout = ParameterLayout()
        let w = layout.declare("w", [300, 512]), v = layout.declare("v", [8])
        let store = ParameterStore(layout: layout, training: false)
        var rng = RNG(seed: 9)
        let values = random(300 * 512, &rng, scale: 0.1)
        store.weight(w).pointer.update(from: values, count: values.count)
        XCTAssertNil(store.int8Weight(w))
        store.quantizeInt8(ids: [w])
        let q = try! XCTUnwrap(store.int8Weight(w))
        XCTAssertNil(store.int8Weight(v))
        XCTAssertEqual(store.int8Bytes, 300 * 512 + 4 * 300)
        let m = 4, a = random(m * 512, &rng)
        var reference = [Float](repeating: 0, count: m * 300)
        _ = mt_gemm_q8_nt(Int32(m), 0, 300, 512, a, 512, q.values, 512, q.scales, 0, &reference, 300)
        let saved = GEMM.maxThreads
        defer { GEMM.setThreads(saved) }
        for t in [1, 2] {
            GEMM.setThreads(t)
            var c = [Float](repeating: 0, count: m * 300)
            a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                GEMM.int8(m: m, a: ap.baseAddress!, lda: 512, w: q, beta: 0, c: cp.baseAddress!, ldc: 300)
            } }
            XCTAssertEqual(c, reference, "\(t) threads")
        }
    }
}
