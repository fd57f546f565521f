import CKernels
/// Row kernels: softmax, log-sum-exp, the cross-entropy's row passes and layer-norm statistics,
/// over one row of n values or a row-major [rows, cols] matrix. Exponentials use
/// `FastMath.exp`; exp sums are accumulated in eight Float lanes (elements i ≡ l mod 8 in lane
/// l), the lanes added in order into a Double, then the tail elements one by one in Double.
/// That order is part of the result: softmax attention, the loss and beam scores all depend on it.
extension Kernels {
    /// Σ_i exp(x[i] − m), lanes in Float, total in Double: CKernels' AVX2 body (the same bits)
    /// for rows of 64 or more where the CPU has AVX2 (vocabulary rows: a tenth of a decoding
    /// step), else `sumExpPortable`.
    @inlinable @inline(__always)
    public static func sumExp(_ x: UnsafePointer<Float>, _ n: Int, minus m: Float) -> Double {
        if n >= 64 && sumExpInC { return sumExpAVX2(x, n, minus: m) }
        return sumExpPortable(x, n, minus: m)
    }

    /// Whether `sumExp` may use the AVX2 body.
    public static let sumExpInC = mt_sum_exp_available() != 0

    /// The AVX2 body (only when `sumExpInC`).
    public static func sumExpAVX2(_ x: UnsafePointer<Float>, _ n: Int, minus m: Float) -> Double {
        mt_sum_exp(x, n, m)
    }

    /// `sumExp` in Swift SIMD8.
    @inlinable @inline(__always)
    public static func sumExpPortable(_ x: UnsafePointer<Float>, _ n: Int, minus m: Float) -> Double {
        var acc = SIMD8<Float>(repeating: 0)
        let mv = SIMD8<Float>(repeating: m)
        var i = 0
        while i + 8 <= n {
            acc += FastMath.exp(FastMath.load(x + i) - mv)
            i += 8
        }
        var total = 0.0
        for l in 0..<8 { total += Double(acc[l]) }
        while i < n { total += Double(FastMath.exp(x[i] - m)); i += 1 }
        return total
    }

    /// (max, Σ) of x[0..<n] in one pass (sum lanes in Float, total in Double): CKernels' AVX2
    /// body (the same sum bits, the same max value; a zero maximum may differ in sign) for rows of 64 or more where the CPU has AVX2 (the
    /// loss's vocabulary rows), else `maxAndSumPortable`.
    @inlinable @inline(__always)
    public static func maxAndSum(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Double) {
        if n >= 64 && sumExpInC { return maxAndSumAVX2(x, n) }
        return maxAndSumPortable(x, n)
    }

    /// The AVX2 body of `maxAndSum` (only when `sumExpInC`).
    public static func maxAndSumAVX2(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Double) {
        var m: Float = 0, total = 0.0
        mt_max_and_sum(x, n, &m, &total)
        return (m, total)
    }

