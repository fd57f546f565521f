/// Layer normalisation over the last dimension (PyTorch's LayerNorm, biased variance, eps 1e-5).
///
/// Parameters: `<prefix>.weight` (γ) [D], `<prefix>.bias` (β) [D].
/// forward:  x̂ = (x − μ)·rstd,  y = x̂ ⊙ γ + β                 x [N, D] → y [N, D]
/// backward: dγ += Σ_n dy ⊙ x̂,  dβ += Σ_n dy,
///           dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dy ⊙ γ
public struct LayerNorm: Sendable {
    public let dim: Int
    public let eps: Float
    public let weightID: Int
    public let biasID: Int

    public init(dim: Int, eps: Float = 1e-5, weightID: Int, biasID: Int) {
        self.dim = dim
        self.eps = eps
        self.weightID = weightID
        self.biasID = biasID
    }

    public static func declare(_ layout: inout ParameterLayout, prefix: String, dim: Int, eps: Float = 1e-5) -> LayerNorm {
        let w = layout.declare("\(prefix).weight", [dim])
        let b = layout.declare("\(prefix).bias", [dim])
        return LayerNorm(dim: dim, eps: eps, weightID: w, biasID: b)
    }

    /// γ = 1, β = 0.
    public func initialize(_ params: ParameterStore) {
        params.weight(weightID).fill(1)
        params.weight(biasID).fill(0)
    }

    public struct Cache: Sendable {
        public let x: Tensor     // [N, D]
        public let y: Tensor     // [N, D]
        public let mean: Tensor  // [N]
        public let rstd: Tensor  // [N]
    }

    public func forward(_ x: Tensor, params: ParameterStore, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.layerNormForward); defer { OpProfile.end(profiled) }
        let (n, d) = x.matrixDims
        precondition(d == dim, "LayerNorm: input \(x.shape), dim \(dim)")
        let y = arena.tensor(x.shape), mean = arena.tensor([n]), rstd = arena.tensor([n])
        let g = params.weight(weightID), b = params.weight(biasID)
        let eps = self.eps
        OpLoop.rows(n, work: n * d * 3) { range in
            let xp = x.pointer, yp = y.pointer, gp = g.pointer, bp = b.pointer
            Kernels.layerNormStats(xp + range.lowerBound * d, mean: mean.pointer + range.lowerBound,
                                   rstd: rstd.pointer + range.lowerBound, rows: range.count, cols: d, eps: eps)
            for r in range {
                let xr = xp + r * d, yr = yp + r * d
                let mu = mean.pointer[r], rs = rstd.pointer[r]
                for c in 0..<d { yr[c] = (xr[c] - mu) * rs * gp[c] + bp[c] }
            }
        }
        return Cache(x: x, y: y, mean: mean, rstd: rstd)
    }

    /// Adds into dγ, dβ and dx. dx may not alias dy.
    public func backward(_ c: Cache, dy: Tensor, dx: Tensor, params: ParameterStore, arena: Arena) {
        let profiled = OpProfile.begin(.layerNormBackward); defer { OpProfile.end(profiled) }
        let (n, d) = c.x.matrixDims
        precondition(dy.count == n * d && dx.count == n * d, "LayerNorm.backward: dy \(dy.shape), dx \(dx.shape)")
        let chunks = max(1, min(GEMM.maxThreads, n))
        let partial = arena.tensor([chunks, 2 * d], zeroed: true)  // per chunk: dγ, dβ
        let g = params.weight(weightID)
        // Raw pointers only inside the loop: touching the cache's tensors there would retain and
        // release their storage per chunk, contended between the threads.
        let xp = SendableConstPointer(UnsafePointer(c.x.pointer)), dyp = SendableConstPointer(UnsafePointer(dy.pointer))
        let dxp = SendablePointer(dx.pointer), gp = SendableConstPointer(UnsafePointer(g.pointer))
        let mp = SendableConstPointer(UnsafePointer(c.mean.pointer)), rp = SendableConstPointer(UnsafePointer(c.rstd.pointer))
        let pp = SendablePointer(partial.pointer)
        let simd = Self.useSIMD
        Parallel.forRanges(chunks, work: n * d * 6) { cr in
            for chunk in cr {
                let dg = pp.p + chunk * 2 * d
                Kernels.layerNormBackwardRows(x: xp.p, dy: dyp.p, dx: dxp.p, gamma: gp.p, mean: mp.p, rstd: rp.p, cols: d,
                                              rows: (n * chunk / chunks)..<(n * (chunk + 1) / chunks),
                                              dGamma: dg, dBeta: dg + d, simd: simd)
            }
        }
        let dgam = params.grad(weightID).pointer, dbet = params.grad(biasID).pointer
        for chunk in 0..<chunks {
            let pg = partial.pointer + chunk * 2 * d
            for i in 0..<d { dgam[i] += pg[i]; dbet[i] += pg[d + i] }
        }
    }

    /// Whether the backward may run eight rows' sums side by side (AVX2); tests turn it off to
    /// compare. The bits are the same either way.
    nonisolated(unsafe) public static var useSIMD = true
}
