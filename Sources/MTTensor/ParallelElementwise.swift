/// The elementwise passes of a training step over whole activations, spread over the toolkit's
/// threads.
///
/// A training step makes a few hundred passes over [B·T, D] activations outside the matrix
/// products: residual sums, gradient accumulation, dropout, bias rows, zeroed gradient buffers.
/// Run on the calling thread, each left the other thread idle (perf on `mt-bench train`: these
/// passes took a few percent of the samples, and as much again of wall time went to the other
/// thread's wait). These split `0..<n` into contiguous parts through `Parallel.forRanges`; every element
/// is computed by the same arithmetic as the serial kernels in Elementwise.swift, so results are
/// bit-identical however the range is split. Small counts (under `minElements`) and calls from
/// inside a parallel region run inline.
public enum ParallelKernels {
    /// Below this many elements a pass runs on the calling thread (a hand-off is not worth it).
    public static let minElements = 65_536

    @inline(__always)
    static func chunks(_ n: Int, _ body: @Sendable (Range<Int>) -> Void) {
        Parallel.forRanges(n, work: n, minWork: minElements, body)
    }

    /// y[i] = a[i] + b[i]
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SendableConstPointer(a), b = SendableConstPointer(b), y = SendablePointer(y)
        chunks(n) { r in Kernels.add(a.p + r.lowerBound, b.p + r.lowerBound, y.p + r.lowerBound, r.count) }
    }

    /// y[i] += alpha · x[i]
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let x = SendableConstPointer(x), y = SendablePointer(y)
        chunks(n) { r in Kernels.axpy(alpha, x.p + r.lowerBound, y.p + r.lowerBound, r.count) }
    }

    /// d[i] += g[i] · m[i]
    public static func addProduct(_ g: UnsafePointer<Float>, _ m: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, _ n: Int) {
        let g = SendableConstPointer(g), m = SendableConstPointer(m), d = SendablePointer(d)
        chunks(n) { r in
            for i in r { d.p[i] += g.p[i] * m.p[i] }
        }
    }

    /// y[i] = value
    public static func fill(_ y: UnsafeMutablePointer<Float>, _ value: Float, _ n: Int) {
        let y = SendablePointer(y)
        chunks(n) { r in (y.p + r.lowerBound).update(repeating: value, count: r.count) }
    }

    /// Σ x[i]² in Double, bit-identical to `Kernels.sumOfSquares`: that kernel sums eight Float
    /// lanes over each block of 1,024 elements and adds the lanes into a Double total block by
    /// block; here the blocks' lanes are summed in parallel into a buffer, then added in the same
    /// order (the gradient norm of every update reads the whole gradient slab).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        let groups = n / 8, blocks = (groups + 127) / 128  // 128 groups of 8 = 1,024 elements
        if n < minElements { return Kernels.sumOfSquares(x, n) }
        let lanes = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: blocks)
        defer { lanes.deallocate() }
        let xs = SendableConstPointer(x), ls = SendablePointer(lanes)
        Parallel.forRanges(blocks, work: n, minWork: minElements) { r in
            for b in r {
                var acc = SIMD8<Float>(repeating: 0)
                for g in (b * 128)..<min(groups, (b + 1) * 128) {
                    let v = FastMath.load(xs.p + 8 * g)
                    acc += v * v
                }
                ls.p[b] = acc
            }
        }
        var total = 0.0
        for b in 0..<blocks {
            for l in 0..<8 { total += Double(lanes[b][l]) }
        }
        for i in (8 * groups)..<n { total += Double(x[i]) * Double(x[i]) }
        return total
    }

    /// Each of `rows` rows of y (row stride ldy) = the vector v [cols].
    public static func fillRows(_ y: UnsafeMutablePointer<Float>, ldy: Int, rows: Int, with v: UnsafePointer<Float>, cols: Int) {
        let y = SendablePointer(y), v = SendableConstPointer(v)
        Parallel.forRanges(rows, work: rows * cols, minWork: minElements) { r in
            for row in r { (y.p + row * ldy).update(from: v.p, count: cols) }
        }
    }
}

/// A read-only pointer that may cross into a `@Sendable` closure.
public struct SendableConstPointer<T>: @unchecked Sendable {
    public let p: UnsafePointer<T>
    public init(_ p: UnsafePointer<T>) { self.p = p }
}
