/// T2R cross-attention (T2R.md §3 "Cross-attention", §4): the encoder side is summarised once
/// per source sentence into a state, and every target position reads it.
///
/// Parameters under `prefix` (e.g. `decoder.layers.0.encoder_attn`): `q_proj`, `k_proj`, `v_proj`,
/// `out_proj` and its own φ (learned: `phi.weight` [H·R, Dh], `phi.bias` [H·R]; or the
/// parameter-free ELU or RFA map, `FeatureMap.Family`, with R = Dh or 2k).
///
///   F^K = φ(K), K = h Wkᵀ + bk, V = h Wvᵀ + bv, with F^K rows of padded source positions set to 0
///   S_x[b, h] = Σ_s F^K_s ⊗ v_s   [R, Dh]        z_x[b, h] = Σ_s F^K_s   [R]
///   o_t = (F^Q_t)ᵀ S_x / max(|⟨F^Q_t, z_x⟩|, ε),  F^Q = φ(Q/√Dh)
///   y = O Woᵀ + bo
/// The same formula serves training (all T positions at once, here) and decoding (one row at a
/// time, row n reading sentence n / beam: CrossLinearAttentionStep.swift). No attention dropout
/// (the reference has none here).
public struct CrossLinearAttention: Sendable {
    public let dim: Int
    public let heads: Int
    public let headDim: Int
    public let features: Int
    public let q: Linear, k: Linear, v: Linear, out: Linear
    public let phi: FeatureMap
    public let epsilon: Float

    public init(dim: Int, heads: Int, features: Int, q: Linear, k: Linear, v: Linear, out: Linear, phi: FeatureMap,
                epsilon: Float = t2rEpsilon) {
        precondition(heads > 0 && dim % heads == 0, "CrossLinearAttention: D \(dim) not divisible by H \(heads)")
        self.dim = dim
        self.heads = heads
        self.headDim = dim / heads
        self.features = features
        self.q = q; self.k = k; self.v = v; self.out = out
        self.phi = phi
        self.epsilon = epsilon
    }

