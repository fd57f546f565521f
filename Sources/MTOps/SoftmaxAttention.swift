/// Multi-head scaled dot-product attention (fairseq's MultiheadAttention), training form.
///
/// Parameters under `prefix` (e.g. `encoder.layers.0.self_attn`, `decoder.layers.0.encoder_attn`):
/// `q_proj`, `k_proj`, `v_proj`, `out_proj` (`.weight` [D, D], `.bias` [D]).
///
/// For sentence b and head h (head h owns columns [h·Dh, (h+1)·Dh)):
///   Q = x Wqᵀ + bq [B, T, D],  K = m Wkᵀ + bk, V = m Wvᵀ + bv [B, S, D]   (m = x for self-attention)
///   P_bh = softmax(Q_bh K_bhᵀ / √Dh + mask)        [T, S]; masked entries (key padding,
///                                                   and s > t when causal) get −∞, i.e. P = 0
///   C_bh = (P_bh ⊙ M_bh) V_bh                       [T, Dh], M = attention-dropout mask
///   y = C Woᵀ + bo                                  [B, T, D]
/// A query row whose keys are all masked gets P = 0 (zeros, not NaN as in PyTorch).
public struct SoftmaxAttention: Sendable {
    public let dim: Int
    public let heads: Int
    public let headDim: Int
    public let q: Linear, k: Linear, v: Linear, out: Linear
    /// Dropout on the attention probabilities (fairseq's `attention_dropout`).
    public let attentionDropout: Float

    public init(dim: Int, heads: Int, q: Linear, k: Linear, v: Linear, out: Linear, attentionDropout: Float = 0) {
        precondition(heads > 0 && dim % heads == 0, "SoftmaxAttention: D \(dim) not divisible by H \(heads)")
        precondition(attentionDropout >= 0 && attentionDropout < 1, "SoftmaxAttention: dropout \(attentionDropout)")
        self.dim = dim
        self.heads = heads
        self.headDim = dim / heads
        self.q = q; self.k = k; self.v = v; self.out = out
        self.attentionDropout = attentionDropout
    }

    public static func declare(_ layout: inout ParameterLayout, prefix: String, dim: Int, heads: Int,
                               attentionDropout: Float = 0) -> SoftmaxAttention {
        func lin(_ name: String) -> Linear {
            Linear.declare(&layout, prefix: "\(prefix).\(name)", inFeatures: dim, outFeatures: dim)
        }
        let q = lin("q_proj"), k = lin("k_proj"), v = lin("v_proj"), o = lin("out_proj")
        return SoftmaxAttention(dim: dim, heads: heads, q: q, k: k, v: v, out: o, attentionDropout: attentionDropout)
    }

