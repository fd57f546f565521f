/// Token-budget batching: which pairs go into which batch, in which order, for an epoch.
///
/// For (seed, epoch), deterministically and on one thread (so the thread count never matters):
/// 1. shuffle the pair indices (ShuffleRNG stream = epoch), unless `shuffle` is off;
/// 2. cut that order into windows of about windowBatches · maxTokens tokens (0 = one window);
/// 3. sort each window by (S, T, position in the shuffled order);
/// 4. cut each window greedily into batches with B · max(S, T) ≤ maxTokens, B ≤ maxSentences;
///    a pair that alone exceeds the budget gets a batch of its own and is listed in `oversized`;
/// 5. shuffle the order of all batches (same generator), unless `shuffle` is off.
/// Every pair is in exactly one batch per epoch. Building the padded `Batch` is `Batch.init`.
public struct Batcher: Sendable {
    public let config: BatchingConfig

    /// Validates `config`.
    public init(config: BatchingConfig) throws {
        try config.validate()
        self.config = config
    }

    /// The batches of one epoch (epochs count from 1).
    public func plan(_ corpus: EncodedCorpus, epoch: Int) -> BatchPlan {
        var rng = ShuffleRNG(seed: config.seed, stream: UInt64(truncatingIfNeeded: epoch))
        var order = Array(0..<corpus.count)
        if config.shuffle { rng.shuffle(&order) }
        var cuts = BatchCuts(budget: config.maxTokens, maxSentences: config.maxSentences ?? Int.max)
        let windowTokens = config.windowTokens
        var lo = 0
        while lo < order.count {
            var hi = lo
            var tokens = 0
            while hi < order.count && tokens < windowTokens {
                tokens += cost(corpus, order[hi])
                hi += 1
            }
            let window = (lo..<hi).sorted { a, b in
                let (i, j) = (order[a], order[b])
                let (si, sj) = (corpus.sourceLength(i), corpus.sourceLength(j))
                if si != sj { return si < sj }
                let (ti, tj) = (corpus.targetLength(i), corpus.targetLength(j))
                if ti != tj { return ti < tj }
                return a < b
            }
            for k in window {
                let i = order[k]
                cuts.add(
                    i, sourceLength: corpus.sourceLength(i) + 1,
                    targetLength: corpus.targetLength(i) + 1)
            }
            cuts.close()
            lo = hi
        }
        var batchOrder = Array(0..<cuts.starts.count - 1)
        if config.shuffle { rng.shuffle(&batchOrder) }
        var indices: [Int] = []
        indices.reserveCapacity(corpus.count)
        var starts = [0]
        starts.reserveCapacity(batchOrder.count + 1)
        for b in batchOrder {
            indices.append(contentsOf: cuts.indices[cuts.starts[b]..<cuts.starts[b + 1]])
            starts.append(indices.count)
        }
        return BatchPlan(
            epoch: epoch, indices: indices, starts: starts, oversized: cuts.oversized.sorted())
    }

    /// max(S, T) of pair i, specials included.
    @inline(__always) func cost(_ corpus: EncodedCorpus, _ i: Int) -> Int {
        max(corpus.sourceLength(i), corpus.targetLength(i)) + 1
    }
}

/// Greedy cutting of a length-sorted stream of pairs into budgeted batches.
struct BatchCuts {
    let budget: Int
    let maxSentences: Int
    var indices: [Int] = []
    var starts: [Int] = [0]
    var oversized: [Int] = []
    private var width = 0

    init(budget: Int, maxSentences: Int) {
        self.budget = budget
        self.maxSentences = maxSentences
    }

    mutating func add(_ i: Int, sourceLength s: Int, targetLength t: Int) {
        let c = max(s, t)
        if c > budget {
            close()
            indices.append(i)
            close()
            oversized.append(i)
            return
        }
        let b = indices.count - starts.last!
        if b > 0 && ((b + 1) * max(width, c) > budget || b + 1 > maxSentences) { close() }
        indices.append(i)
        width = max(width, c)
    }

    /// Ends the open batch, if any.
    mutating func close() {
        if indices.count > starts.last! { starts.append(indices.count) }
        width = 0
    }
}

/// The batches of one epoch: batch k holds the pairs `indices[starts[k] ..< starts[k + 1]]`.
public struct BatchPlan: Sendable, Equatable {
    /// The epoch this plan is for (from 1).
    public let epoch: Int
    /// Pair indices of all batches, batch after batch.
    public let indices: [Int]
    /// Batch starts in `indices`, plus the end: [count + 1].
    public let starts: [Int]
    /// Pairs whose own padded size exceeds the budget, ascending; each is alone in its batch.
    public let oversized: [Int]

    /// Number of batches.
    public var count: Int { starts.count - 1 }

    /// Pair indices of batch k.
    public func batch(_ k: Int) -> ArraySlice<Int> { indices[starts[k]..<starts[k + 1]] }

    /// A `[data]` line about oversized pairs (nil if there are none), with input line numbers.
    public func oversizedReport(_ corpus: EncodedCorpus, budget: Int) -> String? {
        guard !oversized.isEmpty else { return nil }
        let shown = oversized.prefix(5).map { i in
            let (s, t) = (corpus.sourceLength(i) + 1, corpus.targetLength(i) + 1)
            return "line \(corpus.lineNumbers[i]) (S \(s), T \(t))"
        }
        return "[data] \(oversized.count) pair(s) exceed the budget of \(budget) tokens"
            + " and get a batch of their own: " + shown.joined(separator: ", ")
            + (oversized.count > 5 ? ", …" : "")
    }
}
