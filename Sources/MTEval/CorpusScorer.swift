import Dispatch

/// Corpus and sentence scoring over many lines, split across threads.
///
/// Segments are independent, so the lines are cut into contiguous chunks and each chunk is
/// counted by its own `BLEUCounter`/`CHRFCounter` (its own scratch buffers) on
/// `DispatchQueue.concurrentPerform`. Chunk results are combined in chunk order. Statistics
/// are integers, so the sums, and therefore the scores, do not depend on the thread count.
/// This file does not format output.
public struct CorpusScorer: Sendable {
    /// Worker threads (default: active processor count).
    public var threads: Int

    /// A scorer using `threads` workers (`nil` → all processors).
    public init(threads: Int? = nil) {
        self.threads = max(1, threads ?? SystemIO.processorCount)
    }

    /// Checks that every reference has as many lines as the hypothesis.
    public static func checkLineCounts(
        hypothesis: TextLines, hypothesisName: String = "hypothesis",
        references: [TextLines], referenceNames: [String]? = nil
    ) throws {
        guard !references.isEmpty else { throw MTEvalError.noReferences }
        for (k, r) in references.enumerated() where r.count != hypothesis.count {
            throw MTEvalError.lineCountMismatch(
                hypothesis: hypothesisName, hypothesisLines: hypothesis.count,
                reference: referenceNames?[k] ?? "reference \(k + 1)", referenceLines: r.count)
        }
    }

    /// Per-segment BLEU statistics (one per line).
    public func bleuStatistics(
        _ options: BLEUOptions, hypotheses: TextLines, references: [TextLines]
    ) throws -> [BLEUStatistics] {
        try Self.checkLineCounts(hypothesis: hypotheses, references: references)
        let parts = map(count: hypotheses.count) { range -> [BLEUStatistics] in
            var counter = BLEUCounter(options: options)
            return range.map { counter.statistics(hyp: hypotheses, index: $0, refs: references) }
        }
        return parts.flatMap { $0 }
    }

    /// Corpus BLEU: statistics summed over all lines, scored once.
    public func bleu(
        _ options: BLEUOptions, hypotheses: TextLines, references: [TextLines]
    ) throws -> BLEUScore {
        try Self.checkLineCounts(hypothesis: hypotheses, references: references)
        let parts = map(count: hypotheses.count) { range -> BLEUStatistics in
            var counter = BLEUCounter(options: options)
            var sum = BLEUStatistics()
            for i in range { sum += counter.statistics(hyp: hypotheses, index: i, refs: references) }
            return sum
        }
        var total = BLEUStatistics()
        for p in parts { total += p }
        return options.score(total)
    }

    /// Corpus BLEU for Swift strings: `references[k][i]` is reference `k` of line `i`.
    public func bleu(
        _ options: BLEUOptions, hypotheses: [String], references: [[String]]
    ) throws -> BLEUScore {
        try bleu(options, hypotheses: TextLines(hypotheses), references: references.map(TextLines.init))
    }

    /// Per-segment chrF statistics (one per line, from each line's best reference).
    public func chrfStatistics(
        _ options: CHRFOptions, hypotheses: TextLines, references: [TextLines]
    ) throws -> [CHRFStatistics] {
        try Self.checkLineCounts(hypothesis: hypotheses, references: references)
        let parts = map(count: hypotheses.count) { range -> [CHRFStatistics] in
            var counter = CHRFCounter(options: options)
            return range.map { counter.statistics(hyp: hypotheses, index: $0, refs: references) }
        }
        return parts.flatMap { $0 }
    }

    /// Corpus chrF: triples summed over all lines, scored once.
    public func chrf(
        _ options: CHRFOptions, hypotheses: TextLines, references: [TextLines]
    ) throws -> CHRFScore {
        try Self.checkLineCounts(hypothesis: hypotheses, references: references)
        let parts = map(count: hypotheses.count) { range -> CHRFStatistics in
            var counter = CHRFCounter(options: options)
            var sum = CHRFStatistics(order: options.order)
            for i in range { sum += counter.statistics(hyp: hypotheses, index: i, refs: references) }
            return sum
        }
        var total = CHRFStatistics(order: options.order)
        for p in parts { total += p }
        return options.score(total.values)
    }

    /// Corpus chrF for Swift strings: `references[k][i]` is reference `k` of line `i`.
    public func chrf(
        _ options: CHRFOptions, hypotheses: [String], references: [[String]]
    ) throws -> CHRFScore {
        try chrf(options, hypotheses: TextLines(hypotheses), references: references.map(TextLines.init))
    }

    /// Runs `body` on contiguous chunks of `0..<count` in parallel; results in chunk order.
    func map<T: Sendable>(count: Int, _ body: @escaping @Sendable (Range<Int>) -> T) -> [T] {
        let minChunk = 256
        let chunks = min(max(1, count / minChunk), threads * 4)
        if chunks <= 1 || threads == 1 { return [body(0..<count)] }
        let slots = ResultSlots<T>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            slots.set(c, body(lo..<hi))
        }
        return slots.values()
    }
}

/// Write-once result slots shared by the worker threads: slot `i` is written by chunk `i`
/// only, and read only after `concurrentPerform` returns (which orders the writes before).
final class ResultSlots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func set(_ i: Int, _ value: T) { storage[i] = value }

    func values() -> [T] { (0..<count).map { storage[$0]! } }
}
