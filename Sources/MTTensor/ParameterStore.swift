/// Every trainable tensor in one slab, with named views; gradients and Adam's two moments in
/// slabs of the same layout, so an optimiser step is one loop over `totalCount` floats.
///
/// Build a `ParameterLayout` (names and shapes, in a fixed order), then a `ParameterStore` over
/// it. Offsets are aligned to 16 floats (64 bytes) so each view starts on a cache line.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { Tensor.elementCount(shape) }
    }

    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// Floats in each slab, including alignment padding.
    public private(set) var totalCount = 0

    public init() {}

    /// Adds a named tensor and returns its id (its position in `entries`).
    @discardableResult
    public mutating func declare(_ name: String, _ shape: [Int]) -> Int {
        precondition(index[name] == nil, "parameter \(name) declared twice")
        let offset = (totalCount + 15) / 16 * 16
        entries.append(Entry(name: name, shape: shape, offset: offset))
        index[name] = entries.count - 1
        totalCount = offset + Tensor.elementCount(shape)
        return entries.count - 1
    }

    public func id(of name: String) -> Int? { index[name] }

    /// Floats that belong to parameters (without padding).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}

public final class ParameterStore: @unchecked Sendable {
    public let layout: ParameterLayout
    public let weights: TensorStorage
    /// Gradients, Adam's first and second moments: nil for an inference-only store.
    public let grads: TensorStorage?
    public let moment1: TensorStorage?
    public let moment2: TensorStorage?
    /// Int8 copies of linear layers' weights for int8 decoding (`quantizeInt8`), else nil.
    var int8Storage: Int8Storage?

    public init(layout: ParameterLayout, training: Bool) {
        self.layout = layout
        weights = TensorStorage(count: layout.totalCount)
        grads = training ? TensorStorage(count: layout.totalCount) : nil
        moment1 = training ? TensorStorage(count: layout.totalCount) : nil
        moment2 = training ? TensorStorage(count: layout.totalCount) : nil
    }

    public var totalCount: Int { layout.totalCount }

    public func weight(_ id: Int) -> Tensor {
        let e = layout.entries[id]
        return Tensor(storage: weights, offset: e.offset, shape: e.shape)
    }

    public func grad(_ id: Int) -> Tensor {
        guard let g = grads else { preconditionFailure("grad(\(layout.entries[id].name)) on an inference-only store") }
        let e = layout.entries[id]
        return Tensor(storage: g, offset: e.offset, shape: e.shape)
    }

    public func weight(named name: String) -> Tensor? { layout.id(of: name).map(weight) }

    public func zeroGrads() {
        let profiled = OpProfile.begin(.zeroGrads); defer { OpProfile.end(profiled) }
        if let g = grads { ParallelKernels.fill(g.base, 0, g.count) }
    }

    /// √(Σ grad²) over all parameters, accumulated in Double.
    public func gradNorm() -> Double {
        guard let g = grads else { return 0 }
        return ParallelKernels.sumOfSquares(g.base, g.count).squareRoot()
    }
}
