import MTIO

/// A parallel corpus as token ids: every kept sentence pair, in input order, in four flat arrays.
///
/// Sentence `i` of the source is `sourceIds[sourceOffsets[i] ..< sourceOffsets[i + 1]]` (likewise
/// for the target); ids carry no specials. This is what the cache stores and the batcher reads;
/// it knows nothing of text, files or batches.
public struct EncodedCorpus: Sendable, Equatable {
    /// All source ids, sentence after sentence.
    public private(set) var sourceIds: [Int32] = []
    /// Sentence starts in `sourceIds`, plus the end: [count + 1].
    public private(set) var sourceOffsets: [Int] = [0]
    /// All target ids, sentence after sentence.
    public private(set) var targetIds: [Int32] = []
    /// Sentence starts in `targetIds`, plus the end: [count + 1].
    public private(set) var targetOffsets: [Int] = [0]
    /// 1-based line of each pair in the input files: [count].
    public private(set) var lineNumbers: [Int] = []
    /// Largest id on either side (−1 when empty); must be < V for the model.
    public private(set) var maxId: Int32 = -1

    /// An empty corpus.
    public init() {}

    /// A corpus from in-memory pairs (tests, synthetic tasks); line numbers are 1, 2, ….
    public init(pairs: [(source: [Int32], target: [Int32])]) {
        for (i, p) in pairs.enumerated() { append(source: p.source, target: p.target, line: i + 1) }
    }

    /// Rebuilds a corpus from its arrays (the cache reader). Throws if they do not fit together.
    public init(
        sourceIds: [Int32], sourceOffsets: [Int], targetIds: [Int32], targetOffsets: [Int],
        lineNumbers: [Int]
    ) throws {
        let n = lineNumbers.count
        func bad(_ why: String) -> DataError { .cacheCorrupt(path: "<arrays>", reason: why) }
        guard sourceOffsets.count == n + 1, targetOffsets.count == n + 1 else {
            throw bad("\(n) pairs but \(sourceOffsets.count)/\(targetOffsets.count) offsets")
        }
        guard Self.monotone(sourceOffsets, total: sourceIds.count),
            Self.monotone(targetOffsets, total: targetIds.count)
        else {
            throw bad("offsets are not increasing from 0 to the id counts")
        }
        self.sourceIds = sourceIds
        self.sourceOffsets = sourceOffsets
        self.targetIds = targetIds
        self.targetOffsets = targetOffsets
        self.lineNumbers = lineNumbers
        maxId = max(sourceIds.max() ?? -1, targetIds.max() ?? -1)
    }

    private static func monotone(_ offsets: [Int], total: Int) -> Bool {
        guard offsets.first == 0, offsets.last == total else { return false }
        for i in 1..<offsets.count where offsets[i] < offsets[i - 1] { return false }
        return true
    }

    /// Number of sentence pairs.
    public var count: Int { lineNumbers.count }

    /// Longest source sentence in tokens (no specials); 0 when empty.
    public var maxSourceLength: Int { (0..<count).lazy.map(sourceLength).max() ?? 0 }

    /// Longest target sentence in tokens (no specials); 0 when empty.
    public var maxTargetLength: Int { (0..<count).lazy.map(targetLength).max() ?? 0 }

    /// Source ids of pair `i` (no specials).
    @inline(__always) public func source(_ i: Int) -> ArraySlice<Int32> {
        sourceIds[sourceOffsets[i]..<sourceOffsets[i + 1]]
    }

    /// Target ids of pair `i` (no specials).
    @inline(__always) public func target(_ i: Int) -> ArraySlice<Int32> {
        targetIds[targetOffsets[i]..<targetOffsets[i + 1]]
    }

    /// Source length of pair `i` in tokens (no specials).
    @inline(__always) public func sourceLength(_ i: Int) -> Int {
        sourceOffsets[i + 1] - sourceOffsets[i]
    }

    /// Target length of pair `i` in tokens (no specials).
    @inline(__always) public func targetLength(_ i: Int) -> Int {
        targetOffsets[i + 1] - targetOffsets[i]
    }

    /// Appends one pair read from input line `line`.
    public mutating func append<S: Collection<Int32>, T: Collection<Int32>>(
        source: S, target: T, line: Int
    ) {
        sourceIds.append(contentsOf: source)
        sourceOffsets.append(sourceIds.count)
        targetIds.append(contentsOf: target)
        targetOffsets.append(targetIds.count)
        lineNumbers.append(line)
        maxId = max(maxId, source.max() ?? -1, target.max() ?? -1)
    }

    /// Reserves room for about `pairs` pairs of `tokensPerSide` tokens each.
    public mutating func reserve(pairs: Int, tokensPerSide: Int) {
        sourceIds.reserveCapacity(tokensPerSide)
        targetIds.reserveCapacity(tokensPerSide)
        sourceOffsets.reserveCapacity(pairs + 1)
        targetOffsets.reserveCapacity(pairs + 1)
        lineNumbers.reserveCapacity(pairs)
    }

    /// A 64-bit FNV-style hash of every length and id (not the line numbers): two corpora with
    /// the same fingerprint batch identically. Stored with a data position to check a resume.
    public var fingerprint: UInt64 {
        var h = FNV1a()
        h.add(UInt64(count))
        for i in 0..<count {
            h.add(UInt64(sourceLength(i)))
            h.add(UInt64(targetLength(i)))
        }
        for id in sourceIds { h.mix(UInt32(bitPattern: id)) }
        for id in targetIds { h.mix(UInt32(bitPattern: id)) }
        return h.value
    }
}
