import MTOps

/// The decoder run one position at a time over a `DecoderState` (T2R.md §4–§5): the decoding
/// side of `Seq2Seq`. `startDecoding` builds the cross state once from the encoder output (which
/// the caller may then release: nothing here keeps it), and `step` runs every decoder layer's
/// one-step form — post-norm or pre-norm exactly as `DecoderLayer.forward` in eval mode — and the
/// output projection. Search (beams, hypotheses) lives in MTSearch, not here.
extension Seq2Seq {
    /// What `step` returns for each row.
    public enum StepOutput: Sendable {
        case logits
        /// log_softmax(logits), computed in place.
        case logProbs
    }

    /// The same model with a sinusoidal table of at least `positions` positions (the layout and
    /// so the parameters are unchanged; `maxPositions` only sizes a table). Returns self when
    /// the table is already long enough.
    public func withPositions(atLeast positions: Int) -> Seq2Seq {
        if positions <= config.maxPositions { return self }
        var c = config
        c.maxPositions = (positions + 255) / 256 * 256
        guard let m = try? Seq2Seq(config: c) else { preconditionFailure("withPositions: config rejected") }
        precondition(m.layout == layout, "withPositions: layout changed")
        return m
    }

    /// Encodes sources (each WITHOUT the final </s>; it is appended here, as in training batches)
    /// right-padded to the longest. Returns the encoder output [B, S, D] (arena) and its padding.
    public func encodeForDecoding(_ sources: [[Int32]], params: ParameterStore, arena: Arena)
        -> (output: Tensor, padding: PaddingMask) {
        let b = sources.count, s = (sources.map(\.count).max() ?? 0) + 1
        var ids = [Int32](repeating: config.specialIDs.pad, count: b * s)  // [B, S]
        for (i, src) in sources.enumerated() {
            for (t, id) in src.enumerated() { ids[i * s + t] = id }
            ids[i * s + src.count] = config.specialIDs.eos
        }
        var rng = RNG(seed: 0)
        let enc = encode(source: ids, batch: b, length: s, training: false, rng: &rng, params: params, arena: arena)
        return (enc.output, enc.padding)
    }

    /// Builds the per-sentence cross state of every layer from the encoder output [B, S, D] and an
    /// empty self state for N = B·beam rows, able to decode `maxPositions` positions.
    /// Bytes of float32 weights one decoding step multiplies by: per decoder layer the
    /// self-attention's four projections, the cross-attention's query and output projections and
    /// the feed-forward's two matrices; and the output projection (T2R's feature maps are small).
    public var stepWeightBytes: Int {
        let d = config.modelDim, f = config.ffnDim
        return 4 * (config.decoderLayers * (6 * d * d + 2 * d * f) + config.targetVocabSize * d)
    }

    public func startDecoding(encoderOutput: Tensor, padding: PaddingMask?, beam: Int, maxPositions: Int,
                              params: ParameterStore, arena: Arena) -> DecoderState {
        precondition(encoderOutput.rank == 3 && encoderOutput.shape[2] == config.modelDim,
                     "startDecoding: encoder output \(encoderOutput.shape)")
        precondition(beam >= 1 && maxPositions >= 1, "startDecoding: beam \(beam), maxPositions \(maxPositions)")
        GEMM.noteStepWeights(bytes: stepWeightBytes)
        let b = encoderOutput.shape[0], n = b * beam, d = config.modelDim
        let kvCapacity = Swift.min(maxPositions, 32)
        var scratch = 0
        var layers: [DecoderState.Layer] = []
        for l in decoderLayers {
            let selfState: DecoderState.SelfState
            switch l.selfAttention {
            case .t2r(let a):
                let st = a.makeState(rows: n)
                selfState = .t2r(st)
                scratch = Swift.max(scratch, beam * st.s.count / Swift.max(n, 1))
            case .softmax:
                selfState = .softmax(SoftmaxAttention.KVCache(rows: n, capacity: kvCapacity, dim: d))
                scratch = Swift.max(scratch, beam * kvCapacity * d)
            }
            let cross: DecoderState.CrossState
            switch l.crossAttention {
            case .t2r(let a):
                cross = .t2r(a.buildState(encoderOutput, padding: padding, params: params, arena: arena))
            case .softmax(let a):
                cross = .softmax(a.crossMemory(encoderOutput, keyPadding: padding, params: params))
            }
            var fused: DecoderState.FusedFeatures? = nil
            if case .t2r(let sa) = l.selfAttention, case .t2r(let ca) = l.crossAttention,
               let sf = sa.fused(params: params), let cq = ca.fusedQuery(params: params) {
                fused = DecoderState.FusedFeatures(selfAttention: sf, crossQuery: cq)  // learned φ only
            }
            layers.append(DecoderState.Layer(selfState: selfState, cross: cross, fused: fused))
        }
        return DecoderState(beam: beam, sentences: b, maxPositions: maxPositions, layers: layers, scratchFloats: scratch)
    }

