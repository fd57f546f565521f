// BPE application identical to subword-nmt 0.3.8 `apply-bpe`: per word, repeatedly merge all
// occurrences of the lowest-ranked pair; optional vocabulary filter that undoes merges whose
// result is rare; glossaries kept whole; a per-thread word cache; lines processed in parallel.

import Dispatch

/// Options of `apply-bpe`.
public struct BPEApplyOptions: Sendable {
    /// Continuation marker appended to non-final pieces (`-s`, default "@@").
    public var separator: [UInt8] = Array("@@".utf8)
    /// Vocabulary (`--vocabulary` filtered by `--vocabulary-threshold`); empty = no filter.
    public var vocabulary: Set<[UInt8]> = []
    /// Glossaries (`--glossaries`): regular expressions whose matches are never split.
    public var glossaries: [String] = []

    public init(separator: String = "@@", vocabulary: Set<[UInt8]> = [], glossaries: [String] = []) {
        self.separator = Array(separator.utf8)
        self.vocabulary = vocabulary
        self.glossaries = glossaries
    }

    /// Reads a `word count` vocabulary file (subword-nmt `read_vocabulary`), keeping words with
    /// count >= `threshold` (all when nil).
    public static func readVocabulary(path: String, threshold: Int?) throws -> Set<[UInt8]> {
        let chunk = LineChunk(splitting: try readWholeFile(path), mode: .python)
        var vocab = Set<[UInt8]>()
        try chunk.bytes.withUnsafeBufferPointer { p in
            for l in 0..<chunk.lineCount {
                let (s, e) = ByteText.stripCRLFSpace(p, chunk.lineStarts[l], chunk.lineStarts[l + 1])
                let fields = p[s..<e].split(separator: 0x20, omittingEmptySubsequences: false)
                guard fields.count == 2, let n = Int(String(decoding: fields[1], as: UTF8.self)) else {
                    throw TextError.invalidVocabulary(source: path, line: l + 1,
                                                      text: String(decoding: p[s..<e], as: UTF8.self))
                }
                if threshold == nil || n >= threshold! { vocab.insert(Array(fields[0])) }
            }
        }
        return vocab
    }
}

/// Segments words and lines with a set of codes.
public final class BPEApplier: @unchecked Sendable {
    public let codes: BPECodes
    public let options: BPEApplyOptions
    let glossary: Glossary?
    let reverse: [[UInt8]: BPEMerge]

    public init(codes: BPECodes, options: BPEApplyOptions = BPEApplyOptions()) throws {
        self.codes = codes
        self.options = options
        self.reverse = options.vocabulary.isEmpty ? [:] : codes.reverseMap()
        self.glossary = options.glossaries.isEmpty ? nil : try Glossary(options.glossaries)
    }

    // MARK: one word

    /// Pieces of one word (`encode` + `check_vocab_and_split`), without separators.
    public func encode(_ word: [UInt8]) -> [[UInt8]] {
        if let g = glossary, g.matchesWhole(word) { return [word] }
        let cuts = word.withUnsafeBufferPointer { pieceStarts($0) }
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(cuts.count)
        for k in 0..<cuts.count {
            let end = k + 1 < cuts.count ? cuts[k + 1] : word.count
            pieces.append(Array(word[cuts[k]..<end]))
        }
        // subword-nmt returns a one-character word before the vocabulary check.
        let oneCharacter = word.withUnsafeBufferPointer { ByteText.scalarCount($0) } == 1
        if !oneCharacter && !options.vocabulary.isEmpty { pieces = checkVocabulary(pieces) }
        return pieces
    }

