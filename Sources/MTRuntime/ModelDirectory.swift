import Foundation

import MTModel
import MTSearch
import MTTensor
import MTText

/// A self-contained model directory (a run's save_dir): the checkpoints, and beside them the
/// vocabularies and BPE codes they were trained with (`PipelineFiles`). The text settings
/// (segmentation per side) and the hashes of those files are in each checkpoint's metadata, so
/// a translation loads exactly the pipeline the model was trained with, and a directory whose
/// files do not match its checkpoint is refused before any input is read.
public struct LoadedModel: Sendable {
    public let model: Seq2Seq
    public let store: ParameterStore
    public let source: TextPipeline
    public let target: TextPipeline
    /// The checkpoint file the weights came from.
    public let checkpoint: String
    /// Decoding defaults stored with the model (`search.json`, e.g. an import's `generate` settings).
    public let searchDefaults: SearchOptions?

    /// Loads `checkpoint` (default: checkpoint_best, else checkpoint_last) from `dir` with its
    /// text pipelines. Throws `RuntimeError.modelDirectory` naming what is missing or
    /// mismatched, or the checkpoint reader's error.
    /// - Parameter computeType: int8 quantizes the linear layers' weights once, after loading.
    public init(directory dir: String, checkpoint: String? = nil, computeType: ComputeType = .float32) throws {
        func fail(_ reason: String) -> RuntimeError { .modelDirectory(path: dir, reason: reason) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw fail("model directory does not exist")
        }
        let candidates = [Checkpoint.bestName, Checkpoint.lastName].map { dir + "/" + $0 }
        guard let path = checkpoint ?? candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw fail("holds no \(Checkpoint.bestName) or \(Checkpoint.lastName) (pass --checkpoint)")
        }
        let (entries, meta) = try SafeTensors.read(path)
        guard let config = try Checkpoint.config(in: meta, path: path) else {
            throw RuntimeError.modelDirectory(path: path, reason: "no t2r-mt model config in its metadata")
        }
        searchDefaults = try MarianDirectory.searchDefaults(dir)
        if MarianDirectory.isMarian(dir) {
            let pipelines = try MarianDirectory.pipelines(dir, config: config)
            source = pipelines.0
            target = pipelines.1
            model = try Seq2Seq(config: config)
            store = ParameterStore(layout: model.layout, training: false)
            try Checkpoint.copy(entries, into: store, path: path)
            model.prepare(store, for: computeType)
            self.checkpoint = path
            return
        }
        for name in [PipelineFiles.sourceVocabName, PipelineFiles.targetVocabName]
        where !FileManager.default.isReadableFile(atPath: dir + "/" + name) {
            throw fail("\(name) is missing: a model directory needs the vocabularies it was trained with")
        }
        let srcVocab = try Vocabulary(path: dir + "/" + PipelineFiles.sourceVocabName)
        let tgtVocab = try Vocabulary(path: dir + "/" + PipelineFiles.targetVocabName)
        let bpePath = dir + "/" + PipelineFiles.bpeName
        let hasBPE = FileManager.default.isReadableFile(atPath: bpePath)
        let bpe = try hasBPE ? BPEApplier(codes: BPECodes(path: bpePath)) : nil
        // The files must be the ones the checkpoint was trained with.
        let hashes = try PipelineFiles.hashes(bpeCodes: hasBPE ? bpePath : "", sourceVocab: srcVocab, targetVocab: tgtVocab)
        for (key, value) in [(PipelineFiles.sourceVocabHashKey, hashes.source), (PipelineFiles.targetVocabHashKey, hashes.target),
                             (PipelineFiles.bpeHashKey, hashes.bpe)] {
            if let expected = meta[key], expected != value {
                throw fail("\(key.replacingOccurrences(of: "t2r_mt.", with: "")) \(value) does not match the checkpoint's \(expected): these files are not the ones \(path) was trained with")
            }
        }
        guard srcVocab.count == config.sourceVocabSize, tgtVocab.count == config.targetVocabSize else {
            throw fail("vocabularies have \(srcVocab.count)/\(tgtVocab.count) entries, the model \(config.sourceVocabSize)/\(config.targetVocabSize)")
        }
        model = try Seq2Seq(config: config)
        store = ParameterStore(layout: model.layout, training: false)
        try Checkpoint.copy(entries, into: store, path: path)
        model.prepare(store, for: computeType)
        func options(_ key: String) -> PretokenizerOptions {
            PretokenizerOptions(segmentation: SegmentationMode(rawValue: meta[key] ?? "words") ?? .words)
        }
        source = TextPipeline(pretokenizer: options(PipelineFiles.sourceSegmentationKey), bpe: bpe, vocabulary: srcVocab)
        target = TextPipeline(pretokenizer: options(PipelineFiles.targetSegmentationKey), bpe: bpe, vocabulary: tgtVocab)
        self.checkpoint = path
    }
}
