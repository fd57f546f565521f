/// Raw text ↔ token ids for one side of a model: normalise and pretokenize (`Pretokenizer`),
/// segment with BPE (`BPEApplier`, optional), map to ids (`Vocabulary`); and back: ids →
/// tokens → remove `@@ ` → detokenize. The same object serves training data preparation,
/// validation and `mt-translate`, so all three see identical text processing.
public final class TextPipeline: @unchecked Sendable {
    public let pretokenizer: Pretokenizer
    public let bpe: BPEApplier?
    public let vocabulary: Vocabulary
    private let detokenizer = Detokenizer()
    /// Set for an imported Marian model: SentencePiece and vocab.json instead of the
    /// pretokenizer, BPE and `vocabulary` (`MarianTextSide`); `decoder` decodes its output.
    public let marian: MarianTextSide?
    let marianDecoder: SentencePieceModel?

    public init(pretokenizer: PretokenizerOptions, bpe: BPEApplier?, vocabulary: Vocabulary) {
        self.pretokenizer = Pretokenizer(pretokenizer)
        self.bpe = bpe
        self.vocabulary = vocabulary
        marian = nil
        marianDecoder = nil
    }

    /// A SentencePiece side (Marian); `decoder` is the model that joins output pieces.
    public init(marian side: MarianTextSide, decoder: SentencePieceModel? = nil) {
        pretokenizer = Pretokenizer(PretokenizerOptions())
        bpe = nil
        vocabulary = Vocabulary()
        marian = side
        marianDecoder = decoder
    }

    /// Ids of already segmented text (`--raw` input).
    public func encodeSegmented(_ line: String) -> [Int32] {
        marian?.encodeSegmented(line) ?? vocabulary.encode(line)
    }

    /// Pretokenized and BPE-segmented text (space-separated subwords with `@@ ` continuations).
    public func segment(_ line: String) -> String {
        if let m = marian { return m.pieces(line).joined(separator: " ") }
        let pre = pretokenizer.pretokenize(line)
        return bpe?.segment(pre) ?? pre
    }

    /// Token ids of a raw line, without `<s>` or `</s>`. Text that spells a special token
    /// (a literal "</s>" in the input) maps to `<unk>`, never to the special id itself.
    public func encode(_ line: String) -> [Int32] {
        if let m = marian { return m.encode(line) }
        return vocabulary.encode(segment(line)).map { $0 < Vocabulary.unkID ? Vocabulary.unkID : $0 }
    }

    /// Raw text of model output ids (stops at `</s>`, skips `<pad>` and `<s>`).
    public func decode(_ ids: [Int32]) -> String {
        if let m = marian { return m.decode(ids, with: marianDecoder) }
        return detokenizer.decode(vocabulary.decode(ids))
    }

    /// Segmented text of ids, before BPE removal and detokenization (`--raw` output).
    public func decodeSegmented(_ ids: [Int32]) -> String {
        if let m = marian { return m.decodeSegmented(ids) }
        return vocabulary.decode(ids)
    }
}
