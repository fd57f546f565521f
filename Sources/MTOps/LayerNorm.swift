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
        // release their storage per row, contended between the threads.
        let rows = RowPointers(x: c.x.pointer, dy: dy.pointer, dx: dx.pointer, gamma: g.pointer,
                               mean: c.mean.pointer, rstd: c.rstd.pointer, partial: partial.pointer)
        Parallel.forRanges(chunks, work: n * d * 6) { cr in
            for chunk in cr {
                let lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks
                let dg = rows.partial + chunk * 2 * d, db = dg + d
                var r = lo
                while r < hi {  // four rows at a time (fewer at the end of the chunk)
                    let count = Swift.min(4, hi - r)
                    let (mG, mGX) = Self.rowSums(rows, d: d, first: r, rows: count)
                    for j in 0..<count {
                        Self.rowGradients(rows, d: d, row: r + j, mG: mG[j], mGX: mGX[j], dg: dg, db: db)
                    }
                    r += count
                }
            }
        }
        let dgam = params.grad(weightID).pointer, dbet = params.grad(biasID).pointer
        for chunk in 0..<chunks {
            let pg = partial.pointer + chunk * 2 * d
            for i in 0..<d { dgam[i] += pg[i]; dbet[i] += pg[d + i] }
        }
    }

    /// The backward's operands as raw pointers (x, dy, dx [N, D]; γ [D]; mean, rstd [N];
    /// partial [chunks, 2·D]).
    struct RowPointers: @unchecked Sendable {
        let x: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>
        let gamma: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
        let partial: UnsafeMutablePointer<Float>
    }

    /// Σ_i g_i / d and Σ_i g_i·x̂_i / d for up to four rows (g = dy ⊙ γ, x̂ = (x − μ)·rstd), each
    /// row's sums in its own SIMD lane: the same additions in the same order as one row at a
    /// time, but four independent chains instead of one latency-bound one.
    @inline(__always)
    static func rowSums(_ p: RowPointers, d: Int, first r: Int, rows: Int) -> (SIMD4<Float>, SIMD4<Float>) {
        // Missing rows repeat the last one (their lanes are ignored).
        let r1 = r + Swift.min(1, rows - 1), r2 = r + Swift.min(2, rows - 1), r3 = r + Swift.min(3, rows - 1)
        let x0 = p.x + r * d, x1 = p.x + r1 * d, x2 = p.x + r2 * d, x3 = p.x + r3 * d
        let g0 = p.dy + r * d, g1 = p.dy + r1 * d, g2 = p.dy + r2 * d, g3 = p.dy + r3 * d
        let mu = SIMD4(p.mean[r], p.mean[r1], p.mean[r2], p.mean[r3])
        let rs = SIMD4(p.rstd[r], p.rstd[r1], p.rstd[r2], p.rstd[r3])
        var sumG = SIMD4<Float>(repeating: 0), sumGX = SIMD4<Float>(repeating: 0)
        for i in 0..<d {
            let xh = (SIMD4(x0[i], x1[i], x2[i], x3[i]) - mu) * rs
            let gi = SIMD4(g0[i], g1[i], g2[i], g3[i]) * p.gamma[i]
            sumG += gi
            sumGX += gi * xh
        }
        return (sumG / Float(d), sumGX / Float(d))
    }

    /// One row: dγ += dy ⊙ x̂, dβ += dy, dx += rstd · (dy ⊙ γ − mG − x̂ · mGX), elementwise over the
    /// columns (eight at a time; every element's arithmetic as in the one-element loop).
    @inline(__always)
    static func rowGradients(_ p: RowPointers, d: Int, row r: Int, mG: Float, mGX: Float,
                             dg: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
        let xr = p.x + r * d, gr = p.dy + r * d, dr = p.dx + r * d, gamma = p.gamma
        let mu = p.mean[r], rs = p.rstd[r]
        let mu8 = SIMD8<Float>(repeating: mu), rs8 = SIMD8<Float>(repeating: rs)
        let mG8 = SIMD8<Float>(repeating: mG), mGX8 = SIMD8<Float>(repeating: mGX)
        var i = 0
        while i + 8 <= d {
            let xh = (FastMath.load(xr + i) - mu8) * rs8
            let gv = FastMath.load(gr + i)
            FastMath.store(FastMath.load(dg + i) + gv * xh, dg + i)
            FastMath.store(FastMath.load(db + i) + gv, db + i)
            FastMath.store(FastMath.load(dr + i) + rs8 * (gv * FastMath.load(gamma + i) - mG8 - xh * mGX8), dr + i)
            i += 8
        }
        while i < d {
            let xh = (xr[i] - mu) * rs
            dg[i] += gr[i] * xh
            db[i] += gr[i]
            dr[i] += rs * (gr[i] * gamma[i] - mG - xh * mGX)
            i += 1
        }
    }
}
