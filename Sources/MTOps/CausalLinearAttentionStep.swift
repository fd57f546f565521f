/// The recurrent (decoding) form of T2R causal self-attention (T2R.md §4), beside the parallel
/// form in CausalLinearAttention.swift, which it reproduces (the tests check it step by step).
///
/// Per row and head, update first, then read, because the token attends to itself (the
/// diagonal of the causal mask):
///   S += f^K_t ⊗ v_t,  z += f^K_t;   o_t = (f^Q_t)ᵀ S / max(⟨f^Q_t, z⟩, ε)
/// with the denominator accumulated in Double. The projections are GEMMs over all N rows at
/// once (the GEMM policy keeps small ones on one thread); the per-row update and read are split
/// across threads by row ranges with `Parallel.forRanges` when the work is large enough.
/// There is no attention dropout here (as in the reference's recurrent path), so the two forms
/// agree only with dropout off. Reordering the state for beam search is the caller's job.
extension CausalLinearAttention {
    /// Recurrent state of one layer: S [Ncap, H, R, Dh], z [Ncap, H, R] (fp32, own storage);
    /// a step uses rows 0..<N.
    public struct State: Sendable {
        public let s: Tensor  // [Ncap, H, R, Dh]
        public let z: Tensor  // [Ncap, H, R]
        public var rows: Int { s.shape[0] }

        /// A zero state (nothing seen yet).
        public init(rows: Int, heads: Int, features: Int, headDim: Int) {
            s = Tensor(zeros: [rows, heads, features, headDim])
            z = Tensor(zeros: [rows, heads, features])
        }
    }

    public func makeState(rows: Int) -> State {
        State(rows: rows, heads: heads, features: features, headDim: headDim)
    }

    /// φ folded into the q and k projections for decoding (T2R.md §2 "Inference fusion"):
    /// f^Q = ReLU(W_fq x + b_fq), f^K = ReLU(W_fk x + b_fk), so q and k are never built.
    /// Build after training (`fused(params:)`); rebuild whenever the weights change. Only a
    /// learned φ folds (nil for ELU and RFA, whose steps go through q, k and φ).
    public struct Fused: Sendable {
        public let query: FeatureMap.Fused  // [H·R, D], [H·R]
        public let key: FeatureMap.Fused    // [H·R, D], [H·R]
    }

    public func fused(params: ParameterStore) -> Fused? {
        guard phi.isFusable else { return nil }
        return Fused(query: phi.fused(with: q, scale: 1 / Float(headDim).squareRoot(), params: params),
              key: phi.fused(with: k, scale: 1, params: params))
    }

    /// One step: x [N, D] (one position per row) → y [N, D]; updates rows 0..<N of the state in
    /// place. With `fused`, f^Q and f^K come straight from x through the folded maps (same
    /// result up to rounding); without it, through q, k and φ as in the parallel form (a random φ
    /// with its evaluation Ω).
    public func step(_ x: Tensor, state: State, fused: Fused?, params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        precondition(d == dim && n <= state.rows, "CausalLinearAttention.step: x \(x.shape), state rows \(state.rows)")
        let hN = heads, dh = headDim, r = features, hr = hN * r, eps = Double(epsilon)
        let vt = arena.tensor([n, d])
        v.forward(x, into: vt, params: params)
        let fq = arena.tensor([n, hr]), fk = arena.tensor([n, hr])
        if let f = fused {
            f.query.apply(x.pointer, rows: n, into: fq.pointer)
            f.key.apply(x.pointer, rows: n, into: fk.pointer)
        } else {
            let qt = arena.tensor([n, d]), kt = arena.tensor([n, d])
            q.forward(x, into: qt, params: params)
            k.forward(x, into: kt, params: params)
            phi.forward(qt.pointer, ldu: d, rows: n, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                        into: fq.pointer, params: params)
            phi.forward(kt.pointer, ldu: d, rows: n, scale: 1, zeroRows: nil, into: fk.pointer, params: params)
        }
        let ctx = arena.tensor([n, d])
        let s = state.s, z = state.z
        Parallel.forRanges(n, work: n * hr * dh * 2) { range in
            for row in range {
                for h in 0..<hN {
                    // S_h += φ(k)ᵀ v, z_h += φ(k); o = φ(q) S_h / (φ(q) · z_h): CKernels, AVX-512
                    // or AVX where the CPU has it, the same bits as the scalar loop.
                    Kernels.linearAttentionStep(features: r, headDim: dh, state: s.pointer + (row * hN + h) * r * dh,
                                                normaliser: z.pointer + (row * hN + h) * r,
                                                phiKey: fk.pointer + row * hr + h * r, phiQuery: fq.pointer + row * hr + h * r,
                                                value: vt.pointer + row * d + h * dh, into: ctx.pointer + row * d + h * dh,
                                                epsilon: eps)
                }
            }
        }
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }
}
