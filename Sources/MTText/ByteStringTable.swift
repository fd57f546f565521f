// Hash tables used in hot loops: an interner from byte strings to dense Int32 ids, and a map
// from UInt64 keys (packed Int32 pairs) to Int32 values. Both use open addressing.

/// Interns byte strings: each distinct string gets the next Int32 id; bytes live in one arena.
public struct ByteStringTable: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The id of `p`, or -1 if it was never interned.
    public func find(_ p: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = Self.hash(p)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[i]
            if id < 0 { return -1 }
            if hashes[Int(id)] == h && equals(Int(id), p) { return id }
            i = (i + 1) & mask
        }
    }

    /// The id of `p`, interning it if new. `isNew` tells whether it was added.
    @discardableResult
    public mutating func intern(_ p: UnsafeBufferPointer<UInt8>, isNew: inout Bool) -> Int32 {
        let h = Self.hash(p)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[i]
            if id < 0 { break }
            if hashes[Int(id)] == h && equals(Int(id), p) { isNew = false; return id }
            i = (i + 1) & mask
        }
        let id = Int32(count)
        arena.append(contentsOf: p)
        offsets.append(arena.count)
        hashes.append(h)
        slots[i] = id
        isNew = true
        if count * 2 > mask { grow() }
        return id
    }

    @discardableResult
    public mutating func intern(_ bytes: [UInt8]) -> Int32 {
        var isNew = false
        return bytes.withUnsafeBufferPointer { intern($0, isNew: &isNew) }
    }

    public func find(_ bytes: [UInt8]) -> Int32 { bytes.withUnsafeBufferPointer { find($0) } }

    @inline(__always)
    private func equals(_ id: Int, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = offsets[id], e = offsets[id + 1]
        if e - s != p.count { return false }
        return arena.withUnsafeBufferPointer { a in
            var k = 0
            while k < p.count { if a[s + k] != p[k] { return false }; k += 1 }
            return true
        }
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for id in 0..<count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// The bytes of string `id`.
    public func bytes(_ id: Int32) -> [UInt8] { Array(arena[offsets[Int(id)]..<offsets[Int(id) + 1]]) }

    /// Calls `body` with the bytes of string `id` without copying.
    @inline(__always)
    public func withBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = offsets[Int(id)], e = offsets[Int(id) + 1]
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    public func length(_ id: Int32) -> Int { offsets[Int(id) + 1] - offsets[Int(id)] }

    /// Compares strings `a` and `b` by bytes (= code points).
    @inline(__always)
    public func compare(_ a: Int32, _ b: Int32) -> Int {
        if a == b { return 0 }
        let sa = offsets[Int(a)], ea = offsets[Int(a) + 1]
        let sb = offsets[Int(b)], eb = offsets[Int(b) + 1]
        return arena.withUnsafeBufferPointer { p in
            ByteText.compare(UnsafeBufferPointer(rebasing: p[sa..<ea]), UnsafeBufferPointer(rebasing: p[sb..<eb]))
        }
    }
}

/// Open-addressing map from UInt64 to Int32 (no deletion; callers store tombstone values).
public struct UInt64Map: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var used: [Bool]
    private var mask: Int
    public private(set) var count = 0

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func slot(_ k: UInt64, _ mask: Int) -> Int {
        var h = k &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 32
        return Int(truncatingIfNeeded: h) & mask
    }

    @inline(__always)
    public static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: a)) << 32) | UInt64(UInt32(bitPattern: b))
    }

    @inline(__always)
    public func get(_ k: UInt64) -> Int32? {
        var i = Self.slot(k, mask)
        while used[i] {
            if keys[i] == k { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Index of the slot holding `k`, inserting it with `initial` if missing; `inserted` says which.
    @inline(__always)
    public mutating func slotFor(_ k: UInt64, initial: Int32, inserted: inout Bool) -> Int {
        var i = Self.slot(k, mask)
        while used[i] {
            if keys[i] == k { inserted = false; return i }
            i = (i + 1) & mask
        }
        if (count + 1) * 2 > mask {
            grow()
            return slotFor(k, initial: initial, inserted: &inserted)
        }
        used[i] = true
        keys[i] = k
        values[i] = initial
        count += 1
        inserted = true
        return i
    }

    @inline(__always)
    public func value(at slot: Int) -> Int32 { values[slot] }
    @inline(__always)
    public mutating func setValue(_ v: Int32, at slot: Int) { values[slot] = v }

    public mutating func set(_ k: UInt64, _ v: Int32) {
        var inserted = false
        let s = slotFor(k, initial: v, inserted: &inserted)
        values[s] = v
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldUsed = used
        let size = (mask + 1) * 2
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        mask = size - 1
        for j in 0..<oldKeys.count where oldUsed[j] {
            var i = Self.slot(oldKeys[j], mask)
            while used[i] { i = (i + 1) & mask }
            used[i] = true
            keys[i] = oldKeys[j]
            values[i] = oldValues[j]
        }
    }
}
