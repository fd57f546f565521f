import CKernels

/// Work splitting over CPU threads for loops, products of a decoding step included.
///
/// `Parallel.forRanges` splits `0..<count` into at most `GEMM.maxThreads` contiguous parts and
/// runs them on the calling thread and the persistent workers of `CKernels/spin_pool.c`, which
/// spin for `MT_SPIN_US` (default 200 µs) after a job before they sleep: a hand-off costs well
/// under a microsecond while jobs keep coming (a decoding step's ~40 products), where
/// `DispatchQueue.concurrentPerform` woke a sleeping thread every call (tens of µs here, so two
/// threads decoded slower than one). It runs inline when the work is small or one thread is
/// allowed. The split is deterministic and results must not depend on it or on which thread runs
/// a part (derive per-item RNG streams, never per-thread ones). Bodies may call `GEMM`: inside
/// the region each product runs on one OpenBLAS thread (see `GEMM.parallelRegion`). A call from
/// inside a body, or from a second thread while one runs, runs inline.
public enum Parallel {
    /// Calls `body` on contiguous sub-ranges covering 0..<count.
    /// - Parameter work: an estimate of the total work in elements, to decide whether to fan out.
    public static func forRanges(_ count: Int, work: Int, minWork: Int = 100_000,
                                 _ body: @Sendable (Range<Int>) -> Void) {
        let threads = min(GEMM.maxThreads, count)
        if threads <= 1 || work < minWork || GEMM.parallelDepth > 0 {
            if count > 0 { body(0..<count) }
            return
        }
        GEMM.parallelRegion {
            withoutActuallyEscaping(body) { escapable in
                var f = escapable
                withUnsafeMutablePointer(to: &f) { p in
                    mt_pool_run(count, Int32(threads), rangeTrampoline, UnsafeMutableRawPointer(p))
                }
            }
        }
    }

    /// Workers the pool has started (tests).
    public static var poolWorkers: Int { Int(mt_pool_workers()) }
}

/// The C callback: `ctx` points at the caller's `(Range<Int>) -> Void` for the duration of the call.
private let rangeTrampoline: mt_range_fn = { ctx, lo, hi in
    ctx!.assumingMemoryBound(to: (@Sendable (Range<Int>) -> Void).self).pointee(lo..<hi)
}

/// A pointer that may cross into a `@Sendable` closure. The caller promises that concurrent
/// users write disjoint elements.
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}
