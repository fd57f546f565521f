import Dispatch

/// Reads a parallel corpus (two line-aligned files, plain or .gz), checks it, encodes it with
/// injected encoders and filters it: the first step of `text → ids → batches`.
///
/// Checks, each failing with the file and the numbers: the two files must have the same number of
/// lines (`DataError.lineCountMismatch` names both files and counts); every line must be valid
/// UTF-8 (`DataError.invalidUTF8` gives file and 1-based line); encoders must not return specials.
/// Pairs with an empty side and length/ratio outliers are dropped and counted (`FilterSummary`);
/// if no pair is left, `DataError.emptyCorpus` says so with the counts.
/// Encoding may run on several threads; the result does not depend on the thread count.
public struct ParallelCorpus: Sendable, Equatable {
    /// Kept pairs as ids, in input order.
    public var corpus: EncodedCorpus
    /// What was read, kept and dropped.
    public var summary: FilterSummary

    public init(corpus: EncodedCorpus, summary: FilterSummary) {
        self.corpus = corpus
        self.summary = summary
    }

    /// Reads `sourcePath` and `targetPath` line by line, encodes each side and filters.
    ///
    /// - Parameters:
    ///   - sourceEncoder, targetEncoder: line → ids (the same encoder for a joint vocabulary).
    ///   - filter: what to drop; validated first.
    ///   - threads: encoding threads (≥ 1); the encoders must then be safe to call concurrently.
    ///   - chunkSize: pairs read and encoded at a time (bounds memory for large corpora).
    public static func read(
        sourcePath: String, targetPath: String,
        sourceEncoder: some SentenceEncoder, targetEncoder: some SentenceEncoder,
        filter: CorpusFilter = CorpusFilter(), threads: Int = 1,
        chunkSize: Int = 16_384
    ) throws -> ParallelCorpus {
        try filter.validate()
        let src = try TextLineReader(path: sourcePath)
        let tgt = try TextLineReader(path: targetPath)
        var summary = FilterSummary(sourcePath: sourcePath, targetPath: targetPath, filter: filter)
        var corpus = EncodedCorpus()
        while true {
            let chunk = try readChunk(src, tgt, max: max(chunkSize, 1))
            if chunk.source.isEmpty { break }
            let firstLine = summary.pairsRead + 1
            let srcIds = encode(chunk.source, with: sourceEncoder, threads: threads)
            let tgtIds = encode(chunk.target, with: targetEncoder, threads: threads)
            for k in 0..<chunk.source.count {
                let line = firstLine + k
                let s = try checked(srcIds[k], specials: sourceEncoder.specials, path: sourcePath, line: line)
                let t = try checked(tgtIds[k], specials: targetEncoder.specials, path: targetPath, line: line)
                summary.pairsRead += 1
                if let reason = filter.dropReason(sourceTokens: s.count, targetTokens: t.count) {
                    summary.record(reason)
                    continue
                }
                corpus.append(source: s, target: t, line: line)
                summary.pairsKept += 1
                summary.sourceTokens += s.count
                summary.targetTokens += t.count
            }
        }
        guard summary.pairsKept > 0 else {
            throw DataError.emptyCorpus(
                sourcePath: sourcePath, targetPath: targetPath, summary: "\(summary)")
        }
        return ParallelCorpus(corpus: corpus, summary: summary)
    }

    /// Up to `max` aligned lines from each side. When one side ends before the other, counts the
    /// longer side to its end and throws `lineCountMismatch`.
    static func readChunk(
        _ src: TextLineReader, _ tgt: TextLineReader,
        max: Int
    ) throws -> (source: [String], target: [String]) {
        var s: [String] = []
        var t: [String] = []
        s.reserveCapacity(max)
        t.reserveCapacity(max)
        while s.count < max {
            let a = try src.nextLine()
            let b = try tgt.nextLine()
            switch (a, b) {
            case (let a?, let b?):
                s.append(a)
                t.append(b)
            case (nil, nil):
                return (s, t)
            default:
                let sourceLines = try src.countToEnd()
                let targetLines = try tgt.countToEnd()
                throw DataError.lineCountMismatch(
                    sourcePath: src.path, sourceLines: sourceLines,
                    targetPath: tgt.path, targetLines: targetLines)
            }
        }
        return (s, t)
    }

    /// Ids of each line, or the error; blank lines encode to [] without calling the encoder.
    static func encode(
        _ lines: [String], with encoder: some SentenceEncoder,
        threads: Int
    ) -> [Result<[Int32], any Error>] {
        let n = lines.count
        @Sendable func one(_ i: Int) -> Result<[Int32], any Error> {
            let line = lines[i]
            if line.allSatisfy(\.isWhitespace) { return .success([]) }
            return Result { try encoder.encode(line) }
        }
        let parts = min(max(threads, 1), n)
        if parts <= 1 || n < 256 { return (0..<n).map(one) }
        var results = [Result<[Int32], any Error>](repeating: .success([]), count: n)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                for i in (n * p / parts)..<(n * (p + 1) / parts) { out[i] = one(i) }
            }
        }
        return results
    }

    /// The ids, or the encoder's error / a bad id as a `DataError` with file and line.
    static func checked(_ r: Result<[Int32], any Error>, specials: SpecialIds, path: String, line: Int) throws -> [Int32]
    {
        let ids: [Int32]
        switch r {
        case .success(let x): ids = x
        case .failure(let e): throw DataError.encoderFailed(path: path, line: line, message: "\(e)")
        }
        if let bad = ids.first(where: specials.isReserved) {
            throw DataError.invalidTokenId(path: path, line: line, id: bad)
        }
        return ids
    }
}
