// BPE learning with subword-nmt 0.3.8's algorithm, reproduced operation for operation.
//
// subword-nmt keeps two pair-count tables: `stats`, pruned below a moving threshold so that
// its `max` is cheap, and `big_stats`, where pruned counts are parked and later reloaded.
// Its pruning is not exactly lossless (a pruned pair that later gains counts is reloaded with
// only the gain), and its merge step is a regex over the space-joined symbols that behaves
// differently when a word contains non-space whitespace (NBSP, tab, ...). To produce the same
// merges in every case, this learner keeps the same two tables and the same per-word pair index
// (`indices`), with the same update rules, but finds the maximum with a lazy max-heap instead
// of scanning, and works on interned Int32 symbols instead of tuples of strings.

/// Options of `learn-bpe`.
public struct BPELearnOptions: Sendable {
    /// Number of merge operations to learn (`-s`).
    public var symbols: Int = 10000
    /// Stop when the most frequent pair is rarer than this (`--min-frequency`).
    public var minFrequency: Int = 2
    /// Subtract the number of distinct characters from `symbols` (`-t`).
    public var totalSymbols: Bool = false
    /// Log every merge to `log` (`-v`).
    public var verbose: Bool = false

    public init(symbols: Int = 10000, minFrequency: Int = 2, totalSymbols: Bool = false, verbose: Bool = false) {
        self.symbols = symbols
        self.minFrequency = minFrequency
        self.totalSymbols = totalSymbols
        self.verbose = verbose
    }
}

/// One learned merge: two symbols (UTF-8, the second may end in "</w>").
public struct BPEMerge: Equatable, Hashable, Sendable {
    public var first: [UInt8]
    public var second: [UInt8]
    public init(_ first: [UInt8], _ second: [UInt8]) { self.first = first; self.second = second }
    public init(_ first: String, _ second: String) { self.init(Array(first.utf8), Array(second.utf8)) }
    public var text: String { String(decoding: first, as: UTF8.self) + " " + String(decoding: second, as: UTF8.self) }
}

public enum BPELearner {
    /// Learns merges from word counts, exactly as subword-nmt 0.3.8 `learn_bpe` does.
    /// `log` receives the messages subword-nmt writes to stderr.
    public static func learn(_ vocab: WordCounts, options: BPELearnOptions,
                             log: (String) -> Void = { _ in }) -> [BPEMerge] {
        let state = LearnerState(vocab)
        return state.run(options, log: log)
    }

    /// The codes file: `#version: 0.2` then one `first second` line per merge.
    public static func codesFileBytes(_ merges: [BPEMerge]) -> [UInt8] {
        var out = Array("#version: 0.2\n".utf8)
        for m in merges {
            out.append(contentsOf: m.first)
            out.append(0x20)
            out.append(contentsOf: m.second)
            out.append(0x0A)
        }
        return out
    }
}

/// The mutable state of one learning run (see the file comment for the correspondence).
final class LearnerState {
    var symbols = ByteStringTable(capacity: 1 << 14)
    // Words: symbols of word j are syms[wStart[j] ..< wStart[j] + wLen[j]].
    var syms: [Int32] = []
    var wStart: [Int] = []
    var wLen: [Int] = []
    var wFreq: [Int] = []
    var wHasSpace: [Bool] = []
    // Pairs, by dense id.
    var pairMap = UInt64Map(capacity: 1 << 16)
    var pairA: [Int32] = []
    var pairB: [Int32] = []
    var stats: [Int] = []
    var inStats: [Bool] = []
    var big: [Int] = []
    var inBig: [Bool] = []
    var pairWords: [[Int32]] = []
    var statsKeys: [Int32] = []
    // indices[pair][word], absent = Int32.min.
    var index = UInt64Map(capacity: 1 << 18)
    // Lazy max-heap of (count, pair).
    var heapCount: [Int] = []
    var heapPair: [Int32] = []
    // Pairs whose `stats` changed during one update.
    var touched: [Int32] = []
    var touchMark: [UInt32] = []
    var touchGeneration: UInt32 = 1

