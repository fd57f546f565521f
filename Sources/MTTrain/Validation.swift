import Foundation
import MTData
import MTEval
import MTModel
import MTOps
import MTTensor

/// Validation: teacher-forced loss and perplexity over the validation pairs, and BLEU of
/// decoded, detokenised output against the raw reference text, scored by `MTEval` exactly as
/// `mt-bleu` scores (the signature is printed with the score).
public struct Validator: Sendable {
    /// Decodes source id sequences (no specials) into target ids: greedy or beam, the same
    /// code path as `mt-translate`.
    public typealias Translate = @Sendable (Seq2Seq, ParameterStore, [[Int32]]) -> [[Int32]]

    public let corpus: EncodedCorpus
    public let sources: [[Int32]]
    public let references: [String]
    public let detokenize: @Sendable ([Int32]) -> String
    public let translate: Translate?
    public let bleuOptions: BLEUOptions
    public let maxTokens: Int

    /// - Parameter references: every line of the raw validation target file (1-based line k is
    ///   `references[k - 1]`), matched to the corpus's pairs by their line numbers.
    public init(corpus: EncodedCorpus, references: [String], targetLang: String, maxTokens: Int,
                bleuSentences: Int, detokenize: @escaping @Sendable ([Int32]) -> String, translate: Translate?) {
        self.corpus = corpus
        let n = bleuSentences > 0 ? min(bleuSentences, corpus.count) : corpus.count
        sources = (0..<n).map { Array(corpus.source($0)) }
        self.references = (0..<n).map { references[corpus.lineNumbers[$0] - 1] }  // kept pairs' own lines
        self.detokenize = detokenize
        self.translate = translate
        var o = BLEUOptions()
        o.tokenizer = BLEUTokenizer.defaultFor(targetLanguage: targetLang).0 ?? .thirteenA
        bleuOptions = o
        self.maxTokens = maxTokens
    }

    public struct Result: Sendable {
        public var loss: Double       // per target token, base 2 (label-smoothed)
        public var nll: Double        // per target token, base 2
        public var perplexity: Double { pow(2, nll) }
        public var bleu: BLEUScore?
        public var signature: String?
        public var hypotheses: [String] = []
    }

    public func run(model: Seq2Seq, params: ParameterStore, smoothing: Float) throws -> Result {
        var lossSum = 0.0, nllSum = 0.0, tokens = 0
        var it = try BatchIterator(corpus: corpus, config: .evaluation(maxTokens: maxTokens),
                                   specials: SpecialIds(model.config.specialIDs))
        let arena = Arena(capacity: 0)
        var rng = RNG(seed: 0)
        for _ in 0..<it.batchesInEpoch {
            let b = it.next()
            arena.reset()
            let c = model.forward(TokenBatch(b), smoothing: smoothing, training: false, rng: &rng, params: params, arena: arena)
            lossSum += c.result.loss; nllSum += c.result.nll; tokens += c.result.tokens
        }
        let ln2 = log(2.0)
        var r = Result(loss: lossSum / Double(max(tokens, 1)) / ln2, nll: nllSum / Double(max(tokens, 1)) / ln2)
        if let translate {
            let out = translate(model, params, sources)
            r.hypotheses = out.map(detokenize)
            r.bleu = try CorpusScorer().bleu(bleuOptions, hypotheses: r.hypotheses, references: [references])
            r.signature = Signature.bleu(bleuOptions, nrefs: 1).format()
        }
        return r
    }
}

extension SpecialIds {
    /// The data-side view of a model's special ids (MTData does not import MTModel).
    public init(_ ids: ModelConfig.SpecialIDs) {
        self.init(pad: ids.pad, bos: ids.bos, eos: ids.eos, unk: ids.unk)
    }
}

extension TokenBatch {
    /// The model's view of a data batch.
    public init(_ b: Batch) {
        self.init(batch: b.size, sourceLength: b.sourceLength, targetLength: b.targetLength,
                  source: b.source, targetIn: b.targetIn, targetOut: b.targetOut)
    }
}
