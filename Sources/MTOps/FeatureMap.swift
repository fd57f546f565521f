/// The feature map φ of a linear attention, one of three families (T2R.md §1–§2):
///
/// * **learned** (T2R, §2): one single-layer MLP with ReLU per head,
///     φ_h(u) = ReLU(W_h u + b_h),   W_h = W[h·R ..< (h+1)·R, :] ∈ R^{R×Dh},  b_h ∈ R^R,
///   shared by queries and keys of that head. Parameters (under the attention's prefix):
///   `<prefix>.phi.weight` [H·R, Dh], `<prefix>.phi.bias` [H·R].
/// * **elu** (the paper's ELU baseline): φ(u) = elu(u) + 1 per coordinate, R = Dh, no parameters
///   (EluFeatureMap.swift).
/// * **random** (RFA): φ(u) = 0.01·[sin(Ω_h û), cos(Ω_h û)], û = u/(‖u‖ + 1e-3), R = 2k, Ω_h ∈ R^{k×Dh}
///   drawn from a fixed seeded bank, no parameters (RandomFeatureMap.swift).
///
/// Queries are pre-scaled by Dh^{-1/2} INSIDE φ for every family (f^Q = φ(q/√Dh), as the
/// reference does before any feature map); keys are not (f^K = φ(k)). Callers pass that scale.
/// Input u [N, H·Dh] (head-major columns, any row stride); output F [N, H·R] (head-major).
///
/// learned forward:  pre_h = scale · U_h W_hᵀ + b_h  (one GEMM per head over all N rows),  F = ReLU(pre)
///           rows flagged in `zeroRows` (padding) are set to 0 (every family).
/// learned backward: G = dF ⊙ 1[F > 0]  (also kills padded rows, whose F is 0)
///           dW_h += scale · G_hᵀ U_h,  db_h += Σ_n G_h,  dU_h += scale · G_h W_h
public struct FeatureMap: Sendable {
    /// Which φ a linear attention declares (`features` is k: R for learned, ignored by elu, the
    /// number of frequencies for random, whose R is 2k).
    public enum Family: String, Sendable, CaseIterable {
        case learned, elu, random
    }

    public enum Kind: Sendable {
        case learned(weightID: Int, biasID: Int)
        case elu
        case random(RandomFeatures)
    }

    public let heads: Int
    public let headDim: Int
    /// R: features per head (the width of f^Q, f^K and of the state S).
    public let features: Int
    public let kind: Kind

    public init(heads: Int, headDim: Int, features: Int, weightID: Int, biasID: Int) {
        self.init(heads: heads, headDim: headDim, features: features, kind: .learned(weightID: weightID, biasID: biasID))
    }

    public init(heads: Int, headDim: Int, features: Int, kind: Kind) {
        switch kind {
        case .learned: break
        case .elu: precondition(features == headDim, "FeatureMap: elu has R = Dh (\(headDim)), not \(features)")
        case .random(let rf):
            precondition(features == 2 * rf.count && rf.heads == heads && rf.headDim == headDim,
                         "FeatureMap: random features \(rf.count)×\(rf.headDim) for \(heads) heads, R \(features)")
        }
        self.heads = heads
        self.headDim = headDim
        self.features = features
        self.kind = kind
    }

    /// W's id (learned φ only).
    public var weightID: Int {
        guard case .learned(let w, _) = kind else { preconditionFailure("FeatureMap.weightID: \(family) φ has no parameters") }
        return w
    }

    /// b's id (learned φ only).
    public var biasID: Int {
        guard case .learned(_, let b) = kind else { preconditionFailure("FeatureMap.biasID: \(family) φ has no parameters") }
        return b
    }

    /// The layout ids of φ's parameters (none for elu and random).
    public var parameterIDs: [Int] {
        if case .learned(let w, let b) = kind { return [w, b] }
        return []
    }

    public var family: Family {
        switch kind {
        case .learned: return .learned
        case .elu: return .elu
        case .random: return .random
        }
    }

    /// The random-feature bank and draw of an RFA φ (nil otherwise).
    public var randomFeatures: RandomFeatures? {
        if case .random(let rf) = kind { return rf }
        return nil
    }

    /// Declares φ of `family` under `prefix` (parameters only for learned; `features` = k).
    public static func declare(_ layout: inout ParameterLayout, prefix: String, heads: Int, headDim: Int,
                               features: Int, family: Family) -> FeatureMap {
        switch family {
        case .learned: return declare(&layout, prefix: prefix, heads: heads, headDim: headDim, features: features)
        case .elu: return FeatureMap(heads: heads, headDim: headDim, features: headDim, kind: .elu)
        case .random:
            let rf = RandomFeatures(heads: heads, headDim: headDim, count: features)
            return FeatureMap(heads: heads, headDim: headDim, features: 2 * features, kind: .random(rf))
        }
    }

