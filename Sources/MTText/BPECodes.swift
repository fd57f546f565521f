// A parsed subword-nmt codes file: merge ranks over interned symbols, plus the reverse map
// (merged string -> pair) that `--vocabulary` filtering uses to undo merges.

import MTIO

/// BPE merge operations loaded from a codes file (`#version: 0.2` or the older 0.1 format).
public struct BPECodes: Sendable {
    /// Codes format: (0, 2) puts "</w>" on the last character; (0, 1) adds it as a symbol.
    public let version: (Int, Int)
    /// The merges in file order (after `--merges` truncation), duplicates included.
    public var merges: [BPEMerge] { pairs.map { BPEMerge(symbols.bytes($0.0), symbols.bytes($0.1)) } }
    /// Symbol ids of each merge in file order (duplicates included).
    let pairs: [(Int32, Int32)]
    /// Symbol strings that occur in the codes (both halves and every merge result).
    let symbols: ByteStringTable
    /// key(first id, second id) -> index into `ranks`/`results`.
    let mergeIndex: UInt64Map
    let ranks: [Int32]
    let results: [Int32]
    let lefts: [Int32]
    let rights: [Int32]
    /// Symbol ids of ASCII characters: [0, 128) inside a word, [128, 256) word-final ("x</w>").
    let asciiSymbols: [Int32]

    /// Parses a codes file as subword-nmt's `BPE.__init__` does. `limit` keeps only the first
    /// `limit` merges (`--merges`; -1 = all).
    public init(bytes: [UInt8], source: String = "codes", limit: Int = -1) throws {
        // First line as a `codecs` reader sees it (it ends at or before the first "\n").
        let firstNewline = bytes.firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
        let firstChunk = LineChunk(splitting: Array(bytes[0..<firstNewline]), mode: .python)
        var bodyStart = 0
        var offset = 1
        var version = (0, 1)
        if firstChunk.lineCount > 0 {
            let first = Array(bytes[0..<firstChunk.lineStarts[1]])
            if first.starts(with: Array("#version:".utf8)) {
                let text = String(decoding: first, as: UTF8.self)
                let fields = text.split(whereSeparator: { $0.unicodeScalars.allSatisfy { ByteText.isPythonSpace($0.value) } })
                var v = String(fields.last ?? "")
                // re.sub(r'(\.0+)*$', '', v)
                while let dot = v.lastIndex(of: "."), v[v.index(after: dot)...].allSatisfy({ $0 == "0" }),
                      v.index(after: dot) < v.endIndex {
                    v = String(v[..<dot])
                }
                let parts = v.split(separator: ".").map { Int($0) }
                guard parts.count == 2, let major = parts[0], let minor = parts[1], major == 0, minor == 1 || minor == 2 else {
                    throw TextError.invalidArgument("\(source): unsupported codes version '\(text.trimmingCharacters())'")
                }
                version = (major, minor)
                offset += 1
                bodyStart = firstChunk.lineStarts[1]
            }
        }
        self.version = version
        var table = ByteStringTable(capacity: 256)
        var index = UInt64Map(capacity: 256)
        var pairs: [(Int32, Int32)] = []
        var ranks: [Int32] = [], results: [Int32] = [], lefts: [Int32] = [], rights: [Int32] = []
        var joined: [UInt8] = []
        try bytes.withUnsafeBufferPointer { p in
            // codes.read().rstrip('\n').split('\n'), then item.strip('\r\n ').split(' ')
            var bodyEnd = p.count
            while bodyEnd > bodyStart && p[bodyEnd - 1] == 0x0A { bodyEnd -= 1 }
            if bodyEnd == bodyStart { return }
            var lineStart = bodyStart
            var n = 0
            while lineStart <= bodyEnd {
                // `n < merges or merges == -1`: any other negative value keeps nothing.
                if limit != -1 && n >= limit { break }
                var lineEnd = lineStart
                while lineEnd < bodyEnd && p[lineEnd] != 0x0A { lineEnd += 1 }
                let (s, e) = ByteText.stripCRLFSpace(p, lineStart, lineEnd)
                var space = -1, spaces = 0
                for i in s..<e where p[i] == 0x20 { spaces += 1; space = i }
                guard spaces == 1 else {
                    throw TextError.invalidCodes(source: source, line: n + offset,
                                                 text: String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self))
                }
                let left = UnsafeBufferPointer(rebasing: p[s..<space]), right = UnsafeBufferPointer(rebasing: p[(space + 1)..<e])
                var isNew = false
                let a = table.intern(left, isNew: &isNew), b = table.intern(right, isNew: &isNew)
                pairs.append((a, b))
                let key = UInt64Map.key(a, b)
                if index.get(key) == nil {  // a duplicate keeps its first rank
                    index.set(key, Int32(ranks.count))
                    ranks.append(Int32(n))
                    joined.removeAll(keepingCapacity: true)
                    joined.append(contentsOf: left)
                    joined.append(contentsOf: right)
                    results.append(joined.withUnsafeBufferPointer { table.intern($0, isNew: &isNew) })
                    lefts.append(a); rights.append(b)
                }
                n += 1
                lineStart = lineEnd + 1
            }
        }
        self.pairs = pairs
        self.symbols = table
        self.mergeIndex = index
        self.ranks = ranks
        self.results = results
        self.lefts = lefts
        self.rights = rights

        var ascii = [Int32](repeating: -1, count: 256)
        for b in 0..<128 { ascii[b] = table.find([UInt8(b)]) }
        for b in 0..<128 { ascii[128 + b] = table.find([UInt8(b)] + ByteText.endOfWord) }
        self.asciiSymbols = ascii
    }

    /// subword-nmt's `bpe_codes_reverse` (merged string -> pair), used by vocabulary filtering.
    /// `dict([(code, i) for (i, code) in reversed(list(enumerate(codes)))])` keeps keys in the
    /// order of each pair's last occurrence, read backwards; the reverse map is filled in that
    /// order, so the last writer wins.
    public func reverseMap() -> [[UInt8]: BPEMerge] {
        var seen = Set<BPEMerge>()
        var order: [BPEMerge] = []
        for m in merges.reversed() where !seen.contains(m) { seen.insert(m); order.append(m) }
        var reverse: [[UInt8]: BPEMerge] = [:]
        for m in order { reverse[m.first + m.second] = m }
        return reverse
    }

    /// Loads a codes file from disk.
    public init(path: String, limit: Int = -1) throws {
        try self.init(bytes: try InputFile.contents(of: path), source: path, limit: limit)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
