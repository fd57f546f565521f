import Foundation
import MTIO
import MTModel
import MTTensor
import MTText

/// The files of a run's save directory:
/// `checkpoint_last.safetensors` + `checkpoint_last.state.safetensors` (resume from here),
/// `checkpoint_<update>.safetensors` (the last `keep_last` are kept), `checkpoint_best.safetensors`,
/// `checkpoint_avg.safetensors` (averaging), `config.yaml` (the resolved config), `metrics.jsonl`.
public struct CheckpointFiles: Sendable {
    public let dir: String
    public init(dir: String) { self.dir = dir }

    public var last: String { dir + "/" + Checkpoint.lastName }
    public var lastState: String { dir + "/checkpoint_last.state.safetensors" }
    public var best: String { dir + "/" + Checkpoint.bestName }
    public var average: String { dir + "/checkpoint_avg.safetensors" }
    public var config: String { dir + "/config.yaml" }
    public var metrics: String { dir + "/metrics.jsonl" }
    public func numbered(_ update: Int) -> String { dir + "/checkpoint_\(update).safetensors" }

    /// Numbered checkpoints present, oldest first.
    public func numberedCheckpoints() -> [(update: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap { n -> (Int, String)? in
            guard n.hasPrefix("checkpoint_"), n.hasSuffix(".safetensors"),
                  let u = Int(n.dropFirst("checkpoint_".count).dropLast(".safetensors".count)) else { return nil }
            return (u, dir + "/" + n)
        }.sorted { $0.0 < $1.0 }
    }

    /// Removes numbered checkpoints beyond the newest `keep`.
    public func prune(keep: Int) {
        let all = numberedCheckpoints()
        for (_, path) in all.dropLast(keep) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Copies the run's vocabularies and BPE codes into the directory under the names a model
    /// directory uses (`PipelineFiles`), so the save_dir translates on its own.
    public func exportTextFiles(of c: TrainConfig) throws {
        try Self.copy(c.sourceVocab, to: dir + "/" + PipelineFiles.sourceVocabName)
        try Self.copy(c.targetVocab, to: dir + "/" + PipelineFiles.targetVocabName)
        if !c.bpeCodes.isEmpty { try Self.copy(c.bpeCodes, to: dir + "/" + PipelineFiles.bpeName) }
    }

    /// Copies `paths` into the directory under their file names (an imported model's text files).
    public func export(_ paths: [String]) throws {
        for p in paths { try Self.copy(p, to: dir + "/" + (p.split(separator: "/").last.map(String.init) ?? p)) }
    }

    /// Copies a file atomically (the destination is replaced whole or not at all).
    /// Throws `IOError` naming the file that could not be read or written.
    public static func copy(_ from: String, to: String) throws {
        try AtomicFile.write(try InputFile.contents(of: from), to: to)
    }
}

/// Element-wise mean of several checkpoints of one model (fairseq's average_checkpoints.py).
public enum CheckpointAverage {
    public static func average(_ paths: [String], to output: String) throws {
        precondition(!paths.isEmpty)
        var sums: [String: [Double]] = [:]
        var shapes: [String: [Int]] = [:]
        var firstMeta: [String: String] = [:]
        var names: [String] = []
        for (k, path) in paths.enumerated() {
            let (entries, meta) = try SafeTensors.read(path)
            if k == 0 {
                firstMeta = meta
                names = entries.map(\.name)
                for e in entries { shapes[e.name] = e.shape; sums[e.name] = e.values.map(Double.init) }
                continue
            }
            var problems: [String] = []
            if entries.map(\.name) != names { problems.append("its tensor names differ from \(paths[0])'s") }
            for e in entries where shapes[e.name] != nil && shapes[e.name] != e.shape {
                problems.append("\(e.name): shape \(e.shape), \(shapes[e.name]!) in \(paths[0])")
            }
            if !problems.isEmpty { throw ModelError.checkpointMismatch(path: path, problems: problems) }
            for e in entries {
                sums[e.name]!.withUnsafeMutableBufferPointer { s in
                    for i in 0..<e.values.count { s[i] += Double(e.values[i]) }
                }
            }
        }
        let n = Double(paths.count)
        let out = names.map { SafeTensors.Entry(name: $0, shape: shapes[$0]!, values: sums[$0]!.map { Float($0 / n) }) }
        var meta = firstMeta
        meta["t2r_mt.averaged_from"] = paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ",")
        try SafeTensors.write(out, metadata: meta, to: output)
    }
}
