/// A seeded random number generator whose streams are reproducible across runs and thread counts.
///
/// xoshiro256** (Blackman & Vigna) seeded through SplitMix64 from `(seed, stream)`. Parallel
/// code never shares a generator between threads: it derives one stream per *work item*
/// (a row, a sentence, a layer), `RNG(seed: s, stream: itemIndex)`, so the numbers do not
/// depend on how items are spread over threads. The state is four words; `state` reads and
/// restores it for exact resume.
public struct RNG: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 { s[i] = RNG.splitMix64(&sm) }
        if s.allSatisfy({ $0 == 0 }) { s[0] = 1 }
        state = s
    }

    /// Restores a generator from `state` (four words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 },
                     "RNG state must be 4 words, not all zero; got \(state)")
        self.state = state
    }

    static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RNG.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = RNG.rotl(state[3], 45)
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

    /// Dropout mask: each element is 0 with probability p, else 1/(1 − p).
    public mutating func fillDropoutMask(_ p: UnsafeMutablePointer<Float>, count: Int, dropProbability: Float) {
        precondition(dropProbability >= 0 && dropProbability < 1, "dropout probability \(dropProbability) not in [0, 1)")
        let keep = 1 / (1 - dropProbability)
        for i in 0..<count { p[i] = uniform() < dropProbability ? 0 : keep }
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
