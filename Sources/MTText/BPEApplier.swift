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
        let scratch = SegmentScratch()
        let n = cutWord(word, scratch)
        return Array(UnsafeBufferPointer(start: scratch.starts, count: n))
    }

    /// `pieceStarts` into `scratch.starts`; returns the number of pieces. Allocates nothing
    /// once `scratch` has grown to the longest word.
    func cutWord(_ word: UnsafeBufferPointer<UInt8>, _ scratch: SegmentScratch) -> Int {
        scratch.ensure(word.count + 1)
        let ids = scratch.ids, starts = scratch.starts
        let v01 = codes.version == (0, 1)
        var n = 0
        var i = 0
        codes.asciiSymbols.withUnsafeBufferPointer { ascii in
            while i < word.count {
                let b = word[i]
                let len = ByteText.sequenceLength(b)
                let final = i + len >= word.count && !v01
                if b < 0x80 {
                    ids[n] = ascii[Int(b) + (final ? 128 : 0)]
                } else {
                    // The character's bytes, plus "</w>" when it ends the word.
                    let tmp = scratch.char
                    var k = 0
                    for j in i..<min(i + len, word.count) { tmp[k] = word[j]; k += 1 }
                    if final { for e in ByteText.endOfWord { tmp[k] = e; k += 1 } }
                    ids[n] = codes.symbols.find(UnsafeBufferPointer(start: tmp, count: k))
                }
                starts[n] = i
                n += 1
                i += len
            }
        }
        if n == 1 { starts[0] = 0; return 1 }
        if v01 { ids[n] = codes.symbols.find(ByteText.endOfWord); starts[n] = word.count; n += 1 }
        n = mergeAll(ids, starts, n, scratch)
        // v0.1: an unmerged "</w>" is an empty last piece.
        if n > 1 && starts[n - 1] == word.count { return n - 1 }
        return n
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
    func mergeAll(_ ids: UnsafeMutablePointer<Int32>, _ starts: UnsafeMutablePointer<Int>, _ count: Int,
                  _ scratch: SegmentScratch) -> Int {
        var n = count
        if n < 2 { return n }
        let pv = scratch.pv, fresh = scratch.fresh
        return codes.ranks.withUnsafeBufferPointer { ranks in
            codes.results.withUnsafeBufferPointer { results in
                for k in 0..<(n - 1) { pv[k] = mergeOf(ids[k], ids[k + 1]) }
                pv[n - 1] = -1
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
    func appendSegmented(_ word: UnsafeBufferPointer<UInt8>, to out: inout [UInt8],
                         scratch: SegmentScratch? = nil) {
        if glossary == nil && options.vocabulary.isEmpty {
            // Fast path: write the pieces straight from the word's bytes.
            let sc = scratch ?? SegmentScratch()
            let n = cutWord(word, sc)
            let cuts = sc.starts
            for k in 0..<n {
                let end = k + 1 < n ? cuts[k + 1] : word.count
                out.append(contentsOf: UnsafeBufferPointer(rebasing: word[cuts[k]..<end]))
                if k + 1 < n { out.append(contentsOf: options.separator); out.append(0x20) }
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

    /// `segmentChunk` with the parts joined into one buffer.
    public func process(_ chunk: LineChunk, cache: WordCache, threads: Int, skip: Set<Int> = []) -> [UInt8] {
        let r = segmentChunk(chunk, cache: cache, threads: threads, checkUTF8: false, skip: skip)
        if r.parts.count == 1 { return r.parts[0] }
        var all: [UInt8] = []
        all.reserveCapacity(r.parts.reduce(0) { $0 + $1.count })
        for part in r.parts { all.append(contentsOf: part) }
        return all
    }

    /// Segments all lines of `chunk` (subword-nmt `process_line` on each) in one parallel pass:
    /// each worker takes a contiguous range of lines, looks every word up in `cache` (read-only,
    /// with its own front table), segments the words the cache lacks into a worker-local table
    /// (each at most once per worker), and writes its lines. Afterwards the new words join
    /// `cache` in text order. Lines in `skip`, and with `checkUTF8` lines that are not valid
    /// UTF-8, become empty lines; the latter are listed in `invalidLines` (ascending).
    public func segmentChunk(_ chunk: LineChunk, cache: WordCache, threads: Int, checkUTF8: Bool,
                             skip: Set<Int> = []) -> SegmentedChunk {
        let n = chunk.lineCount
        let workers = max(1, min(threads, n / 256 + 1))
        cache.prepareFronts(workers)
        let shared = cache.snapshot()
        let outs = ResultSlots(workers)
        let bad = ResultOffsets(workers)
        let news = NewWordSlots(workers)
        let skipNone = skip.isEmpty
        chunk.bytes.withUnsafeBufferPointer { p in
            let bytes = UnsafeSendable(p)
            let body: @Sendable (Int) -> Void = { w in
                let p = bytes.value
                let lo = n * w / workers, hi = n * (w + 1) / workers
                var out: [UInt8] = []
                out.reserveCapacity((chunk.lineStarts[hi] - chunk.lineStarts[lo]) * 5 / 4 + 64)
                var invalid: [Int] = []
                var local = NewWords()
                let front = cache.front(w)
                shared.arena.withUnsafeBufferPointer { arena in
                    shared.offsets.withUnsafeBufferPointer { offsets in
                        for l in lo..<hi {
                            let start = chunk.lineStarts[l], end = chunk.lineStarts[l + 1]
                            if !skipNone && skip.contains(l) { out.append(0x0A); continue }
                            if checkUTF8 && !ByteText.isValidUTF8(UnsafeBufferPointer(rebasing: p[start..<end])) {
                                invalid.append(l); out.append(0x0A); continue
                            }
                            let (s, e) = ByteText.stripCRLFSpace(p, start, end)
                            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<s]))
                            var first = true
                            ByteText.forEachWord(p, start, end) { ws, we in
                                if !first { out.append(0x20) }
                                first = false
                                let word = UnsafeBufferPointer(rebasing: p[ws..<we])
                                let h = ByteStringTable.hash(word)
                                let id = WordCache.find(word, hash: h, front: front, table: shared.table)
                                if id >= 0 {
                                    out.append(contentsOf: UnsafeBufferPointer(rebasing: arena[offsets[Int(id)]..<offsets[Int(id) + 1]]))
                                } else {
                                    local.append(word, hash: h, applier: self, to: &out)
                                }
                            }
                            if e < end && s < e { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[e..<end])) }
                        }
                    }
                }
                outs.set(w, out)
                bad.set(w, invalid)
                news.set(w, local)
            }
            if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
        }
        // Workers hold consecutive lines, so worker order then first-occurrence order is text order.
        for w in 0..<workers { cache.add(news.get(w)) }
        return SegmentedChunk(parts: (0..<workers).map { outs.get($0) },
                              invalidLines: (0..<workers).flatMap { bad.get($0) })
    }
}

/// The output of `BPEApplier.segmentChunk`: consecutive parts of the segmented text (one per
/// worker) and the chunk's lines that were not valid UTF-8.
public struct SegmentedChunk: Sendable {
    public var parts: [[UInt8]]
    public var invalidLines: [Int]
}

/// Words a worker segmented because the shared cache lacked them, with their output bytes.
struct NewWords: @unchecked Sendable {
    var table = ByteStringTable(capacity: 256)
    var arena: [UInt8] = []
    var offsets: [Int] = [0]
    let scratch = SegmentScratch()

    /// Appends the output of `word` to `out`, segmenting it unless this worker already has.
    @inline(__always)
    mutating func append(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, applier: BPEApplier,
                         to out: inout [UInt8]) {
        var isNew = false
        let id = Int(table.intern(word, hash: h, isNew: &isNew))
        if isNew {
            applier.appendSegmented(word, to: &arena, scratch: scratch)
            offsets.append(arena.count)
        }
        arena.withUnsafeBufferPointer { a in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: a[offsets[id]..<offsets[id + 1]]))
        }
    }
}

