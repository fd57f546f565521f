import CKernels

/// The few-rows product of a decoding step, C[M,N] = alpha · A[M,K] · B[N,K]ᵀ + beta · C with
/// M ≤ `GEMM.smallMaxM`: a layer's input rows (beam hypotheses) times its weight matrix stored
/// [out, in].
///
/// On the oneDNN backend each block is one `dnnl_sgemm` call on B's rows (oneDNN has kernels for
/// few rows). On the OpenBLAS backend it is the toolkit's own kernel. Why not OpenBLAS: for such
/// a product `cblas_sgemm` copies (packs) all of B before its kernel runs, every call. At M = 4
/// (one sentence, beam 4) that copy costs more instructions than the multiply itself (callgrind
/// on `mt-bench decode --batches 1`: 276M of 525M GEMM instructions were `sgemm_incopy`). Here
/// each output is a dot product of an A row and a B row, both contiguous, read straight from
/// memory: B is streamed once, A (M·K floats) stays in L1.
///
/// The kernel is C (Sources/CKernels): Swift here builds for baseline x86-64, and the kernel
/// picks an AVX2+FMA body at run time. Register block: 4 A rows × 2 B rows, eight 8-float
/// accumulators over K, then one horizontal reduction.
/// Large products split their B rows (N) over the threads (`Parallel.forRanges`); every output is
/// computed by one thread in one order, so results do not depend on the split.
enum SmallGEMM {
    /// M·N·K from which the N rows are split over threads (below, the hand-off costs more than
    /// it saves).
    nonisolated(unsafe) static var threadsFrom = 262_144

    /// oneDNN backend: whether each thread reads its B rows ahead in blocks of about
    /// `readAheadBlockBytes` (one pass of loads, then the product on the block, now in L2), for
    /// matrices of at least `readAheadMinBytes`. oneDNN's few-rows kernel streams a weight matrix
    /// from DRAM at about half the rate of a plain read pass (`mt-bench gemm --layout nt`), so when
    /// a decoding step's weights do not fit the last-level cache (each comes from memory) the two
    /// together are faster; when they stay in cache the extra pass only costs. Set per search from
    /// the model's size (`GEMM.noteStepWeights`). Results are unchanged: every block is its own
    /// oneDNN call on whole rows, and an output does not depend on how B's rows are split.
    nonisolated(unsafe) static var readAhead = false
    static let readAheadMinBytes = 256 << 10
    static let readAheadBlockBytes = 256 << 10

    static func run(m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int,
                    b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Inside a parallel region (products issued from several threads) stay on this thread.
        let readAhead = readAhead && GEMM.backend == .onednn && n &* ldb &* 4 >= readAheadMinBytes
        if GEMM.parallelDepth > 0 {
            blocks(rows: 0..<n, readAhead: readAhead, m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
            return
        }
        let ap = SendablePointer(UnsafeMutablePointer(mutating: a)), bp = SendablePointer(UnsafeMutablePointer(mutating: b))
        let cp = SendablePointer(c)
        Parallel.forRanges(n, work: m &* n &* k, minWork: threadsFrom) { rows in
            blocks(rows: rows, readAhead: readAhead, m: m, k: k, alpha: alpha, a: ap.p, lda: lda, b: bp.p, ldb: ldb,
                   beta: beta, c: cp.p, ldc: ldc)
        }
    }

    /// Outputs C[0..<m, rows], read ahead block by block when `readAhead`.
    @inline(__always)
    static func blocks(rows: Range<Int>, readAhead: Bool, m: Int, k: Int, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard readAhead else {
            return block(rows: rows, m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        let step = Swift.max(16, readAheadBlockBytes / (ldb &* 4))  // B rows a block
        var lo = rows.lowerBound
        while lo < rows.upperBound {
            let hi = Swift.min(rows.upperBound, lo + step)
            mt_read_lines(b + lo * ldb, (hi - lo - 1) * ldb + k)
            block(rows: lo..<hi, m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            lo = hi
        }
    }

    /// Outputs C[0..<m, rows]: oneDNN, or CKernels (AVX2+FMA when the CPU has it) on OpenBLAS.
    @inline(__always)
    static func block(rows: Range<Int>, m: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if GEMM.backend == .onednn {
            GEMM.one(.none, .transposed, m: m, n: rows.count, k: k, alpha: alpha, a: a, lda: lda,
                     b: b + rows.lowerBound * ldb, ldb: ldb, beta: beta, c: c + rows.lowerBound, ldc: ldc)
            return
        }
        mt_small_gemm_nt(Int32(m), Int32(rows.lowerBound), Int32(rows.upperBound), Int32(k), alpha,
                         a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
