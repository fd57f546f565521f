// The model vocabulary: special tokens first (<pad>, <s>, </s>, <unk>), then tokens of the
// segmented training text by descending count (equal counts in first-occurrence order).
// File format (ARCHITECTURE.md): UTF-8, one token per line. Tokens are compared as bytes,
// never with String equality (which identifies NFC and NFD forms).

import MTIO

public struct Vocabulary: Sendable, Equatable {
    public static let specials = ["<pad>", "<s>", "</s>", "<unk>"]
    public static let padID: Int32 = 0
    public static let bosID: Int32 = 1
    public static let eosID: Int32 = 2
    public static let unkID: Int32 = 3

    /// Tokens by id (UTF-8).
    public private(set) var tokens: [[UInt8]] = []
    /// Training counts by id (0 for special tokens and loaded files without counts).
    public private(set) var counts: [Int] = []
    private var ids: [[UInt8]: Int32] = [:]

    public var count: Int { tokens.count }

    /// A vocabulary holding only the special tokens.
    public init() {
        for s in Vocabulary.specials { append(Array(s.utf8), count: 0) }
    }

    private mutating func append(_ token: [UInt8], count: Int) {
        if ids[token] != nil { return }
        ids[token] = Int32(tokens.count)
        tokens.append(token)
        counts.append(count)
    }

    /// Builds a vocabulary from token counts (joint: pass the counts of several texts merged).
    /// Keeps tokens with count >= `minCount`, at most `maxSize` entries in total (specials included).
    public init(counts wc: WordCounts, minCount: Int = 1, maxSize: Int? = nil) {
        self.init()
        for id in wc.idsByDescendingCount() {
            if let m = maxSize, tokens.count >= m { break }
            if wc.counts[id] < minCount { break }
            append(wc.word(id), count: wc.counts[id])
        }
    }

    /// Builds a vocabulary from segmented lines (tokens separated by spaces).
    public init<S: Sequence>(lines: S, minCount: Int = 1, maxSize: Int? = nil) where S.Element == String {
        var wc = WordCounts()
        for line in lines {
            for t in line.utf8.split(separator: 0x20) { wc.add(Array(t)) }
        }
        self.init(counts: wc, minCount: minCount, maxSize: maxSize)
    }

    /// The id of `token`, or `unkID`.
    public func id(_ token: [UInt8]) -> Int32 { ids[token] ?? Vocabulary.unkID }
    public func id(_ token: String) -> Int32 { id(Array(token.utf8)) }

    public func token(_ id: Int32) -> String { String(decoding: tokens[Int(id)], as: UTF8.self) }

    /// Ids of a segmented line (space-separated tokens), without <s>/</s>.
    public func encode(_ line: String) -> [Int32] {
        line.utf8.split(separator: 0x20).map { id(Array($0)) }
    }

    /// Text of ids: tokens joined by spaces, stopping at </s>, skipping <pad> and <s>.
    public func decode(_ ids: [Int32]) -> String {
        var out: [UInt8] = []
        for i in ids {
            if i == Vocabulary.eosID { break }
            if i == Vocabulary.padID || i == Vocabulary.bosID { continue }
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: tokens[Int(i)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The file: one token per line. With `withCounts`, each line is `token count`.
    public func fileBytes(withCounts: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for (k, t) in tokens.enumerated() {
            out.append(contentsOf: t)
            if withCounts { out.append(0x20); out.append(contentsOf: String(counts[k]).utf8) }
            out.append(0x0A)
        }
        return out
    }

    /// Reads a vocabulary file: one token per line (lines split on "\n" only); a line
    /// `token count` (as written with counts, or by subword-nmt get-vocab) also works. The
    /// special tokens are put first if the file lacks them.
    public init(fileBytes: [UInt8]) {
        self.init()
        var lines = fileBytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            var token = Array(line)
            var count = 0
            if let sp = token.lastIndex(of: 0x20), sp > 0,
               let n = Int(String(decoding: token[(sp + 1)...], as: UTF8.self)) {
                count = n
                token = Array(token[..<sp])
            }
            if let id = ids[token] { counts[Int(id)] = count; continue }
            append(token, count: count)
        }
    }

    public init(path: String) throws { self.init(fileBytes: try InputFile.contents(of: path)) }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.tokens == b.tokens && a.counts == b.counts }
}
