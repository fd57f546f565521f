import MTModel
import MTSearch
import MTTensor

/// One line of input text as a front end read it.
public enum InputLine: Sendable, Equatable {
    case text(String)
    /// A line that is not valid UTF-8 (`bytes` long): it is answered with an empty translation.
    case invalid(bytes: Int)
}

/// The translation of one input line: its n-best hypotheses, best first (none for an empty
/// or invalid line), and what a front end should warn about.
public struct TranslatedLine: Sendable {
    public struct Hypothesis: Sendable {
        /// Detokenised text (segmented subwords in raw mode).
        public let text: String
        /// Length-normalised log-probability (the rank score).
        public let score: Float
        /// Subword tokens, without </s>.
        public let tokens: Int
        /// The search stopped at the maximum output length, not at </s>.
        public let reachedMaxLength: Bool
    }

    public var hypotheses: [Hypothesis] = []
    /// Source subword tokens (without </s>); 0 for an empty or invalid line.
    public var sourceTokens = 0
    /// Set for an invalid UTF-8 line: its length in bytes.
    public var invalidBytes: Int?
    /// `verifyRecurrent`: the largest parallel-vs-recurrent logit difference over the best
    /// hypothesis, and the positions compared.
    public var recurrentCheck: RecurrentCheck.Report?
}

/// The translate-these-lines core every front end shares (mt-translate, validation, mt-bench,
/// the server): raw text in, one `TranslatedLine` per input line out, in input order. Lines are
/// encoded through the model directory's text pipeline (or taken as segmented subwords in raw
/// mode), decoded in length-sorted batches within the options' token budget, and decoded back
/// to text. Not thread-safe: one translator per decoding worker (it owns an arena).
public final class LineTranslator: @unchecked Sendable {
    public let model: LoadedModel
    /// Input is already BPE-segmented and output stays segmented (no BPE removal or
    /// detokenisation).
    public let raw: Bool
    let arena = Arena(capacity: 0)
    /// Subword tokens of the best hypotheses over the translator's life (without </s>).
    public private(set) var targetTokens = 0

    public init(model: LoadedModel, raw: Bool = false) {
        self.model = model
        self.raw = raw
    }

    /// Token ids of one line of text (no specials).
    public func encode(_ text: String) -> [Int32] {
        raw ? model.source.encodeSegmented(text) : model.source.encode(text)
    }

    /// Translates `lines` with `options`. Throws `RuntimeError.invalidOptions` before any work
    /// when the options cannot run.
    public func translate(_ lines: [InputLine], options: SearchOptions,
                          verifyRecurrent: Bool = false) throws -> [TranslatedLine] {
        let translator: Translator
        do { translator = try Translator(model: model.model, params: model.store, options: options) } catch {
            throw RuntimeError.invalidOptions("\(error)")
        }
        var results = [TranslatedLine](repeating: TranslatedLine(), count: lines.count)
        var sources: [[Int32]] = []
        var slot: [Int] = []  // sources[i] is the translation of lines[slot[i]]
        for (k, line) in lines.enumerated() {
            switch line {
            case .invalid(let n):
                results[k].invalidBytes = n
            case .text(let s):
                let ids = encode(s)
                if ids.isEmpty { continue }
                results[k].sourceTokens = ids.count
                slot.append(k)
                sources.append(ids)
            }
        }
        // n-best lists in input order, decoded in length-sorted batches within the token budget.
        let hyps = translator.translate(sources, arena: arena)
        for (i, k) in slot.enumerated() {
            results[k].hypotheses = hyps[i].prefix(options.nbest).map { h in
                TranslatedLine.Hypothesis(
                    text: raw ? model.target.decodeSegmented(h.tokens) : model.target.decode(h.tokens),
                    score: h.score, tokens: h.tokens.count, reachedMaxLength: h.reachedMaxLength)
            }
            targetTokens += hyps[i].first?.tokens.count ?? 0
            if verifyRecurrent, let h = hyps[i].first {
                results[k].recurrentCheck = RecurrentCheck.compare(model: model.model, params: model.store,
                                                                   source: sources[i], target: h.tokens)
            }
        }
        return results
    }
}

/// mt-translate's output lines (fairseq's formats): one line per input line, or with n-best
/// `index ||| translation ||| score` lines per input line (index 0-based), or with `scores`
/// the 1-best line followed by ` ||| score`.
public struct OutputFormat: Sendable {
    public var nbest: Int
    public var scores: Bool

    public init(nbest: Int = 1, scores: Bool = false) {
        self.nbest = nbest
        self.scores = scores
    }

    /// The text for `results`, whose first line is input line `firstLine` (0-based).
    public func format(_ results: [TranslatedLine], firstLine: Int) -> String {
        var out = ""
        for (k, r) in results.enumerated() {
            if r.hypotheses.isEmpty {
                out += nbest > 1 ? "\(firstLine + k) |||  ||| 0\n" : "\n"
                continue
            }
            for h in r.hypotheses.prefix(nbest) {
                if nbest > 1 {
                    out += "\(firstLine + k) ||| \(h.text) ||| \(h.score)\n"
                } else {
                    out += scores ? "\(h.text) ||| \(h.score)\n" : h.text + "\n"
                }
            }
        }
        return out
    }

    /// The warnings a front end reports for `results` (1-based line numbers), in the order
    /// mt-translate prints them: invalid input first, then per translated line.
    public static func warnings(_ results: [TranslatedLine], firstLine: Int) -> [String] {
        var w: [String] = []
        for (k, r) in results.enumerated() {
            if let n = r.invalidBytes { w.append("line \(firstLine + k + 1): invalid UTF-8 (\(n) bytes); writing an empty line") }
        }
        for (k, r) in results.enumerated() {
            if let h = r.hypotheses.first, h.reachedMaxLength {
                w.append("line \(firstLine + k + 1): output reached the maximum length \(h.tokens) (raise --max-len-a/--max-len-b)")
            }
            if let c = r.recurrentCheck {
                w.append("line \(firstLine + k + 1): parallel vs recurrent logits: max |Δ| \(c.maxAbsDifference) over \(c.positions) positions")
            }
        }
        return w
    }
}
