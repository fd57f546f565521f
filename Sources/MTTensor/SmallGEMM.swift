import Dispatch

/// The few-rows product of a decoding step, C[M,N] = alpha · A[M,K] · B[N,K]ᵀ + beta · C with
/// M ≤ `GEMM.smallMaxM`: a layer's input rows (beam hypotheses) times its weight matrix stored
/// [out, in].
///
/// Why not OpenBLAS: for such a product `cblas_sgemm` copies (packs) all of B before its kernel
/// runs, every call. At M = 4 (one sentence, beam 4) that copy costs more instructions than the
/// multiply itself (callgrind on `mt-bench decode --batches 1`: 276M of 525M GEMM instructions
/// were `sgemm_incopy`). Here each output is a dot product of an A row and a B row, both
/// contiguous, read straight from memory: B is streamed once, A (M·K floats) stays in L1.
///
/// Register block: 4 A rows × 2 B rows, eight SIMD8 accumulators over K, then horizontal sums.
/// Large products split their B rows (N) over `GEMM.maxThreads` threads; every output is computed
/// by one thread in one order, so results do not depend on the split.
enum SmallGEMM {
    /// M·N·K from which the N rows are split over threads (below, the hand-off costs more than
    /// it saves).
    nonisolated(unsafe) static var threadsFrom = 262_144

    static func run(m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int,
                    b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = GEMM.parallelDepth == 0 && m &* n &* k >= threadsFrom ? min(GEMM.maxThreads, n / 16) : 1
        if threads <= 1 {
            block(rows: 0..<n, m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let cp = SendablePointer(c)
        let ap = SendableConstPointer(a), bp = SendableConstPointer(b)
        GEMM.parallelRegion {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                // Split on even boundaries so each thread keeps the two-row B block.
                let lo = (n * t / threads) & ~1, hi = t == threads - 1 ? n : (n * (t + 1) / threads) & ~1
                if lo < hi {
                    block(rows: lo..<hi, m: m, k: k, alpha: alpha, a: ap.p, lda: lda, b: bp.p, ldb: ldb,
                          beta: beta, c: cp.p, ldc: ldc)
                }
            }
        }
    }

    /// Outputs C[0..<m, rows]: B rows in pairs, A rows in fours.
    @inline(__always)
    static func block(rows: Range<Int>, m: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var j = rows.lowerBound
        while j < rows.upperBound {
            let pair = j + 1 < rows.upperBound
            let b0 = b + j * ldb, b1 = pair ? b0 + ldb : b0
            var i = 0
            while i < m {
                let r = min(4, m - i)
                var s = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
                         SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                let a0 = a + i * lda
                let a1 = r > 1 ? a0 + lda : a0, a2 = r > 2 ? a0 + 2 * lda : a0, a3 = r > 3 ? a0 + 3 * lda : a0
                var p = 0
                while p + 8 <= k {
                    let x0 = load8(b0 + p), x1 = load8(b1 + p)
                    let y0 = load8(a0 + p), y1 = load8(a1 + p), y2 = load8(a2 + p), y3 = load8(a3 + p)
                    s.0 += y0 * x0; s.1 += y1 * x0; s.2 += y2 * x0; s.3 += y3 * x0
                    s.4 += y0 * x1; s.5 += y1 * x1; s.6 += y2 * x1; s.7 += y3 * x1
                    p += 8
                }
                var t = (s.0.sum(), s.1.sum(), s.2.sum(), s.3.sum(), s.4.sum(), s.5.sum(), s.6.sum(), s.7.sum())
                while p < k {
                    let x0 = b0[p], x1 = b1[p]
                    t.0 += a0[p] * x0; t.1 += a1[p] * x0; t.2 += a2[p] * x0; t.3 += a3[p] * x0
                    t.4 += a0[p] * x1; t.5 += a1[p] * x1; t.6 += a2[p] * x1; t.7 += a3[p] * x1
                    p += 1
                }
                let c0 = c + i * ldc + j
                store(c0, t.0, alpha: alpha, beta: beta)
                if r > 1 { store(c0 + ldc, t.1, alpha: alpha, beta: beta) }
                if r > 2 { store(c0 + 2 * ldc, t.2, alpha: alpha, beta: beta) }
                if r > 3 { store(c0 + 3 * ldc, t.3, alpha: alpha, beta: beta) }
                if pair {
                    store(c0 + 1, t.4, alpha: alpha, beta: beta)
                    if r > 1 { store(c0 + ldc + 1, t.5, alpha: alpha, beta: beta) }
                    if r > 2 { store(c0 + 2 * ldc + 1, t.6, alpha: alpha, beta: beta) }
                    if r > 3 { store(c0 + 3 * ldc + 1, t.7, alpha: alpha, beta: beta) }
                }
                i += 4
            }
            j += pair ? 2 : 1
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ c: UnsafeMutablePointer<Float>, _ v: Float, alpha: Float, beta: Float) {
        let scaled = alpha == 1 ? v : alpha * v
        c.pointee = beta == 0 ? scaled : scaled + beta * c.pointee
    }
}

/// A read-only pointer that may cross into a `@Sendable` closure.
struct SendableConstPointer<T>: @unchecked Sendable {
    let p: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { self.p = p }
}
