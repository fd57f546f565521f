/// Position-wise feed-forward block: y = fc2(dropout(f(fc1(x)))), f = ReLU (fairseq), swish or
/// GELU (`ActivationFunction`; Marian checkpoints use swish).
///
/// Parameters (fairseq names; `prefix` is the layer, e.g. `encoder.layers.0`):
/// `<prefix>.fc1.weight` [F, D], `<prefix>.fc1.bias` [F], `<prefix>.fc2.weight` [D, F], `<prefix>.fc2.bias` [D].
/// The hidden activation h = relu(x W1ᵀ + b1) ⊙ m [N, F] is kept for backward. Because the mask
/// m is 0 or 1/(1−p) and relu ≥ 0, the backward factor is recovered from h alone:
/// ∂h/∂pre = (h > 0 ? 1/(1−p) : 0), so no mask is stored. Swish and GELU keep the
/// pre-activation u = fc1(x) [N, F] and the dropout mask [N, F] (`FeedForward+Smooth.swift`).
public struct FeedForward: Sendable {
    public let fc1: Linear
    public let fc2: Linear
    /// Dropout after the activation (fairseq's `activation_dropout`).
    public let activationDropout: Float
    public let activation: ActivationFunction

    public init(fc1: Linear, fc2: Linear, activationDropout: Float = 0, activation: ActivationFunction = .relu) {
        precondition(activationDropout >= 0 && activationDropout < 1, "FeedForward: dropout \(activationDropout)")
        self.fc1 = fc1
        self.fc2 = fc2
        self.activationDropout = activationDropout
        self.activation = activation
    }

    public static func declare(_ layout: inout ParameterLayout, prefix: String, dim: Int, hidden: Int,
                               activationDropout: Float = 0, activation: ActivationFunction = .relu) -> FeedForward {
        let a = Linear.declare(&layout, prefix: "\(prefix).fc1", inFeatures: dim, outFeatures: hidden)
        let b = Linear.declare(&layout, prefix: "\(prefix).fc2", inFeatures: hidden, outFeatures: dim)
        return FeedForward(fc1: a, fc2: b, activationDropout: activationDropout, activation: activation)
    }

    /// fairseq's `Linear` helper for transformer FFNs: Xavier-uniform weights, zero biases.
    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        fc1.initialize(params, rng: &rng, weight: .xavierUniform(gain: 1), zeroBias: true)
        fc2.initialize(params, rng: &rng, weight: .xavierUniform(gain: 1), zeroBias: true)
    }

    public struct Cache: Sendable {
        public let x: Tensor  // [N, D]
        public let h: Tensor  // [N, F] relu(fc1(x)) ⊙ mask
        public let y: Tensor  // [N, D]
        public let keep: Float  // 1/(1−p) when dropout was applied, else 1
        /// Swish/GELU only: u = fc1(x) [N, F] and the dropout mask [N, F] (nil without dropout).
        public var pre: Tensor? = nil
        public var mask: Tensor? = nil
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RNG, params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.feedForwardForward); defer { OpProfile.end(profiled) }
        if activation != .relu { return forwardSmooth(x, training: training, rng: &rng, params: params, arena: arena) }
        let (n, d) = x.matrixDims
        let f = fc1.outFeatures
        precondition(d == fc1.inFeatures, "FeedForward: input \(x.shape)")
        let h = arena.tensor([n, f])
        fc1.forward(x, into: h, params: params)
        let p = training ? activationDropout : 0
        let keep: Float = 1 / (1 - p)
        let seed = p > 0 ? rng.next() : 0
        let threshold = RNG.dropThreshold(p)
        OpLoop.rows(n, work: n * f * (p > 0 ? 8 : 1)) { range in
            for r in range {
                let hr = h.pointer + r * f
                if p > 0 {
                    var g = RNG(seed: seed, stream: UInt64(r))
                    g.reluDropout(hr, f, threshold: threshold, keep: keep)
                } else {
                    Kernels.relu(hr, hr, f)
                }
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = fc2.outFeatures
        let y = arena.tensor(shape)
        fc2.forward(h, into: y, params: params)
        return Cache(x: x, h: h, y: y, keep: keep)
    }

    /// Adds into the fc1/fc2 gradients and into dx.
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        let profiled = OpProfile.begin(.feedForwardBackward); defer { OpProfile.end(profiled) }
        if activation != .relu { return backwardSmooth(c, dy: dy, dx: dx, params: params, arena: arena) }
        let (n, f) = c.h.matrixDims
        let dh = arena.tensor([n, f])
        fc2.backward(x: c.h, dy: dy, dx: dh, params: params, overwritingDX: true)
        let keep = c.keep
        OpLoop.rows(n, work: n * f) { range in
            let lo = range.lowerBound * f
            Kernels.reluBackward(c.h.pointer + lo, dh.pointer + lo, keep, range.count * f)
        }
        fc1.backward(x: c.x, dy: dh, dx: dx, params: params)
    }
}
