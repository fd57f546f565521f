import MTIO

/// The text files a model directory holds beside its checkpoints (`vocab.src`, `vocab.tgt`,
/// `bpe.codes`), and their hashes: training stores them in every checkpoint's metadata, and
/// loading refuses a directory whose files do not match them.
public enum PipelineFiles {
    public static let sourceVocabName = "vocab.src", targetVocabName = "vocab.tgt", bpeName = "bpe.codes"

    /// Checkpoint metadata keys of the hashes, the segmentation settings per side.
    public static let bpeHashKey = "t2r_mt.bpe_hash"
    public static let sourceVocabHashKey = "t2r_mt.source_vocab_hash"
    public static let targetVocabHashKey = "t2r_mt.target_vocab_hash"
    public static let sourceSegmentationKey = "t2r_mt.source_segmentation"
    public static let targetSegmentationKey = "t2r_mt.target_segmentation"
    /// Metadata key of the hash of a directory's own text files (`hash(files:)`): an imported
    /// model's SentencePiece models and vocabularies, for runs finetuned from it.
    public static let textHashKey = "t2r_mt.text_hash"

    /// Hashes (FNV-1a, hex) of the BPE codes file (empty path: no BPE) and the two vocabularies.
    public static func hashes(bpeCodes: String, sourceVocab: Vocabulary,
                              targetVocab: Vocabulary) throws -> (bpe: String, source: String, target: String) {
        var h = FNV1a()
        if !bpeCodes.isEmpty { h.add(String(decoding: try InputFile.contents(of: bpeCodes), as: UTF8.self)) }
        func vocab(_ v: Vocabulary) -> String { String(FNV1a.hash(String(decoding: v.fileBytes(), as: UTF8.self)), radix: 16) }
        return (String(h.value, radix: 16), vocab(sourceVocab), vocab(targetVocab))
    }

    /// Hash (FNV-1a, hex) of the contents of `files`, in order, each preceded by its file name.
    public static func hash(files: [String]) throws -> String {
        var h = FNV1a()
        for f in files {
            h.add(f.split(separator: "/").last.map(String.init) ?? f)
            try InputFile.contents(of: f).withUnsafeBytes { h.add($0) }
        }
        return String(h.value, radix: 16)
    }
}