    init(_ vocab: WordCounts) {
        var tmp: [UInt8] = []
        for j in 0..<vocab.count {
            wStart.append(syms.count)
            wFreq.append(vocab.counts[j])
            let start = syms.count
            vocab.table.withBytes(Int32(j)) { p in
                wHasSpace.append(ByteText.containsPythonSpaceOtherThanSpace(p))
                var i = 0
                while i < p.count {
                    let len = ByteText.sequenceLength(p[i])
                    tmp.removeAll(keepingCapacity: true)
                    tmp.append(contentsOf: p[i..<(i + len)])
                    if i + len >= p.count { tmp.append(contentsOf: ByteText.endOfWord) }
                    syms.append(symbols.intern(tmp))
                    i += len
                }
            }
            wLen.append(syms.count - start)
        }
    }

    // MARK: pairs and tables

    @inline(__always)
    func pairID(_ a: Int32, _ b: Int32) -> Int32 {
        var inserted = false
        let slot = pairMap.slotFor(UInt64Map.key(a, b), initial: Int32(pairA.count), inserted: &inserted)
        if !inserted { return pairMap.value(at: slot) }
        pairA.append(a); pairB.append(b)
        stats.append(0); inStats.append(false); big.append(0); inBig.append(false)
        pairWords.append([]); touchMark.append(0)
        return Int32(pairA.count - 1)
    }

    /// `stats[p] += delta` on a defaultdict.
    @inline(__always)
    func addStats(_ p: Int32, _ delta: Int) {
        let i = Int(p)
        if !inStats[i] { inStats[i] = true; stats[i] = 0; statsKeys.append(p) }
        stats[i] += delta
        if touchMark[i] != touchGeneration { touchMark[i] = touchGeneration; touched.append(p) }
    }

    /// `indices[p][j] += delta` on a defaultdict of defaultdicts.
    @inline(__always)
    func addIndex(_ p: Int32, _ j: Int32, _ delta: Int32) {
        var inserted = false
        let slot = index.slotFor(UInt64Map.key(p, j), initial: Int32.min, inserted: &inserted)
        var v = index.value(at: slot)
        if v == Int32.min { pairWords[Int(p)].append(j); v = 0 }
        index.setValue(v + delta, at: slot)
    }

    @inline(__always)
    func indexValue(_ p: Int32, _ j: Int32) -> Int32 {
        guard let v = index.get(UInt64Map.key(p, j)), v != Int32.min else { return 0 }
        return v
    }

    /// `prune_stats(stats, big_stats, threshold)`.
    func prune(_ threshold: Double) {
        var kept: [Int32] = []
        kept.reserveCapacity(statsKeys.count)
        for p in statsKeys {
            let i = Int(p)
            let f = stats[i]
            if Double(f) < threshold {
                inStats[i] = false
                if f < 0 { big[i] = (inBig[i] ? big[i] : 0) + f } else { big[i] = f }
                inBig[i] = true
            } else {
                kept.append(p)
            }
        }
        statsKeys = kept
        if heapPair.count > 2 * statsKeys.count + 4096 { rebuildHeap() }
    }

    /// `stats = copy.deepcopy(big_stats)`.
    func reloadFromBig() {
        for p in statsKeys { inStats[Int(p)] = false }
        statsKeys.removeAll(keepingCapacity: true)
        for i in 0..<pairA.count where inBig[i] {
            inStats[i] = true
            stats[i] = big[i]
            statsKeys.append(Int32(i))
        }
        rebuildHeap()
    }

    // MARK: heap

    /// Python's `max` key: (count, (first, second)) compared as numbers then code points.
    @inline(__always)
    func better(_ c1: Int, _ p1: Int32, _ c2: Int, _ p2: Int32) -> Bool {
        if c1 != c2 { return c1 > c2 }
        if p1 == p2 { return false }
        let a = symbols.compare(pairA[Int(p1)], pairA[Int(p2)])
        if a != 0 { return a > 0 }
        return symbols.compare(pairB[Int(p1)], pairB[Int(p2)]) > 0
    }