    /// Byte offsets where the pieces of `word` start (the first is 0), before vocabulary
    /// filtering: subword-nmt `encode` without the cache. A one-character word is one piece.
    func pieceStarts(_ word: UnsafeBufferPointer<UInt8>) -> [Int] {
        var ids: [Int32] = []
        var starts: [Int] = []
        ids.reserveCapacity(word.count + 1)
        starts.reserveCapacity(word.count + 1)
        var tmp: [UInt8] = []
        var i = 0
        let v01 = codes.version == (0, 1)
        while i < word.count {
            let b = word[i]
            let len = ByteText.sequenceLength(b)
            let final = i + len >= word.count && !v01
            if b < 0x80 {
                ids.append(codes.asciiSymbols[Int(b) + (final ? 128 : 0)])
            } else {
                tmp.removeAll(keepingCapacity: true)
                tmp.append(contentsOf: UnsafeBufferPointer(rebasing: word[i..<(i + len)]))
                if final { tmp.append(contentsOf: ByteText.endOfWord) }
                ids.append(codes.symbols.find(tmp))
            }
            starts.append(i)
            i += len
        }
        if starts.count == 1 { return [0] }
        if v01 { ids.append(codes.symbols.find(ByteText.endOfWord)); starts.append(word.count) }
        let n = mergeAll(&ids, &starts)
        // v0.1: an unmerged "</w>" is an empty last piece.
        if n > 1 && starts[n - 1] == word.count { return Array(starts[0..<(n - 1)]) }
        return Array(starts[0..<n])
    }

    /// The merge index of the pair (a, b), or -1.
    @inline(__always)
    func mergeOf(_ a: Int32, _ b: Int32) -> Int32 {
        if a < 0 || b < 0 { return -1 }
        return codes.mergeIndex.get(UInt64Map.key(a, b)) ?? -1
    }

