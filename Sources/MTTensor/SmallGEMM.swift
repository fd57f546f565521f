import CKernels
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
/// The kernel is C (Sources/CKernels): Swift here builds for baseline x86-64, and the kernel
/// picks an AVX2+FMA body at run time. Register block: 4 A rows × 2 B rows, eight 8-float
/// accumulators over K, then one horizontal reduction.
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

    /// Outputs C[0..<m, rows] (CKernels: AVX2+FMA when the CPU has it).
    @inline(__always)
    static func block(rows: Range<Int>, m: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        mt_small_gemm_nt(Int32(m), Int32(rows.lowerBound), Int32(rows.upperBound), Int32(k), alpha,
                         a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// A read-only pointer that may cross into a `@Sendable` closure.
struct SendableConstPointer<T>: @unchecked Sendable {
    let p: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { self.p = p }
}
