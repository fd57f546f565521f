import MTModel
import MTSearch
import MTTensor

/// Decoding many sentences for validation (and anything else that wants ids in, ids out):
/// sentences sorted by length and cut into batches, greedy for beam 1 and beam search otherwise,
/// results returned in input order. The same search code `mt-translate` runs.
public enum Translation {
    public static func greedyOrBeam(beam: Int, lenpen: Float, batchSentences: Int = 64) -> Validator.Translate {
        { model, params, sources in
            var options = SearchOptions(beam: beam, lengthPenalty: lenpen)
            options.nbest = 1
            let order = sources.indices.sorted { sources[$0].count < sources[$1].count }
            var out = [[Int32]](repeating: [], count: sources.count)
            let arena = Arena(capacity: 0)
            var start = 0
            while start < order.count {
                let idx = Array(order[start..<min(start + batchSentences, order.count)])
                let batch = idx.map { sources[$0] }
                if beam == 1 {
                    let hyps = GreedySearch(model: model, params: params, options: options).search(batch, arena: arena)
                    for (k, i) in idx.enumerated() { out[i] = hyps[k].tokens }
                } else {
                    let hyps = BeamSearch(model: model, params: params, options: options).search(batch, arena: arena)
                    for (k, i) in idx.enumerated() { out[i] = hyps[k].first?.tokens ?? [] }
                }
                start += batchSentences
            }
            return out
        }
    }
}
