/// A reusable activation workspace: a bump allocator over one slab, reset every step.
///
/// Size it up front from the batch token budget (the model knows its floats per token). If a
/// step asks for more than the capacity, the arena still serves it from an overflow block and
/// records the high-water mark; the next `reset()` replaces the slab with one that fits, so
/// steady-state steps never allocate. `grows` counts such events (a benchmark can assert it is
/// zero after the first step).
public final class Arena: @unchecked Sendable {
    private var slab: TensorStorage
    private var overflow: [TensorStorage] = []
    private var used = 0
    private var overflowUsed = 0
    public private(set) var highWater = 0
    public private(set) var grows = 0

    public init(capacity floats: Int) {
        slab = TensorStorage(count: max(floats, 0))
    }

    public var capacity: Int { slab.count }

    /// A tensor of `shape` from the workspace. Contents are unspecified unless `zeroed`.
    public func tensor(_ shape: [Int], zeroed: Bool = false) -> Tensor {
        let n = Tensor.elementCount(shape)
        let start = (used + 15) / 16 * 16
        let t: Tensor
        if start + n <= slab.count {
            t = Tensor(storage: slab, offset: start, shape: shape)
            used = start + n
        } else {
            let block = TensorStorage(count: n)
            overflow.append(block)
            overflowUsed += (n + 15) / 16 * 16
            t = Tensor(storage: block, offset: 0, shape: shape)
        }
        highWater = max(highWater, used + overflowUsed)
        if zeroed {
            let profiled = OpProfile.begin(.arenaZeroed)
            ParallelKernels.fill(t.pointer, 0, n)
            OpProfile.end(profiled)
        }
        return t
    }

    /// Releases everything handed out since the last reset (views must no longer be used).
    public func reset() {
        if !overflow.isEmpty {
            slab = TensorStorage(count: highWater + highWater / 8)
            overflow.removeAll()
            grows += 1
        }
        used = 0
        overflowUsed = 0
    }
}
