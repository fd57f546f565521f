import MTModel
import MTOps

/// Greedy search: one row per sentence, the best allowed token at every step. It must give the
/// same hypotheses as `BeamSearch` with K = 1 (a test checks it), so it ranks tokens by the
/// same value (row score + logit − lse), applies the same length rules, and breaks ties the
/// same way (lowest token id). Finished sentences leave the batch and the state is compacted.
public struct GreedySearch: Sendable {
    public let model: Seq2Seq
    public let params: ParameterStore
    public let options: SearchOptions
    /// Called after every decoder step with its 0-based position (benchmarks time steps with it).
    public let onStep: (@Sendable (Int) -> Void)?

    public init(model: Seq2Seq, params: ParameterStore, options: SearchOptions, onStep: (@Sendable (Int) -> Void)? = nil) {
        self.model = model
        self.params = params
        self.options = options
        self.onStep = onStep
    }

    /// The hypothesis for each source (ids without </s>), in input order, decoded as one batch.
    public func search(_ sources: [[Int32]], arena: Arena) -> [Hypothesis] {
        if sources.isEmpty { return [] }
        let maxLength = sources.map { options.maxLength(sourceLength: $0.count + 1) }
        let m = model.withPositions(atLeast: max(maxLength.max()! + 1, sources.map(\.count).max()! + 1))
        arena.reset()
        let enc = m.encodeForDecoding(sources, params: params, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 1,
                                    maxPositions: maxLength.max()! + 1, params: params, arena: arena)
        var active = Array(0..<sources.count)
        var tokens = [[Int32]](repeating: [], count: sources.count)      // per original sentence
        var scores = [[Float]](repeating: [], count: sources.count)
        var total = [Float](repeating: 0, count: sources.count)
        var results = [Hypothesis?](repeating: nil, count: sources.count)
        var lse = [Float](repeating: 0, count: sources.count)
        let ids = m.config.specialIDs
        var feed = [Int32](repeating: ids.bos, count: sources.count)
        while !active.isEmpty {
            arena.reset()
            let step = state.position
            let logits = m.step(tokens: feed, state: state, params: params, arena: arena)  // [N, V]
            lse.withUnsafeMutableBufferPointer { Kernels.logSumExpRows(logits, into: $0.baseAddress!) }
            var kept: [Int] = []
            feed.removeAll(keepingCapacity: true)
            for (row, s) in active.enumerated() {
                let (t, value) = choose(logits.pointer + row * logits.shape[1], vocab: logits.shape[1],
                                        offset: total[s] - lse[row], step: step, maxLength: maxLength[s])
                scores[s].append(value - total[s])
                total[s] = value
                if t == ids.eos {
                    results[s] = Hypothesis(tokens: tokens[s], tokenScores: scores[s], logProb: value,
                                            score: Hypothesis.normalized(value, length: step + 1, alpha: options.lengthPenalty),
                                            reachedMaxLength: step >= maxLength[s])
                } else {
                    tokens[s].append(t)
                    feed.append(t)
                    kept.append(row)
                }
            }
            if kept.count != active.count {
                active = kept.map { active[$0] }
                if !active.isEmpty { state.keepSentences(kept) }
            }
            onStep?(step)
        }
        return results.map { $0! }
    }

    /// log Σ exp(logit): with a Hugging Face forced </s> (log p = 0) the value is offset + lse.
    func lseOf(_ logit: UnsafePointer<Float>, _ v: Int) -> Float { Kernels.logSumExp(logit, v) }

    /// The allowed token with the highest logit + offset (lowest id on ties) and that value.
    func choose(_ logit: UnsafePointer<Float>, vocab v: Int, offset: Float, step: Int, maxLength: Int) -> (Int32, Float) {
        let ids = model.config.specialIDs
        let eos = Int(ids.eos), pad = Int(ids.pad), bos = Int(ids.bos)
        if step >= maxLength { return (ids.eos, options.huggingFace != nil ? offset + lseOf(logit, v) : logit[eos] + offset) }
        var best = -Float.infinity, arg = -1
        for t in 0..<v where t != pad && t != bos && (t != eos || step >= options.minLength) {
            let x = logit[t] + offset
            if x > best || arg < 0 { best = x; arg = t }
        }
        return (Int32(arg), best)
    }
}
