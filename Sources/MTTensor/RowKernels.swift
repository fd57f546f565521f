/// Row-wise kernels over a row-major [rows, cols] matrix: softmax, log-sum-exp, layer-norm
/// statistics, sums and maxima. Exponentials use `FastMath.exp`; sums are accumulated in
/// eight Float lanes and reduced in Double.
extension Kernels {
    /// y[r, :] = softmax(x[r, :]). y may alias x. A row of all −∞ gives all zeros.
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   rows: Int, cols: Int) {
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            let m = max(xr, cols)
            if m == -.infinity { yr.update(repeating: 0, count: cols); continue }
            FastMath.exp(xr, minus: m, into: yr, cols)
            scale(yr, 1 / sum(yr, cols), cols)
        }
    }

    /// out[r] = log Σ_c exp(x[r, c]) (−∞ for an empty or all −∞ row).
    public static func logSumExpRows(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                     rows: Int, cols: Int) {
        for r in 0..<rows {
            let xr = x + r * cols
            let m = max(xr, cols)
            if m == -.infinity { out[r] = -.infinity; continue }
            // exp in chunks through a stack buffer, so the exp loop vectorises on its own.
            var total = 0.0
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 512) { tmp in
                let t = tmp.baseAddress!
                var i = 0
                while i < cols {
                    let k = min(512, cols - i)
                    FastMath.exp(xr + i, minus: m, into: t, k)
                    total += Double(sum(t, k))
                    i += k
                }
            }
            out[r] = m + Float(_log(total))
        }
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
                let d = FastMath.load(xr + i, 8) - muF
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

    /// out[r] = Σ_c x[r, c]
    public static func sumRows(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { out[r] = sum(x + r * cols, cols) }
    }

    /// out[r] = max_c x[r, c] (−∞ for cols = 0)
    public static func maxRows(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { out[r] = max(x + r * cols, cols) }
    }

    /// out[c] += Σ_r x[r, c]: column sums, as needed for bias gradients.
    public static func addColumnSums(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                     rows: Int, cols: Int) {
        for r in 0..<rows {
            let xr = x + r * cols
            for c in 0..<cols { out[c] += xr[c] }
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
#endif
