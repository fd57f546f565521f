/// T2R causal self-attention (T2R.md §3–§4): linear attention with a learned feature map φ,
/// trained in the masked quadratic form and decoded as an RNN.
///
/// Parameters under `prefix` (e.g. `decoder.layers.0.self_attn`): `q_proj`, `k_proj`, `v_proj`,
/// `out_proj` (`.weight` [D, D], `.bias` [D]) and, for the learned φ, `phi.weight` [H·R, Dh],
/// `phi.bias` [H·R]. φ may also be the parameter-free ELU or RFA map (`FeatureMap.Family`); R is
/// then φ's own feature size (Dh, or 2k). A random φ uses its training Ω draw when `training`.
///
/// Parallel (training) form, for sentence b and head h:
///   F^Q = φ(Q/√Dh), F^K = φ(K) with F^K rows of padded keys set to 0      [T, R]
///   A_ts = ⟨F^Q_t, F^K_s⟩ · 1[s ≤ t]                                        [T, T]
///   δ_t = max(Σ_s A_ts, ε), ε = 0.01 (sum accumulated in Double)
///   W_ts = A_ts / δ_t;  C = (W ⊙ M) V  with M the optional attention-dropout mask, applied to
///   the normalised weights as the reference's quadratic path does (T2R.md §3, §7.5). The
///   recurrent form has no dropout, so it equals the parallel form only with dropout off.
///   y = C Woᵀ + bo
/// Recurrent form (per row and head, update first, then read), in CausalLinearAttentionStep.swift:
///   S += f^K_t ⊗ v_t, z += f^K_t;  o_t = (f^Q_t)ᵀ S / max(⟨f^Q_t, z⟩, ε)
public struct CausalLinearAttention: Sendable {
    public let dim: Int
    public let heads: Int
    public let headDim: Int
    public let features: Int
    public let q: Linear, k: Linear, v: Linear, out: Linear
    public let phi: FeatureMap
    public let attentionDropout: Float
    public let epsilon: Float

    public init(dim: Int, heads: Int, features: Int, q: Linear, k: Linear, v: Linear, out: Linear, phi: FeatureMap,
                attentionDropout: Float = 0, epsilon: Float = t2rEpsilon) {
        precondition(heads > 0 && dim % heads == 0, "CausalLinearAttention: D \(dim) not divisible by H \(heads)")
        precondition(attentionDropout >= 0 && attentionDropout < 1, "CausalLinearAttention: dropout \(attentionDropout)")
        self.dim = dim
        self.heads = heads
        self.headDim = dim / heads
        self.features = features
        self.q = q; self.k = k; self.v = v; self.out = out
        self.phi = phi
        self.attentionDropout = attentionDropout
        self.epsilon = epsilon
    }

    /// Declares q/k/v/out projections (the softmax attention's names, so a softmax checkpoint
    /// loads into them) and `<prefix>.phi.*`.
    public static func declare(_ layout: inout ParameterLayout, prefix: String, dim: Int, heads: Int, features: Int,
                               featureMap family: FeatureMap.Family = .learned,
                               attentionDropout: Float = 0) -> CausalLinearAttention {
        func lin(_ name: String) -> Linear {
            Linear.declare(&layout, prefix: "\(prefix).\(name)", inFeatures: dim, outFeatures: dim)
        }
        let q = lin("q_proj"), k = lin("k_proj"), v = lin("v_proj"), o = lin("out_proj")
        let phi = FeatureMap.declare(&layout, prefix: prefix, heads: heads, headDim: dim / heads, features: features,
                                     family: family)
        return CausalLinearAttention(dim: dim, heads: heads, features: phi.features, q: q, k: k, v: v, out: o, phi: phi,
                                     attentionDropout: attentionDropout)
    }