    /// `maxAndSum` in Swift SIMD8.
    @inlinable @inline(__always)
    public static func maxAndSumPortable(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Double) {
        var mv = SIMD8<Float>(repeating: -.infinity), sv = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let v = FastMath.load(x + i)
            mv = mv.replacing(with: v, where: v .> mv)
            sv += v
            i += 8
        }
        var m = mv.max()
        var total = 0.0
        for l in 0..<8 { total += Double(sv[l]) }
        while i < n { m = Swift.max(m, x[i]); total += Double(x[i]); i += 1 }
        return (m, total)
    }

    /// log Σ_i exp(x[i]) given m = max_i x[i] (finite): m + log Σ exp(x[i] − m).
    @inlinable @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, max m: Float) -> Float {
        m + Float(_log(sumExp(x, n, minus: m)))
    }

    /// log Σ_i exp(x[i]) over one row (−∞ for an empty or all −∞ row).
    @inlinable
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let m = max(x, n)
        if m == -.infinity { return -.infinity }
        return logSumExp(x, n, max: m)
    }

    /// In-place softmax of one row of n values; an all −∞ row becomes all zeros. The row is
    /// multiplied by Float(1/Σ) (the reciprocal taken in Double).
    @inlinable
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = max(x, n)
        if m == -.infinity { x.update(repeating: 0, count: n); return }
        var acc = SIMD8<Float>(repeating: 0)
        let mv = SIMD8<Float>(repeating: m)
        var i = 0
        while i + 8 <= n {
            let e = FastMath.exp(FastMath.load(x + i) - mv)
            FastMath.store(e, x + i)
            acc += e
            i += 8
        }
        var total = 0.0
        for l in 0..<8 { total += Double(acc[l]) }
        while i < n { let e = FastMath.exp(x[i] - m); x[i] = e; total += Double(e); i += 1 }
        let inv = Float(1 / total)
        for j in 0..<n { x[j] *= inv }
    }

    /// out[i] = g · (exp(x[i] − lse) − c): the cross-entropy's gradient pass over one row.
    @inlinable @inline(__always)
    public static func expShiftScale(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                                     lse: Float, g: Float, minus c: Float) {
        if n >= 64 && sumExpInC { return expShiftScaleAVX2(x, out, n, lse: lse, g: g, minus: c) }
        expShiftScalePortable(x, out, n, lse: lse, g: g, minus: c)
    }

    /// The AVX2 body of `expShiftScale` (only when `sumExpInC`).
    public static func expShiftScaleAVX2(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                                         lse: Float, g: Float, minus c: Float) {
        mt_exp_shift_scale(x, out, n, lse, g, c)
    }

    /// `expShiftScale` in Swift SIMD8 (CKernels' AVX2 body gives the same bits).
    @inlinable @inline(__always)
    public static func expShiftScalePortable(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                                             lse: Float, g: Float, minus c: Float) {
        let lv = SIMD8<Float>(repeating: lse), cv = SIMD8<Float>(repeating: c), gv = SIMD8<Float>(repeating: g)
        var i = 0
        while i + 8 <= n {
            let e = FastMath.exp(FastMath.load(x + i) - lv)
            FastMath.store(gv * (e - cv), out + i)
            i += 8
        }
        while i < n { out[i] = g * (FastMath.exp(x[i] - lse) - c); i += 1 }
    }

    /// out[r] = log Σ_v exp(x[r, v]) for x [N, V], rows split across threads.
    public static func logSumExpRows(_ x: Tensor, into out: UnsafeMutablePointer<Float>) {
        let (n, v) = x.matrixDims
        let o = SendablePointer(out)
        Parallel.forRanges(n, work: n * v * 4) { range in
            for r in range { o.p[r] = logSumExp(x.pointer + r * v, v) }
        }
    }

    /// x[r, :] −= logsumexp(x[r, :]) in place for x [N, V] (log-softmax), rows split across threads.
    public static func logSoftmaxRows(_ x: Tensor) {
        let (n, v) = x.matrixDims
        Parallel.forRanges(n, work: n * v * 4) { range in
            for r in range {
                let row = x.pointer + r * v
                let lse = logSumExp(row, v)
                for i in 0..<v { row[i] -= lse }
            }
        }
    }

    /// Layer norm's backward over `rows` of x, dy, dx [·, cols] (CKernels' mt_layer_norm_backward_rows):
    /// per row, with g = dy ⊙ γ and x̂ = (x − mean)·rstd, mG = Σ g / cols and mGX = Σ g·x̂ / cols
    /// (summed column by column in order), then dγ += dy ⊙ x̂, dβ += dy and
    /// dx += rstd · (g − mG − x̂ · mGX), rows in order. `simd` lets eight rows' sums run side by
    /// side (AVX2); the bits are the same either way.
    public static func layerNormBackwardRows(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                             gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                             cols: Int, rows: Range<Int>, dGamma: UnsafeMutablePointer<Float>,
                                             dBeta: UnsafeMutablePointer<Float>, simd: Bool) {
        mt_layer_norm_backward_rows(x, dy, dx, gamma, mean, rstd, cols, rows.lowerBound, rows.upperBound, dGamma, dBeta,
                                    simd ? 1 : 0)
    }

    /// Layer-norm statistics: mean[r] and rstd[r] = 1/√(var[r] + eps), with the biased
    /// variance computed in two passes (Σ(x − mean)²/cols), as PyTorch's LayerNorm does.
    public static func layerNormStats(_ x: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                      rstd: UnsafeMutablePointer<Float>, rows: Int, cols: Int, eps: Float) {
        for r in 0..<rows {
            let xr = x + r * cols
            let mu = cols == 0 ? 0 : Double(sum(xr, cols)) / Double(cols)
            let muF = Float(mu)
            var acc = SIMD8<Float>(repeating: 0)
            var i = 0
            while i + 8 <= cols {
                let d = FastMath.load(xr + i) - muF
                acc += d * d
                i += 8
            }
            var v = 0.0
            for l in 0..<8 { v += Double(acc[l]) }
            while i < cols { let d = Double(xr[i]) - mu; v += d * d; i += 1 }
            let variance = cols == 0 ? 0 : v / Double(cols)
            mean[r] = muF
            rstd[r] = Float(1 / (variance + Double(eps)).squareRoot())
        }
    }
}

#if canImport(Glibc)
import Glibc
@inlinable @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@inlinable @inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
#endif