    func push(_ c: Int, _ p: Int32) {
        heapCount.append(c); heapPair.append(p)
        var i = heapCount.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if !better(heapCount[i], heapPair[i], heapCount[parent], heapPair[parent]) { break }
            heapCount.swapAt(i, parent); heapPair.swapAt(i, parent)
            i = parent
        }
    }

    func siftDown(_ start: Int) {
        var i = start
        let n = heapCount.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            let r = l + 1
            if r < n && better(heapCount[r], heapPair[r], heapCount[l], heapPair[l]) { m = r }
            if !better(heapCount[m], heapPair[m], heapCount[i], heapPair[i]) { break }
            heapCount.swapAt(i, m); heapPair.swapAt(i, m)
            i = m
        }
    }

    func popTop() {
        let last = heapCount.count - 1
        heapCount.swapAt(0, last); heapPair.swapAt(0, last)
        heapCount.removeLast(); heapPair.removeLast()
        if !heapCount.isEmpty { siftDown(0) }
    }

    func rebuildHeap() {
        heapCount = statsKeys.map { stats[Int($0)] }
        heapPair = statsKeys
        var i = heapCount.count / 2 - 1
        while i >= 0 { siftDown(i); i -= 1 }
    }

    /// `max(stats, key=lambda x: (stats[x], x))`; the stats table must not be empty.
    func maxPair() -> Int32 {
        while true {
            if heapCount.isEmpty { rebuildHeap() }
            let p = heapPair[0]
            if inStats[Int(p)] && stats[Int(p)] == heapCount[0] { return p }
            popTop()
        }
    }

    // MARK: merging

    /// `replace_pair` followed by `update_pair_statistics`.
    func mergePair(_ pair: Int32) {
        let first = pairA[Int(pair)], second = pairB[Int(pair)]
        var joined = symbols.bytes(first)
        joined.append(contentsOf: symbols.bytes(second))
        let merged = symbols.intern(joined)
        touchGeneration &+= 1
        touched.removeAll(keepingCapacity: true)

        var changed: [Int32] = []
        for j in pairWords[Int(pair)] where indexValue(pair, j) >= 1 { changed.append(j) }
        // update_pair_statistics starts by clearing the merged pair.
        addStats(pair, 0)
        stats[Int(pair)] = 0
        for j in pairWords[Int(pair)] { index.set(UInt64Map.key(pair, j), Int32.min) }
        pairWords[Int(pair)] = []

        var old: [Int32] = []
        var new: [Int32] = []
        for j in changed {
            let s = wStart[Int(j)], n = wLen[Int(j)]
            old.removeAll(keepingCapacity: true)
            old.append(contentsOf: syms[s..<(s + n)])
            new.removeAll(keepingCapacity: true)
            if wHasSpace[Int(j)] {
                regexReplace(old, first, second, &new)
            } else {
                var i = 0
                while i < n {
                    if i + 1 < n && old[i] == first && old[i + 1] == second {
                        new.append(merged); i += 2
                    } else {
                        new.append(old[i]); i += 1
                    }
                }
            }
            for k in 0..<new.count { syms[s + k] = new[k] }
            wLen[Int(j)] = new.count
            updateStatistics(j, old, new, first, second, merged)
        }
        for p in touched where inStats[Int(p)] { push(stats[Int(p)], p) }
    }

    /// The per-word body of `update_pair_statistics`.
    @inline(__always)
    func updateStatistics(_ j: Int32, _ old: [Int32], _ new: [Int32], _ first: Int32, _ second: Int32,
                          _ merged: Int32) {
        let freq = wFreq[Int(j)]
        let n = old.count
        var i = 0
        while i < n {
            if old[i] != first { i += 1; continue }
            if i < n - 1 && old[i + 1] == second {
                if i > 0 {
                    let p = pairID(old[i - 1], old[i])
                    addStats(p, -freq); addIndex(p, j, -1)
                }
                if i < n - 2 {
                    if old[i + 2] != first || i >= n - 3 || old[i + 3] != second {
                        let p = pairID(old[i + 1], old[i + 2])
                        addStats(p, -freq); addIndex(p, j, -1)
                    }
                }
                i += 2
            } else {
                i += 1
            }
        }
        let m = new.count
        i = 0
        while i < m {
            if new[i] != merged { i += 1; continue }
            if i > 0 {
                let p = pairID(new[i - 1], new[i])
                addStats(p, freq); addIndex(p, j, 1)
            }
            if i < m - 1 && new[i + 1] != merged {
                let p = pairID(new[i], new[i + 1])
                addStats(p, freq); addIndex(p, j, 1)
            }
            i += 1
        }
    }

    /// subword-nmt's `re.sub(r'(?<!\S)' + re.escape(first + ' ' + second) + r'(?!\S)', ...)`
    /// on `' '.join(word)`, then `split(' ')`. Only differs from a symbol-level merge when the
    /// word holds whitespace other than the ASCII space.
    func regexReplace(_ old: [Int32], _ first: Int32, _ second: Int32, _ out: inout [Int32]) {
        var text: [UInt32] = []
        for (k, s) in old.enumerated() {
            if k > 0 { text.append(0x20) }
            text.append(contentsOf: scalars(s))
        }
        let a = scalars(first), b = scalars(second)
        let pattern = a + [0x20] + b
        var result: [UInt32] = []
        var k = 0
        let n = text.count, m = pattern.count
        while k < n {
            if k + m <= n && (k == 0 || ByteText.isPythonSpace(text[k - 1]))
                && (k + m == n || ByteText.isPythonSpace(text[k + m]))
                && text[k..<(k + m)].elementsEqual(pattern) {
                result.append(contentsOf: a)
                result.append(contentsOf: b)
                k += m
            } else {
                result.append(text[k]); k += 1
            }
        }
        var piece: [UInt8] = []
        for c in result {
            if c == 0x20 {
                out.append(symbols.intern(piece)); piece.removeAll(keepingCapacity: true)
            } else {
                ByteText.appendScalar(c, to: &piece)
            }
        }
        out.append(symbols.intern(piece))
    }

    func scalars(_ id: Int32) -> [UInt32] {
        symbols.withBytes(id) { p in
            var r: [UInt32] = []
            var i = 0
            while i < p.count { let (c, l) = ByteText.decodeScalar(p, i); r.append(c); i += l }
            return r
        }
    }

    // MARK: main loop

    func run(_ options: BPELearnOptions, log: (String) -> Void) -> [BPEMerge] {
        // get_pair_statistics
        for j in 0..<wLen.count {
            let s = wStart[j], n = wLen[j]
            if n < 2 { continue }
            for k in s..<(s + n - 1) {
                let p = pairID(syms[k], syms[k + 1])
                addStats(p, wFreq[j])
                addIndex(p, Int32(j), 1)
            }
        }
        // big_stats = copy.deepcopy(stats)
        for p in statsKeys { big[Int(p)] = stats[Int(p)]; inBig[Int(p)] = true }
        rebuildHeap()

        var numSymbols = options.symbols
        if options.totalSymbols {
            var internalChars = Set<Int32>(), finalChars = Set<Int32>()
            for j in 0..<wLen.count {
                let s = wStart[j], n = wLen[j]
                for k in s..<(s + n - 1) { internalChars.insert(syms[k]) }
                finalChars.insert(syms[s + n - 1])
            }
            log("Number of word-internal characters: \(internalChars.count)")
            log("Number of word-final characters: \(finalChars.count)")
            log("Reducing number of merge operations by \(internalChars.count + finalChars.count)")
            numSymbols -= internalChars.count + finalChars.count
        }
        var merges: [BPEMerge] = []
        if statsKeys.isEmpty { return merges }
        var threshold = Double(stats[Int(maxPair())]) / 10
        var i = 0
        while i < numSymbols {
            var best: Int32 = statsKeys.isEmpty ? -1 : maxPair()
            if statsKeys.isEmpty || (i > 0 && Double(stats[Int(best)]) < threshold) {
                prune(threshold)
                reloadFromBig()
                if statsKeys.isEmpty { break }
                best = maxPair()
                threshold = Double(stats[Int(best)]) * Double(i) / (Double(i) + 10000.0)
                prune(threshold)
            }
            if !inStats[Int(best)] { addStats(best, 0) }  // defaultdict access re-inserts
            let f = stats[Int(best)]
            if f < options.minFrequency {
                log("no pair has frequency >= \(options.minFrequency). Stopping")
                break
            }
            let m = BPEMerge(symbols.bytes(pairA[Int(best)]), symbols.bytes(pairB[Int(best)]))
            if options.verbose {
                let a = String(decoding: m.first, as: UTF8.self), b = String(decoding: m.second, as: UTF8.self)
                log("pair \(i): \(a) \(b) -> \(a)\(b) (frequency \(f))")
            }
            merges.append(m)
            mergePair(best)
            stats[Int(best)] = 0
            push(0, best)
            if i % 100 == 0 { prune(threshold) }
            i += 1
        }
        return merges
    }
}
