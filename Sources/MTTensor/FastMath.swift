/// Vectorisable exp and tanh.
///
/// libm's `expf` costs about 24 ns per element here (PLATFORM.md) and blocks vectorisation, so
/// softmax, log-sum-exp and GELU use Cephes' single-precision exp: range reduction
/// x = n·ln2 + r with a split ln2, a degree-6 polynomial for e^r, and 2^n built from the
/// exponent bits. Relative error is below 2e-7 on [-87, 88]; inputs below -87.3 give exactly 0
/// (so masked logits at -inf vanish) and inputs above 88.3 are clamped.
public enum FastMath {
    /// Scalar exp, branch-free so that plain loops over pointers vectorise. Rounding to the
    /// nearest integer and building 2^n both use the 1.5·2²³ "magic number": adding it leaves
    /// n in the low mantissa bits, so no float→int conversion (which Swift does not vectorise)
    /// is needed.
    @inlinable @inline(__always)
    public static func exp(_ xIn: Float) -> Float {
        let x0 = Swift.min(Swift.max(xIn, -87.3), 88.3)
        let t = x0 * 1.44269504088896341 + 12_582_912.0
        let fx = t - 12_582_912.0
        var x = x0 - fx * 0.693359375
        x = x + fx * 2.12194440e-4
        var y: Float = 1.9875691500e-4
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * (x * x) + x + 1
        let scale = Float(bitPattern: (t.bitPattern &+ 127) &<< 23)
        return xIn < -87.3 ? 0 : y * scale
    }

    /// y[i] = exp(x[i] − shift) for i in 0..<n (y may alias x).
    @inlinable
    public static func exp(_ x: UnsafePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = exp(x[i] - shift) }
    }

    /// Lane-wise exp of eight values.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>()
        for i in 0..<8 { r[i] = exp(x[i]) }
        return r
    }

    /// tanh(x) = sign(x) · (1 − e^{−2|x|}) / (1 + e^{−2|x|}), stable for large |x|.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * Swift.abs(x))
        let t = (1 - e) / (1 + e)
        return x < 0 ? -t : t
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>()
        for i in 0..<8 { r[i] = tanh(x[i]) }
        return r
    }

    /// Loads up to 8 floats starting at `p` (count < 8 pads with `pad`).
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ count: Int, pad: Float = 0) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: pad)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the first `count` (≤ 8) lanes of `v` at `p`.
    @inlinable @inline(__always)
    public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for i in 0..<count { p[i] = v[i] }
    }
}