/// Working memory of `BPEApplier.cutWord` (one per thread): symbol ids, piece starts, cached
/// pair merges and flags, sized for the longest word seen so far.
final class SegmentScratch {
    private(set) var capacity = 0
    private(set) var ids = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var starts = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    private(set) var pv = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var fresh = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    /// One character's bytes plus "</w>".
    let char = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)

    init() { ensure(64) }

    deinit { ids.deallocate(); starts.deallocate(); pv.deallocate(); fresh.deallocate(); char.deallocate() }

    @inline(__always)
    func ensure(_ n: Int) {
        if n <= capacity { return }
        let c = max(n, capacity * 2)
        ids.deallocate(); starts.deallocate(); pv.deallocate(); fresh.deallocate()
        ids = .allocate(capacity: c); starts = .allocate(capacity: c)
        pv = .allocate(capacity: c); fresh = .allocate(capacity: c)
        fresh.initialize(repeating: false, count: c)
        capacity = c
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

    func front(_ w: Int) -> UnsafeMutablePointer<UInt64> { fronts[w] }

    /// Read-only copies of the table and the segmentations for the workers of one chunk
    /// (sharing storage: no bytes are copied, and the workers never touch `self`'s properties).
    func snapshot() -> (table: ByteStringTable, arena: [UInt8], offsets: [Int]) { (table, arena, offsets) }

    /// The id of `word` in `table` or -1; `front` is the calling worker's front table.
    @inline(__always)
    static func find(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, front: UnsafeMutablePointer<UInt64>,
                     table: ByteStringTable) -> Int32 {
        let f = Int(truncatingIfNeeded: h >> 7) & (frontSize - 1)
        let tag = h >> 32
        let e = front[f]
        if e >> 32 == tag && e != 0 {
            let candidate = Int32(e & 0xFFFF_FFFF) - 1
            if table.equals(candidate, word) { return candidate }
        }
        let id = table.find(word, hash: h)
        if id >= 0 { front[f] = tag << 32 | UInt64(id + 1) }
        return id
    }

    /// Adds the words of `news` that are not in the cache yet, with their segmentations.
    func add(_ news: NewWords) {
        news.table.forEach { id, word in
            var isNew = false
            _ = table.intern(word, isNew: &isNew)
            if isNew {
                arena.append(contentsOf: news.arena[news.offsets[Int(id)]..<news.offsets[Int(id) + 1]])
                offsets.append(arena.count)
            }
        }
    }
}

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

/// Per-worker new-word tables written from `concurrentPerform`.
final class NewWordSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<NewWords>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = UnsafeMutablePointer<NewWords>.allocate(capacity: n)
        slots.initialize(repeating: NewWords(), count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: NewWords) { slots[i] = v }
    func get(_ i: Int) -> NewWords { slots[i] }
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
