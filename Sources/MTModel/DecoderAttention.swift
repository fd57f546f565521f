import MTOps

/// The decoder's two attention positions, softmax or T2R, behind one switch each, so the layer's
/// residual/norm/FFN code is written once for both decoders (ARCHITECTURE.md sketches two layer
/// types behind a protocol; one layer with two typed mixers avoids duplicating that code).
public enum DecoderSelfAttention: Sendable {
    case softmax(SoftmaxAttention)
    case t2r(CausalLinearAttention)

    public enum Cache: Sendable {
        case softmax(SoftmaxAttention.Cache)
        case t2r(CausalLinearAttention.Cache)
    }

    static func declare(_ layout: inout ParameterLayout, prefix: String, config c: ModelConfig) -> DecoderSelfAttention {
        switch c.decoderAttention {
        case .softmax:
            return .softmax(SoftmaxAttention.declare(&layout, prefix: prefix, dim: c.modelDim, heads: c.heads,
                                                     attentionDropout: c.attentionDropout))
        case .t2r:
            return .t2r(CausalLinearAttention.declare(&layout, prefix: prefix, dim: c.modelDim, heads: c.heads,
                                                      features: c.featureSizeSelf, featureMap: c.featureMap.family,
                                                      attentionDropout: c.attentionDropout))
        }
    }

    func initialize(_ params: ParameterStore, rng: inout RNG) {
        switch self {
        case .softmax(let a): a.initialize(params, rng: &rng)
        case .t2r(let a): a.initialize(params, rng: &rng)
        }
    }

    /// Parallel (training) form over all target positions. x [B, T, D] → y [B, T, D].
    func forward(_ x: Tensor, padding: PaddingMask?, training: Bool, rng: inout RNG,
                 params: ParameterStore, arena: Arena) -> (Cache, Tensor) {
        switch self {
        case .softmax(let a):
            let c = a.forward(x, keyPadding: padding, causal: true, training: training, rng: &rng, params: params, arena: arena)
            return (.softmax(c), c.y)
        case .t2r(let a):
            let c = a.forward(x, keyPadding: padding, training: training, rng: &rng, params: params, arena: arena)
            return (.t2r(c), c.y)
        }
    }

    func backward(_ cache: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        switch (self, cache) {
        case (.softmax(let a), .softmax(let c)): a.backward(c, dy: dy, dx: dx, dMemory: nil, params: params, arena: arena)
        case (.t2r(let a), .t2r(let c)): a.backward(c, dy: dy, dx: dx, params: params, arena: arena)
        default: preconditionFailure("DecoderSelfAttention.backward: cache from the other attention kind")
        }
    }
}

public enum DecoderCrossAttention: Sendable {
    case softmax(SoftmaxAttention)
    case t2r(CrossLinearAttention)

    public enum Cache: Sendable {
        case softmax(SoftmaxAttention.Cache)
        case t2r(CrossLinearAttention.Cache)
    }

    static func declare(_ layout: inout ParameterLayout, prefix: String, config c: ModelConfig) -> DecoderCrossAttention {
        switch c.decoderAttention {
        case .softmax:
            return .softmax(SoftmaxAttention.declare(&layout, prefix: prefix, dim: c.modelDim, heads: c.heads,
                                                     attentionDropout: c.attentionDropout))
        case .t2r:
            return .t2r(CrossLinearAttention.declare(&layout, prefix: prefix, dim: c.modelDim, heads: c.heads,
                                                     features: c.featureSizeCross, featureMap: c.featureMap.family))
        }
    }

    func initialize(_ params: ParameterStore, rng: inout RNG) {
        switch self {
        case .softmax(let a): a.initialize(params, rng: &rng)
        case .t2r(let a): a.initialize(params, rng: &rng)
        }
    }

    /// x [B, T, D] attends to memory [B, S, D] (encoder output) → y [B, T, D].
    func forward(_ x: Tensor, memory: Tensor, memoryPadding: PaddingMask?, training: Bool, rng: inout RNG,
                 params: ParameterStore, arena: Arena) -> (Cache, Tensor) {
        switch self {
        case .softmax(let a):
            let c = a.forward(x, memory: memory, keyPadding: memoryPadding, causal: false, training: training,
                              rng: &rng, params: params, arena: arena)
            return (.softmax(c), c.y)
        case .t2r(let a):
            let c = a.forward(x, memory: memory, padding: memoryPadding, training: training, params: params, arena: arena)
            return (.t2r(c), c.y)
        }
    }

    /// Adds into parameter gradients, dx [B, T, D] and dMemory [B, S, D].
    func backward(_ cache: Cache, dy: Tensor, dx: Tensor, dMemory: Tensor, params: ParameterStore, arena: Arena) {
        switch (self, cache) {
        case (.softmax(let a), .softmax(let c)): a.backward(c, dy: dy, dx: dx, dMemory: dMemory, params: params, arena: arena)
        case (.t2r(let a), .t2r(let c)): a.backward(c, dy: dy, dx: dx, dMemory: dMemory, params: params, arena: arena)
        default: preconditionFailure("DecoderCrossAttention.backward: cache from the other attention kind")
        }
    }
}

extension ModelConfig.FeatureMapKind {
    /// The MTOps family that implements this φ.
    var family: FeatureMap.Family {
        switch self {
        case .t2r: return .learned
        case .elu: return .elu
        case .rfa: return .random
        }
    }
}
