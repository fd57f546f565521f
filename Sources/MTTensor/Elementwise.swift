/// Elementwise kernels over raw pointers: the fused, allocation-free building blocks of the
/// operators. All take element counts; `n == 0` is a no-op. Outputs may alias inputs unless a
/// comment says otherwise. Plain indexed loops over pointers vectorise in release builds.
public enum Kernels {
    /// y[i] = a[i] + b[i]
    @inlinable public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                      _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = a[i] + b[i] }
    }

    /// y[i] *= s
    @inlinable public static func scale(_ y: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { y[i] *= s }
    }

    /// y[i] += alpha · x[i]
    @inlinable public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>,
                                       _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// y[r, c] += bias[c] for a [rows, cols] matrix (bias broadcast over rows).
    @inlinable public static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                                          rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = y + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// y[i] = max(x[i], 0)
    @inlinable public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    /// dx[i] += y[i] > 0 ? dy[i] : 0, where y is the ReLU output (or its input: same sign test).
    @inlinable public static func reluBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                               _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] += y[i] > 0 ? dy[i] : 0 }
    }

    static let geluC: Float = 0.7978845608028654  // sqrt(2/pi)
    static let geluA: Float = 0.044715

    /// GELU, tanh form: y = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i < n {
            let m = min(8, n - i)
            let v = FastMath.load(x + i, m)
            let t = FastMath.tanh(geluC * (v + geluA * v * v * v))
            FastMath.store(0.5 * v * (1 + t), y + i, m)
            i += 8
        }
    }

    /// dx[i] += dy[i] · GELU'(x[i]) (x is the GELU input).
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i < n {
            let m = min(8, n - i)
            let v = FastMath.load(x + i, m)
            let t = FastMath.tanh(geluC * (v + geluA * v * v * v))
            let dt = geluC * (1 + 3 * geluA * v * v)
            let d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dt
            let acc = FastMath.load(dx + i, m) + FastMath.load(dy + i, m) * d
            FastMath.store(acc, dx + i, m)
            i += 8
        }
    }

    /// Sum of x[0..<n], with eight partial sums in Double-free Float lanes then a Double total.
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { acc += FastMath.load(x + i, 8); i += 8 }
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
            let v = FastMath.load(x + i, 8)
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

    /// Maximum of x[0..<n] (−∞ for n = 0).
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        // Eight running maxima in a tuple-like SIMD vector, compared lane by lane with plain
        // selects (the generic pointwiseMax is not inlined).
        var m = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            for l in 0..<8 { let v = x[i + l]; m[l] = v > m[l] ? v : m[l] }
            i += 8
        }
        var r: Float = -.infinity
        for l in 0..<8 { r = m[l] > r ? m[l] : r }
        while i < n { r = x[i] > r ? x[i] : r; i += 1 }
        return r
    }
}
