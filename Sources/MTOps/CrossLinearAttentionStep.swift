/// The decoding form of T2R cross-attention (T2R.md §4), beside the parallel form in
/// CrossLinearAttention.swift, which it reproduces (the tests check it step by step).
///
/// The cross state S_x, z_x depends only on the encoder output, so `buildState` computes it
/// once per source batch, and each step only reads it:
///   c_t = (g^Q_t)ᵀ S_x / max(|⟨g^Q_t, z_x⟩|, ε),  g^Q_t = φ(q_t/√Dh)
/// with the denominator accumulated in Double. Row n of a step reads sentence n / beam (all
/// beams of a sentence share its state). The per-row reads are split across threads by row
/// ranges with `Parallel.forRanges` when the work is large enough. Compacting the state when
/// sentences finish is the caller's job.
extension CrossLinearAttention {
    /// Decoding: the cross state of an encoder output [B, S, D] (own storage; build once per source).
    public func buildState(_ memory: Tensor, padding: PaddingMask?, params: ParameterStore, arena: Arena) -> State {
        precondition(memory.rank == 3 && memory.shape[2] == dim, "CrossLinearAttention.buildState: \(memory.shape)")
        let bsz = memory.shape[0], sl = memory.shape[1]
        let kt = arena.tensor(memory.shape), vt = arena.tensor(memory.shape)
        k.forward(memory, into: kt, params: params)
        v.forward(memory, into: vt, params: params)
        let fk = phi.forward(kt, scale: 1, zeroRows: padding?.isPad, params: params, arena: arena)
        let st = State(s: Tensor(zeros: [bsz, heads, features, headDim]), z: Tensor(zeros: [bsz, heads, features]))
        accumulateState(fk: fk.pointer, v: vt.pointer, batch: bsz, sourceLength: sl, s: st.s.pointer, z: st.z.pointer)
        return st
    }

    /// The query side of φ folded into q_proj (T2R.md §2), for decoding; nil unless φ is learned.
    public func fusedQuery(params: ParameterStore) -> FeatureMap.Fused? {
        guard phi.isFusable else { return nil }
        return phi.fused(with: q, scale: 1 / Float(headDim).squareRoot(), params: params)
    }

    /// One step: x [N, D] with N = sentences · beam rows → y [N, D]; row n reads sentence
    /// n / beam of `state`. With `fusedQuery`, g^Q comes straight from x through the folded map
    /// (same result up to rounding); without it, through q and φ as in the parallel form (a random
    /// φ with its evaluation Ω: the state built by `buildState` uses it too).
    public func step(_ x: Tensor, state: State, beam: Int, fusedQuery: FeatureMap.Fused?,
                     params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        precondition(d == dim && n <= state.sentences * beam,
                     "CrossLinearAttention.step: \(n) rows for \(state.sentences) sentences × beam \(beam)")
        let hN = heads, dh = headDim, r = features, hr = hN * r, eps = Double(epsilon)
        let fq = arena.tensor([n, hr])
        if let f = fusedQuery {
            f.apply(x.pointer, rows: n, into: fq.pointer)
        } else {
            let qt = arena.tensor([n, d])
            q.forward(x, into: qt, params: params)
            phi.forward(qt.pointer, ldu: d, rows: n, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                        into: fq.pointer, params: params)
        }
        let ctx = arena.tensor([n, d])
        let s = state.s, z = state.z
        Parallel.forRanges(n, work: n * hr * dh) { range in
            for row in range {
                let sent = row / beam
                for h in 0..<hN {
                    // o = φ(q) S_h / |φ(q) · z_h|: CKernels (AVX-512 or AVX, the scalar loop's bits).
                    Kernels.linearAttentionRead(features: r, headDim: dh, state: s.pointer + (sent * hN + h) * r * dh,
                                                normaliser: z.pointer + (sent * hN + h) * r,
                                                phiQuery: fq.pointer + row * hr + h * r, into: ctx.pointer + row * d + h * dh,
                                                epsilon: eps)
                }
            }
        }
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }
}
