/// Inverted dropout: y = x ⊙ m with m ∈ {0, 1/(1−p)}, drawn per row from `RNG(seed, stream: row)`
/// where `seed = rng.next()` of the caller's generator. Identity (no mask) in eval or when p = 0.
public struct Dropout: Sendable {
    public let probability: Float

    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout: p = \(probability) not in [0, 1)")
        self.probability = probability
    }

    public struct Cache: Sendable {
        public let y: Tensor      // [N, C]
        public let mask: Tensor?  // [N, C], nil when dropout was the identity
    }

    /// y = x ⊙ mask. In eval (or p = 0) returns x itself as y (no copy).
    public func forward(_ x: Tensor, training: Bool, rng: inout RNG, arena: Arena) -> Cache {
        let profiled = OpProfile.begin(.dropoutForward); defer { OpProfile.end(profiled) }
        if !training || probability == 0 { return Cache(y: x, mask: nil) }
        let (rows, cols) = x.matrixDims
        let mask = arena.tensor(x.shape)
        let y = arena.tensor(x.shape)
        DropoutMask.fill(mask, rows: rows, cols: cols, probability: probability, seed: rng.next(), applyingTo: x, into: y)
        return Cache(y: y, mask: mask)
    }

    /// dx += dy ⊙ mask (dx += dy when the forward was the identity).
    public func backward(_ cache: Cache, dy: Tensor, dx: Tensor) {
        let profiled = OpProfile.begin(.dropoutBackward); defer { OpProfile.end(profiled) }
        precondition(dy.count == dx.count && dy.count == cache.y.count, "Dropout.backward: \(dy.shape) vs \(dx.shape)")
        if let m = cache.mask {
            ParallelKernels.addProduct(dy.pointer, m.pointer, into: dx.pointer, dx.count)
        } else {
            ParallelKernels.axpy(1, dy.pointer, dx.pointer, dx.count)
        }
    }
}