    /// fairseq's MultiheadAttention.reset_parameters: q/k/v Xavier-uniform with gain 1/√2 and
    /// PyTorch-default biases; out_proj Xavier-uniform, zero bias.
    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        let g = 1 / Float(2).squareRoot()
        q.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        k.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        v.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        out.initialize(params, rng: &rng, weight: .xavierUniform(gain: 1), zeroBias: true)
    }

    public struct Cache: Sendable {
        public let batch: Int, queryLength: Int, keyLength: Int
        public let isSelf: Bool
        public let x: Tensor          // [B, T, D] query input
        public let memory: Tensor     // [B, S, D] key/value input (x for self-attention)
        public let q: Tensor          // [B, T, D]
        public let k: Tensor          // [B, S, D]
        public let v: Tensor          // [B, S, D]
        public let probs: Tensor      // [B, H, T, S] softmax output, before dropout
        public let dropMask: Tensor?  // [B, H, T, S]
        public let dropped: Tensor    // [B, H, T, S] probs ⊙ dropMask (probs itself without dropout)
        public let context: Tensor    // [B, T, D] heads concatenated, input of out_proj
        public let y: Tensor          // [B, T, D]
    }

    /// x [B, T, D]; memory [B, S, D] or nil for self-attention; keyPadding [B, S] marks padded keys;
    /// causal masks s > t (self-attention only).
    public func forward(_ x: Tensor, memory: Tensor? = nil, keyPadding: PaddingMask?, causal: Bool,
                        training: Bool, rng: inout RNG, params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.softmaxAttentionForward); defer { OpProfile.end(profiled) }
        precondition(x.rank == 3 && x.shape[2] == dim, "SoftmaxAttention: x \(x.shape), D \(dim)")
        let mem = memory ?? x
        precondition(mem.rank == 3 && mem.shape[0] == x.shape[0] && mem.shape[2] == dim, "SoftmaxAttention: memory \(mem.shape)")
        let bsz = x.shape[0], tq = x.shape[1], sk = mem.shape[1]
        precondition(!causal || tq == sk, "SoftmaxAttention: causal needs T == S, got \(tq), \(sk)")
        if let m = keyPadding { precondition(m.batch == bsz && m.length == sk, "SoftmaxAttention: key mask [\(m.batch), \(m.length)] for [\(bsz), \(sk)]") }
        let d = dim, hN = heads, dh = headDim
        let qt = arena.tensor([bsz, tq, d]), kt = arena.tensor([bsz, sk, d]), vt = arena.tensor([bsz, sk, d])
        q.forward(x, into: qt, params: params)
        k.forward(mem, into: kt, params: params)
        v.forward(mem, into: vt, params: params)

        let probs = arena.tensor([bsz, hN, tq, sk])
        let p = training ? attentionDropout : 0
        var dropMaskV: Tensor? = nil
        var droppedV = probs
        if p > 0 {
            let m = arena.tensor([bsz, hN, tq, sk])
            DropoutMask.fill(m, rows: bsz * hN * tq, cols: sk, probability: p, seed: rng.next())
            dropMaskV = m
            droppedV = arena.tensor([bsz, hN, tq, sk])
        }
        let dropMask = dropMaskV, dropped = droppedV
        let ctx = arena.tensor([bsz, tq, d])
        let alpha = 1 / Float(dh).squareRoot()
        let pad = keyPadding?.isPad ?? []
        let work = bsz * hN * tq * sk * (4 * dh + 20)
        OpLoop.items(bsz * hN, work: work, inner: [(tq, sk, dh), (tq, dh, sk)]) { bh in
            let b = bh / hN, h = bh % hN
            let pr = probs.pointer + bh * tq * sk
            // scores [T, S] = α · Q_bh K_bhᵀ
            GEMM.sgemm(.none, .transposed, m: tq, n: sk, k: dh, alpha: alpha,
                       a: qt.pointer + b * tq * d + h * dh, lda: d,
                       b: kt.pointer + b * sk * d + h * dh, ldb: d, c: pr, ldc: sk)
            for t in 0..<tq {
                let row = pr + t * sk
                if !pad.isEmpty {
                    for s in 0..<sk where pad[b * sk + s] != 0 { row[s] = -.infinity }
                }
                if causal && t + 1 < sk { (row + t + 1).update(repeating: -.infinity, count: sk - t - 1) }
                Kernels.softmax(row, sk)
            }
            if let m = dropMask {
                let mp = m.pointer + bh * tq * sk, dp = dropped.pointer + bh * tq * sk
                for i in 0..<(tq * sk) { dp[i] = pr[i] * mp[i] }
            }
            // C_bh [T, Dh] = P̃_bh [T, S] · V_bh [S, Dh]
            GEMM.sgemm(.none, .none, m: tq, n: dh, k: sk,
                       a: dropped.pointer + bh * tq * sk, lda: sk,
                       b: vt.pointer + b * sk * d + h * dh, ldb: d,
                       c: ctx.pointer + b * tq * d + h * dh, ldc: d)
        }
        let y = arena.tensor([bsz, tq, d])
        out.forward(ctx, into: y, params: params)
        return Cache(batch: bsz, queryLength: tq, keyLength: sk, isSelf: memory == nil, x: x, memory: mem,
                     q: qt, k: kt, v: vt, probs: probs, dropMask: dropMask, dropped: dropped, context: ctx, y: y)
    }

    /// Adds into all projection gradients, into dx (query side; for self-attention also the key
    /// and value side) and, for cross-attention, into dMemory [B, S, D] (key and value side; pass
    /// nil to skip it, e.g. for a frozen encoder).
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, dMemory: Tensor?, params: ParameterStore, arena: Arena) {
        let profiled = OpProfile.begin(.softmaxAttentionBackward); defer { OpProfile.end(profiled) }
        let bsz = c.batch, tq = c.queryLength, sk = c.keyLength
        let d = dim, hN = heads, dh = headDim
        precondition(dy.count == bsz * tq * d && dx.count == bsz * tq * d, "SoftmaxAttention.backward: dy \(dy.shape), dx \(dx.shape)")
        let dctx = arena.tensor([bsz, tq, d])
        out.backward(x: c.context, dy: dy, dx: dctx, params: params, overwritingDX: true)
        let dq = arena.tensor([bsz, tq, d]), dk = arena.tensor([bsz, sk, d]), dv = arena.tensor([bsz, sk, d])
        let scratch = arena.tensor([bsz * hN, tq, sk])  // one [T, S] block per item
        let alpha = 1 / Float(dh).squareRoot()
        let work = bsz * hN * tq * sk * (8 * dh + 10)
        OpLoop.items(bsz * hN, work: work, inner: [(tq, sk, dh), (sk, dh, tq), (tq, dh, sk)]) { bh in
            let b = bh / hN, h = bh % hN
            let pr = c.probs.pointer + bh * tq * sk
            let dpr = c.dropped.pointer + bh * tq * sk
            let g = scratch.pointer + bh * tq * sk
            let dctxBH = dctx.pointer + b * tq * d + h * dh
            // dP̃ [T, S] = dC_bh · V_bhᵀ
            GEMM.sgemm(.none, .transposed, m: tq, n: sk, k: dh, a: dctxBH, lda: d,
                       b: c.v.pointer + b * sk * d + h * dh, ldb: d, c: g, ldc: sk)
            // dV_bh [S, Dh] = P̃ᵀ · dC_bh
            GEMM.sgemm(.transposed, .none, m: sk, n: dh, k: tq, a: dpr, lda: sk, b: dctxBH, ldb: d,
                       c: dv.pointer + b * sk * d + h * dh, ldc: d)
            if let m = c.dropMask {
                let mp = m.pointer + bh * tq * sk
                for i in 0..<(tq * sk) { g[i] *= mp[i] }
            }
            // softmax backward: dScore = P ⊙ (dP − Σ_s dP·P), then · α
            for t in 0..<tq {
                let gr = g + t * sk, prow = pr + t * sk
                var dot: Float = 0
                for s in 0..<sk { dot += gr[s] * prow[s] }
                for s in 0..<sk { gr[s] = alpha * prow[s] * (gr[s] - dot) }
            }
            // dQ_bh [T, Dh] = dScore · K_bh ; dK_bh [S, Dh] = dScoreᵀ · Q_bh
            GEMM.sgemm(.none, .none, m: tq, n: dh, k: sk, a: g, lda: sk,
                       b: c.k.pointer + b * sk * d + h * dh, ldb: d,
                       c: dq.pointer + b * tq * d + h * dh, ldc: d)
            GEMM.sgemm(.transposed, .none, m: sk, n: dh, k: tq, a: g, lda: sk,
                       b: c.q.pointer + b * tq * d + h * dh, ldb: d,
                       c: dk.pointer + b * sk * d + h * dh, ldc: d)
        }
        q.backward(x: c.x, dy: dq, dx: dx, params: params)
        let dm: Tensor? = c.isSelf ? dx : dMemory
        k.backward(x: c.memory, dy: dk, dx: dm, params: params)
        v.backward(x: c.memory, dy: dv, dx: dm, params: params)
    }
}
