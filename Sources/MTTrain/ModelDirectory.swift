import Foundation
import MTData
import MTIO
import MTModel
import MTTensor
import MTText

/// A self-contained model directory (a run's save_dir): the checkpoints, and beside them the
/// vocabularies and BPE codes they were trained with (`vocab.src`, `vocab.tgt`, `bpe.codes`).
/// The text settings (segmentation per side) and the hashes of those files are in each
/// checkpoint's metadata, so a translation loads exactly the pipeline the model was trained with,
/// and a directory whose files do not match its checkpoint is refused before any input is read.
public enum ModelDirectory {
    public static let sourceVocabName = "vocab.src", targetVocabName = "vocab.tgt", bpeName = "bpe.codes"

    /// Hashes (FNV-1a, hex) of the BPE codes file (empty path: no BPE) and the two vocabularies,
    /// as stored in checkpoint metadata under `t2r_mt.{bpe,source_vocab,target_vocab}_hash`.
    public static func fileHashes(bpeCodes: String, sourceVocab: Vocabulary,
                                  targetVocab: Vocabulary) throws -> (bpe: String, source: String, target: String) {
        var h = FNV1a()
        if !bpeCodes.isEmpty { h.add(String(decoding: try InputFile.contents(of: bpeCodes), as: UTF8.self)) }
        func vocab(_ v: Vocabulary) -> String { String(FNV1a.hash(String(decoding: v.fileBytes(), as: UTF8.self)), radix: 16) }
        return (String(h.value, radix: 16), vocab(sourceVocab), vocab(targetVocab))
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Copies the run's vocabularies and codes into its save_dir.
    public static func export(_ c: TrainConfig) throws {
        try CheckpointFiles.copy(c.sourceVocab, to: c.saveDir + "/" + sourceVocabName)
        try CheckpointFiles.copy(c.targetVocab, to: c.saveDir + "/" + targetVocabName)
        if !c.bpeCodes.isEmpty { try CheckpointFiles.copy(c.bpeCodes, to: c.saveDir + "/" + bpeName) }
    }

    public struct Loaded {
        public let model: Seq2Seq
        public let store: ParameterStore
        public let source: TextPipeline
        public let target: TextPipeline
        public let checkpoint: String
    }

    /// Loads `checkpoint` (default: checkpoint_best, else checkpoint_last) from `dir` with its
    /// text pipelines.
    public static func load(dir: String, checkpoint: String? = nil) throws -> Loaded {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw LoadError(message: "model directory \(dir) does not exist")
        }
        let files = CheckpointFiles(dir: dir)
        let path = checkpoint ?? [files.best, files.last].first { FileManager.default.fileExists(atPath: $0) }
        guard let path else {
            throw LoadError(message: "\(dir) holds no checkpoint_best.safetensors or checkpoint_last.safetensors (pass --checkpoint)")
        }
        let (entries, meta) = try SafeTensors.read(path)
        guard let config = try Checkpoint.config(in: meta, path: path) else {
            throw LoadError(message: "\(path): no t2r-mt model config in its metadata")
        }
        for name in [sourceVocabName, targetVocabName] where !FileManager.default.isReadableFile(atPath: dir + "/" + name) {
            throw LoadError(message: "\(dir)/\(name) is missing: a model directory needs the vocabularies it was trained with")
        }
        let srcVocab = try Vocabulary(path: dir + "/" + sourceVocabName)
        let tgtVocab = try Vocabulary(path: dir + "/" + targetVocabName)
        let bpePath = dir + "/" + bpeName
        let hasBPE = FileManager.default.isReadableFile(atPath: bpePath)
        let bpe = try hasBPE ? BPEApplier(codes: BPECodes(path: bpePath)) : nil
        // The files must be the ones the checkpoint was trained with.
        let hashes = try fileHashes(bpeCodes: hasBPE ? bpePath : "", sourceVocab: srcVocab, targetVocab: tgtVocab)
        for (key, value) in [("t2r_mt.source_vocab_hash", hashes.source), ("t2r_mt.target_vocab_hash", hashes.target),
                             ("t2r_mt.bpe_hash", hashes.bpe)] {
            if let expected = meta[key], expected != value {
                throw LoadError(message: "\(dir): \(key.replacingOccurrences(of: "t2r_mt.", with: "")) \(value) does not match the checkpoint's \(expected): these files are not the ones \(path) was trained with")
            }
        }
        guard srcVocab.count == config.sourceVocabSize, tgtVocab.count == config.targetVocabSize else {
            throw LoadError(message: "\(dir): vocabularies have \(srcVocab.count)/\(tgtVocab.count) entries, the model \(config.sourceVocabSize)/\(config.targetVocabSize)")
        }
        let model = try Seq2Seq(config: config)
        let store = ParameterStore(layout: model.layout, training: false)
        try Checkpoint.copy(entries, into: store, path: path)
        func options(_ key: String) -> PretokenizerOptions {
            PretokenizerOptions(segmentation: SegmentationMode(rawValue: meta[key] ?? "words") ?? .words)
        }
        return Loaded(model: model, store: store,
                      source: TextPipeline(pretokenizer: options("t2r_mt.source_segmentation"), bpe: bpe, vocabulary: srcVocab),
                      target: TextPipeline(pretokenizer: options("t2r_mt.target_segmentation"), bpe: bpe, vocabulary: tgtVocab),
                      checkpoint: path)
    }
}
