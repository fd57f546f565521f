import MTIO

/// Settings of token-budget batching, with `validate()`; the algorithm is in `Batcher`.
///
/// Lengths here include the specials batching adds: a pair with s source and t target tokens
/// takes S = s + 1 (`</s>`) source positions and T = t + 1 target positions (`<s>` + ids in,
/// ids + `</s>` out). A batch of B pairs has padded size B · max(S_max, T_max) ≤ `maxTokens`.
public struct BatchingConfig: Codable, Sendable, Equatable {
    /// Token budget per batch: B · max(S, T) ≤ maxTokens. A pair longer than this alone gets a
    /// batch of its own (reported in `BatchPlan.oversized`), never dropped.
    public var maxTokens: Int
    /// Optional cap on sentences per batch (nil: only the token budget limits B).
    public var maxSentences: Int?
    /// Shuffle window, in batches: the shuffled corpus is cut into windows of about
    /// windowBatches · maxTokens tokens and each window is sorted by length. 0 sorts the whole
    /// corpus at once (fairseq's behaviour; least padding, least randomness).
    public var windowBatches: Int
    /// Shuffle pairs before windowing and batches after; false keeps corpus order (validation).
    public var shuffle: Bool
    /// Seed of the shuffles; with the epoch it fixes every batch.
    public var seed: UInt64
    /// Batches per optimizer update (gradient accumulation); 1 = no accumulation.
    public var accumulate: Int

    public init(
        maxTokens: Int = 4096, maxSentences: Int? = nil, windowBatches: Int = 64,
        shuffle: Bool = true, seed: UInt64 = 1, accumulate: Int = 1
    ) {
        self.maxTokens = maxTokens
        self.maxSentences = maxSentences
        self.windowBatches = windowBatches
        self.shuffle = shuffle
        self.seed = seed
        self.accumulate = accumulate
    }

    /// Decodes with the defaults above for missing keys, so a YAML config may set only some.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BatchingConfig()
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        maxSentences = try c.decodeIfPresent(Int.self, forKey: .maxSentences)
        windowBatches = try c.decodeIfPresent(Int.self, forKey: .windowBatches) ?? d.windowBatches
        shuffle = try c.decodeIfPresent(Bool.self, forKey: .shuffle) ?? d.shuffle
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        accumulate = try c.decodeIfPresent(Int.self, forKey: .accumulate) ?? d.accumulate
    }

    /// Settings for validation/test sets: whole corpus sorted by length, no shuffling.
    public static func evaluation(maxTokens: Int = 4096, maxSentences: Int? = nil) -> BatchingConfig
    {
        BatchingConfig(
            maxTokens: maxTokens, maxSentences: maxSentences, windowBatches: 0, shuffle: false)
    }

    /// Reports every problem at once.
    public func validate() throws {
        var problems: [String] = []
        if maxTokens < 2 {
            problems.append("maxTokens is \(maxTokens); it must be ≥ 2 (one token plus </s>)")
        }
        if let m = maxSentences, m < 1 {
            problems.append("maxSentences is \(m); it must be ≥ 1 or unset")
        }
        if windowBatches < 0 {
            problems.append(
                "windowBatches is \(windowBatches); it must be ≥ 0 (0 = whole corpus)")
        }
        if accumulate < 1 { problems.append("accumulate is \(accumulate); it must be ≥ 1") }
        if !problems.isEmpty {
            throw DataError.invalidConfig(name: "BatchingConfig", problems: problems)
        }
    }

    /// Window size in tokens (Int.max for the whole corpus).
    var windowTokens: Int {
        windowBatches == 0
            ? Int.max
            : windowBatches.multipliedReportingOverflow(by: maxTokens).overflow
                ? Int.max : windowBatches * maxTokens
    }

    /// A 64-bit hash of every setting that changes which pairs go into which batch, in which
    /// order (everything but `accumulate`).
    var batchingHash: UInt64 {
        var h = FNV1a()
        h.add("batching v1")
        for x in [
            UInt64(maxTokens), UInt64(maxSentences ?? 0), UInt64(windowBatches), shuffle ? 1 : 0,
            seed,
        ] {
            h.add(x)
        }
        return h.value
    }
}
