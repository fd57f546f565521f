// Word frequencies as subword-nmt's `get_vocabulary` computes them: each line is
// `strip('\r\n ')`-ed and split on the ASCII space only; empty words are dropped.

import MTIO

/// Counts of distinct words, in first-occurrence order.
public struct WordCounts: Sendable {
    public private(set) var table = ByteStringTable(capacity: 1 << 16)
    public private(set) var counts: [Int] = []

    public init() {}

    public var count: Int { counts.count }

    /// Adds `n` occurrences of the word `p`.
    @inline(__always)
    public mutating func add(_ p: UnsafeBufferPointer<UInt8>, count n: Int = 1) {
        var isNew = false
        let id = table.intern(p, isNew: &isNew)
        if isNew { counts.append(n) } else { counts[Int(id)] += n }
    }

    public mutating func add(_ word: [UInt8], count n: Int = 1) {
        word.withUnsafeBufferPointer { add($0, count: n) }
    }

    /// Counts the words of every line of `chunk`.
    public mutating func addWords(of chunk: LineChunk) {
        chunk.bytes.withUnsafeBufferPointer { p in
            for l in 0..<chunk.lineCount {
                ByteText.forEachWord(p, chunk.lineStarts[l], chunk.lineStarts[l + 1]) { s, e in
                    add(UnsafeBufferPointer(rebasing: p[s..<e]))
                }
            }
        }
    }

    /// Adds the counts of `other` (Python `Counter +=`).
    public mutating func merge(_ other: WordCounts) {
        for id in 0..<other.count {
            other.table.withBytes(Int32(id)) { add($0, count: other.counts[id]) }
        }
    }

    /// Reads `word count` lines (subword-nmt `--dict-input`).
    public mutating func addDictionary(of chunk: LineChunk, source: String) throws {
        try chunk.bytes.withUnsafeBufferPointer { p in
            for l in 0..<chunk.lineCount {
                let (s, e) = ByteText.stripCRLFSpace(p, chunk.lineStarts[l], chunk.lineStarts[l + 1])
                var spaces: [Int] = []
                for i in s..<e where p[i] == 0x20 { spaces.append(i) }
                let lineNumber = chunk.firstLineNumber + l
                guard spaces.count == 1,
                      let n = Int(String(decoding: UnsafeBufferPointer(rebasing: p[(spaces[0] + 1)..<e]), as: UTF8.self))
                else {
                    throw TextError.invalidVocabulary(
                        source: source, line: lineNumber,
                        text: String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self))
                }
                add(UnsafeBufferPointer(rebasing: p[s..<spaces[0]]), count: n)
            }
        }
    }

    public func word(_ id: Int) -> [UInt8] { table.bytes(Int32(id)) }

    /// Ids sorted by descending count; equal counts keep first-occurrence order (stable sort).
    public func idsByDescendingCount() -> [Int] {
        let c = counts
        return (0..<count).sorted { c[$0] != c[$1] ? c[$0] > c[$1] : $0 < $1 }
    }

    /// `word count` lines, by descending count (subword-nmt `get-vocab` format).
    public func vocabularyFileBytes() -> [UInt8] {
        var out: [UInt8] = []
        for id in idsByDescendingCount() {
            table.withBytes(Int32(id)) { out.append(contentsOf: $0) }
            out.append(0x20)
            out.append(contentsOf: String(counts[id]).utf8)
            out.append(0x0A)
        }
        return out
    }
}
