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
/// `NGramMatchTable` then counts clipped matches between the hypothesis keys and each
/// reference's keys. This file knows nothing about BLEU or chrF.
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

    /// Calls `body` with the current-order keys of sequence `s` (one per n-gram, in order).
    func withKeys<R>(_ s: Int, _ body: (UnsafeBufferPointer<UInt64>) -> R) -> R {
        let c = ngramCount(s)
        if c == 0 { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return keys.withUnsafeBufferPointer { kp in
            body(UnsafeBufferPointer(rebasing: kp[starts[s]..<(starts[s] + c)]))
        }
    }

    /// Bits needed to store values `0..<distinct` (at least 1).
    static func bitsFor(_ distinct: Int) -> Int {
        var b = 1
        while b < 63 && (1 << b) < distinct { b += 1 }
        return b
    }
}

/// Clipped n-gram match counting by hashing: the hypothesis n-grams of one order go into an
/// open-addressing table with their counts; each reference is then streamed through it.
///
/// `matchReference` returns Σ min(hyp count, count in that reference) (chrF's matches, and
/// BLEU's for one reference) and remembers the maximum count per n-gram over the references
/// seen, so `clippedByMaximum` gives BLEU's multi-reference Σ min(hyp count, max ref count).
/// Slots carry a generation stamp, so loading a new hypothesis clears the table in O(1).
final class NGramMatchTable {
    /// One slot: an n-gram key and its counts; `stamp` says which hypothesis filled it.
    private struct Slot {
        var key: UInt64 = 0
        var hyp: Int32 = 0
        var cur: Int32 = 0
        var best: Int32 = 0
        var stamp: UInt32 = 0
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var capacity = 64
    private var generation: UInt32 = 0
    private var shift: UInt64 = 58  // 64 - log2(capacity)
    private var filled: [Int] = []
    private var touched: [Int] = []

    init() {
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
    }

    deinit { slots.deallocate() }

    /// Clears the table and counts the hypothesis n-grams `h`.
    func loadHypothesis(_ h: UnsafeBufferPointer<UInt64>) {
        if 2 * h.count > capacity { resize(for: h.count) }
        generation &+= 1
        if generation == 0 {
            for i in 0..<capacity { slots[i].stamp = 0 }
            generation = 1
        }
        // Work on a local array (class properties pay a dynamic exclusivity check per access).
        var f: [Int] = []
        swap(&f, &filled)
        f.removeAll(keepingCapacity: true)
        let mask = capacity - 1, g = generation, t = slots, sh = shift
        for k in h {
            var s = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> sh)
            while true {
                if t[s].stamp != g {
                    t[s] = Slot(key: k, hyp: 1, cur: 0, best: 0, stamp: g)
                    f.append(s)
                    break
                }
                if t[s].key == k { t[s].hyp += 1; break }
                s = (s + 1) & mask
            }
        }
        swap(&f, &filled)
    }

    /// Σ min(hyp count, count in `r`) over the n-grams of reference `r`.
    func matchReference(_ r: UnsafeBufferPointer<UInt64>) -> Int {
        guard !filled.isEmpty else { return 0 }
        var touch: [Int] = []
        swap(&touch, &touched)
        let mask = capacity - 1, g = generation, t = slots, sh = shift
        for k in r {
            var s = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> sh)
            while t[s].stamp == g {
                if t[s].key == k {
                    t[s].cur += 1
                    if t[s].cur == 1 { touch.append(s) }
                    break
                }
                s = (s + 1) & mask
            }
        }
        var m = 0
        for s in touch {
            m += Int(min(t[s].hyp, t[s].cur))
            if t[s].cur > t[s].best { t[s].best = t[s].cur }
            t[s].cur = 0
        }
        touch.removeAll(keepingCapacity: true)
        swap(&touch, &touched)
        return m
    }

    /// Σ min(hyp count, maximum count over the references matched so far).
    func clippedByMaximum() -> Int {
        var m = 0
        for s in filled { m += Int(min(slots[s].hyp, slots[s].best)) }
        return m
    }

    private func resize(for n: Int) {
        var c = capacity
        while c < 2 * n { c *= 2 }
        slots.deallocate()
        slots = .allocate(capacity: c)
        slots.initialize(repeating: Slot(), count: c)
        capacity = c
        generation = 0
        shift = UInt64(64 - c.trailingZeroBitCount)
    }
}