    /// subword-nmt's loop: while some adjacent pair is in the codes, merge every occurrence of
    /// the lowest-ranked one, left to right. `pv[k]` caches the merge of pair (k, k+1), so only
    /// pairs next to a new symbol are looked up again. Returns the new symbol count.
    func mergeAll(_ idsArray: inout [Int32], _ startsArray: inout [Int]) -> Int {
        var n = idsArray.count
        if n < 2 { return n }
        var pvArray = [Int32](repeating: -1, count: n)
        var freshArray = [Bool](repeating: false, count: n)
        return codes.ranks.withUnsafeBufferPointer { ranks in
            codes.results.withUnsafeBufferPointer { results in
                idsArray.withUnsafeMutableBufferPointer { ids in
                    startsArray.withUnsafeMutableBufferPointer { starts in
                        pvArray.withUnsafeMutableBufferPointer { pv in
                            freshArray.withUnsafeMutableBufferPointer { fresh in
                                for k in 0..<(n - 1) { pv[k] = mergeOf(ids[k], ids[k + 1]) }
                                while true {
                                    var best: Int32 = -1
                                    var bestRank = Int32.max
                                    for k in 0..<(n - 1) {
                                        let v = pv[k]
                                        if v >= 0 && ranks[Int(v)] < bestRank { bestRank = ranks[Int(v)]; best = v }
                                    }
                                    if best < 0 { return n }
                                    let merged = results[Int(best)]
                                    var w = 0, k = 0
                                    while k < n {
                                        if k + 1 < n && pv[k] == best {
                                            ids[w] = merged; starts[w] = starts[k]; fresh[w] = true; pv[w] = -1
                                            w += 1; k += 2
                                        } else {
                                            ids[w] = ids[k]; starts[w] = starts[k]; fresh[w] = false; pv[w] = pv[k]
                                            w += 1; k += 1
                                        }
                                    }
                                    n = w
                                    for k in 0..<n where fresh[k] {
                                        if k > 0 { pv[k - 1] = mergeOf(ids[k - 1], ids[k]) }
                                        pv[k] = k + 1 < n ? mergeOf(ids[k], ids[k + 1]) : -1
                                        fresh[k] = false
                                    }
                                    pv[n - 1] = -1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// subword-nmt `check_vocab_and_split`.
    func checkVocabulary(_ pieces: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let sep = options.separator
        for seg in pieces.dropLast() {
            if options.vocabulary.contains(seg + sep) { out.append(seg) } else { recursiveSplit(seg, final: false, &out) }
        }
        let last = pieces[pieces.count - 1]
        if options.vocabulary.contains(last) { out.append(last) } else { recursiveSplit(last, final: true, &out) }
        return out
    }

    /// subword-nmt `recursive_split`: undo the merge that produced `segment`.
    func recursiveSplit(_ segment: [UInt8], final: Bool, _ out: inout [[UInt8]]) {
        let key = final ? segment + ByteText.endOfWord : segment
        guard let m = reverse[key] else { out.append(segment); return }
        let left = m.first
        var right = m.second
        if final {
            // right[:-4]: drop four code points.
            var dropped = 0
            while dropped < 4 && !right.isEmpty {
                while let b = right.last, b & 0xC0 == 0x80 { right.removeLast() }
                if !right.isEmpty { right.removeLast() }
                dropped += 1
            }
        }
        let sep = options.separator
        if options.vocabulary.contains(left + sep) { out.append(left) } else { recursiveSplit(left, final: false, &out) }
        if (final && options.vocabulary.contains(right)) || (!final && options.vocabulary.contains(right + sep)) {
            out.append(right)
        } else {
            recursiveSplit(right, final: final, &out)
        }
    }

    /// Output bytes of one space-free word: pieces joined by "@@ " (glossaries isolated first).
    public func segmentWord(_ word: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        word.withUnsafeBufferPointer { appendSegmented($0, to: &out) }
        return out
    }

    /// Appends the output bytes of one word (pieces joined by separator + space).
    func appendSegmented(_ word: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if glossary == nil && options.vocabulary.isEmpty {
            // Fast path: write the pieces straight from the word's bytes.
            let cuts = pieceStarts(word)
            for k in 0..<cuts.count {
                let end = k + 1 < cuts.count ? cuts[k + 1] : word.count
                out.append(contentsOf: UnsafeBufferPointer(rebasing: word[cuts[k]..<end]))
                if k + 1 < cuts.count { out.append(contentsOf: options.separator); out.append(0x20) }
            }
            return
        }
        var pieces: [[UInt8]] = []
        if let g = glossary {
            for seg in g.isolate(Array(word)) { pieces.append(contentsOf: encode(seg)) }
        } else {
            pieces = encode(Array(word))
        }
        for (k, p) in pieces.enumerated() {
            out.append(contentsOf: p)
            if k + 1 < pieces.count { out.append(contentsOf: options.separator); out.append(0x20) }
        }
    }

    // MARK: lines

    /// Segments one line (terminator optional) and returns the output bytes. Thread-safe; no
    /// word cache (use `process` with `WordCache`s for bulk text).
    public func segmentLine(_ line: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        line.withUnsafeBufferPointer { p in
            let (s, e) = ByteText.stripCRLFSpace(p, 0, p.count)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[0..<s]))
            var first = true
            ByteText.forEachWord(p, 0, p.count) { ws, we in
                if !first { out.append(0x20) }
                first = false
                appendSegmented(UnsafeBufferPointer(rebasing: p[ws..<we]), to: &out)
            }
            if e < p.count && s < e { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[e..<p.count])) }
        }
        return out
    }

    /// Segments `line` (no terminator needed) as a String; convenience for tests and tools.
    public func segment(_ line: String) -> String {
        String(decoding: segmentLine(Array(line.utf8)), as: UTF8.self)
    }

    /// Segments all lines of `chunk` on `caches.count` threads, with `caches[0]` as the word
    /// cache. Lines flagged in `skip` are replaced by an empty line.
    public func process(_ chunk: LineChunk, caches: [WordCache], skip: Set<Int> = []) -> [UInt8] {
        process(chunk, cache: caches[0], threads: caches.count, skip: skip)
    }

    /// Segments all lines of `chunk` (subword-nmt `process_line` on each) in four steps:
    /// look words up in `cache` (parallel, read-only; per-thread front tables), intern the
    /// words not found (one thread, in text order), segment the new words (parallel), write
    /// the lines (parallel). No word is segmented twice, and output order is input order.
    public func process(_ chunk: LineChunk, cache: WordCache, threads: Int, skip: Set<Int> = []) -> [UInt8] {
        let n = chunk.lineCount
        let workers = max(1, min(threads, n / 256 + 1))
        cache.prepareFronts(workers)
        let tokens = ResultIDs(workers)
        let misses = ResultRanges(workers)
        @Sendable func lines(_ w: Int) -> Range<Int> { (n * w / workers)..<(n * (w + 1) / workers) }
        chunk.bytes.withUnsafeBufferPointer { p in
            let bytes = UnsafeSendable(p)
            let lookup: @Sendable (Int) -> Void = { w in
                var ids: [Int32] = []
                var miss: [Int] = []
                for l in lines(w) where !skip.contains(l) {
                    ByteText.forEachWord(bytes.value, chunk.lineStarts[l], chunk.lineStarts[l + 1]) { ws, we in
                        let id = cache.find(UnsafeBufferPointer(rebasing: bytes.value[ws..<we]), front: w)
                        if id < 0 { miss.append(ws); miss.append(we); miss.append(ids.count) }
                        ids.append(id)
                    }
                }
                tokens.set(w, ids)
                misses.set(w, miss)
            }
            if workers == 1 { lookup(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: lookup) }
        }
        // Intern the misses in text order, so that ids and first occurrences follow the text.
        var fresh: [(start: Int, end: Int)] = []
        let firstNew = cache.table.count
        chunk.bytes.withUnsafeBufferPointer { p in
            for w in 0..<workers {
                let miss = misses.get(w)
                var ids = tokens.get(w)
                var k = 0
                while k < miss.count {
                    let (id, isNew) = cache.lookup(UnsafeBufferPointer(rebasing: p[miss[k]..<miss[k + 1]]))
                    if isNew { fresh.append((miss[k], miss[k + 1])) }
                    ids[miss[k + 2]] = id
                    k += 3
                }
                tokens.set(w, ids)
            }
        }
        segmentNewWords(chunk, fresh, firstNew: firstNew, cache: cache, threads: threads)
        let results = ResultSlots(workers)
        chunk.bytes.withUnsafeBufferPointer { p in
            let bytes = UnsafeSendable(p)
            let write: @Sendable (Int) -> Void = { w in
                let ids = tokens.get(w)
                let r = lines(w)
                var out: [UInt8] = []
                out.reserveCapacity((chunk.lineStarts[r.upperBound] - chunk.lineStarts[r.lowerBound]) * 3 / 2)
                var t = 0
                cache.arena.withUnsafeBufferPointer { arena in
                    cache.offsets.withUnsafeBufferPointer { offsets in
                        let p = bytes.value
                        for l in r {
                            if skip.contains(l) { out.append(0x0A); continue }
                            let start = chunk.lineStarts[l], end = chunk.lineStarts[l + 1]
                            let (s, e) = ByteText.stripCRLFSpace(p, start, end)
                            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<s]))
                            var first = true
                            ByteText.forEachWord(p, start, end) { _, _ in
                                if !first { out.append(0x20) }
                                first = false
                                let id = Int(ids[t])
                                t += 1
                                out.append(contentsOf: UnsafeBufferPointer(rebasing: arena[offsets[id]..<offsets[id + 1]]))
                            }
                            if e < end && s < e { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[e..<end])) }
                        }
                    }
                }
                results.set(w, out)
            }
            if workers == 1 { write(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: write) }
        }
        if workers == 1 { return results.get(0) }
        var all: [UInt8] = []
        all.reserveCapacity((0..<workers).reduce(0) { $0 + results.get($1).count })
        for w in 0..<workers { all.append(contentsOf: results.get(w)) }
        return all
    }

    /// Segments the words first seen in this chunk (ids `firstNew...`, in order) and stores
    /// their output in `cache`.
    func segmentNewWords(_ chunk: LineChunk, _ fresh: [(start: Int, end: Int)], firstNew: Int, cache: WordCache,
                         threads: Int) {
        let workers = max(1, min(threads, fresh.count / 256 + 1))
        if workers == 1 {
            chunk.bytes.withUnsafeBufferPointer { p in
                for (s, e) in fresh {
                    appendSegmented(UnsafeBufferPointer(rebasing: p[s..<e]), to: &cache.arena)
                    cache.offsets.append(cache.arena.count)
                }
            }
            return
        }
        let results = ResultSlots(workers)
        let ends = ResultOffsets(workers)
        chunk.bytes.withUnsafeBufferPointer { p in
            let bytes = UnsafeSendable(p)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = fresh.count * w / workers, hi = fresh.count * (w + 1) / workers
                var out: [UInt8] = []
                var offs: [Int] = []
                offs.reserveCapacity(hi - lo)
                for k in lo..<hi {
                    self.appendSegmented(UnsafeBufferPointer(rebasing: bytes.value[fresh[k].start..<fresh[k].end]), to: &out)
                    offs.append(out.count)
                }
                results.set(w, out)
                ends.set(w, offs)
            }
        }
        for w in 0..<workers {
            let base = cache.arena.count
            cache.arena.append(contentsOf: results.get(w))
            for o in ends.get(w) { cache.offsets.append(base + o) }
        }
        precondition(cache.offsets.count == cache.table.count + 1 && firstNew + fresh.count == cache.table.count)
    }
}

