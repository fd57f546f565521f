import CKernels
/// A seeded random number generator whose streams are reproducible across runs and thread counts.
///
/// xoshiro256** (Blackman & Vigna) seeded through SplitMix64 from `(seed, stream)`. Parallel
/// code never shares a generator between threads: it derives one stream per *work item*
/// (a row, a sentence, a layer), `RNG(seed: s, stream: itemIndex)`, so the numbers do not
/// depend on how items are spread over threads. The state is four words held in stored
/// properties (no array, so no allocation or uniqueness check in per-element loops such as the
/// dropout masks); `state` reads them and `init(state:)` restores them for exact resume.
public struct RNG: RandomNumberGenerator, Sendable, Equatable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four state words.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        s0 = RNG.splitMix64(&sm); s1 = RNG.splitMix64(&sm); s2 = RNG.splitMix64(&sm); s3 = RNG.splitMix64(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// Restores a generator from `state` (four words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 },
                     "RNG state must be 4 words, not all zero; got \(state)")
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = RNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RNG.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always) public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [lo, hi).
    @inline(__always) public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * uniform()
    }

    /// Standard normal by Box–Muller in Double (one draw per call; two words consumed).
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)  // (0, 1]
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let r = (-2 * _log(u1)).squareRoot()
        return mean + std * Float(r * _cos(2 * Double.pi * u2))
    }

    /// true with probability p.
    @inline(__always) public mutating func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// Integer in 0..<n, unbiased.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "RNG.below(\(n))")
        return Int.random(in: 0..<n, using: &self)
    }

    // Filling tensors.

    public mutating func fillUniform(_ t: Tensor, _ lo: Float, _ hi: Float) {
        let p = t.pointer
        for i in 0..<t.count { p[i] = uniform(lo, hi) }
    }

    public mutating func fillNormal(_ t: Tensor, mean: Float = 0, std: Float = 1) {
        let p = t.pointer
        for i in 0..<t.count { p[i] = normal(mean: mean, std: std) }
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ a: inout [T]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, below(i + 1))
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif

/// Dropout masks drawn from the generator: two 24-bit uniforms per 64-bit draw (bits 40..63,
/// then bits 8..31), an element dropped when its uniform is below `dropThreshold(p)`. Both
/// loops are branch-free and run on a local copy of the state, so it stays in registers (writes
/// through the output pointer could otherwise alias `self`).
extension RNG {
    /// The 24-bit threshold for drop probability p: an element is dropped when its uniform is below it.
    public static func dropThreshold(_ p: Float) -> UInt64 { UInt64((Double(p) * 16_777_216).rounded()) }

    /// 1 when a 24-bit uniform u is below the threshold (drop), else 0 — without a branch.
    @inlinable @inline(__always)
    static func dropBit(_ u: UInt64, _ threshold: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (u &- threshold) >> 63)
    }

    /// Dropout masks for `rows` of a [·, cols] mask, row r from `RNG(seed: seed, stream: r)`
    /// (`fillDropoutMask`'s bits, in C: CKernels' mt_dropout_rows); given x and y, also
    /// y = x ⊙ mask over those rows. `simd` lets four rows' generators run side by side (AVX2).
    public static func dropoutRows(_ mask: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>?,
                                   cols: Int, rows: Range<Int>, seed: UInt64, threshold: UInt64, keep: Float, simd: Bool) {
        precondition((x == nil) == (y == nil), "RNG.dropoutRows: x and y go together")
        mt_dropout_rows(mask, x, y, cols, rows.lowerBound, rows.upperBound, seed, threshold, keep, simd ? 1 : 0)
    }

    /// Dropout mask m[0..<n]: 0 with probability p (given as `dropThreshold(p)`), else `keep` = 1/(1 − p).
    @inlinable @inline(__always)
    public mutating func fillDropoutMask(_ m: UnsafeMutablePointer<Float>, _ n: Int, threshold: UInt64, keep: Float) {
        var g = self
        let kb = keep.bitPattern
        var i = 0
        while i + 2 <= n {
            let r = g.next()
            m[i] = Float(bitPattern: kb & (RNG.dropBit(r >> 40, threshold) &- 1))
            m[i + 1] = Float(bitPattern: kb & (RNG.dropBit((r >> 8) & 0xFF_FFFF, threshold) &- 1))
            i += 2
        }
        if i < n { m[i] = Float(bitPattern: kb & (RNG.dropBit(g.next() >> 40, threshold) &- 1)) }
        self = g
    }

    /// In place h[i] = relu(h[i]) · mask[i], drawing the mask exactly as `fillDropoutMask` does
    /// (a data-dependent select per element cost 3× more than this bit arithmetic).
    @inlinable @inline(__always)
    public mutating func reluDropout(_ h: UnsafeMutablePointer<Float>, _ n: Int, threshold: UInt64, keep: Float) {
        var g = self
        let kb = keep.bitPattern
        @inline(__always) func relu(_ a: Float) -> Float {
            Float(bitPattern: a.bitPattern & ~UInt32(bitPattern: Int32(bitPattern: a.bitPattern) >> 31))
        }
        var i = 0
        while i + 2 <= n {
            let r = g.next()
            let m0 = Float(bitPattern: kb & (RNG.dropBit(r >> 40, threshold) &- 1))
            let m1 = Float(bitPattern: kb & (RNG.dropBit((r >> 8) & 0xFF_FFFF, threshold) &- 1))
            h[i] = relu(h[i]) * m0
            h[i + 1] = relu(h[i + 1]) * m1
            i += 2
        }
        if i < n {
            let m0 = Float(bitPattern: kb & (RNG.dropBit(g.next() >> 40, threshold) &- 1))
            h[i] = relu(h[i]) * m0
        }
        self = g
    }
}
