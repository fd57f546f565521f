/// The one vectorised exp of the toolkit, and the unaligned SIMD8 load and store of the kernels.
///
/// libm's `expf` costs about 24 ns per element here (PLATFORM.md) and blocks vectorisation, so
/// softmax, log-sum-exp and the cross-entropy use Cephes' single-precision exp: range reduction
/// x = n·ln2 + r with a split ln2, a degree-6 polynomial for e^r, and 2^n built from the
/// exponent bits. Every step is a plain SIMD add, multiply, compare-and-select or bit-cast:
/// n = round(x·log2 e) is read from the low mantissa bits of x·log2 e + 1.5·2²³ (the "magic
/// number"), because clamping with `pointwiseMin`/`pointwiseMax`, `.rounded(.down)` and
/// Float→Int32 lane conversion are generic SIMD code that runs lane by lane (an exp built from
/// them measured 23 ns per element against 2 ns for this one, on baseline x86-64 without FMA).
/// Relative error is below 2e-7 on [-87, 88].
///
/// Domain: x ≤ 88 (every caller passes x − max ≤ 0 or x − log-sum-exp ≤ 0); there is no upper
/// clamp. Inputs below −87.3, including −∞, give exactly 0, so masked logits vanish.
public enum FastMath {
    /// Lane-wise exp of eight values.
    @inlinable @inline(__always)
    public static func exp(_ xIn: SIMD8<Float>) -> SIMD8<Float> {
        let low = xIn .< SIMD8<Float>(repeating: -87.3)
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2^23
        let t = xIn * SIMD8(repeating: 1.44269504088896341) + magic
        let fx = t - magic  // round-to-nearest(x · log2 e)
        let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000)
        var x = xIn - fx * SIMD8(repeating: 0.693359375)
        x = x + fx * SIMD8(repeating: 2.12194440e-4)
        var y = SIMD8<Float>(repeating: 1.9875691500e-4)
        y = y * x + SIMD8(repeating: 1.3981999507e-3)
        y = y * x + SIMD8(repeating: 8.3334519073e-3)
        y = y * x + SIMD8(repeating: 4.1665795894e-2)
        y = y * x + SIMD8(repeating: 1.6666665459e-1)
        y = y * x + SIMD8(repeating: 5.0000001201e-1)
        y = y * (x * x) + x + SIMD8(repeating: 1)
        let scale = unsafeBitCast((n &+ SIMD8(repeating: 127)) &* SIMD8(repeating: 8_388_608), to: SIMD8<Float>.self)
        return (y * scale).replacing(with: 0, where: low)
    }

    /// Scalar exp (the tails of the row kernels): lane 0 of the SIMD8 exp, so it gives the same bits.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    /// Loads the eight floats at p[0..<8] (no alignment needed).
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores the eight lanes of v at p[0..<8] (no alignment needed).
    @inlinable @inline(__always)
    public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
