import Foundation
import MTIO
import MTModel
import MTTensor
import MTText

/// `mt-import marian HF_DIR -o MODEL_DIR`: a Hugging Face Marian directory (config.json,
/// model.safetensors or pytorch_model.bin, source.spm, target.spm, vocab.json
/// [, target_vocab.json], generation_config.json) → one of our model directories:
///
///   checkpoint_best.safetensors   our tensor names, the ModelConfig (Marian layout and ids) in metadata
///   source.spm, target.spm        the SentencePiece models, copied
///   vocab.json [, target_vocab.json]  Marian's piece → id maps, copied
///   search.json                   generate's defaults (beam, length penalty, max length, HF rules)
public enum MarianImporter {
    public static let searchName = "search.json"
    public static let formatKey = "t2r_mt.imported_from"

    public struct Result: Sendable {
        public let config: MarianConfig
        public let weightsFile: String
        public let tensors: Int
    }

    /// Reads the HF tensors of `dir`: model.safetensors when present, else pytorch_model.bin.
    public static func readTensors(directory dir: String) throws -> (entries: [String: SafeTensors.Entry], path: String) {
        let st = dir + "/model.safetensors", bin = dir + "/pytorch_model.bin"
        var entries: [SafeTensors.Entry]
        let path: String
        if FileManager.default.fileExists(atPath: st) {
            path = st
            entries = try SafeTensors.read(st).entries
        } else if FileManager.default.fileExists(atPath: bin) {
            path = bin
            entries = try TorchCheckpoint.read(bin)
        } else {
            throw ImportError.missingFile(path: dir, reason: "holds neither model.safetensors nor pytorch_model.bin")
        }
        var byName: [String: SafeTensors.Entry] = [:]
        for e in entries { byName[e.name] = e }
        return (byName, path)
    }

    /// Imports `hfDir` into `outDir` (created if needed).
    @discardableResult
    public static func run(hfDirectory hfDir: String, output outDir: String) throws -> Result {
        let config = try MarianConfig(directory: hfDir)
        let model = try Seq2Seq(config: config.model)
        let (hf, path) = try readTensors(directory: hfDir)
        let ours = try MarianWeights.convert(hf, config: config, model: model, path: path)
        let fm = FileManager.default
        var files = ["source.spm", "target.spm", "vocab.json"]
        if !config.shared || fm.fileExists(atPath: hfDir + "/target_vocab.json") {
            files.append("target_vocab.json")
        }
        for f in files where !fm.isReadableFile(atPath: hfDir + "/" + f) {
            throw ImportError.missingFile(path: hfDir + "/" + f, reason: "missing: a Marian directory needs it")
        }
        // The vocabularies must have the sizes the config says.
        let srcVocab = try MarianVocabulary(path: hfDir + "/vocab.json")
        let tgtVocab = files.contains("target_vocab.json") ? try MarianVocabulary(path: hfDir + "/target_vocab.json") : srcVocab
        var problems: [String] = []
        if srcVocab.count != config.model.sourceVocabSize { problems.append("vocab.json has \(srcVocab.count) entries, config vocab_size \(config.model.sourceVocabSize)") }
        if tgtVocab.count != config.model.targetVocabSize { problems.append("target vocabulary has \(tgtVocab.count) entries, the decoder \(config.model.targetVocabSize)") }
        let ids = config.model.specialIDs
        for (v, name) in [(srcVocab, "source"), (tgtVocab, "target")] {
            if v.id(of: "</s>") != ids.eos { problems.append("\(name) vocabulary: </s> is \(v.id(of: "</s>").map(String.init) ?? "absent"), eos_token_id \(ids.eos)") }
            if v.id(of: "<unk>") != ids.unk { problems.append("\(name) vocabulary: <unk> is \(v.id(of: "<unk>").map(String.init) ?? "absent"), expected \(ids.unk)") }
        }
        if srcVocab.id(of: "<pad>") != ids.pad { problems.append("vocab.json: <pad> is \(srcVocab.id(of: "<pad>").map(String.init) ?? "absent"), pad_token_id \(ids.pad)") }
        if !problems.isEmpty { throw ImportError.unsupported(path: hfDir, problems: problems) }

        try fm.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        for f in files {
            let dst = outDir + "/" + f
            if fm.fileExists(atPath: dst) { try fm.removeItem(atPath: dst) }
            try fm.copyItem(atPath: hfDir + "/" + f, toPath: dst)
        }
        let store = ParameterStore(layout: model.layout, training: false)
        try Checkpoint.copy(ours, into: store, path: path)
        try Checkpoint.save(store, config: config.model, extra: [formatKey: "huggingface-marian"],
                            to: outDir + "/" + Checkpoint.bestName)
        let search = try JSONEncoder.sortedPretty.encode(config.search)
        try AtomicFile.write([UInt8](search), to: outDir + "/" + searchName)
        return Result(config: config, weightsFile: path, tensors: ours.count)
    }
}

extension JSONEncoder {
    static var sortedPretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}
