import CKernels
import XCTest
@testable import MTTensor

final class GEMMTests: XCTestCase {
    /// Every transpose combination, alpha/beta, odd and zero sizes, padded leading dimensions,
    /// against the Double triple loop: relative error < 1e-5, on both backends.
    func testAllTransposesAgainstTripleLoop() {
        forEachBackend(allTransposesAgainstTripleLoop)
    }

    /// Runs `body` with each GEMM backend in turn, then restores the one it found.
    private func forEachBackend(_ body: (GEMM.Backend) -> Void) {
        let saved = GEMM.backend
        defer { GEMM.backend = saved }
        for backend in GEMM.Backend.allCases {
            GEMM.backend = backend
            body(backend)
        }
    }

    private func allTransposesAgainstTripleLoop(_ backend: GEMM.Backend) {
        var rng = RNG(seed: 7)
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 1, 33), (64, 48, 80), (0, 4, 5), (4, 0, 5), (4, 5, 0), (129, 65, 31),
                      (300, 130, 60)]  // the last is split over threads by rows (M·N·K ≥ 2M)
        for (m, n, k) in shapes {
            for ta in [GEMM.Transpose.none, .transposed] {
                for tb in [GEMM.Transpose.none, .transposed] {
                    for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                        let pad = 3
                        let (ar, ac) = ta == .none ? (m, k) : (k, m)
                        let (br, bc) = tb == .none ? (k, n) : (n, k)
                        let lda = ac + pad, ldb = bc + pad, ldc = n + pad
                        let a = Tensor(zeros: [max(ar, 1) * lda]), b = Tensor(zeros: [max(br, 1) * ldb])
                        let c = Tensor(zeros: [max(m, 1) * ldc])
                        rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1); rng.fillUniform(c, -1, 1)
                        let expected = c.copy()
                        GEMM.reference(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                                       b: b.pointer, ldb: ldb, beta: beta, c: expected.pointer, ldc: ldc)
                        GEMM.sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                                   b: b.pointer, ldb: ldb, beta: beta, c: c.pointer, ldc: ldc)
                        let err = maxRelativeError(c.array, expected.array, floor: 1)
                        XCTAssertLessThan(err, 1e-5, "\(backend): m \(m) n \(n) k \(k) \(ta) \(tb) alpha \(alpha) beta \(beta)")
                    }
                }
            }
        }
    }

    /// The few-rows path (A · Bᵀ, M ≤ smallMaxM, no packing): every M up to 17 around the block
    /// sizes, K with and without a tail, N odd and large enough to split over threads, alpha and
    /// beta, padded strides; against the triple loop, and bit-identical for 1 and 2 threads (M ≤ 16),
    /// on both backends.
    func testSmallRowsPathAgainstTripleLoopAndThreadSplit() {
        forEachBackend(smallRowsPathAgainstTripleLoopAndThreadSplit)
    }

    private func smallRowsPathAgainstTripleLoopAndThreadSplit(_ backend: GEMM.Backend) {
        var rng = RNG(seed: 11)
        let saved = GEMM.maxThreads, savedMin = GEMM.smallMinBElements
        GEMM.smallMinBElements = 0  // every shape below takes the few-rows path
        defer { GEMM.setThreads(saved); GEMM.smallMinBElements = savedMin }
        for m in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17] {
            for (n, k) in [(1, 5), (3, 8), (33, 17), (517, 256), (1001, 300)] {
                for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                    let lda = k + 1, ldb = k + 3, ldc = n + 2
                    let a = Tensor(zeros: [m * lda]), b = Tensor(zeros: [n * ldb]), c = Tensor(zeros: [m * ldc])
                    rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1); rng.fillUniform(c, -1, 1)
                    let expected = c.copy(), twoThreads = c.copy()
                    GEMM.reference(.none, .transposed, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                                   b: b.pointer, ldb: ldb, beta: beta, c: expected.pointer, ldc: ldc)
                    GEMM.setThreads(1)
                    GEMM.sgemm(.none, .transposed, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                               b: b.pointer, ldb: ldb, beta: beta, c: c.pointer, ldc: ldc)
                    GEMM.setThreads(2)
                    GEMM.sgemm(.none, .transposed, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: lda,
                               b: b.pointer, ldb: ldb, beta: beta, c: twoThreads.pointer, ldc: ldc)
                    let what = "\(backend): m \(m) n \(n) k \(k) alpha \(alpha) beta \(beta)"
                    // Float32 sums of up to 300 products (OpenBLAS beyond M 16 too): 5e-5.
                    XCTAssertLessThan(maxRelativeError(c.array, expected.array, floor: 1), 5e-5, what)
                    if m <= GEMM.smallMaxM {
                        XCTAssertEqual(c.array, twoThreads.array, "thread split changed the result: " + what)
                    } else {
                        // The general path's split by columns: each part a backend call whose
                        // kernels may round a shorter row block differently.
                        XCTAssertLessThan(maxRelativeError(twoThreads.array, expected.array, floor: 1), 5e-5, what)
                    }
                }
            }
        }
    }

    /// The portable C body (used where the CPU lacks AVX2+FMA) against the triple loop, over a
    /// split of the columns.
    func testSmallRowsPortableBody() {
        var rng = RNG(seed: 13)
        for (m, n, k) in [(1, 7, 9), (4, 64, 256), (6, 33, 17), (16, 10, 40)] {
            let a = Tensor(zeros: [m * k]), b = Tensor(zeros: [n * k]), c = Tensor(zeros: [m * n])
            rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1); rng.fillUniform(c, -1, 1)
            let expected = c.copy()
            GEMM.reference(.none, .transposed, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: k,
                           b: b.pointer, ldb: k, beta: 2, c: expected.pointer, ldc: n)
            let half = n / 2
            mt_small_gemm_nt_portable(Int32(m), 0, Int32(half), Int32(k), 0.5, a.pointer, Int32(k), b.pointer, Int32(k), 2, c.pointer, Int32(n))
            mt_small_gemm_nt_portable(Int32(m), Int32(half), Int32(n), Int32(k), 0.5, a.pointer, Int32(k), b.pointer, Int32(k), 2, c.pointer, Int32(n))
            XCTAssertLessThan(maxRelativeError(c.array, expected.array, floor: 1), 5e-5, "m \(m) n \(n) k \(k)")
        }
    }

    /// Strided batches (heads) equal one product per member.
    func testBatchedEqualsLoopOfProducts() {
        var rng = RNG(seed: 3)
        let (batch, m, n, k) = (5, 7, 6, 9)
        let a = Tensor(zeros: [batch, m, k]), b = Tensor(zeros: [batch, n, k]), c = Tensor(zeros: [batch, m, n])
        rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1)
        GEMM.sgemmBatched(.none, .transposed, m: m, n: n, k: k, batch: batch,
                          a: a.pointer, lda: k, strideA: m * k, b: b.pointer, ldb: k, strideB: n * k,
                          c: c.pointer, ldc: n, strideC: m * n)
        for i in 0..<batch {
            let e = Tensor(zeros: [m, n])
            GEMM.reference(.none, .transposed, m: m, n: n, k: k, a: a.row(i).pointer, lda: k,
                           b: b.row(i).pointer, ldb: k, c: e.pointer, ldc: n)
            XCTAssertLessThan(maxRelativeError(c.row(i).array, e.array, floor: 1), 1e-5, "batch member \(i)")
        }
    }

    /// The tensor form infers M, N, K from shapes and checks them.
    func testMatmulTensorForm() {
        var rng = RNG(seed: 5)
        let a = Tensor(zeros: [2, 3, 4]), w = Tensor(zeros: [5, 4]), y = Tensor(zeros: [2, 3, 5])
        rng.fillUniform(a, -1, 1); rng.fillUniform(w, -1, 1)
        GEMM.matmul(a, .none, w, .transposed, into: y)
        let e = Tensor(zeros: [6, 5])
        GEMM.reference(.none, .transposed, m: 6, n: 5, k: 4, a: a.pointer, lda: 4, b: w.pointer, ldb: 4,
                       c: e.pointer, ldc: 5)
        XCTAssertLessThan(maxRelativeError(y.array, e.array, floor: 1), 1e-5)
    }

    func testThreadPolicyRunsSmallProductsOnOneThread() {
        let saved = GEMM.maxThreads, savedMin = GEMM.smallMinBElements
        GEMM.smallMinBElements = 0  // every shape below takes the few-rows path
        defer { GEMM.setThreads(saved); GEMM.smallMinBElements = savedMin }
        GEMM.setThreads(2)
        XCTAssertEqual(GEMM.threads(m: 4, n: 512, k: 512), 1, "one beam-4 decoding step")
        XCTAssertEqual(GEMM.threads(m: 4096, n: 2048, k: 512), 2)
        XCTAssertEqual(GEMM.threads(m: 64, n: 16, k: 16), 1, "tiny product")
    }
}

