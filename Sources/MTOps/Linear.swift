/// Affine layer y = x Wᵀ + b with W stored as PyTorch does, [out, in].
///
/// Parameters: `<prefix>.weight` [out, in], `<prefix>.bias` [out] (optional).
/// forward:  y[n, o] = Σ_i x[n, i] W[o, i] + b[o]            x [N, in] → y [N, out]
/// backward: dW += dyᵀ x,  db += Σ_n dy[n, :],  dx += dy W
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weightID: Int
    public let biasID: Int?

    public init(inFeatures: Int, outFeatures: Int, weightID: Int, biasID: Int?) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weightID = weightID
        self.biasID = biasID
    }

    /// Declares `<prefix>.weight` [out, in] and `<prefix>.bias` [out].
    public static func declare(_ layout: inout ParameterLayout, prefix: String,
                               inFeatures: Int, outFeatures: Int, bias: Bool = true) -> Linear {
        let w = layout.declare("\(prefix).weight", [outFeatures, inFeatures])
        let b = bias ? layout.declare("\(prefix).bias", [outFeatures]) : nil
        return Linear(inFeatures: inFeatures, outFeatures: outFeatures, weightID: w, biasID: b)
    }

    public enum WeightInit: Sendable {
        /// PyTorch's nn.Linear default: W, b ~ U(−1/√in, 1/√in).
        case pytorchDefault
        /// Xavier uniform with a gain; the bias follows `zeroBias`.
        case xavierUniform(gain: Float)
    }

    /// Initialises W (and b: zero if `zeroBias`, else U(−1/√in, 1/√in)).
    public func initialize(_ params: ParameterStore, rng: inout RNG,
                           weight scheme: WeightInit = .pytorchDefault, zeroBias: Bool = false) {
        let bound = 1 / Float(inFeatures).squareRoot()
        switch scheme {
        case .pytorchDefault: Init.uniform(params.weight(weightID), bound: bound, rng: &rng)
        case .xavierUniform(let gain): Init.xavierUniform(params.weight(weightID), gain: gain, rng: &rng)
        }
        if let b = biasID {
            if zeroBias { params.weight(b).fill(0) } else { Init.uniform(params.weight(b), bound: bound, rng: &rng) }
        }
    }

    public struct Cache: Sendable {
        public let x: Tensor  // [N, in]
        public let y: Tensor  // [N, out]
    }

    /// y = x Wᵀ + b, with y from the arena and the same leading shape as x.
    public func forward(_ x: Tensor, params: ParameterStore, arena: Arena) -> Cache {
        var shape = x.shape
        precondition(shape.last == inFeatures, "Linear: input \(x.shape), in features \(inFeatures)")
        shape[shape.count - 1] = outFeatures
        let y = arena.tensor(shape)
        forward(x, into: y, params: params)
        return Cache(x: x, y: y)
    }

    /// y = x Wᵀ + b into a given tensor (x [N, in], y [N, out]).
    public func forward(_ x: Tensor, into y: Tensor, params: ParameterStore) {
        let (n, k) = x.matrixDims
        precondition(k == inFeatures && y.count == n * outFeatures,
                     "Linear: \(x.shape) → \(y.shape) with W [\(outFeatures), \(inFeatures)]")
        forward(x.pointer, rows: n, ldx: inFeatures, into: y.pointer, ldy: outFeatures, params: params)
    }

    /// Pointer form with row strides (x rows of `ldx`, y rows of `ldy`).
    public func forward(_ x: UnsafePointer<Float>, rows n: Int, ldx: Int,
                        into y: UnsafeMutablePointer<Float>, ldy: Int, params: ParameterStore) {
        let profiled = OpProfile.begin(.linearForward); defer { OpProfile.end(profiled) }
        var beta: Float = 0
        if let b = biasID {  // preload the bias, then accumulate the product on top
            let bp = params.weight(b).pointer
            ParallelKernels.fillRows(y, ldy: ldy, rows: n, with: bp, cols: outFeatures)
            beta = 1
        }
        if let q = params.int8Weight(weightID) {  // int8 decoding (ParameterStore.quantizeInt8)
            GEMM.int8(m: n, a: x, lda: ldx, w: q, beta: beta, c: y, ldc: ldy)
            return
        }
        let w = params.weight(weightID).pointer
        GEMM.sgemm(.none, .transposed, m: n, n: outFeatures, k: inFeatures,
                   a: x, lda: ldx, b: w, ldb: inFeatures, beta: beta, c: y, ldc: ldy)
    }

    /// Adds dW += dyᵀ x, db += Σ dy, and (if dx is given) dx += dy W.
    /// `overwritingDX`: dx = dy W instead of dx += dy W (dx's contents are not read, so a
    /// gradient buffer this is the only writer of need not be zeroed first).
    public func backward(x: Tensor, dy: Tensor, dx: Tensor?, params: ParameterStore, overwritingDX: Bool = false) {
        let (n, k) = x.matrixDims
        precondition(k == inFeatures && dy.count == n * outFeatures, "Linear.backward: x \(x.shape), dy \(dy.shape)")
        if let dx { precondition(dx.count == x.count, "Linear.backward: dx \(dx.shape) for x \(x.shape)") }
        backward(x: x.pointer, ldx: inFeatures, dy: dy.pointer, ldy: outFeatures, rows: n,
                 dx: dx?.pointer, lddx: inFeatures, params: params, overwritingDX: overwritingDX)
    }

    /// Pointer form with row strides.
    public func backward(x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int, rows n: Int,
                         dx: UnsafeMutablePointer<Float>?, lddx: Int, params: ParameterStore, overwritingDX: Bool = false) {
        let profiled = OpProfile.begin(.linearBackward); defer { OpProfile.end(profiled) }
        let w = params.weight(weightID).pointer
        let dw = params.grad(weightID).pointer
        // dW [out, in] += dyᵀ [out, N] · x [N, in]
        GEMM.sgemm(.transposed, .none, m: outFeatures, n: inFeatures, k: n,
                   a: dy, lda: ldy, b: x, ldb: ldx, beta: 1, c: dw, ldc: inFeatures)
        if let b = biasID {
            Linear.addColumnSums(dy, ld: ldy, rows: n, cols: outFeatures, into: params.grad(b).pointer)
        }
        if let dx {
            // dx [N, in] += dy [N, out] · W [out, in]   (= when overwritingDX)
            GEMM.sgemm(.none, .none, m: n, n: inFeatures, k: outFeatures,
                       a: dy, lda: ldy, b: w, ldb: inFeatures, beta: overwritingDX ? 0 : 1, c: dx, ldc: lddx)
        }
    }

    /// out[c] += Σ_r x[r, c] for x [rows, cols] with row stride ld: per-thread partial sums
    /// (fixed chunking by `GEMM.maxThreads`), then added in chunk order.
    static func addColumnSums(_ x: UnsafePointer<Float>, ld: Int, rows n: Int, cols: Int,
                              into out: UnsafeMutablePointer<Float>) {
        let chunks = n * cols >= 200_000 ? max(1, min(GEMM.maxThreads, n)) : 1
        if chunks == 1 {
            for r in 0..<n {
                let row = x + r * ld
                for c in 0..<cols { out[c] += row[c] }
            }
            return
        }
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * cols)
        defer { partial.deallocate() }
        partial.initialize(repeating: 0, count: chunks * cols)
        let xs = SendablePointer(UnsafeMutablePointer(mutating: x)), ps = SendablePointer(partial)
        Parallel.forRanges(chunks, work: n * cols) { cr in
            for chunk in cr {
                let lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks
                let acc = ps.p + chunk * cols
                for r in lo..<hi {
                    let row = xs.p + r * ld
                    for c in 0..<cols { acc[c] += row[c] }
                }
            }
        }
        for chunk in 0..<chunks {
            let acc = partial + chunk * cols
            for c in 0..<cols { out[c] += acc[c] }
        }
    }
}
