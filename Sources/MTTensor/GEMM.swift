import COpenBLAS
import COneDNN
import CKernels
import Glibc

/// The one GEMM wrapper. Every matrix product in the toolkit goes through here, and here only
/// the backend is called: oneDNN's `dnnl_sgemm` (default) or OpenBLAS's `cblas_sgemm`
/// (`GEMM.backend`, `MT_GEMM=openblas`). A · Bᵀ with at most `smallMaxM` rows (a decoding step)
/// runs through `SmallGEMM`, which splits B's rows over the threads.
///
/// C[M,N] = alpha · op(A) · op(B) + beta · C, row-major, where op(A) is [M,K] and op(B) is [K,N].
/// `lda`, `ldb`, `ldc` are the row strides of the matrices *as stored*
/// (A stored [M,K] when `.none`, [K,M] when `.transposed`).
///
/// Thread policy: the backend runs on one thread per call (OpenBLAS set to one thread; oneDNN's
/// OpenMP team capped at one per calling thread). Products whose work M·N·K is below
/// `GEMM.singleThreadBelow`, or whose M is at most `GEMM.singleThreadMaxM` (OpenBLAS splits even
/// tiny products, and a one-step decoding product is slower on 2 threads than on 1, PLATFORM.md),
/// run on the calling thread; the rest are split over `GEMM.maxThreads` by `split` (the `Parallel`
/// pool), and few-rows products split their B rows in `SmallGEMM`.
public enum GEMM {
    public enum Transpose: Sendable { case none, transposed }

    /// The library that multiplies. oneDNN chooses its kernels from the CPU's instruction sets at
    /// run time (AVX-512 included); Debian's OpenBLAS 0.3.21 follows `OPENBLAS_CORETYPE` or its
    /// own detection, which gives Zen 4 AVX2 kernels. `mt-bench gemm` measures both in one run
    /// (README: GEMM backends). The two round differently: outputs agree to float32 rounding,
    /// not bit for bit.
    public enum Backend: String, Sendable, CaseIterable {
        /// oneDNN (libdnnl-dev) `dnnl_sgemm`.
        case onednn
        /// OpenBLAS `cblas_sgemm`, with the toolkit's own AVX2 kernel for few-row A · Bᵀ.
        case openblas
    }

    /// The backend every product uses. Default: `MT_GEMM` (onednn, openblas), else oneDNN.
    nonisolated(unsafe) public static var backend: Backend = {
        if let s = getenvString("MT_GEMM") {
            guard let b = Backend(rawValue: s.lowercased()) else {
                fatalError("MT_GEMM=\(s): expected one of \(Backend.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return b
        }
        return .onednn
    }()

    /// Threads the toolkit uses for its split of products and loops (set from `--threads`).
    /// Default: `MT_THREADS`, else OpenBLAS's thread count at start-up (`OPENBLAS_NUM_THREADS` or
    /// the cores), read before the toolkit first puts OpenBLAS on one thread.
    nonisolated(unsafe) public static var maxThreads: Int = defaultThreads()
    /// Products with M·N·K below this run on one thread.
    nonisolated(unsafe) public static var singleThreadBelow: Int = 2_000_000
    /// Products with M at most this run on one thread (one decoding step, beam rows).
    nonisolated(unsafe) public static var singleThreadMaxM: Int = 16
    /// Products A · Bᵀ with M at most this go to `SmallGEMM` (one decoding step's rows times a
    /// weight matrix stored [out, in]); 0 sends everything to the general path. The
    /// environment's `MT_SMALL_GEMM_MAX_M` sets it (benchmarks compare both paths in one run).
    nonisolated(unsafe) public static var smallMaxM: Int = {
        if let s = getenvString("MT_SMALL_GEMM_MAX_M"), let n = Int(s), n >= 0 { return n }
        return 16
    }()
    /// ... and only when B has at least this many elements (a weight matrix: packing it is what
    /// SmallGEMM saves on OpenBLAS; attention's per-head products over a few keys stay on the
    /// general path).
    nonisolated(unsafe) public static var smallMinBElements: Int = 32_768
    /// Whether OpenBLAS has been put on one thread (cleared by `setThreads`).
    nonisolated(unsafe) private static var openBLASOnOneThread = false
    /// Depth of `Parallel` regions entered from the main flow: inside one, every product runs on
    /// the one OpenBLAS thread set on entry and the policy never calls into OpenBLAS's settings,
    /// so products may be issued from several threads at once (one per sentence, say).
    nonisolated(unsafe) static var parallelDepth = 0

    static func defaultThreads() -> Int {
        if let s = getenvString("MT_THREADS"), let n = Int(s), n > 0 { return n }
        return Int(openblas_get_num_threads())
    }

    /// Sets the thread cap for all later products and `Parallel` loops.
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "GEMM.setThreads: \(n) threads")
        maxThreads = n
        openBLASOnOneThread = false  // re-apply on the next product (someone may have called OpenBLAS directly)
    }

