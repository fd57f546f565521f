@_exported import MTTensor

/// Shared pieces of the operators: padding masks, parameter initialisers, dropout masks drawn
/// from per-row RNG streams, and the work splitter for per-(sentence, head) loops.
///
/// Conventions for every op in this module (llm.c style):
/// - `forward` reads weights from a `ParameterStore`, takes activations from an `Arena`, and
///   returns a small `Cache` struct holding the output (`y`) and whatever backward needs.
/// - `backward` ADDS into the parameter gradients (`params.grad(id)`) and ADDS into the input
///   gradient tensors it is given (callers zero them, or pass a buffer that already holds other
///   contributions, such as a residual stream). The only exception is `CrossEntropy.backward`,
///   which writes (so it may run in place over the logits).
/// - Shapes are row-major; `[B, T, D]` tensors may be passed flattened as `[B·T, D]` wherever an
///   op only works per row.

/// Which positions of a [B, L] batch are padding (1) or real tokens (0).
public struct PaddingMask: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// [B, L], 1 = padding.
    public let isPad: [UInt8]

    public init(batch: Int, length: Int, isPad: [UInt8]) {
        precondition(isPad.count == batch * length, "PaddingMask: \(isPad.count) flags for [\(batch), \(length)]")
        self.batch = batch
        self.length = length
        self.isPad = isPad
    }

    /// Mask from token ids [B, L]: padding where `tokens == padID`.
    public init(tokens: [Int32], batch: Int, length: Int, padID: Int32) {
        precondition(tokens.count == batch * length, "PaddingMask: \(tokens.count) tokens for [\(batch), \(length)]")
        self.init(batch: batch, length: length, isPad: tokens.map { $0 == padID ? 1 : 0 })
    }

    /// True when any position is padding.
    public var hasPadding: Bool { isPad.contains(1) }

    /// Number of real (non-pad) positions.
    public var realCount: Int { isPad.count - isPad.reduce(0) { $0 + Int($1) } }
}

/// Parameter initialisers (PyTorch's conventions).
public enum Init {
    /// U(−bound, bound) over the whole tensor.
    public static func uniform(_ t: Tensor, bound: Float, rng: inout RNG) {
        rng.fillUniform(t, -bound, bound)
    }

    /// Xavier/Glorot uniform for a [out, in] weight: bound = gain · √(6 / (in + out)).
    public static func xavierUniform(_ t: Tensor, gain: Float = 1, rng: inout RNG) {
        let (fanOut, fanIn) = t.matrixDims
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        rng.fillUniform(t, -bound, bound)
    }
}

/// Dropout masks: each element is 0 with probability p and 1/(1 − p) otherwise. Row `r` draws
/// from its own stream `RNG(seed: seed, stream: r)`, so the mask does not depend on the
/// thread count. Ops take `seed = rng.next()` from the caller's generator.
public enum DropoutMask {
    /// Fills mask [rows, cols]; given `x` and `y` (same count), also y = x ⊙ mask, row by row
    /// while the mask row is in cache (one pass instead of two).
    public static func fill(_ mask: Tensor, rows: Int, cols: Int, probability p: Float, seed: UInt64,
                            applyingTo x: Tensor? = nil, into y: Tensor? = nil) {
        precondition(rows * cols == mask.count, "DropoutMask: [\(rows), \(cols)] into \(mask.shape)")
        precondition(p >= 0 && p < 1, "DropoutMask: p = \(p) not in [0, 1)")
        precondition((x == nil) == (y == nil) && (x.map { $0.count == mask.count } ?? true) && (y.map { $0.count == mask.count } ?? true),
                     "DropoutMask: x \(x?.shape ?? []) and y \(y?.shape ?? []) for mask \(mask.shape)")
        let threshold = RNG.dropThreshold(p), keep = 1 / (1 - p)
        let mp = SendablePointer(mask.pointer)
        let xp = x.map { SendableConstPointer(UnsafePointer($0.pointer)) }, yp = y.map { SendablePointer($0.pointer) }
        let simd = useSIMD
        // Groups of four rows (the kernel's SIMD width), so the split never cuts one.
        let groups = (rows + 3) / 4
        Parallel.forRanges(groups, work: rows * cols * 4) { g in
            RNG.dropoutRows(mp.p, xp?.p, yp?.p, cols: cols, rows: (g.lowerBound * 4)..<Swift.min(rows, g.upperBound * 4),
                            seed: seed, threshold: threshold, keep: keep, simd: simd)
        }
    }

    /// Whether `fill` may run four rows' generators side by side (AVX2); tests turn it off to
    /// compare. The bits are the same either way.
    nonisolated(unsafe) public static var useSIMD = true
}

/// Switches for the operators' own threading (benchmarks and tests flip them).
public enum OpConfig {
    /// Spread per-(sentence, head) loops over `GEMM.maxThreads` threads when it is safe (see
    /// `OpLoop.items`). Results are bit-identical either way: every item does the same arithmetic.
    nonisolated(unsafe) public static var parallelItems = true

    /// Sets OpenBLAS to one thread through GEMM's policy (`GEMM.prepareForConcurrentProducts`).
    /// Call it before fanning out work whose products are all single-threaded by that policy
    /// (e.g. decoding steps of different sentences on different threads): GEMM's thread switch
    /// is not safe to enter concurrently with different counts, but reading it is.
    public static func pinGEMMToOneThread() { OpLoop.pinSingleThread() }
}

/// Loops over independent work items (usually (sentence, head) pairs).
enum OpLoop {
    /// Calls body(i) for i in 0..<count; items must write disjoint memory.
    ///
    /// The items call `GEMM.sgemm`, whose thread policy switches OpenBLAS's thread count and is
    /// not safe to enter concurrently with a different count. So the loop fans out only when
    /// every product inside (`inner`, as (m, n, k)) runs on one thread by GEMM's policy; it first
    /// puts OpenBLAS on one thread from the calling thread (`GEMM.prepareForConcurrentProducts`),
    /// so the workers only read that setting. `work` estimates total flops (fan-out above 100k).
    /// Timed as a whole while GEMM counts products (`GEMM.timedRegion`, mt-bench train).
    static func items(_ count: Int, work: Int, inner: [(Int, Int, Int)], _ body: @Sendable (Int) -> Void) {
        GEMM.timedRegion {
            let safe = inner.allSatisfy { GEMM.threads(m: $0.0, n: $0.1, k: $0.2) == 1 }
            if !OpConfig.parallelItems || !safe || GEMM.maxThreads <= 1 || count < 2 || work < 100_000 {
                for i in 0..<count { body(i) }
                return
            }
            pinSingleThread()
            Parallel.forRanges(count, work: work) { range in
                for i in range { body(i) }
            }
        }
    }

    /// Sets OpenBLAS to one thread through GEMM's policy.
    static func pinSingleThread() { GEMM.prepareForConcurrentProducts() }

    /// Calls body on row ranges, in parallel when the work is large (no GEMM inside).
    @inline(__always)
    static func rows(_ count: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        Parallel.forRanges(count, work: work, body)
    }
}

/// The T2R denominator floor (T2R.md §7.1): denominators below this are replaced by it.
public let t2rEpsilon: Float = 0.01
