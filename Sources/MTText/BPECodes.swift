// A parsed subword-nmt codes file: merge ranks over interned symbols, plus the reverse map
// (merged string -> pair) that `--vocabulary` filtering uses to undo merges.

/// BPE merge operations loaded from a codes file (`#version: 0.2` or the older 0.1 format).
public struct BPECodes: Sendable {
    /// Codes format: (0, 2) puts "</w>" on the last character; (0, 1) adds it as a symbol.
    public let version: (Int, Int)
    /// The merges in file order (after `--merges` truncation), duplicates included.
    public let merges: [BPEMerge]
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
        // First line as a `codecs` reader sees it.
        let firstChunk = LineChunk(splitting: bytes, mode: .python)
        var rest = bytes[...]
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
                rest = bytes[firstChunk.lineStarts[1]...]
            }
        }
        self.version = version
        // codes.read().rstrip('\n').split('\n')
        var body = Array(rest)
        while body.last == 0x0A { body.removeLast() }
        var items: [ArraySlice<UInt8>] = body.split(separator: 0x0A, omittingEmptySubsequences: false)
        if body.isEmpty { items = [] }
        // `n < merges or merges == -1`: any other negative value keeps nothing.
        if limit != -1 { items = Array(items.prefix(max(0, limit))) }
        var merges: [BPEMerge] = []
        merges.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let a = Array(item)
            let (s, e) = a.withUnsafeBufferPointer { ByteText.stripCRLFSpace($0, 0, a.count) }
            let fields = a[s..<e].split(separator: 0x20, omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw TextError.invalidCodes(source: source, line: i + offset,
                                             text: String(decoding: a[s..<e], as: UTF8.self))
            }
            merges.append(BPEMerge(Array(fields[0]), Array(fields[1])))
        }
        self.merges = merges

        var table = ByteStringTable(capacity: merges.count * 2 + 256)
        var index = UInt64Map(capacity: merges.count + 16)
        var ranks: [Int32] = [], results: [Int32] = [], lefts: [Int32] = [], rights: [Int32] = []
        for (rank, m) in merges.enumerated() {
            let a = table.intern(m.first), b = table.intern(m.second)
            let key = UInt64Map.key(a, b)
            if index.get(key) != nil { continue }  // a duplicate keeps its first rank
            index.set(key, Int32(ranks.count))
            ranks.append(Int32(rank))
            results.append(table.intern(m.first + m.second))
            lefts.append(a); rights.append(b)
        }
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
        try self.init(bytes: try readWholeFile(path), source: path, limit: limit)
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

#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file into memory (codes, vocabularies: small files).
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let reader = try LineReader(path: path, mode: .newline)
    var out: [UInt8] = []
    while let chunk = try reader.nextChunk() { out.append(contentsOf: chunk.bytes) }
    return out
}