    /// Projections as fairseq's MultiheadAttention; φ fresh (U(−1/√Dh, 1/√Dh)).
    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        let g = 1 / Float(2).squareRoot()
        q.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        k.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        v.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        out.initialize(params, rng: &rng, weight: .xavierUniform(gain: 1), zeroBias: true)
        phi.initialize(params, rng: &rng)
    }

    public struct Cache: Sendable {
        public let batch: Int, length: Int
        public let x: Tensor          // [B, T, D]
        public let q: Tensor, k: Tensor, v: Tensor  // [B, T, D]
        public let fq: Tensor         // [B, T, H·R] φ(q/√Dh)
        public let fk: Tensor         // [B, T, H·R] φ(k), padded rows 0
        public let weights: Tensor    // [B, H, T, T] W = A/δ (0 above the diagonal)
        public let dropMask: Tensor?  // [B, H, T, T]
        public let dropped: Tensor    // [B, H, T, T] W ⊙ M (weights itself without dropout)
        public let rowSum: Tensor     // [B, H, T] Σ_s A_ts before the floor
        public let context: Tensor    // [B, T, D]
        public let y: Tensor          // [B, T, D]
        /// The forward's mode (which Ω a random φ used).
        public let training: Bool

        /// Fraction of (sentence, head, position) rows whose denominator was floored at ε
        /// (T2R.md §7.3: worth logging; dead features make whole heads output 0).
        public func flooredFraction(epsilon: Float = t2rEpsilon) -> Double {
            let p = rowSum.pointer
            var n = 0
            for i in 0..<rowSum.count where p[i] < epsilon { n += 1 }
            return rowSum.count == 0 ? 0 : Double(n) / Double(rowSum.count)
        }
    }

    /// Parallel form. x [B, T, D]; keyPadding [B, T] marks padded target positions.
    public func forward(_ x: Tensor, keyPadding: PaddingMask?, training: Bool, rng: inout RNG,
                        params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.causalLinearAttentionForward); defer { OpProfile.end(profiled) }
        precondition(x.rank == 3 && x.shape[2] == dim, "CausalLinearAttention: x \(x.shape), D \(dim)")
        let bsz = x.shape[0], tl = x.shape[1], d = dim, hN = heads, dh = headDim, r = features, hr = heads * features
        if let m = keyPadding { precondition(m.batch == bsz && m.length == tl, "CausalLinearAttention: mask [\(m.batch), \(m.length)]") }
        let qt = arena.tensor([bsz, tl, d]), kt = arena.tensor([bsz, tl, d]), vt = arena.tensor([bsz, tl, d])
        q.forward(x, into: qt, params: params)
        k.forward(x, into: kt, params: params)
        v.forward(x, into: vt, params: params)
        let fq = arena.tensor([bsz, tl, hr]), fk = arena.tensor([bsz, tl, hr])
        phi.forward(qt.pointer, ldu: d, rows: bsz * tl, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                    training: training, into: fq.pointer, params: params)
        phi.forward(kt.pointer, ldu: d, rows: bsz * tl, scale: 1, zeroRows: keyPadding?.isPad,
                    training: training, into: fk.pointer, params: params)

        let w = arena.tensor([bsz, hN, tl, tl]), rowSum = arena.tensor([bsz, hN, tl])
        let p = training ? attentionDropout : 0
        var dropMaskV: Tensor? = nil
        var droppedV = w
        if p > 0 {
            let m = arena.tensor([bsz, hN, tl, tl])
            DropoutMask.fill(m, rows: bsz * hN * tl, cols: tl, probability: p, seed: rng.next())
            dropMaskV = m
            droppedV = arena.tensor([bsz, hN, tl, tl])
        }
        let dropMask = dropMaskV, dropped = droppedV
        let ctx = arena.tensor([bsz, tl, d])
        let eps = epsilon
        let work = bsz * hN * tl * tl * (2 * r + 2 * dh + 8)
        OpLoop.items(bsz * hN, work: work, inner: [(tl, tl, r), (tl, dh, tl)]) { bh in
            let b = bh / hN, h = bh % hN
            let a = w.pointer + bh * tl * tl
            // A [T, T] = F^Q_bh [T, R] · F^K_bhᵀ [R, T]
            GEMM.sgemm(.none, .transposed, m: tl, n: tl, k: r,
                       a: fq.pointer + b * tl * hr + h * r, lda: hr,
                       b: fk.pointer + b * tl * hr + h * r, ldb: hr, c: a, ldc: tl)
            for t in 0..<tl {
                let row = a + t * tl
                if t + 1 < tl { (row + t + 1).update(repeating: 0, count: tl - t - 1) }
                var s = 0.0
                for j in 0...t { s += Double(row[j]) }
                rowSum.pointer[bh * tl + t] = Float(s)
                let inv = Float(1 / Swift.max(s, Double(eps)))
                for j in 0...t { row[j] *= inv }
            }
            if let m = dropMask {
                let mp = m.pointer + bh * tl * tl, dp = dropped.pointer + bh * tl * tl
                for i in 0..<(tl * tl) { dp[i] = a[i] * mp[i] }
            }
            // C_bh [T, Dh] = W̃ [T, T] · V_bh [T, Dh]
            GEMM.sgemm(.none, .none, m: tl, n: dh, k: tl, a: dropped.pointer + bh * tl * tl, lda: tl,
                       b: vt.pointer + b * tl * d + h * dh, ldb: d,
                       c: ctx.pointer + b * tl * d + h * dh, ldc: d)
        }
        let y = arena.tensor([bsz, tl, d])
        out.forward(ctx, into: y, params: params)
        return Cache(batch: bsz, length: tl, x: x, q: qt, k: kt, v: vt, fq: fq, fk: fk, weights: w,
                     dropMask: dropMask, dropped: dropped, rowSum: rowSum, context: ctx, y: y, training: training)
    }

    /// Adds into every parameter gradient (projections and φ) and into dx [B, T, D].
    ///
    /// With W_ts = A_ts/δ_t: if Σ_s A_ts ≥ ε, dA_ts = (dW_ts − Σ_s' dW_ts' W_ts') / δ_t;
    /// if the floor is active, δ_t = ε is constant and dA_ts = dW_ts / ε. Above the diagonal dA = 0.
    /// Then dF^Q = dA F^K, dF^K = dAᵀ F^Q, and φ's backward takes them to q, k, W, b.
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        let profiled = OpProfile.begin(.causalLinearAttentionBackward); defer { OpProfile.end(profiled) }
        let bsz = c.batch, tl = c.length, d = dim, hN = heads, dh = headDim, r = features, hr = heads * features
        precondition(dy.count == bsz * tl * d && dx.count == bsz * tl * d, "CausalLinearAttention.backward: dy \(dy.shape), dx \(dx.shape)")
        let dctx = arena.tensor([bsz, tl, d])
        out.backward(x: c.context, dy: dy, dx: dctx, params: params, overwritingDX: true)
        let dv = arena.tensor([bsz, tl, d])
        let dfq = arena.tensor([bsz, tl, hr]), dfk = arena.tensor([bsz, tl, hr])
        let scratch = arena.tensor([bsz * hN, tl, tl])  // one [T, T] block per item
        let eps = epsilon
        let work = bsz * hN * tl * tl * (4 * r + 4 * dh + 8)
        OpLoop.items(bsz * hN, work: work, inner: [(tl, tl, dh), (tl, dh, tl), (tl, r, tl)]) { bh in
            let b = bh / hN, h = bh % hN
            let g = scratch.pointer + bh * tl * tl
            let wp = c.weights.pointer + bh * tl * tl
            let dctxBH = dctx.pointer + b * tl * d + h * dh
            // dW̃ [T, T] = dC_bh · V_bhᵀ ;  dV_bh [T, Dh] = W̃ᵀ · dC_bh
            GEMM.sgemm(.none, .transposed, m: tl, n: tl, k: dh, a: dctxBH, lda: d,
                       b: c.v.pointer + b * tl * d + h * dh, ldb: d, c: g, ldc: tl)
            GEMM.sgemm(.transposed, .none, m: tl, n: dh, k: tl, a: c.dropped.pointer + bh * tl * tl, lda: tl,
                       b: dctxBH, ldb: d, c: dv.pointer + b * tl * d + h * dh, ldc: d)
            if let m = c.dropMask {
                let mp = m.pointer + bh * tl * tl
                for i in 0..<(tl * tl) { g[i] *= mp[i] }
            }
            for t in 0..<tl {
                let gr = g + t * tl, wr = wp + t * tl
                let sum = c.rowSum.pointer[bh * tl + t]
                if sum >= eps {
                    var dot: Float = 0
                    for j in 0...t { dot += gr[j] * wr[j] }
                    let inv = 1 / sum
                    for j in 0...t { gr[j] = (gr[j] - dot) * inv }
                } else {
                    let inv = 1 / eps
                    for j in 0...t { gr[j] *= inv }
                }
                if t + 1 < tl { (gr + t + 1).update(repeating: 0, count: tl - t - 1) }
            }
            // dF^Q_bh [T, R] = dA · F^K_bh ;  dF^K_bh [T, R] = dAᵀ · F^Q_bh
            GEMM.sgemm(.none, .none, m: tl, n: r, k: tl, a: g, lda: tl,
                       b: c.fk.pointer + b * tl * hr + h * r, ldb: hr,
                       c: dfq.pointer + b * tl * hr + h * r, ldc: hr)
            GEMM.sgemm(.transposed, .none, m: tl, n: r, k: tl, a: g, lda: tl,
                       b: c.fq.pointer + b * tl * hr + h * r, ldb: hr,
                       c: dfk.pointer + b * tl * hr + h * r, ldc: hr)
        }
        let dq = arena.tensor([bsz, tl, d], zeroed: true), dk = arena.tensor([bsz, tl, d], zeroed: true)
        let n = bsz * tl
        phi.backward(u: c.q.pointer, ldu: d, rows: n, scale: 1 / Float(dh).squareRoot(), f: c.fq.pointer,
                     df: dfq.pointer, du: dq.pointer, lddu: d, training: c.training, params: params)
        phi.backward(u: c.k.pointer, ldu: d, rows: n, scale: 1, f: c.fk.pointer,
                     df: dfk.pointer, du: dk.pointer, lddu: d, training: c.training, params: params)
        q.backward(x: c.x, dy: dq, dx: dx, params: params)
        k.backward(x: c.x, dy: dk, dx: dx, params: params)
        v.backward(x: c.x, dy: dv, dx: dx, params: params)
    }
}
