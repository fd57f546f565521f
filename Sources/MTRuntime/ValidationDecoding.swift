import MTModel
import MTSearch
import MTTensor

/// Decoding for validation BLEU, injected into training (MTTrain never imports search):
/// `MTSearch.Translator` (length-sorted batches, greedy for beam 1, beam search otherwise,
/// results in input order), the same code `mt-translate` runs.
public enum ValidationDecoding {
    /// Source id sequences (no specials) → the best hypothesis's target ids, per source.
    public typealias Decode = @Sendable (Seq2Seq, ParameterStore, [[Int32]]) -> [[Int32]]

    /// Throws `SearchError.invalidOptions` for a bad beam or length penalty.
    public static func greedyOrBeam(beam: Int, lenpen: Float) throws -> Decode {
        let options = SearchOptions(beam: beam, lengthPenalty: lenpen)
        try options.validate()
        return { model, params, sources in
            // The options were validated above, so the initialiser cannot throw here.
            let translator = try! Translator(model: model, params: params, options: options)
            return translator.translate(sources).map { $0.first?.tokens ?? [] }
        }
    }
}
