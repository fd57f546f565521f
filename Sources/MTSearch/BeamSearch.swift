import MTModel
import MTOps

/// Beam search over the decoder's recurrent state for one batch of sentences
/// (ARCHITECTURE.md data flow: decoder step → beam step → finished/refill → reorder).
///
/// Each step: `Seq2Seq.step` gives logits [N, V] for the N = B·K live rows; `BeamStep` picks the
/// best 2K extensions per sentence; `FinishAndRefill` moves ended ones to the finished list and
/// keeps K live ones; sentences with K finished hypotheses leave the batch; the decoder state is
/// gathered by parent row and compacted to the remaining sentences in one pass. The loop below
/// only sequences those steps.
public struct BeamSearch: Sendable {
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

    /// n-best hypotheses (best first) for each source (ids without </s>), in input order, all
    /// decoded as one batch. `arena` is reset at every step.
    public func search(_ sources: [[Int32]], arena: Arena) -> [[Hypothesis]] {
        if sources.isEmpty { return [] }
        let k = options.beam
        let maxLength = sources.map { options.maxLength(sourceLength: $0.count + 1) }
        let m = model.withPositions(atLeast: max(maxLength.max()! + 1, sources.map(\.count).max()! + 1))
        arena.reset()
        let enc = m.encodeForDecoding(sources, params: params, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: k,
                                    maxPositions: maxLength.max()! + 1, params: params, arena: arena)
        var run = Run(sentences: sources.count, beam: k, maxLength: maxLength, reserve: sources.count * k * 64,
                      bos: m.config.specialIDs.bos)
        while !run.active.isEmpty {
            arena.reset()
            let logits = m.step(tokens: run.beams.tokens, state: state, params: params, arena: arena)  // [N, V]
            let keep = advance(&run, logits: logits, step: state.position - 1)
            if !run.active.isEmpty { state.reorder(parents: keep.parents, keepingSentences: keep.sentences) }
            onStep?(state.position - 1)
        }
        return run.finished.map { FinishAndRefill.best($0, n: options.nbest) }
    }

    /// The mutable search record of one batch.
    struct Run {
        /// Original index of each active sentence, in row order.
        var active: [Int]
        var maxLength: [Int]  // per active sentence
        var beams: Beams
        var history: History
        var finished: [[Hypothesis]]  // per original sentence
        var candidates: CandidateBuffers

        init(sentences b: Int, beam k: Int, maxLength: [Int], reserve: Int, bos: Int32) {
            active = Array(0..<b)
            self.maxLength = maxLength
            beams = Beams(tokens: [Int32](repeating: bos, count: b * k),
                          scores: [Float](repeating: 0, count: b * k), last: [Int32](repeating: -1, count: b * k))
            history = History(reserve: reserve)
            finished = [[Hypothesis]](repeating: [], count: b)
            candidates = CandidateBuffers(sentences: b, beam: k)
        }
    }

    /// Scores, selects, finishes and refills; returns the gather for the decoder state.
    func advance(_ run: inout Run, logits: Tensor, step: Int) -> (parents: [Int], sentences: [Int]) {
        let k = options.beam, b = run.active.count
        let ids = model.config.specialIDs
        var limits = StepLimits(step: step, minLength: options.minLength, maxLength: run.maxLength, ids: ids)
        limits.forcedEOSIsFree = options.huggingFace != nil
        BeamStep.selectCandidates(logits: logits, rowScores: run.beams.scores, beam: k, sentences: b,
                                  limits: limits, into: &run.candidates)
        var next = Beams(tokens: [], scores: [], last: [])
        var parents: [Int] = [], kept: [Int] = [], active: [Int] = [], maxLength: [Int] = []
        for i in 0..<b {
            let o = FinishAndRefill.apply(sentence: i, candidates: run.candidates, beams: run.beams, beam: k, step: step,
                                          maxLength: run.maxLength[i], alpha: options.lengthPenalty, eos: ids.eos,
                                          huggingFace: options.huggingFace,
                                          history: &run.history, finished: &run.finished[run.active[i]])
            if o.done { continue }
            kept.append(i)
            active.append(run.active[i])
            maxLength.append(run.maxLength[i])
            parents += o.parents
            next.tokens += o.tokens
            next.scores += o.scores
            next.last += o.last
        }
        run.beams = next
        run.active = active
        run.maxLength = maxLength
        return (parents, kept)
    }
}
