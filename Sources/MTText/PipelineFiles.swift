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

    /// Hashes (FNV-1a, hex) of the BPE codes file (empty path: no BPE) and the two vocabularies.
    public static func hashes(bpeCodes: String, sourceVocab: Vocabulary,
                              targetVocab: Vocabulary) throws -> (bpe: String, source: String, target: String) {
        var h = FNV1a()
        if !bpeCodes.isEmpty { h.add(String(decoding: try InputFile.contents(of: bpeCodes), as: UTF8.self)) }
        func vocab(_ v: Vocabulary) -> String { String(FNV1a.hash(String(decoding: v.fileBytes(), as: UTF8.self)), radix: 16) }
        return (String(h.value, radix: 16), vocab(sourceVocab), vocab(targetVocab))
    }
}
