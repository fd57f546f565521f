import Foundation
import MTModel
import MTSearch
import MTText

/// A model directory written by `mt-import marian`: SentencePiece models and Marian's vocab.json
/// instead of vocab.src / vocab.tgt / bpe.codes, and `search.json` with the decoding defaults
/// Hugging Face's `generate` would use.
public enum MarianDirectory {
    public static let sourceSPM = "source.spm", targetSPM = "target.spm"
    public static let vocab = "vocab.json", targetVocab = "target_vocab.json", search = "search.json"

    /// True when `dir` holds SentencePiece models (an imported Marian directory).
    public static func isMarian(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: dir + "/" + sourceSPM)
    }

    /// The files of `dir` that decide its ids (SentencePiece models, vocabularies), as paths.
    public static func textFiles(in dir: String) -> [String] {
        [sourceSPM, targetSPM, vocab, targetVocab].map { dir + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The source and target text pipelines (MarianTokenizer's behaviour), checked against the config.
    public static func pipelines(_ dir: String, config: ModelConfig) throws -> (TextPipeline, TextPipeline) {
        let p = try pipelines(dir)
        guard p.vocabularySizes == (config.sourceVocabSize, config.targetVocabSize) else {
            throw RuntimeError.modelDirectory(path: dir, reason: "vocabularies have \(p.vocabularySizes.source)/\(p.vocabularySizes.target) entries, the model \(config.sourceVocabSize)/\(config.targetVocabSize)")
        }
        return (p.source, p.target)
    }

    /// The pipelines and their vocabulary sizes, for a caller that checks them against a model itself.
    public static func pipelines(_ dir: String) throws
        -> (source: TextPipeline, target: TextPipeline, vocabularySizes: (source: Int, target: Int)) {
        for f in [sourceSPM, targetSPM, vocab] where !FileManager.default.isReadableFile(atPath: dir + "/" + f) {
            throw RuntimeError.modelDirectory(path: dir, reason: "\(f) is missing: an imported Marian directory needs source.spm, target.spm and vocab.json")
        }
        let src = try SentencePieceModel(path: dir + "/" + sourceSPM), tgt = try SentencePieceModel(path: dir + "/" + targetSPM)
        let sv = try MarianVocabulary(path: dir + "/" + vocab)
        let separate = FileManager.default.fileExists(atPath: dir + "/" + targetVocab)
        let tv = separate ? try MarianVocabulary(path: dir + "/" + targetVocab) : sv
        // MarianTokenizer decodes with the source model when the vocabulary is shared.
        return (TextPipeline(marian: MarianTextSide(spm: src, vocabulary: sv)),
                TextPipeline(marian: MarianTextSide(spm: tgt, vocabulary: tv), decoder: separate ? nil : src),
                (sv.count, tv.count))
    }

    /// search.json, when present.
    public static func searchDefaults(_ dir: String) throws -> SearchOptions? {
        let path = dir + "/" + search
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(SearchOptions.self, from: data) } catch {
            throw RuntimeError.modelDirectory(path: path, reason: "not valid search options: \(error)")
        }
    }
}
