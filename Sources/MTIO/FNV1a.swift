/// 64-bit FNV-1a, used for cache keys, corpus fingerprints and the model directory's file hashes
/// (stable across runs and machines: stored hashes depend on these exact values).
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        value = h
    }

    /// Folds in a whole 32-bit word per step (faster than byte-wise; not standard FNV-1a).
    @inline(__always) public mutating func mix(_ x: UInt32) {
        value = (value ^ UInt64(x)) &* 0x0000_0100_0000_01B3
    }

    public mutating func add(_ x: UInt64) {
        withUnsafeBytes(of: x.littleEndian) { add($0) }
    }

    public mutating func add(_ s: String) {
        var s = s
        s.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of a string.
    public static func hash(_ s: String) -> UInt64 {
        var h = FNV1a()
        h.add(s)
        return h.value
    }
}
