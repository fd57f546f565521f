import Dispatch

/// Work splitting over CPU threads for loops that are not matrix products.
///
/// `concurrentPerform` costs 1.3–2.6 µs a call (PLATFORM.md): it pays above about 100k elements
/// of work and hurts inside a decoding step. `Parallel.forRanges` splits `0..<count` into at most
/// `GEMM.maxThreads` contiguous chunks, and runs inline when the work is small or one thread is
/// allowed. The split is deterministic and results must not depend on it (derive per-item RNG
/// streams, never per-thread ones). Bodies may call `GEMM`: inside the region each product runs
/// on one OpenBLAS thread (see `GEMM.parallelRegion`). Call `forRanges` from one thread at a time.
public enum Parallel {
    /// Calls `body` on contiguous sub-ranges covering 0..<count.
    /// - Parameter work: an estimate of the total work in elements, to decide whether to fan out.
    public static func forRanges(_ count: Int, work: Int, minWork: Int = 100_000,
                                 _ body: @Sendable (Range<Int>) -> Void) {
        let threads = min(GEMM.maxThreads, count)
        if threads <= 1 || work < minWork {
            if count > 0 { body(0..<count) }
            return
        }
        GEMM.parallelRegion {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = count * t / threads, hi = count * (t + 1) / threads
                if lo < hi { body(lo..<hi) }
            }
        }
    }
}

/// A pointer that may cross into a `@Sendable` closure. The caller promises that concurrent
/// users write disjoint elements.
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}