    /// One decoding step for all N = B·K rows at the shared position t = `state.position`:
    /// tokens [N] are each row's previous output (<s> at t = 0) → [N, V] logits or
    /// log-probabilities (arena memory, valid until the arena's next reset). Advances the state.
    public func step(tokens: [Int32], state: DecoderState, output: StepOutput = .logits,
                     params: ParameterStore, arena: Arena) -> Tensor {
        let n = state.rows
        precondition(tokens.count == n, "Seq2Seq.step: \(tokens.count) tokens for \(n) rows")
        state.reserveNextPosition()
        let t = state.position
        var h = targetEmbedding.forwardStep(tokens: tokens, step: t, params: params, arena: arena)  // [N, D]
        for (i, l) in decoderLayers.enumerated() {
            h = l.step(h, layer: state.layers[i], state: state, params: params, arena: arena)
        }
        if let norm = decoderNorm { h = norm.forward(h, params: params, arena: arena).y }
        let logits = outputProjection.forward(h, params: params, arena: arena).y  // [N, V]
        state.position += 1
        if output == .logProbs { Kernels.logSoftmaxRows(logits) }
        return logits
    }
}

extension DecoderLayer {
    /// One position of this layer for all N rows: x [N, D] → y [N, D] (eval mode: no dropout).
    func step(_ x: Tensor, layer: DecoderState.Layer, state: DecoderState, params: ParameterStore, arena: Arena) -> Tensor {
        var h = x
        // pre-norm  h ← h + f(LN(h));  post-norm  h ← LN(h + f(h))  (DecoderLayer.forward)
        func run(_ norm: LayerNorm, _ f: (Tensor) -> Tensor) {
            if preNorm {
                let u = norm.forward(h, params: params, arena: arena).y
                let y = f(u)
                Kernels.add(h.pointer, y.pointer, y.pointer, y.count)
                h = y
            } else {
                let y = f(h)
                Kernels.add(h.pointer, y.pointer, y.pointer, y.count)
                h = norm.forward(y, params: params, arena: arena).y
            }
        }
        run(selfNorm) { u in selfAttentionStep(u, layer: layer, state: state, params: params, arena: arena) }
        run(crossNorm) { u in crossAttentionStep(u, layer: layer, state: state, params: params, arena: arena) }
        run(ffnNorm) { u in
            var rng = RNG(seed: 0)
            return ffn.forward(u, training: false, rng: &rng, params: params, arena: arena).y
        }
        return h
    }

    func selfAttentionStep(_ u: Tensor, layer: DecoderState.Layer, state: DecoderState, params: ParameterStore,
                           arena: Arena) -> Tensor {
        switch (selfAttention, layer.selfState) {
        case (.t2r(let a), .t2r(let st)):
            return a.step(u, state: st, fused: layer.fused?.selfAttention, params: params, arena: arena)
        case (.softmax(let a), .softmax(let c)):
            return a.step(u, cache: c, position: state.position, params: params, arena: arena)
        default: preconditionFailure("DecoderLayer.step: self state of the other attention kind")
        }
    }

    func crossAttentionStep(_ u: Tensor, layer: DecoderState.Layer, state: DecoderState, params: ParameterStore,
                            arena: Arena) -> Tensor {
        switch (crossAttention, layer.cross) {
        case (.t2r(let a), .t2r(let st)):
            return a.step(u, state: st, beam: state.beam, fusedQuery: layer.fused?.crossQuery, params: params,
                          arena: arena)
        case (.softmax(let a), .softmax(let m)):
            return a.crossStep(u, memory: m, beam: state.beam, params: params, arena: arena)
        default: preconditionFailure("DecoderLayer.step: cross state of the other attention kind")
        }
    }
}
