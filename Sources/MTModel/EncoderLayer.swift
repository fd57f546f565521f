import MTOps

/// One Transformer encoder layer with softmax self-attention, post-norm (fairseq's default) or
/// pre-norm. fairseq names: `encoder.layers.i.{self_attn, self_attn_layer_norm, fc1, fc2,
/// final_layer_norm}`.
///
/// post-norm: h = LN1(x + drop(attn(x)));        y = LN2(h + drop(ffn(h)))
/// pre-norm:  h = x + drop(attn(LN1(x)));         y = h + drop(ffn(LN2(h)))
public struct EncoderLayer: Sendable {
    public let attention: SoftmaxAttention
    public let attentionNorm: LayerNorm
    public let ffn: FeedForward
    public let ffnNorm: LayerNorm
    public let dropout: Dropout
    public let preNorm: Bool

    public static func declare(_ layout: inout ParameterLayout, prefix: String, config c: ModelConfig) -> EncoderLayer {
        EncoderLayer(
            attention: SoftmaxAttention.declare(&layout, prefix: "\(prefix).self_attn", dim: c.modelDim, heads: c.heads,
                                                attentionDropout: c.attentionDropout),
            attentionNorm: LayerNorm.declare(&layout, prefix: "\(prefix).self_attn_layer_norm", dim: c.modelDim),
            ffn: FeedForward.declare(&layout, prefix: prefix, dim: c.modelDim, hidden: c.ffnDim,
                                     activationDropout: c.activationDropout, activation: c.ffnActivation.function),
            ffnNorm: LayerNorm.declare(&layout, prefix: "\(prefix).final_layer_norm", dim: c.modelDim),
            dropout: Dropout(c.dropout), preNorm: c.preNorm)
    }

    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        attention.initialize(params, rng: &rng)
        attentionNorm.initialize(params)
        ffn.initialize(params, rng: &rng)
        ffnNorm.initialize(params)
    }

    public struct Cache: Sendable {
        let norm1: LayerNorm.Cache
        let attention: SoftmaxAttention.Cache
        let drop1: Dropout.Cache
        let norm2: LayerNorm.Cache
        let ffn: FeedForward.Cache
        let drop2: Dropout.Cache
        public let y: Tensor  // [B, S, D]
    }

    /// x [B, S, D], padding [B, S] → y [B, S, D].
    public func forward(_ x: Tensor, padding: PaddingMask?, training: Bool, rng: inout RNG,
                        params: ParameterStore, arena: Arena) -> Cache {
        if preNorm {
            let n1 = attentionNorm.forward(x, params: params, arena: arena)
            let a = attention.forward(n1.y, keyPadding: padding, causal: false, training: training, rng: &rng, params: params, arena: arena)
            let d1 = dropout.forward(a.y, training: training, rng: &rng, arena: arena)
            let h = Residual.add(x, d1.y, arena: arena)
            let n2 = ffnNorm.forward(h, params: params, arena: arena)
            let f = ffn.forward(n2.y, training: training, rng: &rng, params: params, arena: arena)
            let d2 = dropout.forward(f.y, training: training, rng: &rng, arena: arena)
            let y = Residual.add(h, d2.y, arena: arena)
            return Cache(norm1: n1, attention: a, drop1: d1, norm2: n2, ffn: f, drop2: d2, y: y)
        }
        let a = attention.forward(x, keyPadding: padding, causal: false, training: training, rng: &rng, params: params, arena: arena)
        let d1 = dropout.forward(a.y, training: training, rng: &rng, arena: arena)
        let n1 = attentionNorm.forward(Residual.add(x, d1.y, arena: arena), params: params, arena: arena)
        let f = ffn.forward(n1.y, training: training, rng: &rng, params: params, arena: arena)
        let d2 = dropout.forward(f.y, training: training, rng: &rng, arena: arena)
        let n2 = ffnNorm.forward(Residual.add(n1.y, d2.y, arena: arena), params: params, arena: arena)
        return Cache(norm1: n1, attention: a, drop1: d1, norm2: n2, ffn: f, drop2: d2, y: n2.y)
    }

    /// Adds into every parameter gradient and into dx [B, S, D] (the same calls, reversed).
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        let shape = dy.shape
        if preNorm {
            let dh = arena.tensor(shape, zeroed: true)
            Residual.accumulate(dh, dy)
            let df = arena.tensor(shape, zeroed: true)
            dropout.backward(c.drop2, dy: dy, dx: df)
            let dn2 = arena.tensor(shape, zeroed: true)
            ffn.backward(c.ffn, dy: df, dx: dn2, params: params, arena: arena)
            ffnNorm.backward(c.norm2, dy: dn2, dx: dh, params: params, arena: arena)
            Residual.accumulate(dx, dh)
            let da = arena.tensor(shape, zeroed: true)
            dropout.backward(c.drop1, dy: dh, dx: da)
            let dn1 = arena.tensor(shape, zeroed: true)
            attention.backward(c.attention, dy: da, dx: dn1, dMemory: nil, params: params, arena: arena)
            attentionNorm.backward(c.norm1, dy: dn1, dx: dx, params: params, arena: arena)
            return
        }
        let dr2 = arena.tensor(shape, zeroed: true)
        ffnNorm.backward(c.norm2, dy: dy, dx: dr2, params: params, arena: arena)
        let dh = arena.tensor(shape, zeroed: true)  // gradient at LN1's output
        Residual.accumulate(dh, dr2)
        let df = arena.tensor(shape, zeroed: true)
        dropout.backward(c.drop2, dy: dr2, dx: df)
        ffn.backward(c.ffn, dy: df, dx: dh, params: params, arena: arena)
        let dr1 = arena.tensor(shape, zeroed: true)
        attentionNorm.backward(c.norm1, dy: dh, dx: dr1, params: params, arena: arena)
        Residual.accumulate(dx, dr1)
        let da = arena.tensor(shape, zeroed: true)
        dropout.backward(c.drop1, dy: dr1, dx: da)
        attention.backward(c.attention, dy: da, dx: dx, dMemory: nil, params: params, arena: arena)
    }
}
