import MTTensor

/// Swap: build a T2R model's parameters from a trained softmax model (T2R.md §6).
///
/// Every tensor the two models share by name is copied bit for bit; the T2R-only tensors (the
/// feature maps φ, which the T2R model's layout identifies: `Seq2Seq.featureMapParameters`) are
/// initialised fresh with PyTorch's Linear default, U(−1/√Dh, 1/√Dh) for W and b (T2R.md §2). A
/// name present in the softmax model but absent from the T2R model, a T2R tensor that is neither
/// copied nor a feature map, or a shape disagreement, is an error: nothing is dropped silently.
public enum Swap {
    public struct Report: Sendable, Equatable {
        /// Tensors copied from the softmax model.
        public var copiedTensors = 0
        public var copiedParameters = 0
        /// φ tensors initialised fresh.
        public var freshTensors = 0
        public var freshParameters = 0
    }

    /// Copies `source` into `target` by name and initialises `target`'s φ tensors.
    /// - Parameters:
    ///   - featureMaps: the ids in `target`'s layout of its φ tensors.
    ///   - headDim: Dh, which sets φ's init bound 1/√Dh.
    public static func copy(from source: ParameterStore, into target: ParameterStore, featureMaps: Set<Int>, headDim: Int,
                            rng: inout RNG) throws -> Report {
        var report = Report()
        var problems: [String] = []
        var targetNames = Set(target.layout.entries.map(\.name))
        for (sid, e) in source.layout.entries.enumerated() {
            guard let tid = target.layout.id(of: e.name) else {
                problems.append("softmax tensor \(e.name) \(e.shape) has no place in the T2R model"); continue
            }
            let t = target.layout.entries[tid]
            guard t.shape == e.shape else {
                problems.append("\(e.name): shape \(e.shape) in the softmax model, \(t.shape) in the T2R model"); continue
            }
            target.weight(tid).assign(source.weight(sid))
            targetNames.remove(e.name)
            report.copiedTensors += 1
            report.copiedParameters += e.count
        }
        let bound = 1 / Float(headDim).squareRoot()
        // In name order: the order every swap so far drew its random numbers in.
        for name in targetNames.sorted() {
            guard let id = target.layout.id(of: name), featureMaps.contains(id) else {
                problems.append("T2R tensor \(name) is neither in the softmax model nor a feature map"); continue
            }
            rng.fillUniform(target.weight(id), -bound, bound)
            report.freshTensors += 1
            report.freshParameters += target.layout.entries[id].count
        }
        if !problems.isEmpty { throw ModelError.checkpointMismatch(path: "swap", problems: problems) }
        return report
    }
}

extension Seq2Seq {
    /// The layout ids of the decoder's feature-map tensors (φ weight and bias of every T2R self-
    /// and cross-attention): the tensors a softmax model does not have. Empty for the
    /// parameter-free ELU and RFA maps, whose swap copies every tensor.
    public var featureMapParameters: Set<Int> {
        var ids = Set<Int>()
        for l in decoderLayers {
            if case .t2r(let a) = l.selfAttention { ids.formUnion(a.phi.parameterIDs) }
            if case .t2r(let a) = l.crossAttention { ids.formUnion(a.phi.parameterIDs) }
        }
        return ids
    }
}
