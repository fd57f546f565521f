/// Elementwise kernels and vector reductions over raw pointers: the fused, allocation-free
/// building blocks of the operators. All take element counts; `n == 0` is a no-op. Outputs may
/// alias inputs unless a comment says otherwise. The public kernels are `@inlinable`, so the
/// operators' and the decoder's calls from other modules compile as if written in place.
/// Row-wise kernels (softmax, log-sum-exp, layer-norm statistics) are in RowKernels.swift.
public enum Kernels {
    /// y[i] = a[i] + b[i]
    @inlinable public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                      _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = a[i] + b[i] }
    }

    /// y[i] *= s
    @inlinable @inline(__always)
    public static func scale(_ y: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { y[i] *= s }
    }

    /// y[i] += alpha · x[i], eight lanes at a time (each element is one multiply and one add,
    /// rounded separately, as in a scalar loop).
    @inlinable @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let av = SIMD8<Float>(repeating: alpha)
        while i + 8 <= n {
            FastMath.store(FastMath.load(y + i) + av * FastMath.load(x + i), y + i)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// y[i] = max(x[i], 0) (NaN and −0 give +0).
    @inlinable @inline(__always)
    public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    /// g[i] = h[i] > 0 ? g[i] · s : 0: ReLU's backward through its output h, with a scale (the
    /// dropout keep factor), eight lanes at a time (a scalar loop compiles to a branch per element).
    @inlinable @inline(__always)
    public static func reluBackward(_ h: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        var i = 0
        let sv = SIMD8<Float>(repeating: s), zero = SIMD8<Float>()
        while i + 8 <= n {
            let scaled = FastMath.load(g + i) * sv
            FastMath.store(zero.replacing(with: scaled, where: FastMath.load(h + i) .> zero), g + i)
            i += 8
        }
        while i < n { g[i] = h[i] > 0 ? g[i] * s : 0; i += 1 }
    }

    /// Σ_i x[i]·y[i]: eight Float lane sums, reduced by `SIMD8.sum()`, then the tail added in order.
    @inlinable @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += FastMath.load(x + i) * FastMath.load(y + i)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// Sum of x[0..<n], with eight partial sums in Float lanes then a Double total.
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { acc += FastMath.load(x + i); i += 8 }
        var total = 0.0
        for l in 0..<8 { total += Double(acc[l]) }
        while i < n { total += Double(x[i]); i += 1 }
        return Float(total)
    }

    /// Sum of squares of x[0..<n], accumulated in Double.
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        var acc = SIMD8<Float>(repeating: 0)
        var total = 0.0
        var i = 0
        while i + 8 <= n {
            let v = FastMath.load(x + i)
            acc += v * v
            i += 8
            if i & 1023 == 0 {  // flush lanes often so long slabs keep Double accuracy
                for l in 0..<8 { total += Double(acc[l]) }
                acc = .zero
            }
        }
        for l in 0..<8 { total += Double(acc[l]) }
        while i < n { total += Double(x[i]) * Double(x[i]); i += 1 }
        return total
    }

    /// Maximum of x[0..<n] (−∞ for n = 0): eight running maxima updated with a compare and
    /// select (the generic `pointwiseMax` is not inlined), then `SIMD8.max()` and the tail.
    @inlinable @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var mv = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = FastMath.load(x + i)
            mv = mv.replacing(with: v, where: v .> mv)
            i += 8
        }
        var m = mv.max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }
}
