/// The FFN with a smooth activation (swish, GELU): the derivative needs the pre-activation, so
/// forward keeps u = fc1(x) and, with dropout, the mask.
///
/// forward:  u = x W1ᵀ + b1 [N, F],  h = f(u) ⊙ m [N, F],  y = h W2ᵀ + b2 [N, D]
/// backward: dh = dy W2,  du = dh ⊙ m ⊙ f'(u),  dx += du W1
extension FeedForward {
    func forwardSmooth(_ x: Tensor, training: Bool, rng: inout RNG, params: ParameterStore, arena: Arena) -> Cache {
        let (n, d) = x.matrixDims
        let f = fc1.outFeatures
        precondition(d == fc1.inFeatures, "FeedForward: input \(x.shape)")
        let u = arena.tensor([n, f])  // [N, F]
        fc1.forward(x, into: u, params: params)
        let h = arena.tensor([n, f])  // [N, F]
        let p = training ? activationDropout : 0
        let keep: Float = 1 / (1 - p)
        let seed = p > 0 ? rng.next() : 0
        let threshold = RNG.dropThreshold(p)
        let mask: Tensor? = p > 0 ? arena.tensor([n, f]) : nil
        let act = activation
        OpLoop.rows(n, work: n * f * 8) { range in
            for r in range {
                let ur = u.pointer + r * f, hr = h.pointer + r * f
                act.apply(ur, hr, f)
                if let m = mask {
                    let mr = m.pointer + r * f
                    var g = RNG(seed: seed, stream: UInt64(r))
                    g.fillDropoutMask(mr, f, threshold: threshold, keep: keep)
                    for i in 0..<f { hr[i] *= mr[i] }
                }
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = fc2.outFeatures
        let y = arena.tensor(shape)
        fc2.forward(h, into: y, params: params)
        return Cache(x: x, h: h, y: y, keep: keep, pre: u, mask: mask)
    }

    func backwardSmooth(_ c: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        guard let u = c.pre else { preconditionFailure("FeedForward.backward: a \(activation) cache without its pre-activation") }
        let (n, f) = c.h.matrixDims
        let dh = arena.tensor([n, f])  // [N, F]
        fc2.backward(x: c.h, dy: dy, dx: dh, params: params, overwritingDX: true)
        let act = activation, mask = c.mask
        OpLoop.rows(n, work: n * f * 8) { range in
            for r in range {
                let g = dh.pointer + r * f
                if let m = mask { for i in 0..<f { g[i] *= m.pointer[r * f + i] } }
                act.multiplyDerivative(u.pointer + r * f, g, f)
            }
        }
        fc1.backward(x: c.x, dy: dh, dx: dx, params: params)
    }
}
