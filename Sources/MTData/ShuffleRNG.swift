/// The seeded generator behind corpus and batch shuffling: SplitMix64, one stream per epoch.
///
/// Kept in `MTData` (which does not depend on `MTTensor`) and written out in full so that the
/// order of batches for a (seed, epoch) never changes with the Swift version or the machine:
/// `below(_:)` uses Lemire's multiply-and-reject method rather than the standard library's.
/// Not for model randomness (dropout, init): that is `MTTensor.RNG`.
public struct ShuffleRNG: Sendable, Equatable {
    public private(set) var state: UInt64

    /// The generator for `seed` and `stream` (the epoch number when shuffling a corpus).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var s = seed ^ 0x6A09_E667_F3BC_C908
        s = Self.mix(s &+ stream &* 0x9E37_79B9_7F4A_7C15)
        state = s
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform integer in 0..<n, unbiased (Lemire 2019).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "ShuffleRNG.below(\(n))")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle in place.
    public mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            let j = below(i + 1)
            if i != j { a.swapAt(i, j) }
            i -= 1
        }
    }
}