    /// Threads the policy picks for a product of this shape.
    @inlinable public static func threads(m: Int, n: Int, k: Int) -> Int {
        if m <= singleThreadMaxM || m &* n &* k < singleThreadBelow { return 1 }
        return maxThreads
    }

    /// Runs `body` (which fans out over threads) with OpenBLAS on one thread, so products issued
    /// concurrently from inside it are safe and do not oversubscribe the cores.
    static func parallelRegion(_ body: () -> Void) {
        if parallelDepth == 0 { useOneOpenBLASThread() }
        parallelDepth += 1
        body()
        parallelDepth -= 1
    }

    /// Puts OpenBLAS on one thread before products are issued from several threads at once (a
    /// loop over sentences whose products each run on one thread), without issuing a product.
    /// (Inside a parallel region it is already so, and settings are not touched.)
    public static func prepareForConcurrentProducts() {
        if parallelDepth == 0 { useOneOpenBLASThread() }
    }

    /// Puts OpenBLAS on one thread (the toolkit splits products itself, `split`). `maxThreads` is
    /// read first, so that its default still sees OpenBLAS's start-up thread count.
    @inline(__always) static func useOneOpenBLASThread() {
        if !openBLASOnOneThread {
            _ = maxThreads
            openblas_set_num_threads(1)
            openBLASOnOneThread = true
        }
    }

