import MTModel
import MTOps

/// Translates many sentences: sorts them by source length, decodes batches of similar length
/// (`SearchOptions.batchTokens`, `maxBatchSentences`) with beam or greedy search, and returns
/// the results in input order. This is the entry point for `mt-translate`.
public struct Translator: Sendable {
    public let model: Seq2Seq
    public let params: ParameterStore
    public let options: SearchOptions

    /// Throws `SearchError.invalidOptions` for bad options.
    public init(model: Seq2Seq, params: ParameterStore, options: SearchOptions) throws {
        try options.validate()
        self.model = model
        self.params = params
        self.options = options
    }

    /// n-best hypotheses (best first, `options.nbest` of them) per source, in input order.
    /// Sources are ids without </s> (appended here); an empty source is fine.
    public func translate(_ sources: [[Int32]], arena: Arena = Arena(capacity: 0)) -> [[Hypothesis]] {
        var out = [[Hypothesis]](repeating: [], count: sources.count)
        for batch in Translator.batches(lengths: sources.map { $0.count + 1 }, tokens: options.batchTokens,
                                        sentences: options.maxBatchSentences) {
            let src = batch.map { sources[$0] }
            let hyps: [[Hypothesis]]
            if options.beam == 1 {
                hyps = GreedySearch(model: model, params: params, options: options).search(src, arena: arena).map { [$0] }
            } else {
                hyps = BeamSearch(model: model, params: params, options: options).search(src, arena: arena)
            }
            for (i, s) in batch.enumerated() { out[s] = hyps[i] }
        }
        return out
    }

    /// Groups indices sorted by length (stable) into batches of at most `sentences` members whose
    /// padded size (members × longest) stays within `tokens`; a longer single sentence gets a
    /// batch of its own (never dropped or cut).
    public static func batches(lengths: [Int], tokens: Int, sentences: Int) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
        var out: [[Int]] = [], cur: [Int] = []
        for i in order {
            let longest = max(cur.last.map { lengths[$0] } ?? 0, lengths[i])
            if !cur.isEmpty && (cur.count + 1 > sentences || (cur.count + 1) * longest > tokens) {
                out.append(cur)
                cur = []
            }
            cur.append(i)
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }
}
