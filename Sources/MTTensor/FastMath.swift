/// Vectorisable exp and tanh on `SIMD8<Float>`.
///
/// libm's `expf` costs about 24 ns per element here (PLATFORM.md) and blocks vectorisation, so
/// softmax, log-sum-exp and GELU use Cephes' single-precision exp: range reduction
/// x = n·ln2 + r with a split ln2, a degree-6 polynomial for e^r, and 2^n built from the
/// exponent bits. Relative error is below 2e-7 on [-87, 88]; inputs below -87.3 give exactly 0
/// (so masked logits at -inf vanish) and inputs above 88.3 are clamped.
public enum FastMath {
    @inlinable @inline(__always)
    public static func exp(_ xIn: SIMD8<Float>) -> SIMD8<Float> {
        var x = xIn.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
        let fx = (x * 1.44269504088896341 + 0.5).rounded(.down)
        x = x - fx * 0.693359375
        x = x + fx * 2.12194440e-4
        var y = SIMD8<Float>(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * (x * x) + x + 1
        let n = SIMD8<Int32>(fx, rounding: .towardZero) &+ 127
        let scale = unsafeBitCast(n &<< 23, to: SIMD8<Float>.self)
        return (y * scale).replacing(with: 0, where: xIn .< -87.3)
    }

    /// Scalar exp through the vector path (same numbers as the vector form).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    /// tanh(x) = sign(x) · (1 − e^{−2|x|}) / (1 + e^{−2|x|}), stable for large |x|.
    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let ax = x.replacing(with: -x, where: x .< 0)
        let e = exp(-2 * ax)
        let t = (1 - e) / (1 + e)
        return t.replacing(with: -t, where: x .< 0)
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(SIMD8(repeating: x))[0] }

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
