import MTIO

/// An endless, resumable stream of batches over epochs, with gradient-accumulation groups.
///
/// The iterator's whole state is a `BatchPosition` (epoch, batch index within the epoch's plan,
/// and a fingerprint of the corpus and batching settings). Save `position` with a checkpoint and
/// pass it back to `init` to continue with exactly the batch that would have come next. Plans are
/// recomputed from (seed, epoch), so nothing else needs saving. This file does not decide
/// batches (`Batcher`) or pad them (`Batch`).
public struct BatchIterator: Sendable {
    public let corpus: EncodedCorpus
    public let batcher: Batcher
    /// Where the next batch comes from.
    public private(set) var position: BatchPosition
    /// The plan of `position.epoch`.
    public private(set) var plan: BatchPlan
    /// The ids batches are padded and delimited with (the model's vocabulary).
    public let specials: SpecialIds

    /// Starts at `position` (default: epoch 1, batch 0). Throws `invalidPosition` if the position
    /// was saved for another corpus or batching settings, or lies past the end of its epoch.
    public init(corpus: EncodedCorpus, config: BatchingConfig, position: BatchPosition? = nil,
                specials: SpecialIds = .standard) throws
    {
        guard corpus.count > 0 else {
            throw DataError.invalidConfig(
                name: "BatchIterator", problems: ["the corpus has 0 sentence pairs"])
        }
        let batcher = try Batcher(config: config)
        let fingerprint = Self.fingerprint(corpus, config)
        let start = position ?? BatchPosition(epoch: 1, batch: 0, fingerprint: fingerprint)
        guard start.fingerprint == fingerprint else {
            throw DataError.invalidPosition(
                reason: "it was saved for other data or batching settings"
                    + " (fingerprint \(start.fingerprint), this run \(fingerprint))")
        }
        guard start.epoch >= 1 else {
            throw DataError.invalidPosition(reason: "epoch \(start.epoch) < 1")
        }
        let plan = batcher.plan(corpus, epoch: start.epoch)
        guard start.batch >= 0 && start.batch < plan.count else {
            throw DataError.invalidPosition(
                reason: "batch \(start.batch) of epoch \(start.epoch),"
                    + " which has \(plan.count) batches")
        }
        self.corpus = corpus
        self.batcher = batcher
        self.position = start
        self.plan = plan
        self.specials = specials
    }

    /// Hash of the corpus and of the settings that decide the batches.
    static func fingerprint(_ corpus: EncodedCorpus, _ config: BatchingConfig) -> UInt64 {
        var h = FNV1a()
        h.add(corpus.fingerprint)
        h.add(config.batchingHash)
        return h.value
    }

    /// A `[data]` line naming pairs too long for the budget (each gets a batch of its own; the
    /// set is the same every epoch), or nil. Print it once at start.
    public var oversizedReport: String? {
        plan.oversizedReport(corpus, budget: batcher.config.maxTokens)
    }

    /// Largest B · max(S, T) of any batch: the budget, or more if an oversized pair needs it.
    /// Size activation arenas with this.
    public var paddedSizeBound: Int {
        plan.oversized.reduce(batcher.config.maxTokens) { bound, i in
            max(bound, max(corpus.sourceLength(i), corpus.targetLength(i)) + 1)
        }
    }

    /// Batches in the current epoch.
    public var batchesInEpoch: Int { plan.count }

    /// Optimizer updates per epoch (the last group of an epoch may hold fewer batches).
    public var updatesInEpoch: Int {
        (plan.count + batcher.config.accumulate - 1) / batcher.config.accumulate
    }

    /// The next batch. After the last batch of an epoch the position moves to batch 0 of the next.
    public mutating func next() -> Batch {
        let batch = Batch(corpus: corpus, indices: Array(plan.batch(position.batch)), specials: specials)
        advance()
        return batch
    }

    /// The batches of the next optimizer update: `accumulate` batches, fewer at the end of an
    /// epoch (groups never span two epochs).
    public mutating func nextUpdate() -> Update {
        let epoch = position.epoch
        let first = position.batch
        let n = min(batcher.config.accumulate, plan.count - first)
        var batches: [Batch] = []
        batches.reserveCapacity(n)
        for _ in 0..<n { batches.append(next()) }
        return Update(
            batches: batches, epoch: epoch, firstBatch: first, endsEpoch: position.epoch != epoch)
    }

    private mutating func advance() {
        position.batch += 1
        if position.batch == plan.count {
            position.epoch += 1
            position.batch = 0
            plan = batcher.plan(corpus, epoch: position.epoch)
        }
    }

    /// One optimizer update's worth of batches.
    public struct Update: Sendable {
        /// 1 to `accumulate` batches; sum their gradients, then step once.
        public let batches: [Batch]
        /// The epoch they belong to.
        public let epoch: Int
        /// Index of the first of them in the epoch's plan.
        public let firstBatch: Int
        /// True when this update finishes its epoch (time for an epoch-end checkpoint).
        public let endsEpoch: Bool
        /// Σ target tokens over the batches (normaliser for a token-averaged loss).
        public var targetTokens: Int { batches.reduce(0) { $0 + $1.targetTokens } }
        /// Σ sentences over the batches.
        public var sentences: Int { batches.reduce(0) { $0 + $1.size } }
    }
}

/// Where a `BatchIterator` stands: the next batch is batch `batch` (from 0) of epoch `epoch`
/// (from 1). `fingerprint` ties it to the corpus and batching settings it was saved with.
public struct BatchPosition: Codable, Sendable, Equatable, CustomStringConvertible {
    public var epoch: Int
    public var batch: Int
    public var fingerprint: UInt64

    public init(epoch: Int, batch: Int, fingerprint: UInt64) {
        self.epoch = epoch
        self.batch = batch
        self.fingerprint = fingerprint
    }

    /// As three Int64 values (fingerprint bit-cast), for a safetensors training-state file.
    public var int64s: [Int64] { [Int64(epoch), Int64(batch), Int64(bitPattern: fingerprint)] }

    /// From `int64s`. Throws `invalidPosition` unless there are exactly three values.
    public init(int64s v: [Int64]) throws {
        guard v.count == 3 else {
            throw DataError.invalidPosition(reason: "expected 3 values, got \(v.count)")
        }
        self.init(epoch: Int(v[0]), batch: Int(v[1]), fingerprint: UInt64(bitPattern: v[2]))
    }

    public var description: String {
        "ep \(epoch) batch \(batch) (data \(String(fingerprint, radix: 16)))"
    }
}