/// max_i |a_i − b_i| / max(|b_i|, floor)
func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-6) -> Float {
    precondition(a.count == b.count)
    var m: Float = 0
    for i in 0..<a.count {
        let d = abs(a[i] - b[i]) / max(abs(b[i]), floor)
        if d.isNaN { return .infinity }
        m = max(m, d)
    }
    return m
}

final class GEMMConcurrencyTests: XCTestCase {
    /// Products issued from several threads inside a Parallel region give the same results as
    /// the same products issued one after another.
    func testConcurrentProductsInsideParallelRegion() {
        let saved = GEMM.maxThreads, savedMin = GEMM.smallMinBElements
        GEMM.smallMinBElements = 0  // every shape below takes the few-rows path
        defer { GEMM.setThreads(saved); GEMM.smallMinBElements = savedMin }
        GEMM.setThreads(2)
        var rng = RNG(seed: 21)
        let items = 8, (m, n, k) = (64, 96, 128)
        let a = Tensor(zeros: [items, m, k]), b = Tensor(zeros: [k, n])
        rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1)
        let serial = Tensor(zeros: [items, m, n]), parallel = Tensor(zeros: [items, m, n])
        for i in 0..<items {
            GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a.row(i).pointer, lda: k, b: b.pointer, ldb: n,
                       c: serial.row(i).pointer, ldc: n)
        }
        Parallel.forRanges(items, work: .max, minWork: 0) { range in
            for i in range {
                GEMM.sgemm(.none, .none, m: m, n: n, k: k, a: a.row(i).pointer, lda: k, b: b.pointer, ldb: n,
                           c: parallel.row(i).pointer, ldc: n)
            }
        }
        XCTAssertEqual(serial.array, parallel.array)
    }
    /// mt-bench train's model FLOPs: 2·m·n·k of every product, from worker threads too, and the
    /// largest product with its transposes; nothing is counted outside `countingProducts`.
    func testCountingProductsAddsEveryProductAndFindsTheLargest() {
        let saved = GEMM.maxThreads
        defer { GEMM.setThreads(saved) }
        GEMM.setThreads(2)
        let a = Tensor(zeros: [128 * 128]), b = Tensor(zeros: [128 * 128]), c = Tensor(zeros: [128 * 128])
        let cp = SendablePointer(c.pointer), ap = SendablePointer(a.pointer), bp = SendablePointer(b.pointer)
        GEMM.sgemm(.none, .none, m: 3, n: 5, k: 7, a: a.pointer, lda: 7, b: b.pointer, ldb: 5, c: c.pointer, ldc: 5)
        let counted = GEMM.countingProducts {
            GEMM.sgemm(.none, .transposed, m: 10, n: 20, k: 30, a: a.pointer, lda: 30, b: b.pointer, ldb: 30,
                       c: c.pointer, ldc: 20)
            GEMM.sgemm(.transposed, .none, m: 64, n: 80, k: 96, a: a.pointer, lda: 64, b: b.pointer, ldb: 80,
                       c: c.pointer, ldc: 80)
            GEMM.sgemm(.none, .transposed, m: 10, n: 20, k: 30, a: a.pointer, lda: 30, b: b.pointer, ldb: 30,
                       c: c.pointer, ldc: 20)
            Parallel.forRanges(8, work: .max, minWork: 0) { r in
                for i in r {
                    GEMM.sgemm(.none, .none, m: 4, n: 8, k: 16, a: ap.p, lda: 16, b: bp.p, ldb: 8,
                               c: cp.p + i * 64, ldc: 8)
                }
            }
        }
        GEMM.sgemm(.none, .none, m: 100, n: 100, k: 90, a: a.pointer, lda: 90, b: b.pointer, ldb: 100,
                   c: c.pointer, ldc: 100)
        XCTAssertEqual(counted.flops, 2 * (2 * 10 * 20 * 30 + 64 * 80 * 96 + 8 * 4 * 8 * 16))
        XCTAssertEqual(counted.largest.m, 64)
        XCTAssertEqual(counted.largest.n, 80)
        XCTAssertEqual(counted.largest.k, 96)
        XCTAssertEqual(counted.largest.transA, .transposed)
        XCTAssertEqual(counted.largest.transB, .none)
        // Only the three products issued outside the parallel region are timed, by shape in
        // first-seen order, the repeated shape once with two calls.
        XCTAssertEqual(counted.topLevelFlops, 2 * (2 * 10 * 20 * 30 + 64 * 80 * 96))
        XCTAssertGreaterThan(counted.topLevelSeconds, 0)
        let shapes = counted.topLevelByShape
        XCTAssertEqual(shapes.map { [$0.shape.m, $0.shape.n, $0.shape.k, $0.calls] }, [[10, 20, 30, 2], [64, 80, 96, 1]])
        XCTAssertEqual(shapes.map { $0.shape.transA }, [.none, .transposed])
        XCTAssertEqual(shapes.map { $0.shape.transB }, [.transposed, .none])
        XCTAssertEqual(shapes.reduce(0) { $0 + $1.seconds }, counted.topLevelSeconds, accuracy: 1e-12)
    }
}