    /// Declares `<prefix>.phi.weight` [H·R, Dh] and `<prefix>.phi.bias` [H·R].
    public static func declare(_ layout: inout ParameterLayout, prefix: String, heads: Int, headDim: Int,
                               features: Int) -> FeatureMap {
        let w = layout.declare("\(prefix).phi.weight", [heads * features, headDim])
        let b = layout.declare("\(prefix).phi.bias", [heads * features])
        return FeatureMap(heads: heads, headDim: headDim, features: features, weightID: w, biasID: b)
    }

    /// Fresh φ (T2R.md §2): W, b ~ U(−1/√Dh, 1/√Dh) (PyTorch's Linear default for in = Dh).
    /// elu and random have nothing to initialise (and draw no random numbers).
    public func initialize(_ params: ParameterStore, rng: inout RNG) {
        guard case .learned = kind else { return }
        let bound = 1 / Float(headDim).squareRoot()
        Init.uniform(params.weight(weightID), bound: bound, rng: &rng)
        Init.uniform(params.weight(biasID), bound: bound, rng: &rng)
    }

    /// F [N, H·R] = φ(scale · u_h) per head; rows with zeroRows[n] != 0 set to 0.
    /// - Parameters: u: [N, H·Dh] with row stride `ldu`; `training` selects a random φ's current
    ///   training draw of Ω (otherwise its fixed evaluation Ω; the other families ignore it).
    public func forward(_ u: UnsafePointer<Float>, ldu: Int, rows n: Int, scale: Float, zeroRows: [UInt8]?,
                        training: Bool = false, into f: UnsafeMutablePointer<Float>, params: ParameterStore) {
        switch kind {
        case .learned: break
        case .elu:
            EluFeatures.forward(u, ldu: ldu, rows: n, heads: heads, headDim: headDim, scale: scale, zeroRows: zeroRows, into: f)
            return
        case .random(let rf):
            rf.forward(u, ldu: ldu, rows: n, scale: scale, zeroRows: zeroRows, training: training, into: f)
            return
        }
        let hr = heads * features, r = features, dh = headDim
        let w = params.weight(weightID).pointer, bias = params.weight(biasID).pointer
        for row in 0..<n { (f + row * hr).update(from: bias, count: hr) }
        for h in 0..<heads {
            // pre_h [N, R] += scale · U_h [N, Dh] · W_hᵀ [Dh, R]
            GEMM.sgemm(.none, .transposed, m: n, n: r, k: dh, alpha: scale,
                       a: u + h * dh, lda: ldu, b: w + h * r * dh, ldb: dh, beta: 1, c: f + h * r, ldc: hr)
        }
        let fs = SendablePointer(f)
        OpLoop.rows(n, work: n * hr) { range in
            let fp = fs.p
            Kernels.relu(fp + range.lowerBound * hr, fp + range.lowerBound * hr, range.count * hr)
            if let z = zeroRows {
                for row in range where z[row] != 0 { (fp + row * hr).update(repeating: 0, count: hr) }
            }
        }
    }

    /// Tensor form: u [N, H·Dh] → F [N, H·R] from the arena.
    public func forward(_ u: Tensor, scale: Float, zeroRows: [UInt8]? = nil, training: Bool = false,
                        params: ParameterStore, arena: Arena) -> Tensor {
        let (n, c) = u.matrixDims
        precondition(c == heads * headDim, "FeatureMap: input \(u.shape), H·Dh = \(heads * headDim)")
        if let z = zeroRows { precondition(z.count == n, "FeatureMap: \(z.count) row flags for \(n) rows") }
        let f = arena.tensor([n, heads * features])
        forward(u.pointer, ldu: c, rows: n, scale: scale, zeroRows: zeroRows, training: training, into: f.pointer,
                params: params)
        return f
    }

