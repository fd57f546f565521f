import MTTensor

/// Adam (Kingma & Ba) with bias correction and optional decoupled weight decay (AdamW), as
/// fairseq's `adam` optimizer: β = (0.9, 0.98), ε = 1e-8 by default. Weights, gradients and the
/// two moments share one layout (`ParameterStore`), so a step is one loop over the slab.
public struct Adam: Sendable, Equatable, Codable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.98
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0
    /// Updates taken so far (bias correction uses it).
    public private(set) var step: Int = 0

    public init(beta1: Float = 0.9, beta2: Float = 0.98, epsilon: Float = 1e-8, weightDecay: Float = 0, step: Int = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay; self.step = step
    }

    /// fairseq's update: θ ← θ − lr·wd·θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε), with m, v the
    /// running moments of `gradScale · g`.
    public mutating func update(_ store: ParameterStore, learningRate lr: Float, gradScale: Float = 1) {
        let profiled = OpProfile.begin(.adam); defer { OpProfile.end(profiled) }
        guard let g = store.grads?.base, let m = store.moment1?.base, let v = store.moment2?.base else {
            preconditionFailure("Adam.update on an inference-only parameter store")
        }
        step += 1
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let c1 = 1 - Float(pow1(Double(b1), step)), c2 = 1 - Float(pow1(Double(b2), step))
        let stepSize = lr * c2.squareRoot() / c1
        let w = store.weights.base
        let n = store.totalCount
        let sw = SendablePointer(w), sg = SendablePointer(g), sm = SendablePointer(m), sv = SendablePointer(v)
        Parallel.forRanges(n, work: n * 4) { range in
            let w = sw.p, g = sg.p, m = sm.p, v = sv.p
            // Eight lanes at a time, each lane the scalar formula below in the same order (the
            // results are the scalar loop's bit for bit; its divide and square root kept the
            // loop scalar and made Adam 2 % of a base training step).
            var i = range.lowerBound
            let gs8 = SIMD8<Float>(repeating: gradScale), b18 = SIMD8<Float>(repeating: b1), b28 = SIMD8<Float>(repeating: b2)
            let nb18 = SIMD8<Float>(repeating: 1 - b1), nb28 = SIMD8<Float>(repeating: 1 - b2)
            let step8 = SIMD8<Float>(repeating: stepSize), eps8 = SIMD8<Float>(repeating: eps)
            let decay8 = SIMD8<Float>(repeating: lr * wd)
            while i + 8 <= range.upperBound {
                let gi = FastMath.load(g + i) * gs8
                let mi = b18 * FastMath.load(m + i) + nb18 * gi
                let vi = b28 * FastMath.load(v + i) + nb28 * gi * gi
                FastMath.store(mi, m + i)
                FastMath.store(vi, v + i)
                let wi = FastMath.load(w + i)
                FastMath.store(wi - (step8 * mi / (vi.squareRoot() + eps8) + decay8 * wi), w + i)
                i += 8
            }
            for i in i..<range.upperBound {
                let gi = g[i] * gradScale
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                w[i] -= stepSize * mi / (vi.squareRoot() + eps) + lr * wd * w[i]
            }
        }
    }
}

/// b^n for a small integer n ≥ 0 without Foundation.
@inline(__always) func pow1(_ b: Double, _ n: Int) -> Double {
    var r = 1.0, base = b, e = n
    while e > 0 {
        if e & 1 == 1 { r *= base }
        base *= base
        e >>= 1
    }
    return r
}
