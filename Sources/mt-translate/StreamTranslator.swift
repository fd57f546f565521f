import Foundation
import MTModel
import MTSearch
import MTTensor
import MTTrain

/// Translates one buffer of input lines: encodes them, decodes in length-sorted batches, and
/// formats exactly one output line per input line (or `nbest` lines), in input order.
struct StreamTranslator {
    let loaded: ModelDirectory.Loaded
    let options: SearchOptions
    let raw: Bool
    let scores: Bool
    let verifyRecurrent: Bool
    let arena = Arena(capacity: 0)
    /// Totals over the run (subword tokens of the best hypotheses, without </s>).
    final class Stats { var targetTokens = 0 }
    let stats = Stats()

    func warn(_ s: String) { FileHandle.standardError.write(Data(("[translate] " + s + "\n").utf8)) }

    func translate(_ lines: [LineInput.Line], firstLine: Int) -> String {
        var sources: [[Int32]] = []
        var slot: [Int?] = []  // input line → index into sources (nil: empty or invalid)
        for (k, line) in lines.enumerated() {
            switch line {
            case .invalid(let n):
                warn("line \(firstLine + k + 1): invalid UTF-8 (\(n) bytes); writing an empty line")
                slot.append(nil)
            case .text(let s):
                let ids = raw ? loaded.source.vocabulary.encode(s) : loaded.source.encode(s)
                if ids.isEmpty { slot.append(nil); continue }
                slot.append(sources.count)
                sources.append(ids)
            }
        }
        // n-best lists in input order, decoded in length-sorted batches within --batch-tokens.
        let hyps = try! Translator(model: loaded.model, params: loaded.store, options: options)  // validated in validate()
            .translate(sources, arena: arena)
        var out = ""
        for (k, s) in slot.enumerated() {
            guard let i = s else {
                out += options.nbest > 1 ? "\(firstLine + k) |||  ||| 0\n" : "\n"
                continue
            }
            stats.targetTokens += hyps[i].first?.tokens.count ?? 0
            for (rank, h) in hyps[i].prefix(options.nbest).enumerated() {
                if rank == 0 && h.reachedMaxLength {
                    warn("line \(firstLine + k + 1): output reached the maximum length \(h.tokens.count) (raise --max-len-a/--max-len-b)")
                }
                let text = raw ? loaded.target.decodeSegmented(h.tokens) : loaded.target.decode(h.tokens)
                if options.nbest > 1 {
                    out += "\(firstLine + k) ||| \(text) ||| \(h.score)\n"
                } else {
                    out += scores ? "\(text) ||| \(h.score)\n" : text + "\n"
                }
            }
            if verifyRecurrent, let h = hyps[i].first {
                let r = RecurrentCheck.compare(model: loaded.model, params: loaded.store, source: sources[i], target: h.tokens)
                warn("line \(firstLine + k + 1): parallel vs recurrent logits: max |Δ| \(r.maxAbsDifference) over \(r.positions) positions")
            }
        }
        return out
    }
}
