import MTOps

/// Small elementwise helpers shared by the encoder and decoder layers.
enum Residual {
    /// y = a + b, from the arena.                                   a, b, y: [N, D]
    static func add(_ a: Tensor, _ b: Tensor, arena: Arena) -> Tensor {
        let profiled = OpProfile.begin(.residualAdd); defer { OpProfile.end(profiled) }
        precondition(a.count == b.count, "Residual.add: \(a.shape) + \(b.shape)")
        let y = arena.tensor(a.shape)
        ParallelKernels.add(a.pointer, b.pointer, y.pointer, a.count)
        return y
    }

    /// dst += src
    static func accumulate(_ dst: Tensor, _ src: Tensor) {
        let profiled = OpProfile.begin(.residualAccumulate); defer { OpProfile.end(profiled) }
        precondition(dst.count == src.count, "Residual.accumulate: \(dst.shape) += \(src.shape)")
        ParallelKernels.axpy(1, src.pointer, dst.pointer, dst.count)
    }
}