    public static func declare(_ layout: inout ParameterLayout, prefix: String, dim: Int, heads: Int,
                               features: Int, featureMap family: FeatureMap.Family = .learned) -> CrossLinearAttention {
        func lin(_ name: String) -> Linear {
            Linear.declare(&layout, prefix: "\(prefix).\(name)", inFeatures: dim, outFeatures: dim)
        }
        let q = lin("q_proj"), k = lin("k_proj"), v = lin("v_proj"), o = lin("out_proj")
        let phi = FeatureMap.declare(&layout, prefix: prefix, heads: heads, headDim: dim / heads, features: features,
                                     family: family)
        return CrossLinearAttention(dim: dim, heads: heads, features: phi.features, q: q, k: k, v: v, out: o, phi: phi)
    }

    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        let g = 1 / Float(2).squareRoot()
        q.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        k.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        v.initialize(params, rng: &rng, weight: .xavierUniform(gain: g))
        out.initialize(params, rng: &rng, weight: .xavierUniform(gain: 1), zeroBias: true)
        phi.initialize(params, rng: &rng)
    }

    /// Per-sentence cross state: S_x [B, H, R, Dh], z_x [B, H, R].
    public struct State: Sendable {
        public let s: Tensor  // [B, H, R, Dh]
        public let z: Tensor  // [B, H, R]
        public var sentences: Int { s.shape[0] }
    }

    public struct Cache: Sendable {
        public let batch: Int, length: Int, sourceLength: Int
        public let x: Tensor        // [B, T, D]
        public let memory: Tensor   // [B, S, D] encoder output
        public let q: Tensor        // [B, T, D]
        public let k: Tensor, v: Tensor  // [B, S, D]
        public let fq: Tensor       // [B, T, H·R]
        public let fk: Tensor       // [B, S, H·R] padded rows 0
        public let state: State     // S_x [B, H, R, Dh], z_x [B, H, R] (arena)
        public let dot: Tensor      // [B, T, H] ⟨F^Q_t, z_x⟩ before |·| and the floor
        public let context: Tensor  // [B, T, D]
        public let y: Tensor        // [B, T, D]
        /// The forward's mode (which Ω a random φ used).
        public let training: Bool

        /// Fraction of (target position, head) rows whose denominator |⟨F^Q, z_x⟩| was floored at ε.
        public func flooredFraction(epsilon: Float = t2rEpsilon) -> Double {
            let p = dot.pointer
            var n = 0
            for i in 0..<dot.count where Swift.abs(p[i]) < epsilon { n += 1 }
            return dot.count == 0 ? 0 : Double(n) / Double(dot.count)
        }
    }

    /// Builds S_x, z_x from k, v [B, S, D] and F^K [B, S, H·R] into s, z.
    func accumulateState(fk: UnsafePointer<Float>, v: UnsafePointer<Float>, batch bsz: Int, sourceLength sl: Int,
                         s: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>) {
        let d = dim, dh = headDim, r = features, hr = heads * features
        for bh in 0..<(bsz * heads) {
            let b = bh / heads, h = bh % heads
            let fkBH = fk + b * sl * hr + h * r
            // S_x[b, h] [R, Dh] = F^K_bhᵀ [R, S] · V_bh [S, Dh]
            GEMM.sgemm(.transposed, .none, m: r, n: dh, k: sl, a: fkBH, lda: hr,
                       b: v + b * sl * d + h * dh, ldb: d, c: s + bh * r * dh, ldc: dh)
            let zr = z + bh * r
            for j in 0..<r {
                var acc = 0.0
                for t in 0..<sl { acc += Double(fkBH[t * hr + j]) }
                zr[j] = Float(acc)
            }
        }
    }

    /// Training form. x [B, T, D] decoder side; memory [B, S, D] encoder output; padding [B, S].
    /// `training` only selects a random φ's Ω (there is no dropout here).
    public func forward(_ x: Tensor, memory: Tensor, padding: PaddingMask?, training: Bool = false,
                        params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.crossLinearAttentionForward); defer { OpProfile.end(profiled) }
        precondition(x.rank == 3 && x.shape[2] == dim, "CrossLinearAttention: x \(x.shape)")
        precondition(memory.rank == 3 && memory.shape[0] == x.shape[0] && memory.shape[2] == dim,
                     "CrossLinearAttention: memory \(memory.shape)")
        let bsz = x.shape[0], tl = x.shape[1], sl = memory.shape[1]
        let d = dim, hN = heads, dh = headDim, r = features, hr = heads * features
        if let m = padding { precondition(m.batch == bsz && m.length == sl, "CrossLinearAttention: mask [\(m.batch), \(m.length)]") }
        let qt = arena.tensor([bsz, tl, d]), kt = arena.tensor([bsz, sl, d]), vt = arena.tensor([bsz, sl, d])
        q.forward(x, into: qt, params: params)
        k.forward(memory, into: kt, params: params)
        v.forward(memory, into: vt, params: params)
        let fq = arena.tensor([bsz, tl, hr]), fk = arena.tensor([bsz, sl, hr])
        phi.forward(qt.pointer, ldu: d, rows: bsz * tl, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                    training: training, into: fq.pointer, params: params)
        phi.forward(kt.pointer, ldu: d, rows: bsz * sl, scale: 1, zeroRows: padding?.isPad, training: training,
                    into: fk.pointer, params: params)
        let st = State(s: arena.tensor([bsz, hN, r, dh]), z: arena.tensor([bsz, hN, r]))
        accumulateState(fk: fk.pointer, v: vt.pointer, batch: bsz, sourceLength: sl, s: st.s.pointer, z: st.z.pointer)
        let ctx = arena.tensor([bsz, tl, d]), dot = arena.tensor([bsz, tl, hN])
        read(fq: fq.pointer, rows: bsz * tl, sentenceOf: { $0 / tl }, state: st, into: ctx.pointer, dot: dot.pointer)
        let y = arena.tensor([bsz, tl, d])
        out.forward(ctx, into: y, params: params)
        return Cache(batch: bsz, length: tl, sourceLength: sl, x: x, memory: memory, q: qt, k: kt, v: vt,
                     fq: fq, fk: fk, state: st, dot: dot, context: ctx, y: y, training: training)
    }

    /// ctx[n, h] = F^Q_nh S_x[j, h] / max(|⟨F^Q_nh, z_x[j, h]⟩|, ε) with j = sentenceOf(n).
    /// Rows of one sentence are contiguous, so each (sentence, head) is one GEMM over its rows.
    func read(fq: UnsafePointer<Float>, rows n: Int, sentenceOf: (Int) -> Int, state: State,
              into ctx: UnsafeMutablePointer<Float>, dot: UnsafeMutablePointer<Float>?) {
        let d = dim, dh = headDim, r = features, hr = heads * features, hN = heads
        let sp = state.s.pointer, zp = state.z.pointer
        var start = 0
        while start < n {
            let j = sentenceOf(start)
            var end = start + 1
            while end < n && sentenceOf(end) == j { end += 1 }
            for h in 0..<hN {
                // O [rows, Dh] = F^Q [rows, R] · S_x[j, h] [R, Dh]
                GEMM.sgemm(.none, .none, m: end - start, n: dh, k: r, a: fq + start * hr + h * r, lda: hr,
                           b: sp + (j * hN + h) * r * dh, ldb: dh, c: ctx + start * d + h * dh, ldc: d)
                let z = zp + (j * hN + h) * r
                for row in start..<end {
                    let f = fq + row * hr + h * r
                    var acc = 0.0
                    for i in 0..<r { acc += Double(f[i]) * Double(z[i]) }
                    dot?[row * hN + h] = Float(acc)
                    let inv = Float(1 / Swift.max(Swift.abs(acc), Double(epsilon)))
                    let o = ctx + row * d + h * dh
                    for i in 0..<dh { o[i] *= inv }
                }
            }
            start = end
        }
    }

    /// Adds into every parameter gradient, into dx [B, T, D] and (if given) dMemory [B, S, D].
    ///
    /// With δ_t = max(|d_t|, ε), d_t = ⟨F^Q_t, z⟩, o_t = F^Q_t S / δ_t and G_t = do_t / δ_t:
    ///   dS += F^Qᵀ G,  dF^Q_t = G_t Sᵀ + c_t z,  c_t = −sign(d_t)·⟨do_t, o_t⟩/δ_t (0 if floored),
    ///   dz += Σ_t c_t F^Q_t,  dF^K_s = V_s dSᵀ + dz,  dV += F^K dS.
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, dMemory: Tensor?, params: ParameterStore, arena: Arena) {
        let profiled = OpProfile.begin(.crossLinearAttentionBackward); defer { OpProfile.end(profiled) }
        let bsz = c.batch, tl = c.length, sl = c.sourceLength
        let d = dim, hN = heads, dh = headDim, r = features, hr = heads * features
        precondition(dy.count == bsz * tl * d && dx.count == bsz * tl * d, "CrossLinearAttention.backward: dy \(dy.shape), dx \(dx.shape)")
        if let dm = dMemory { precondition(dm.count == bsz * sl * d, "CrossLinearAttention.backward: dMemory \(dm.shape)") }
        let dctx = arena.tensor([bsz, tl, d])
        out.backward(x: c.context, dy: dy, dx: dctx, params: params, overwritingDX: true)
        // G = dctx / δ (in place) and c_t [B, T, H]
        let coef = arena.tensor([bsz, tl, hN])
        let eps = epsilon
        for row in 0..<(bsz * tl) {
            for h in 0..<hN {
                let dd = c.dot.pointer[row * hN + h]
                let floored = Swift.abs(dd) < eps
                let den = floored ? eps : Swift.abs(dd)
                let g = dctx.pointer + row * d + h * dh, o = c.context.pointer + row * d + h * dh
                var acc: Float = 0
                for i in 0..<dh { acc += g[i] * o[i] }
                coef.pointer[row * hN + h] = floored ? 0 : -(dd < 0 ? -1 : 1) * acc / den
                let inv = 1 / den
                for i in 0..<dh { g[i] *= inv }
            }
        }
        let dS = arena.tensor([bsz, hN, r, dh]), dz = arena.tensor([bsz, hN, r])
        let dfq = arena.tensor([bsz, tl, hr]), dfk = arena.tensor([bsz, sl, hr])
        let dv = arena.tensor([bsz, sl, d])
        let work = bsz * hN * r * dh * 4 * (tl + sl)
        OpLoop.items(bsz * hN, work: work, inner: [(r, dh, tl), (tl, r, dh), (sl, r, dh), (sl, dh, r)]) { bh in
            let b = bh / hN, h = bh % hN
            let fqBH = c.fq.pointer + b * tl * hr + h * r, gBH = dctx.pointer + b * tl * d + h * dh
            let dSbh = dS.pointer + bh * r * dh, dzbh = dz.pointer + bh * r
            let sBH = c.state.s.pointer + bh * r * dh, zBH = c.state.z.pointer + bh * r
            // dS_bh [R, Dh] = F^Q_bhᵀ [R, T] · G_bh [T, Dh]
            GEMM.sgemm(.transposed, .none, m: r, n: dh, k: tl, a: fqBH, lda: hr, b: gBH, ldb: d, c: dSbh, ldc: dh)
            // dF^Q_bh [T, R] = G_bh [T, Dh] · S_bhᵀ [Dh, R], then + c_t z
            let dfqBH = dfq.pointer + b * tl * hr + h * r
            GEMM.sgemm(.none, .transposed, m: tl, n: r, k: dh, a: gBH, lda: d, b: sBH, ldb: dh, c: dfqBH, ldc: hr)
            dzbh.update(repeating: 0, count: r)
            for t in 0..<tl {
                let ct = coef.pointer[(b * tl + t) * hN + h]
                if ct == 0 { continue }
                let f = fqBH + t * hr, df = dfqBH + t * hr
                for i in 0..<r { df[i] += ct * zBH[i]; dzbh[i] += ct * f[i] }
            }
            // dF^K_bh [S, R] = V_bh [S, Dh] · dS_bhᵀ [Dh, R], then + dz on every row
            let dfkBH = dfk.pointer + b * sl * hr + h * r
            GEMM.sgemm(.none, .transposed, m: sl, n: r, k: dh, a: c.v.pointer + b * sl * d + h * dh, lda: d,
                       b: dSbh, ldb: dh, c: dfkBH, ldc: hr)
            for s in 0..<sl {
                let df = dfkBH + s * hr
                for i in 0..<r { df[i] += dzbh[i] }
            }
            // dV_bh [S, Dh] = F^K_bh [S, R] · dS_bh [R, Dh]
            GEMM.sgemm(.none, .none, m: sl, n: dh, k: r, a: c.fk.pointer + b * sl * hr + h * r, lda: hr,
                       b: dSbh, ldb: dh, c: dv.pointer + b * sl * d + h * dh, ldc: d)
        }
        let dq = arena.tensor([bsz, tl, d], zeroed: true), dk = arena.tensor([bsz, sl, d], zeroed: true)
        phi.backward(u: c.q.pointer, ldu: d, rows: bsz * tl, scale: 1 / Float(dh).squareRoot(), f: c.fq.pointer,
                     df: dfq.pointer, du: dq.pointer, lddu: d, training: c.training, params: params)
        phi.backward(u: c.k.pointer, ldu: d, rows: bsz * sl, scale: 1, f: c.fk.pointer,
                     df: dfk.pointer, du: dk.pointer, lddu: d, training: c.training, params: params)
        q.backward(x: c.x, dy: dq, dx: dx, params: params)
        k.backward(x: c.memory, dy: dk, dx: dMemory, params: params)
        v.backward(x: c.memory, dy: dv, dx: dMemory, params: params)
    }
}
