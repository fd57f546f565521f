import Foundation
import MTData
import MTModel
import MTTensor

/// Everything besides the weights that an exact resume needs: Adam's moments and step, the
/// update count, the dropout RNG state, the data position, best score and early-stopping
/// counter. Stored as a second safetensors file beside the checkpoint (ARCHITECTURE.md):
/// tensors `adam.exp_avg` and `adam.exp_avg_sq` (the whole slab, in the parameter layout) and
/// the scalars as JSON in `__metadata__`.
public struct TrainingState: Codable, Equatable, Sendable {
    public var update = 0
    public var adamStep = 0
    public var rngState: [UInt64] = []
    public var epoch = 1
    public var batch = 0
    public var dataFingerprint: UInt64 = 0
    public var best: Double? = nil
    public var badValidations = 0
    public var trainSeconds = 0.0
    public var targetTokensSeen = 0
    /// Data-parallel split it was trained with: MPI ranks and batches per update (ranks ×
    /// update_freq). Nil in states written before data-parallel training existed (one process).
    public var ranks: Int? = nil
    public var batchesPerUpdate: Int? = nil

    public init() {}

    static let metadataKey = "t2r_mt.training_state"

    public func save(moments store: ParameterStore, extra: [String: String], to path: String) throws {
        guard let m = store.moment1, let v = store.moment2 else { preconditionFailure("training state of an inference store") }
        let n = store.totalCount
        let entries = [
            SafeTensors.Entry(name: "adam.exp_avg", shape: [n], values: Array(UnsafeBufferPointer(start: m.base, count: n))),
            SafeTensors.Entry(name: "adam.exp_avg_sq", shape: [n], values: Array(UnsafeBufferPointer(start: v.base, count: n))),
        ]
        var meta = extra
        meta[TrainingState.metadataKey] = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try SafeTensors.write(entries, metadata: meta, to: path)
    }

    /// Reads the state and copies the moments into `store` (whose layout must match).
    public static func load(_ path: String, into store: ParameterStore) throws -> TrainingState {
        let (entries, meta) = try SafeTensors.read(path)
        guard let json = meta[metadataKey], let state = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw ModelError.checkpointMismatch(path: path, problems: ["no training state in its metadata (not written by mt-train?)"])
        }
        let n = store.totalCount
        for (name, dest) in [("adam.exp_avg", store.moment1!), ("adam.exp_avg_sq", store.moment2!)] {
            guard let e = entries.first(where: { $0.name == name }) else {
                throw ModelError.checkpointMismatch(path: path, problems: ["missing tensor \(name)"])
            }
            guard e.values.count == n else {
                throw ModelError.checkpointMismatch(path: path, problems: ["\(name) has \(e.values.count) values, the model's slab \(n)"])
            }
            e.values.withUnsafeBufferPointer { dest.base.update(from: $0.baseAddress!, count: n) }
        }
        return state
    }
}
