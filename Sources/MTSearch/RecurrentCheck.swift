import MTModel
import MTOps

/// Checks that decoding one position at a time gives what training computes: the target is
/// teacher-forced through the parallel form (`Seq2Seq.forward`) and through the recurrent form
/// (`startDecoding` + `step`), and the logits are compared (the `--verify-recurrent` check).
/// Also scores a given output with the parallel form, to re-score search results.
public enum RecurrentCheck {
    public struct Report: Sendable, Equatable {
        /// max |logit_parallel − logit_recurrent| over all positions and vocabulary entries.
        public var maxAbsDifference: Float
        /// That maximum divided by max |logit_parallel|.
        public var maxRelDifference: Float
        /// Positions compared (target tokens + 1 for </s>).
        public var positions: Int
    }

    /// source and target: ids without <s> / </s>.
    public static func compare(model: Seq2Seq, params: ParameterStore, source: [Int32], target: [Int32]) -> Report {
        let m = model.withPositions(atLeast: max(source.count, target.count) + 2)
        let parallel = parallelLogits(model: m, params: params, source: source, target: target)  // [T+1, V]
        let arena = Arena(capacity: 0)
        let enc = m.encodeForDecoding([source], params: params, arena: arena)
        let state = m.startDecoding(encoderOutput: enc.output, padding: enc.padding, beam: 1,
                                    maxPositions: target.count + 1, params: params, arena: arena)
        let input = [m.config.specialIDs.bos] + target
        let v = parallel.shape[1]
        var maxAbs: Float = 0, maxRef: Float = 0
        for (t, token) in input.enumerated() {
            arena.reset()
            let rec = m.step(tokens: [token], state: state, params: params, arena: arena)  // [1, V]
            for i in 0..<v {
                let p = parallel.pointer[t * v + i]
                maxAbs = max(maxAbs, abs(p - rec.pointer[i]))
                maxRef = max(maxRef, abs(p))
            }
        }
        return Report(maxAbsDifference: maxAbs, maxRelDifference: maxRef > 0 ? maxAbs / maxRef : maxAbs,
                      positions: input.count)
    }

    /// Teacher-forced logits [T+1, V] of the parallel form (own storage).
    public static func parallelLogits(model: Seq2Seq, params: ParameterStore, source: [Int32], target: [Int32]) -> Tensor {
        let m = model.withPositions(atLeast: max(source.count, target.count) + 2)
        let batch = TokenBatch(batch: 1, sourceLength: source.count + 1, targetLength: target.count + 1,
                               source: source + [m.config.specialIDs.eos], targetIn: [m.config.specialIDs.bos] + target,
                               targetOut: target + [m.config.specialIDs.eos])
        var rng = RNG(seed: 0)
        let arena = Arena(capacity: 0)
        let cache = m.forward(batch, smoothing: 0, training: false, rng: &rng, params: params, arena: arena)
        return cache.logits.copy()
    }

    /// log p of each target token and of the final </s> under the parallel form: target.count + 1 values.
    public static func tokenLogProbs(model: Seq2Seq, params: ParameterStore, source: [Int32], target: [Int32]) -> [Float] {
        let logits = parallelLogits(model: model, params: params, source: source, target: target)  // [T+1, V]
        let v = logits.shape[1]
        let out = target + [model.config.specialIDs.eos]
        return out.enumerated().map { t, y in
            let row = logits.pointer + t * v
            return row[Int(y)] - Kernels.logSumExp(row, v)
        }
    }
}
