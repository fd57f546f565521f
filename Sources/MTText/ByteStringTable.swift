#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Hash tables used in hot loops: an interner from byte strings to dense Int32 ids, and a map
// from UInt64 keys (packed Int32 pairs) to Int32 values. Both use open addressing.

/// Interns byte strings: each distinct string gets the next Int32 id; bytes live in one arena.
/// A slot packs the upper 32 bits of the hash with id + 1 (0 = empty), so that most probes
/// compare no bytes.
public struct ByteStringTable: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [UInt64]
    private var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = p.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        guard let base = p.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var t: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { t |= UInt64(base[i]) << shift; shift += 8; i += 1 }
        h = (h ^ t) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    @inline(__always)
    private func lookup(_ p: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> (slot: Int, id: Int32) {
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { sl in
            arena.withUnsafeBufferPointer { a in
                offsets.withUnsafeBufferPointer { off in
                    while true {
                        let v = sl[i]
                        if v == 0 { return (i, -1) }
                        if v >> 32 == tag {
                            let id = Int(v & 0xFFFF_FFFF) - 1
                            let s = off[id], e = off[id + 1]
                            if e - s == p.count && (p.count == 0 || memcmp(a.baseAddress! + s, p.baseAddress!, p.count) == 0) {
                                return (i, Int32(id))
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    /// The id of `p`, or -1 if it was never interned.
    public func find(_ p: UnsafeBufferPointer<UInt8>) -> Int32 { lookup(p, Self.hash(p)).id }

    /// `find` with the hash already computed by `ByteStringTable.hash`.
    public func find(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32 { lookup(p, h).id }

    /// The id of `p`, interning it if new. `isNew` tells whether it was added.
    @discardableResult
    public mutating func intern(_ p: UnsafeBufferPointer<UInt8>, isNew: inout Bool) -> Int32 {
        intern(p, hash: Self.hash(p), isNew: &isNew)
    }

    /// `intern` with the hash already computed by `ByteStringTable.hash`.
    @discardableResult
    public mutating func intern(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt64, isNew: inout Bool) -> Int32 {
        let (slot, found) = lookup(p, h)
        if found >= 0 { isNew = false; return found }
        let id = Int32(count)
        arena.append(contentsOf: p)
        offsets.append(arena.count)
        hashes.append(h)
        slots[slot] = (h >> 32) << 32 | UInt64(id + 1)
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

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for id in 0..<count {
            let h = hashes[id]
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = (h >> 32) << 32 | UInt64(id + 1)
        }
    }

    /// Calls `body` with every id and its bytes, in id order.
    public func forEach(_ body: (Int32, UnsafeBufferPointer<UInt8>) -> Void) {
        arena.withUnsafeBufferPointer { a in
            for id in 0..<count { body(Int32(id), UnsafeBufferPointer(rebasing: a[offsets[id]..<offsets[id + 1]])) }
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

    /// Appends the bytes of string `id` to `out`.
    @inline(__always)
    public func append(_ id: Int32, to out: inout [UInt8]) {
        let s = offsets[Int(id)], e = offsets[Int(id) + 1]
        arena.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    public func length(_ id: Int32) -> Int { offsets[Int(id) + 1] - offsets[Int(id)] }

    /// True if string `id` equals `p`.
    @inline(__always)
    public func equals(_ id: Int32, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = offsets[Int(id)], e = offsets[Int(id) + 1]
        if e - s != p.count { return false }
        if p.count == 0 { return true }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + s, p.baseAddress!, p.count) == 0 }
    }

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
/// Keys and values share one entry so that a probe touches one cache line; the key
/// `UInt64.max` marks an empty entry (packed pairs of non-negative ids never produce it).
public struct UInt64Map: Sendable {
    struct Entry: Sendable {
        var key: UInt64
        var value: Int32
    }
    private var entries: [Entry]
    private var mask: Int
    public private(set) var count = 0
    static let empty = UInt64.max

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = [Entry](repeating: Entry(key: Self.empty, value: 0), count: size)
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
        entries.withUnsafeBufferPointer { e in
            var i = Self.slot(k, mask)
            while true {
                let key = e[i].key
                if key == k { return e[i].value }
                if key == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Index of the entry holding `k`, inserting it with `initial` if missing; `inserted` says which.
    @inline(__always)
    public mutating func slotFor(_ k: UInt64, initial: Int32, inserted: inout Bool) -> Int {
        var i = Self.slot(k, mask)
        while true {
            let key = entries[i].key
            if key == k { inserted = false; return i }
            if key == Self.empty { break }
            i = (i + 1) & mask
        }
        if (count + 1) * 2 > mask {
            grow()
            return slotFor(k, initial: initial, inserted: &inserted)
        }
        entries[i] = Entry(key: k, value: initial)
        count += 1
        inserted = true
        return i
    }

    @inline(__always)
    public func value(at slot: Int) -> Int32 { entries[slot].value }
    @inline(__always)
    public mutating func setValue(_ v: Int32, at slot: Int) { entries[slot].value = v }

    public mutating func set(_ k: UInt64, _ v: Int32) {
        var inserted = false
        let s = slotFor(k, initial: v, inserted: &inserted)
        entries[s].value = v
    }

    private mutating func grow() {
        let old = entries
        let size = (mask + 1) * 2
        entries = [Entry](repeating: Entry(key: Self.empty, value: 0), count: size)
        mask = size - 1
        for e in old where e.key != Self.empty {
            var i = Self.slot(e.key, mask)
            while entries[i].key != Self.empty { i = (i + 1) & mask }
            entries[i] = e
        }
    }
}
