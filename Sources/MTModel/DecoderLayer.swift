import MTOps

/// One Transformer decoder layer: causal self-attention, cross-attention over the encoder
/// output, ReLU FFN — each a residual sublayer with dropout, post-norm (fairseq's default) or
/// pre-norm. The two attentions are softmax or T2R (`DecoderSelfAttention`, `DecoderCrossAttention`).
/// fairseq names: `decoder.layers.i.{self_attn, self_attn_layer_norm, encoder_attn,
/// encoder_attn_layer_norm, fc1, fc2, final_layer_norm}`.
public struct DecoderLayer: Sendable {
    public let selfAttention: DecoderSelfAttention
    public let selfNorm: LayerNorm
    public let crossAttention: DecoderCrossAttention
    public let crossNorm: LayerNorm
    public let ffn: FeedForward
    public let ffnNorm: LayerNorm
    public let dropout: Dropout
    public let preNorm: Bool

    public static func declare(_ layout: inout ParameterLayout, prefix: String, config c: ModelConfig) -> DecoderLayer {
        DecoderLayer(
            selfAttention: DecoderSelfAttention.declare(&layout, prefix: "\(prefix).self_attn", config: c),
            selfNorm: LayerNorm.declare(&layout, prefix: "\(prefix).self_attn_layer_norm", dim: c.modelDim),
            crossAttention: DecoderCrossAttention.declare(&layout, prefix: "\(prefix).encoder_attn", config: c),
            crossNorm: LayerNorm.declare(&layout, prefix: "\(prefix).encoder_attn_layer_norm", dim: c.modelDim),
            ffn: FeedForward.declare(&layout, prefix: prefix, dim: c.modelDim, hidden: c.ffnDim,
                                     activationDropout: c.activationDropout, activation: c.ffnActivation.function),
            ffnNorm: LayerNorm.declare(&layout, prefix: "\(prefix).final_layer_norm", dim: c.modelDim),
            dropout: Dropout(c.dropout), preNorm: c.preNorm)
    }

    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        selfAttention.initialize(params, rng: &rng)
        selfNorm.initialize(params)
        crossAttention.initialize(params, rng: &rng)
        crossNorm.initialize(params)
        ffn.initialize(params, rng: &rng)
        ffnNorm.initialize(params)
    }

    /// One residual sublayer's record: the norm (before or after), the mixer output's dropout.
    struct Sublayer: Sendable {
        let norm: LayerNorm.Cache
        let drop: Dropout.Cache
    }

    public struct Cache: Sendable {
        let selfAttention: DecoderSelfAttention.Cache
        let cross: DecoderCrossAttention.Cache
        let ffn: FeedForward.Cache
        let sub: [Sublayer]  // self, cross, ffn
        public let y: Tensor  // [B, T, D]
    }

    /// x [B, T, D] (target prefix), memory [B, S, D] (encoder output) → y [B, T, D].
    public func forward(_ x: Tensor, targetPadding: PaddingMask?, memory: Tensor, memoryPadding: PaddingMask?,
                        training: Bool, rng: inout RNG, params: ParameterStore, arena: Arena) -> Cache {
        var sub: [Sublayer] = []
        sub.reserveCapacity(3)
        var h = x
        // Each sublayer: pre-norm  h ← h + drop(f(LN(h)));  post-norm  h ← LN(h + drop(f(h))).
        func run(_ norm: LayerNorm, _ f: (Tensor, inout RNG) -> Tensor) {
            if preNorm {
                let n = norm.forward(h, params: params, arena: arena)
                let d = dropout.forward(f(n.y, &rng), training: training, rng: &rng, arena: arena)
                h = Residual.add(h, d.y, arena: arena)
                sub.append(Sublayer(norm: n, drop: d))
            } else {
                let d = dropout.forward(f(h, &rng), training: training, rng: &rng, arena: arena)
                let n = norm.forward(Residual.add(h, d.y, arena: arena), params: params, arena: arena)
                h = n.y
                sub.append(Sublayer(norm: n, drop: d))
            }
        }
        var sc: DecoderSelfAttention.Cache?
        var cc: DecoderCrossAttention.Cache?
        var fc: FeedForward.Cache?
        run(selfNorm) { u, g in
            let (c, y) = selfAttention.forward(u, padding: targetPadding, training: training, rng: &g, params: params, arena: arena)
            sc = c
            return y
        }
        run(crossNorm) { u, g in
            let (c, y) = crossAttention.forward(u, memory: memory, memoryPadding: memoryPadding, training: training,
                                                rng: &g, params: params, arena: arena)
            cc = c
            return y
        }
        run(ffnNorm) { u, g in
            let c = ffn.forward(u, training: training, rng: &g, params: params, arena: arena)
            fc = c
            return c.y
        }
        return Cache(selfAttention: sc!, cross: cc!, ffn: fc!, sub: sub, y: h)
    }

    /// Adds into every parameter gradient, into dx [B, T, D] and into dMemory [B, S, D].
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, dMemory: Tensor, params: ParameterStore, arena: Arena) {
        let shape = dy.shape
        var g = dy  // gradient at the current sublayer's output
        // Sublayers in reverse: ffn, cross, self. `f` backpropagates the mixer from its output
        // gradient into the gradient of its input.
        func back(_ i: Int, _ norm: LayerNorm, isFirst: Bool, _ f: (_ dOut: Tensor, _ dIn: Tensor) -> Void) {
            let s = c.sub[i]
            let dIn = isFirst ? dx : arena.tensor(shape, zeroed: true)
            if preNorm {
                Residual.accumulate(dIn, g)  // residual path
                let dMix = arena.tensor(shape, zeroed: true)
                dropout.backward(s.drop, dy: g, dx: dMix)
                let dn = arena.tensor(shape, zeroed: true)
                f(dMix, dn)
                norm.backward(s.norm, dy: dn, dx: dIn, params: params, arena: arena)
            } else {
                let dr = arena.tensor(shape, zeroed: true)
                norm.backward(s.norm, dy: g, dx: dr, params: params, arena: arena)
                Residual.accumulate(dIn, dr)
                let dMix = arena.tensor(shape, zeroed: true)
                dropout.backward(s.drop, dy: dr, dx: dMix)
                f(dMix, dIn)
            }
            g = dIn
        }
        back(2, ffnNorm, isFirst: false) { dOut, dIn in ffn.backward(c.ffn, dy: dOut, dx: dIn, params: params, arena: arena) }
        back(1, crossNorm, isFirst: false) { dOut, dIn in
            crossAttention.backward(c.cross, dy: dOut, dx: dIn, dMemory: dMemory, params: params, arena: arena)
        }
        back(0, selfNorm, isFirst: true) { dOut, dIn in
            selfAttention.backward(c.selfAttention, dy: dOut, dx: dIn, params: params, arena: arena)
        }
    }
}