    /// C = alpha · op(A) · op(B) + beta · C.
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // BLAS leaves C alone when K = 0 only if beta = 1; define it as beta · C.
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 {
                    for j in 0..<n { row[j] *= beta }
                }
            }
            return
        }
        if mt_counting_products() != 0 {
            mt_count_product(Int32(m), Int32(n), Int32(k), transA == .none ? 0 : 1, transB == .none ? 0 : 1)
            if parallelDepth == 0 {  // a top-level product: its wall time too (mt-bench train)
                let start = monotonicSeconds()
                dispatch(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc)
                mt_count_top_level_product(Int32(m), Int32(n), Int32(k), transA == .none ? 0 : 1, transB == .none ? 0 : 1,
                                           monotonicSeconds() - start)
                return
            }
        }
        dispatch(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
    }

    /// `sgemm` after the trivial cases: the small-M kernel, the toolkit's split, or one backend call.
    @inline(__always) static func dispatch(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m <= smallMaxM && transA == .none && transB == .transposed && n &* k >= smallMinBElements {
            SmallGEMM.run(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if parallelDepth == 0 {
            if threads(m: m, n: n, k: k) > 1 {
                return split(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                             beta: beta, c: c, ldc: ldc)
            }
            useOneOpenBLASThread()
        }
        one(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }

    /// The product on the calling thread, by the backend (OpenBLAS must already be on one thread).
    @inline(__always)
    static func one(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch backend {
        case .onednn:
            let status = mt_onednn_sgemm(transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k, alpha,
                                         a, lda, b, ldb, beta, c, ldc)
            precondition(status == 0, "dnnl_sgemm: status \(status) for [\(m), \(k)] · [\(k), \(n)] (lda \(lda), ldb \(ldb), ldc \(ldc))")
        case .openblas:
            cblas_sgemm(CblasRowMajor,
                        transA == .none ? CblasNoTrans : CblasTrans,
                        transB == .none ? CblasNoTrans : CblasTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// A product large enough for several threads, split by the toolkit instead of the backend:
    /// C's rows (or, for fewer than `splitBlock`·8 rows, its columns) in blocks of `splitBlock`,
    /// one part per thread on the `Parallel` pool, each part a one-thread backend call.
    /// OpenBLAS's own threads, once woken, spin (sched_yield) for up to 2^28 cycles after their
    /// work: after one threaded product (a sentence's encoder) they competed for the second core
    /// with the pool's workers through the whole decode; oneDNN's OpenMP threads would do the same.
    /// The split is fixed by the shape and the thread count, so results are deterministic.
    static let splitBlock = 16

    static func split(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let ap = SendablePointer(UnsafeMutablePointer(mutating: a)), bp = SendablePointer(UnsafeMutablePointer(mutating: b))
        let cp = SendablePointer(c)
        useOneOpenBLASThread()
        let byRows = m >= 8 * splitBlock
        let blocks = ((byRows ? m : n) + splitBlock - 1) / splitBlock
        Parallel.forRanges(blocks, work: .max, minWork: 0) { r in
            let lo = r.lowerBound * splitBlock, hi = Swift.min(byRows ? m : n, r.upperBound * splitBlock)
            if byRows {  // C[lo..<hi, :] = op(A)[lo..<hi, :] · op(B)
                let aPart = transA == .none ? ap.p + lo * lda : ap.p + lo
                one(transA, transB, m: hi - lo, n: n, k: k, alpha: alpha, a: aPart, lda: lda, b: bp.p, ldb: ldb,
                    beta: beta, c: cp.p + lo * ldc, ldc: ldc)
            } else {  // C[:, lo..<hi] = op(A) · op(B)[:, lo..<hi]
                let bPart = transB == .none ? bp.p + lo : bp.p + lo * ldb
                one(transA, transB, m: m, n: hi - lo, k: k, alpha: alpha, a: ap.p, lda: lda, b: bPart, ldb: ldb,
                    beta: beta, c: cp.p + lo, ldc: ldc)
            }
        }
    }

    /// Strided batch: for i in 0..<batch, C_i = alpha · op(A_i) · op(B_i) + beta · C_i with
    /// A_i = a + i·strideA etc. Used for attention over heads. Small members run on one thread each.
    public static func sgemmBatched(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int, batch: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: Int,
        b: UnsafePointer<Float>, ldb: Int, strideB: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int
    ) {
        for i in 0..<batch {
            sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha,
                  a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                  beta: beta, c: c + i * strideC, ldc: ldc)
        }
    }

    /// Tensor form: C = alpha · op(A) · op(B) + beta · C for rank-2 views (leading dims folded).
    public static func matmul(_ a: Tensor, _ transA: Transpose = .none,
                              _ b: Tensor, _ transB: Transpose = .none,
                              into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        let (ar, ac) = a.matrixDims
        let (br, bc) = b.matrixDims
        let (m, k) = transA == .none ? (ar, ac) : (ac, ar)
        let (kb, n) = transB == .none ? (br, bc) : (bc, br)
        let (cr, cc) = c.matrixDims
        precondition(k == kb && cr == m && cc == n,
                     "matmul: op(A) [\(m), \(k)] · op(B) [\(kb), \(n)] into C \(c.shape)")
        sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha,
              a: a.pointer, lda: ac, b: b.pointer, ldb: bc, beta: beta, c: c.pointer, ldc: cc)
    }

    /// A product's shape: C[m, n] = op(A)[m, k] · op(B)[k, n].
    public typealias ProductShape = (m: Int, n: Int, k: Int, transA: Transpose, transB: Transpose)

    /// FLOPs (2·m·n·k) of every product `body` issues through this wrapper (int8 products of
    /// `GEMM.int8` excluded), and the largest of them: a step's model FLOPs counted from the
    /// shapes it actually multiplies (benchmarks; products from worker threads count too).
    /// `topLevelFlops` and `topLevelSeconds` cover the products issued outside parallel regions
    /// (each timed as a whole, however it is split), so a step's time divides into those products
    /// and the rest (other kernels, and products issued from inside parallel regions);
    /// `topLevelByShape` the same per shape, in first-seen order.
    public static func countingProducts(_ body: () throws -> Void) rethrows
        -> (flops: Double, largest: ProductShape, topLevelFlops: Double, topLevelSeconds: Double,
            topLevelByShape: [(shape: ProductShape, calls: Int, seconds: Double)]) {
        mt_count_products(1)
        defer { mt_count_products(0) }
        countedRegionSeconds = 0
        try body()
        func shape(_ s: mt_product_shape) -> ProductShape {
            (Int(s.m), Int(s.n), Int(s.k), s.trans_a == 0 ? .none : .transposed, s.trans_b == 0 ? .none : .transposed)
        }
        var topFlops = 0.0, topSeconds = 0.0
        mt_counted_top_level(&topFlops, &topSeconds)
        var table = [mt_shape_time](repeating: mt_shape_time(), count: Int(MT_MAX_SHAPES))
        let n = Int(mt_counted_top_level_shapes(&table, MT_MAX_SHAPES))
        return (mt_counted_flops(), shape(mt_largest_product()), topFlops, topSeconds,
                table[..<n].map { (shape($0.shape), Int($0.calls), $0.seconds) })
    }

    /// Wall time of the regions `timedRegion` wrapped during the last `countingProducts` (mt-bench
    /// train: the operators' per-sentence, per-head loops, whose products run inside them).
    nonisolated(unsafe) public private(set) static var countedRegionSeconds = 0.0

    /// Runs `body`, and while `countingProducts` is on, adds its wall time to
    /// `countedRegionSeconds` (only outside parallel regions, so nothing is counted twice).
    @inline(__always)
    public static func timedRegion(_ body: () -> Void) {
        guard mt_counting_products() != 0 && parallelDepth == 0 else { return body() }
        let start = monotonicSeconds()
        body()
        countedRegionSeconds += monotonicSeconds() - start
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Reference triple loop (tests only): the same contract as `sgemm`, accumulated in Double.
    public static func reference(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + prior)
            }
        }
    }
}

extension Tensor {
    /// (rows, columns) with all leading dimensions folded into rows.
    public var matrixDims: (Int, Int) {
        guard let last = shape.last else { return (1, 1) }
        return (last == 0 ? 0 : count / last, last)
    }
}
