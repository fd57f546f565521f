import MTModel
import MTOps

/// Back-pointers of every token kept by a search: record i holds a token, its log-probability
/// and the record of the previous token (−1 at the start). A hypothesis is read by walking back
/// from its last record, so a beam reorder never copies token histories (the per-step cost
/// does not grow with the length).
struct History {
    private(set) var token: [Int32] = []
    private(set) var score: [Float] = []
    private(set) var parent: [Int32] = []

    init(reserve: Int) {
        token.reserveCapacity(reserve)
        score.reserveCapacity(reserve)
        parent.reserveCapacity(reserve)
    }

    mutating func append(token t: Int32, score s: Float, parent p: Int32) -> Int32 {
        token.append(t)
        score.append(s)
        parent.append(p)
        return Int32(token.count - 1)
    }

    /// Tokens and their scores from the start up to record `last` (none for −1).
    func path(to last: Int32) -> (tokens: [Int32], scores: [Float]) {
        var toks: [Int32] = [], scs: [Float] = []
        var i = last
        while i >= 0 {
            toks.append(token[Int(i)])
            scs.append(score[Int(i)])
            i = parent[Int(i)]
        }
        return (toks.reversed(), scs.reversed())
    }
}

/// The live rows of a search in row order: K per active sentence.
struct Beams {
    /// Token each row feeds at the next step.
    var tokens: [Int32]
    /// Cumulative log-probability of each row's hypothesis.
    var scores: [Float]
    /// History record of each row's last token (−1: nothing yet).
    var last: [Int32]
}

/// The second half of a beam step (fairseq's `finalize_hypos` and the choice of active hypos):
/// candidates that end in </s> and rank among the top K become finished hypotheses; the first
/// K candidates that do not end become the sentence's next rows.
enum FinishAndRefill {
    struct Outcome {
        /// The sentence has K finished hypotheses (or cannot continue): drop it.
        var done: Bool
        /// Parent row and token of each next row (K entries unless done).
        var parents: [Int]
        var tokens: [Int32]
        var scores: [Float]
        var last: [Int32]
    }

    /// Processes sentence `i`'s candidates, appending finished hypotheses to `finished`.
    static func apply(sentence i: Int, candidates c: CandidateBuffers, beams: Beams, beam: Int, step: Int,
                      maxLength: Int, alpha: Float, eos: Int32, huggingFace: HuggingFaceRules? = nil,
                      history: inout History, finished: inout [Hypothesis]) -> Outcome {
        if let rules = huggingFace {
            return applyHuggingFace(sentence: i, candidates: c, beams: beams, beam: beam, step: step, maxLength: maxLength,
                                    alpha: alpha, eos: eos, rules: rules, history: &history, finished: &finished)
        }
        var out = Outcome(done: false, parents: [], tokens: [], scores: [], last: [])
        for rank in 0..<c.width {
            let j = i * c.width + rank
            let value = c.value[j], row = Int(c.row[j]), token = c.token[j]
            if value == -.infinity || row < 0 { break }
            let tokenScore = value - beams.scores[row]
            if token == eos {
                if rank < beam && finished.count < beam {
                    finished.append(finish(last: beams.last[row], eosScore: tokenScore, logProb: value, step: step,
                                           maxLength: maxLength, alpha: alpha, history: history))
                }
            } else if out.parents.count < beam {
                out.parents.append(row)
                out.tokens.append(token)
                out.scores.append(value)
                out.last.append(history.append(token: token, score: tokenScore, parent: beams.last[row]))
            }
        }
        out.done = finished.count >= beam || out.parents.isEmpty
        if !out.done { pad(&out, beam: beam) }
        return out
    }

    /// Hugging Face's version (`HuggingFaceRules`): finished candidates among the top K enter the
    /// K best (replacing the worst when better, `_update_finished_beams`); the next rows are the
    /// first K candidates that did not finish; the sentence is done when K are finished and
    /// (early stopping, or) the best live row's logProb / (step + 1)^α ≤ the worst finished score
    /// (`_check_early_stop_heuristic`).
    static func applyHuggingFace(sentence i: Int, candidates c: CandidateBuffers, beams: Beams, beam: Int, step: Int,
                                 maxLength: Int, alpha: Float, eos: Int32, rules: HuggingFaceRules,
                                 history: inout History, finished: inout [Hypothesis]) -> Outcome {
        var out = Outcome(done: false, parents: [], tokens: [], scores: [], last: [])
        for rank in 0..<c.width {
            let j = i * c.width + rank
            let value = c.value[j], row = Int(c.row[j]), token = c.token[j]
            if value == -.infinity || row < 0 { break }
            let tokenScore = value - beams.scores[row]
            if token == eos {
                guard rank < beam else { continue }
                let h = finish(last: beams.last[row], eosScore: tokenScore, logProb: value, step: step,
                               maxLength: maxLength, alpha: alpha, history: history)
                if finished.count < beam {
                    finished.append(h)
                } else if let w = finished.indices.min(by: { finished[$0].score < finished[$1].score }),
                          h.score > finished[w].score {
                    finished.remove(at: w)
                    finished.append(h)
                }
            } else if out.parents.count < beam {
                out.parents.append(row)
                out.tokens.append(token)
                out.scores.append(value)
                out.last.append(history.append(token: token, score: tokenScore, parent: beams.last[row]))
            }
        }
        if finished.count >= beam {
            if rules.earlyStopping {
                out.done = true
            } else if let best = out.scores.first {
                let worst = finished.map(\.score).min()!
                out.done = Hypothesis.normalized(best, length: step + 1, alpha: alpha) <= worst
            }
        }
        if out.parents.isEmpty || step >= maxLength { out.done = true }
        if !out.done { pad(&out, beam: beam) }
        return out
    }

    /// Fewer than K live candidates (a tiny vocabulary): fill with dead copies of the last row.
    static func pad(_ out: inout Outcome, beam: Int) {
        while out.parents.count < beam {
            out.parents.append(out.parents[out.parents.count - 1])
            out.tokens.append(out.tokens[out.tokens.count - 1])
            out.scores.append(-.infinity)
            out.last.append(out.last[out.last.count - 1])
        }
    }

    /// The hypothesis that ends with </s> after the row whose last record is `last`.
    static func finish(last: Int32, eosScore: Float, logProb: Float, step: Int, maxLength: Int, alpha: Float,
                       history: History) -> Hypothesis {
        let (tokens, scores) = history.path(to: last)
        return Hypothesis(tokens: tokens, tokenScores: scores + [eosScore], logProb: logProb,
                          score: Hypothesis.normalized(logProb, length: step + 1, alpha: alpha),
                          reachedMaxLength: step >= maxLength)
    }

    /// The n best of a sentence's finished hypotheses (best score first; earlier finished first on ties).
    static func best(_ hyps: [Hypothesis], n: Int) -> [Hypothesis] {
        if hyps.isEmpty { return [] }
        let order = hyps.indices.sorted { hyps[$0].score > hyps[$1].score || (hyps[$0].score == hyps[$1].score && $0 < $1) }
        return order.prefix(n).map { hyps[$0] }
    }
}
