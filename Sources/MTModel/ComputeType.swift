import MTTensor

/// The arithmetic of inference (CTranslate2's `compute_type`): float32, or int8 weights for the
/// linear layers (`ParameterStore.quantizeInt8`, per-row scales; inputs quantized per row on
/// every product). Training always runs in float32.
public enum ComputeType: String, CaseIterable, Sendable, Codable {
    case float32, int8
}

extension Seq2Seq {
    /// Ids of the weight matrices the linear layers multiply with: every projection of the
    /// encoder and decoder layers and the output projection (the target embedding when tied).
    /// Embedding tables used for look-ups and the T2R feature maps φ are not among them.
    public var linearWeightIDs: [Int] {
        var ids = Set<Int>()
        for (id, e) in layout.entries.enumerated()
        where e.shape.count == 2 && e.name.hasSuffix(".weight") && !e.name.contains("embed_") && !e.name.contains(".phi.") {
            ids.insert(id)
        }
        ids.insert(outputProjection.weightID)
        return ids.sorted()
    }

    /// Readies an inference store for `type`: int8 quantizes `linearWeightIDs` once.
    public func prepare(_ store: ParameterStore, for type: ComputeType) {
        if type == .int8 { store.quantizeInt8(ids: linearWeightIDs) }
    }
}
