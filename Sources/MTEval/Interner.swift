/// Dense per-segment ids for tokens and code points, so n-grams become packed integers.
///
/// sacreBLEU counts n-grams in Python `Counter`s keyed by tuples of strings. We instead give
/// each distinct token (byte string) or code point of one segment (hypothesis plus all its
/// references) a small dense id and pack `n` ids into one `UInt64` n-gram key. Ids are exact
/// (byte-for-byte equality), so the counts equal sacreBLEU's; hashing only finds the id.
/// Tables are cleared per segment but keep their storage.
/// This file does not count n-grams; `NGramCounts.swift` does.
struct TokenInterner {
    /// Open-addressing slots: -1 empty, else the id stored there.
    private var slots: [Int32] = [Int32](repeating: -1, count: 1024)
    /// Slots used since the last reset (cleared lazily).
    private var used: [Int] = []
    /// The distinct tokens' bytes, concatenated; token `id` is `keyStart[id]..<keyStart[id+1]`.
    private var keyBytes: [UInt8] = []
    private var keyStart: [Int] = [0]
    private var keyHash: [UInt64] = []

    /// Number of distinct tokens seen since the last reset.
    var count: Int { keyHash.count }

    /// Forgets every token, keeping the storage.
    mutating func reset() {
        for s in used { slots[s] = -1 }
        used.removeAll(keepingCapacity: true)
        keyBytes.removeAll(keepingCapacity: true)
        keyStart.removeAll(keepingCapacity: true)
        keyStart.append(0)
        keyHash.removeAll(keepingCapacity: true)
    }

    /// 64-bit hash of `p[start..<end]` (multiply-xorshift over 8-byte words).
    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(end - start &+ 1)
        var i = start
        let base = UnsafeRawPointer(p.baseAddress!)
        while i + 8 <= end {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < end {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    /// The id of token `p[start..<end]`, assigning the next id if it is new.
    mutating func id(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
        if keyHash.count * 2 >= slots.count { grow() }
        let h = Self.hash(p, start, end)
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        let len = end - start
        while true {
            let v = slots[s]
            if v < 0 { break }
            let id = Int(v)
            if keyHash[id] == h && keyStart[id + 1] - keyStart[id] == len
                && equalBytes(id, p, start, len)
            {
                return v
            }
            s = (s + 1) & mask
        }
        let id = Int32(keyHash.count)
        slots[s] = id
        used.append(s)
        keyHash.append(h)
        keyBytes.append(contentsOf: p[start..<end])
        keyStart.append(keyBytes.count)
        return id
    }

    private func equalBytes(_ id: Int, _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ len: Int)
        -> Bool
    {
        let k = keyStart[id]
        return keyBytes.withUnsafeBufferPointer { kp in
            for j in 0..<len where kp[k + j] != p[start + j] { return false }
            return true
        }
    }

    /// Doubles the slot table and re-inserts every key.
    private mutating func grow() {
        let newCount = slots.count * 2
        slots = [Int32](repeating: -1, count: newCount)
        used.removeAll(keepingCapacity: true)
        let mask = newCount - 1
        for id in 0..<keyHash.count {
            var s = Int(truncatingIfNeeded: keyHash[id]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(id)
            used.append(s)
        }
    }
}

/// Dense per-segment ids for code points (chrF's character n-grams).
///
/// The BMP is a direct table stamped with a generation number (so a reset is O(1)); astral
/// code points go through a small dictionary.
struct CodePointInterner {
    private var stamp: [UInt32] = [UInt32](repeating: 0, count: 0x10000)
    private var ids: [Int32] = [Int32](repeating: 0, count: 0x10000)
    private var generation: UInt32 = 1
    private var astral: [UInt32: Int32] = [:]
    /// Number of distinct code points seen since the last reset.
    private(set) var count = 0

    /// Forgets every code point.
    mutating func reset() {
        generation &+= 1
        if generation == 0 {
            for i in 0..<stamp.count { stamp[i] = 0 }
            generation = 1
        }
        if !astral.isEmpty { astral.removeAll(keepingCapacity: true) }
        count = 0
    }

    /// The id of code point `c`, assigning the next id if it is new.
    @inline(__always)
    mutating func id(_ c: UInt32) -> Int32 {
        if c < 0x10000 {
            let i = Int(c)
            if stamp[i] == generation { return ids[i] }
            stamp[i] = generation
            ids[i] = Int32(count)
            count += 1
            return ids[i]
        }
        if let v = astral[c] { return v }
        let v = Int32(count)
        astral[c] = v
        count += 1
        return v
    }
}
