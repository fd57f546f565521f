/// Exact n-gram counting for one segment: a hypothesis and its references as id sequences.
///
/// All sequences of a segment are stored back to back in `ids` (dense ids from
/// `Interner.swift`). `keys[i]` identifies the n-gram that starts at position `i`: equal
/// n-grams have equal keys and different n-grams different keys. Order 1 uses the id itself;
/// order `n` shifts in one more id (`keys[i] << bits | ids[i+n-1]`). When the next shift would
/// overflow 64 bits, the current keys are first replaced by their dense rank, so any order
/// and any number of distinct symbols stay exact. Keys of n-grams that would cross from one
/// sequence into the next are computed but never read.
///
/// Counting is by sorting: for two sorted key lists, one merge gives Σ min(count_a, count_b),
/// which is sacreBLEU's clipped match count. This file knows nothing about BLEU or chrF.
struct NGramSequences {
    /// The ids of every sequence, concatenated. Sequence 0 is the hypothesis.
    var ids: [Int32] = []
    /// Start of each sequence in `ids`.
    var starts: [Int] = []
    /// Length of each sequence.
    var lengths: [Int] = []
    /// Key of the n-gram starting at each position, for the current `order`.
    private(set) var keys: [UInt64] = []
    /// The n-gram order `keys` currently describes (0 before `begin`).
    private(set) var order = 0
    /// Number of bits the current keys need.
    private var keyBits = 0
    /// Bits needed by one id.
    private var idBits = 1
    private var rankScratch: [UInt64] = []

    /// Clears all sequences.
    mutating func reset() {
        ids.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        order = 0
    }

    /// Starts a new sequence; append its ids to `ids` next, then call `endSequence`.
    mutating func beginSequence() { starts.append(ids.count) }

    /// Ends the sequence started by the last `beginSequence`.
    mutating func endSequence() { lengths.append(ids.count - starts[starts.count - 1]) }

    /// Sets up order-1 keys; `distinct` is the number of distinct ids (ids are < distinct).
    mutating func begin(distinct: Int) {
        idBits = Self.bitsFor(distinct)
        keys.removeAll(keepingCapacity: true)
        for v in ids { keys.append(UInt64(UInt32(bitPattern: v))) }
        keyBits = idBits
        order = 1
    }

    /// Moves the keys from order `order` to `order + 1`.
    mutating func advance() {
        let n = order + 1
        let valid = ids.count - n + 1
        guard valid > 0 else { order = n; keys.removeAll(keepingCapacity: true); return }
        if keyBits + idBits > 64 { rank(count: valid + 1) }
        ids.withUnsafeBufferPointer { ip in
            keys.withUnsafeMutableBufferPointer { kp in
                for i in 0..<valid {
                    kp[i] = (kp[i] << UInt64(idBits)) | UInt64(UInt32(bitPattern: ip[i + n - 1]))
                }
            }
        }
        keys.removeLast(keys.count - valid)
        keyBits += idBits
        order = n
    }

    /// Replaces `keys[0..<count]` by their dense ranks among those keys.
    private mutating func rank(count: Int) {
        rankScratch.removeAll(keepingCapacity: true)
        rankScratch.append(contentsOf: keys[0..<count])
        rankScratch.sort()
        var u = 0
        for v in rankScratch where u == 0 || rankScratch[u - 1] != v {
            rankScratch[u] = v
            u += 1
        }
        rankScratch.removeLast(rankScratch.count - u)
        for i in 0..<count {
            var lo = 0, hi = u - 1
            let v = keys[i]
            while lo < hi {
                let mid = (lo + hi) >> 1
                if rankScratch[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            keys[i] = UInt64(lo)
        }
        keyBits = Self.bitsFor(u)
    }

    /// Number of n-grams of the current order in sequence `s`.
    func ngramCount(_ s: Int) -> Int { max(0, lengths[s] - order + 1) }

    /// Copies the current-order keys of sequence `s` into `out`, sorted.
    func sortedKeys(_ s: Int, into out: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        let c = ngramCount(s)
        guard c > 0 else { return }
        let st = starts[s]
        out.append(contentsOf: keys[st..<(st + c)])
        Self.sortKeys(&out)
    }

    /// Bits needed to store values `0..<distinct` (at least 1).
    static func bitsFor(_ distinct: Int) -> Int {
        var b = 1
        while b < 63 && (1 << b) < distinct { b += 1 }
        return b
    }

    /// Sorts keys (insertion sort for the short lists typical of one sentence).
    static func sortKeys(_ a: inout [UInt64]) {
        if a.count > 24 { a.sort(); return }
        a.withUnsafeMutableBufferPointer { p in
            for i in 1..<max(1, p.count) {
                let v = p[i]
                var j = i - 1
                while j >= 0 && p[j] > v { p[j + 1] = p[j]; j -= 1 }
                p[j + 1] = v
            }
        }
    }

    /// Σ over distinct keys of min(count in `a`, count in `b`), for sorted `a` and `b`.
    static func clippedMatches(_ a: [UInt64], _ b: [UInt64]) -> Int {
        var i = 0, j = 0, m = 0
        let na = a.count, nb = b.count
        while i < na && j < nb {
            let x = a[i], y = b[j]
            if x == y { m += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return m
    }

    /// For sorted `a` with runs `runKeys`/`runCounts`, raises `runMax[r]` to the count of
    /// `runKeys[r]` in sorted `b` when that is larger (BLEU's max over references).
    static func raiseMax(
        runKeys: [UInt64], runMax: inout [Int], in b: [UInt64]
    ) {
        var j = 0
        let nb = b.count
        for r in 0..<runKeys.count {
            let k = runKeys[r]
            while j < nb && b[j] < k { j += 1 }
            var c = 0
            while j < nb && b[j] == k { c += 1; j += 1 }
            if c > runMax[r] { runMax[r] = c }
        }
    }

    /// Splits sorted `a` into distinct keys and their counts.
    static func runs(_ a: [UInt64], keys: inout [UInt64], counts: inout [Int]) {
        keys.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        for v in a {
            if let last = keys.last, last == v {
                counts[counts.count - 1] += 1
            } else {
                keys.append(v)
                counts.append(1)
            }
        }
    }
}