/// Memoised word segmentations (subword-nmt's `cache`): word -> output bytes.
public final class WordCache: @unchecked Sendable {
    var table = ByteStringTable(capacity: 1 << 14)
    var arena: [UInt8] = []
    var offsets: [Int] = [0]
    /// Small direct-mapped front tables (hash tag | id + 1), one per worker, that keep
    /// frequent words in cache; misses fall through to `table`. Ids never change, so a front
    /// entry is never stale.
    static let frontSize = 1 << 13
    private var fronts: [UnsafeMutablePointer<UInt64>] = []

    public init() {}

    deinit { for f in fronts { f.deallocate() } }

    func prepareFronts(_ n: Int) {
        while fronts.count < max(n, 1) {
            let f = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.frontSize)
            f.initialize(repeating: 0, count: Self.frontSize)
            fronts.append(f)
        }
    }

    /// The id of `word` or -1, without changing the table (safe on several threads, each with
    /// its own `front` index).
    @inline(__always)
    func find(_ word: UnsafeBufferPointer<UInt8>, front w: Int) -> Int32 {
        let h = ByteStringTable.hash(word)
        let f = Int(truncatingIfNeeded: h >> 7) & (Self.frontSize - 1)
        let tag = h >> 32
        let front = fronts[w]
        let e = front[f]
        if e >> 32 == tag && e != 0 {
            let candidate = Int32(e & 0xFFFF_FFFF) - 1
            if table.equals(candidate, word) { return candidate }
        }
        let id = table.find(word, hash: h)
        if id >= 0 { front[f] = tag << 32 | UInt64(id + 1) }
        return id
    }

    /// The id of `word`, interning it if new (its segmentation is then added by the caller).
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>) -> (Int32, Bool) {
        prepareFronts(1)
        let h = ByteStringTable.hash(word)
        let f = Int(truncatingIfNeeded: h >> 7) & (Self.frontSize - 1)
        let tag = h >> 32
        var isNew = false
        let id = table.intern(word, hash: h, isNew: &isNew)
        fronts[0][f] = tag << 32 | UInt64(id + 1)
        return (id, isNew)
    }
}

/// Per-worker id lists written from `concurrentPerform`.
final class ResultIDs: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<[Int32]>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = UnsafeMutablePointer<[Int32]>.allocate(capacity: n)
        slots.initialize(repeating: [], count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: [Int32]) { slots[i] = v }
    func get(_ i: Int) -> [Int32] { slots[i] }
}

typealias ResultRanges = ResultOffsets

/// Per-worker offset lists written from `concurrentPerform`.
final class ResultOffsets: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<[Int]>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = UnsafeMutablePointer<[Int]>.allocate(capacity: n)
        slots.initialize(repeating: [], count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: [Int]) { slots[i] = v }
    func get(_ i: Int) -> [Int] { slots[i] }
}

/// Per-worker result buffers written from `concurrentPerform`.
final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<[UInt8]>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = UnsafeMutablePointer<[UInt8]>.allocate(capacity: n)
        slots.initialize(repeating: [], count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: [UInt8]) { slots[i] = v }
    func get(_ i: Int) -> [UInt8] { slots[i] }
}

/// A pointer wrapper that may cross into `concurrentPerform` (read-only use).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
