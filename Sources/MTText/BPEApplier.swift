// BPE application identical to subword-nmt 0.3.8 `apply-bpe`: per word, repeatedly merge all
// occurrences of the lowest-ranked pair; optional vocabulary filter that undoes merges whose
// result is rare; glossaries kept whole. Bulk text: BPEChunks.swift.

import MTIO

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
        let chunk = LineChunk(splitting: try InputFile.contents(of: path), mode: .python)
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
}
