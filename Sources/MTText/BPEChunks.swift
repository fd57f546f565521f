// Bulk BPE application (subword-nmt `process_line` over chunks of lines): one parallel pass
// per chunk over a shared word cache, worker-local segmentation of new words, and the buffers
// that carry results out of `concurrentPerform`.

import Dispatch
import MTIO

extension BPEApplier {

    /// Segments one line (terminator optional) and returns the output bytes. Thread-safe; no
    /// word cache (use `process` with `WordCache`s for bulk text).
    public func segmentLine(_ line: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        line.withUnsafeBufferPointer { p in
            Self.writeLine(p, 0, p.count, to: &out) { word, out in appendSegmented(word, to: &out) }
        }
        return out
    }

    /// subword-nmt `process_line` around the words of line `p[start..<end]`: its leading
    /// whitespace, the output of `word` for each word joined by single spaces, then its trailing
    /// whitespace and terminator (only when the line has a word).
    @inline(__always)
    static func writeLine(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, to out: inout [UInt8],
                          _ word: (UnsafeBufferPointer<UInt8>, inout [UInt8]) -> Void) {
        let (s, e) = ByteText.stripCRLFSpace(p, start, end)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<s]))
        var first = true
        ByteText.forEachWord(p, start, end) { ws, we in
            if !first { out.append(0x20) }
            first = false
            word(UnsafeBufferPointer(rebasing: p[ws..<we]), &out)
        }
        if e < end && s < e { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[e..<end])) }
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
        let outs = WorkerSlots<[UInt8]>(workers, initial: [])
        let bad = WorkerSlots<[Int]>(workers, initial: [])
        let news = WorkerSlots(workers, initial: NewWords())
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
                            if checkUTF8 && !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: p[start..<end])) {
                                invalid.append(l); out.append(0x0A); continue
                            }
                            Self.writeLine(p, start, end, to: &out) { word, out in
                                let h = ByteStringTable.hash(word)
                                let id = WordCache.find(word, hash: h, front: front, table: shared.table)
                                if id >= 0 {
                                    out.append(contentsOf: UnsafeBufferPointer(rebasing: arena[offsets[Int(id)]..<offsets[Int(id) + 1]]))
                                } else {
                                    local.append(word, hash: h, applier: self, to: &out)
                                }
                            }
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

/// One value per worker, written from `concurrentPerform` (each worker its own slot).
final class WorkerSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T>
    private let n: Int
    init(_ n: Int, initial: T) {
        self.n = n
        slots = UnsafeMutablePointer<T>.allocate(capacity: n)
        slots.initialize(repeating: initial, count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: T) { slots[i] = v }
    func get(_ i: Int) -> T { slots[i] }
}

/// A pointer wrapper that may cross into `concurrentPerform` (read-only use).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
