import MTModel
import MTOps

/// Everything that steers a search, resolved once into a typed struct (never read by string).
///
/// Lengths count target tokens without <s> and </s>. For a source of S tokens (counting the
/// </s> the encoder sees, as fairseq's `src_lengths` do) a hypothesis has at most
/// `maxLength(sourceLength:)` = max(⌊a·S⌋ + b, minLength) tokens, then </s> is forced; the
/// limit grows with the source, so long inputs are never cut short by a fixed cap, and a
/// hypothesis that hit it says so (`Hypothesis.reachedMaxLength`). </s> is not allowed before
/// `minLength` tokens. Scores follow fairseq: a finished hypothesis scores
/// Σ log p / (tokens + 1)^α, the +1 being its </s>.
public struct SearchOptions: Sendable, Equatable, Codable {
    /// K: beams per sentence (1 = greedy search).
    public var beam: Int
    /// α in score / length^α (fairseq's --lenpen; 1 = average log-probability per token).
    public var lengthPenalty: Float
    /// a and b in the maximum output length a·S + b.
    public var maxLenA: Float
    public var maxLenB: Int
    /// Fewest tokens before </s> may be produced (fairseq's --min-len, default 1: no empty output).
    public var minLength: Int
    /// Hypotheses returned per sentence, best first (≤ beam).
    public var nbest: Int
    /// Sentences are decoded in batches of similar source length holding at most this many
    /// source tokens (padding included) and at most `maxBatchSentences` sentences.
    public var batchTokens: Int
    public var maxBatchSentences: Int
    /// Stopping and scoring rules: nil = fairseq's (above); set for models imported from Hugging
    /// Face so `generate` is reproduced (`HuggingFaceRules`).
    public var huggingFace: HuggingFaceRules? = nil

    public init(beam: Int = 4, lengthPenalty: Float = 1, maxLenA: Float = 2, maxLenB: Int = 10, minLength: Int = 1,
                nbest: Int = 1, batchTokens: Int = 4096, maxBatchSentences: Int = 64) {
        self.beam = beam
        self.lengthPenalty = lengthPenalty
        self.maxLenA = maxLenA
        self.maxLenB = maxLenB
        self.minLength = minLength
        self.nbest = nbest
        self.batchTokens = batchTokens
        self.maxBatchSentences = maxBatchSentences
    }

    /// Options that force every output to exactly `length` tokens (</s> banned before it and
    /// forced at it): the benchmark's setting.
    public static func forcedLength(_ length: Int, beam: Int) -> SearchOptions {
        SearchOptions(beam: beam, maxLenA: 0, maxLenB: length, minLength: length)
    }

    /// Most tokens (without </s>) for a source of `sourceLength` tokens including its </s>.
    public func maxLength(sourceLength: Int) -> Int {
        Swift.max(Int((maxLenA * Float(sourceLength)).rounded(.down)) + maxLenB, minLength)
    }

    /// Throws `SearchError.invalidOptions` listing every problem found.
    public func validate() throws {
        var p: [String] = []
        if beam < 1 { p.append("beam \(beam) < 1") }
        if beam > 64 { p.append("beam \(beam) > 64 (the state reorder handles at most 64 rows per sentence)") }
        if !(lengthPenalty.isFinite) { p.append("lengthPenalty \(lengthPenalty) is not finite") }
        if !(maxLenA >= 0 && maxLenA.isFinite) { p.append("maxLenA \(maxLenA) must be finite and ≥ 0") }
        if maxLenB < 0 { p.append("maxLenB \(maxLenB) < 0") }
        if maxLenA == 0 && maxLenB == 0 && minLength == 0 { p.append("maxLenA = maxLenB = 0 allows only empty outputs") }
        if minLength < 0 { p.append("minLength \(minLength) < 0") }
        if nbest < 1 || nbest > beam { p.append("nbest \(nbest) not in 1...beam (\(beam))") }
        if batchTokens < 1 { p.append("batchTokens \(batchTokens) < 1") }
        if maxBatchSentences < 1 { p.append("maxBatchSentences \(maxBatchSentences) < 1") }
        if !p.isEmpty { throw SearchError.invalidOptions(problems: p) }
    }
}

/// Hugging Face `generate`'s beam rules (transformers ≥ 4.5x `_beam_search`), used instead of
/// fairseq's when set:
/// - a sentence keeps its K best finished hypotheses; a later one replaces the worst when it
///   scores higher (fairseq stops at the first K);
/// - with `earlyStopping` false (the default of Marian's generation config) a sentence stops
///   once it has K finished and the best live row's Σ log p / (tokens so far)^α cannot beat the
///   worst of them; with true it stops at K finished;
/// - the forced </s> at the maximum length scores log p = 0 (ForcedEOSTokenLogitsProcessor sets
///   every other token to −∞ and </s> to 0).
public struct HuggingFaceRules: Sendable, Equatable, Codable {
    public var earlyStopping: Bool
    public init(earlyStopping: Bool = false) { self.earlyStopping = earlyStopping }
}

/// One finished output of the search.
public struct Hypothesis: Sendable, Equatable {
    /// Target ids without <s> and </s>.
    public var tokens: [Int32]
    /// log p of each token, then of the final </s>: tokens.count + 1 entries.
    public var tokenScores: [Float]
    /// Σ tokenScores (accumulated as the search did, in Float).
    public var logProb: Float
    /// logProb / (tokens.count + 1)^α: what beams are ranked by.
    public var score: Float
    /// True when </s> was forced at the maximum length (the output may be cut short).
    public var reachedMaxLength: Bool

    public init(tokens: [Int32], tokenScores: [Float], logProb: Float, score: Float, reachedMaxLength: Bool) {
        self.tokens = tokens
        self.tokenScores = tokenScores
        self.logProb = logProb
        self.score = score
        self.reachedMaxLength = reachedMaxLength
    }

    /// fairseq's normalisation: logProb / length^α, length counting </s>.
    static func normalized(_ logProb: Float, length: Int, alpha: Float) -> Float {
        alpha == 0 ? logProb : logProb / Float(_pow(Double(length), Double(alpha)))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Darwin
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { Darwin.pow(x, y) }
#endif
