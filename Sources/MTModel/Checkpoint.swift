import Foundation
import MTTensor

/// Model checkpoints: every parameter of a `ParameterStore` in one `.safetensors` file under its
/// fairseq-style name, with the `ModelConfig` JSON and any extra strings (vocabulary and BPE
/// hashes, the training config) in `__metadata__`.
public enum Checkpoint {
    public static let configKey = "t2r_mt.model_config"
    public static let formatKey = "t2r_mt.format"
    public static let formatVersion = "1"
    /// The files a run's save_dir holds that inference loads by default (best, else last).
    public static let bestName = "checkpoint_best.safetensors", lastName = "checkpoint_last.safetensors"

    /// Saves the weights (atomically) with the config and `extra` metadata.
    public static func save(_ store: ParameterStore, config: ModelConfig, extra: [String: String] = [:],
                            to path: String) throws {
        let entries = store.layout.entries.enumerated().map { id, e in
            SafeTensors.Entry(name: e.name, shape: e.shape, values: store.weight(id).array)
        }
        var meta = extra
        meta[configKey] = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        meta[formatKey] = formatVersion
        try SafeTensors.write(entries, metadata: meta, to: path)
    }

    /// The config stored in a checkpoint (nil for a file written by another tool).
    public static func config(in metadata: [String: String], path: String) throws -> ModelConfig? {
        guard let json = metadata[configKey] else { return nil }
        do {
            return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        } catch {
            throw ModelError.checkpointMismatch(path: path, problems: ["its model config cannot be decoded: \(error)"])
        }
    }

    /// Copies tensors into `store` by name. Every parameter of the store must be present with the
    /// same shape, except those `mayBeMissing` accepts (e.g. fresh φ when swapping to T2R);
    /// tensors in the file that the store does not have are errors unless `ignoreExtra`.
    /// Returns the names of the store's parameters that were not in the file.
    @discardableResult
    public static func copy(_ entries: [SafeTensors.Entry], into store: ParameterStore, path: String,
                            mayBeMissing: (String) -> Bool = { _ in false },
                            ignoreExtra: Bool = false) throws -> [String] {
        var byName: [String: SafeTensors.Entry] = [:]
        for e in entries { byName[e.name] = e }
        var problems: [String] = []
        var missing: [String] = []
        for (id, p) in store.layout.entries.enumerated() {
            guard let e = byName.removeValue(forKey: p.name) else {
                if mayBeMissing(p.name) { missing.append(p.name) } else { problems.append("missing tensor \(p.name) \(p.shape)") }
                continue
            }
            guard e.shape == p.shape else {
                problems.append("tensor \(p.name): shape \(e.shape) in the file, \(p.shape) in the model"); continue
            }
            let w = store.weight(id)
            e.values.withUnsafeBufferPointer { w.pointer.update(from: $0.baseAddress!, count: e.values.count) }
        }
        if !ignoreExtra {
            for name in byName.keys.sorted() { problems.append("unexpected tensor \(name) \(byName[name]!.shape)") }
        }
        if !problems.isEmpty { throw ModelError.checkpointMismatch(path: path, problems: problems) }
        return missing
    }
}

extension JSONEncoder {
    /// Deterministic JSON (sorted keys) so equal configs give equal bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