    /// Backward. `df` [N, H·R] is overwritten (learned: with G = dF ⊙ 1[F > 0]). Adds dW, db
    /// (learned), and (if du is given) du [N, H·Dh] with row stride `lddu`. `training` must be the
    /// forward's (a random φ differentiates through the Ω the forward used).
    public func backward(u: UnsafePointer<Float>, ldu: Int, rows n: Int, scale: Float,
                         f: UnsafePointer<Float>, df: UnsafeMutablePointer<Float>,
                         du: UnsafeMutablePointer<Float>?, lddu: Int, training: Bool = false, params: ParameterStore) {
        switch kind {
        case .learned: break
        case .elu:
            guard let du else { return }
            EluFeatures.backward(rows: n, heads: heads, headDim: headDim, scale: scale, f: f, df: df, du: du, lddu: lddu)
            return
        case .random(let rf):
            guard let du else { return }
            rf.backward(u: u, ldu: ldu, rows: n, scale: scale, f: f, df: df, du: du, lddu: lddu, training: training)
            return
        }
        let hr = heads * features, r = features, dh = headDim
        let fs = SendablePointer(UnsafeMutablePointer(mutating: f)), gs = SendablePointer(df)
        OpLoop.rows(n, work: n * hr) { range in
            let fp = fs.p, gp = gs.p
            for i in (range.lowerBound * hr)..<(range.upperBound * hr) { gp[i] = fp[i] > 0 ? gp[i] : 0 }
        }
        let w = params.weight(weightID).pointer
        let dw = params.grad(weightID).pointer, db = params.grad(biasID).pointer
        Linear.addColumnSums(df, ld: hr, rows: n, cols: hr, into: db)
        for h in 0..<heads {
            // dW_h [R, Dh] += scale · G_hᵀ [R, N] · U_h [N, Dh]
            GEMM.sgemm(.transposed, .none, m: r, n: dh, k: n, alpha: scale,
                       a: df + h * r, lda: hr, b: u + h * dh, ldb: ldu, beta: 1, c: dw + h * r * dh, ldc: dh)
            if let du {
                // dU_h [N, Dh] += scale · G_h [N, R] · W_h [R, Dh]
                GEMM.sgemm(.none, .none, m: n, n: dh, k: r, alpha: scale,
                           a: df + h * r, lda: hr, b: w + h * r * dh, ldb: dh, beta: 1, c: du + h * dh, ldc: lddu)
            }
        }
    }

    /// The inference fusion of T2R.md §2: φ(scale·(W_P x + b_P)) = ReLU(W_f x + b_f) with, per head,
    /// W_f,h = scale · W_h · W_P,h [R, D] and b_f,h = scale · W_h b_P,h + b_h, where W_P,h are rows
    /// [h·Dh, (h+1)·Dh) of the q or k projection. Export/decoding only: training keeps them
    /// unfused so that queries and keys share one φ.
    public struct Fused: Sendable {
        public let weight: Tensor  // [H·R, D]
        public let bias: Tensor    // [H·R]

        /// F [N, H·R] = ReLU(x W_fᵀ + b_f) for x [N, D].
        public func apply(_ x: Tensor, arena: Arena) -> Tensor {
            let (n, d) = x.matrixDims
            let hr = weight.shape[0]
            precondition(d == weight.shape[1], "FeatureMap.Fused: x \(x.shape), W_f \(weight.shape)")
            let f = arena.tensor([n, hr])
            apply(x.pointer, rows: n, into: f.pointer)
            return f
        }

        public func apply(_ x: UnsafePointer<Float>, rows n: Int, into f: UnsafeMutablePointer<Float>) {
            let hr = weight.shape[0], d = weight.shape[1]
            for row in 0..<n { (f + row * hr).update(from: bias.pointer, count: hr) }
            GEMM.sgemm(.none, .transposed, m: n, n: hr, k: d, a: x, lda: d, b: weight.pointer, ldb: d,
                       beta: 1, c: f, ldc: hr)
            Kernels.relu(f, f, n * hr)
        }
    }

    /// Whether `fused(with:scale:params:)` applies: only a learned φ is an affine map then ReLU.
    public var isFusable: Bool {
        if case .learned = kind { return true }
        return false
    }

    /// Folds a projection (q_proj with scale 1/√Dh, or k_proj with scale 1) into φ (learned only).
    public func fused(with projection: Linear, scale: Float, params: ParameterStore) -> Fused {
        precondition(isFusable, "FeatureMap.fused: a \(family) φ does not fold into a projection")
        let d = projection.inFeatures, r = features, dh = headDim, hr = heads * features
        precondition(projection.outFeatures == heads * headDim, "FeatureMap.fused: projection out \(projection.outFeatures)")
        let wf = Tensor(zeros: [hr, d]), bf = Tensor(zeros: [hr])
        let w = params.weight(weightID).pointer, b = params.weight(biasID).pointer
        let wp = params.weight(projection.weightID).pointer
        for h in 0..<heads {
            // W_f,h [R, D] = scale · W_h [R, Dh] · W_P,h [Dh, D]
            GEMM.sgemm(.none, .none, m: r, n: d, k: dh, alpha: scale, a: w + h * r * dh, lda: dh,
                       b: wp + h * dh * d, ldb: d, c: wf.pointer + h * r * d, ldc: d)
        }
        let bp = projection.biasID.map { params.weight($0).pointer }
        for h in 0..<heads {
            for j in 0..<r {
                var s = Double(b[h * r + j])
                if let bp {
                    var acc = 0.0
                    for i in 0..<dh { acc += Double(w[(h * r + j) * dh + i]) * Double(bp[h * dh + i]) }
                    s += Double(scale) * acc
                }
                bf.pointer[h * r + j] = Float(s)
            }
        }
        return Fused(weight: wf, bias: bf)
    }
}
