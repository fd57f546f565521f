import Foundation
import MTIO

/// Marian's `vocab.json`: piece → id (</s> 0, <unk> 1, …, <pad> last in converted OPUS-MT models).
public struct MarianVocabulary: Sendable {
    public let ids: [String: Int32]
    /// id → piece ("" for an id no piece has).
    public let pieces: [String]
    public var count: Int { pieces.count }

    public init(path: String) throws {
        let bytes = try InputFile.contents(of: path)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw TextError.sentencePiece(path: path, reason: "not a JSON object of piece → id")
        }
        var ids: [String: Int32] = [:]
        var maxID = -1
        for (k, v) in obj {
            guard let n = (v as? NSNumber)?.intValue, n >= 0 else {
                throw TextError.sentencePiece(path: path, reason: "piece \"\(k)\" has id \(v), expected an integer ≥ 0")
            }
            ids[k] = Int32(n)
            maxID = max(maxID, n)
        }
        var pieces = [String](repeating: "", count: maxID + 1)
        for (k, v) in ids { pieces[Int(v)] = k }
        self.ids = ids
        self.pieces = pieces
    }

    public func id(of piece: String) -> Int32? { ids[piece] }
}

/// One side of Hugging Face's MarianTokenizer (transformers' tokenization_marian.py, without
/// the optional sacremoses punctuation normalisation):
/// encode: a leading `>>lang<<` code is kept as one token, the rest is SentencePiece-encoded;
///         pieces map to vocab ids, unknown pieces to <unk> (the caller appends </s>);
/// decode: ids → pieces, special tokens (</s>, <unk>, <pad>) skipped, pieces joined by
///         SentencePiece and ▁ → space, trimmed.
public final class MarianTextSide: @unchecked Sendable {
    public let spm: SentencePieceModel
    public let vocabulary: MarianVocabulary
    public let unk: Int32
    let specials: Set<Int32>

    public init(spm: SentencePieceModel, vocabulary: MarianVocabulary) {
        self.spm = spm
        self.vocabulary = vocabulary
        unk = vocabulary.id(of: "<unk>") ?? 1
        specials = Set(["</s>", "<unk>", "<pad>"].compactMap { vocabulary.id(of: $0) })
    }

    /// Pieces of a line as MarianTokenizer's `_tokenize`.
    public func pieces(_ line: String) -> [String] {
        var text = Substring(line)
        var code: [String] = []
        if text.hasPrefix(">>"), let end = text.range(of: "<<") {
            code.append(String(text[text.startIndex..<end.upperBound]))
            text = text[end.upperBound...]
        }
        return code + spm.encode(String(text))
    }

    /// Token ids without </s>.
    public func encode(_ line: String) -> [Int32] {
        pieces(line).map { vocabulary.ids[$0] ?? unk }
    }

    /// Ids (space-separated pieces) of already segmented text (`--raw`).
    public func encodeSegmented(_ line: String) -> [Int32] {
        line.split(separator: " ").map { vocabulary.ids[String($0)] ?? unk }
    }

    /// Text of ids, special tokens skipped, decoded with `decoder` (HF decodes with the source
    /// model when the vocabulary is shared).
    public func decode(_ ids: [Int32], with decoder: SentencePieceModel? = nil) -> String {
        let ps = ids.compactMap { id -> String? in
            specials.contains(id) || id < 0 || Int(id) >= vocabulary.count ? nil : vocabulary.pieces[Int(id)]
        }
        let text = (decoder ?? spm).decode(ps).replacingOccurrences(of: "\u{2581}", with: " ")
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Pieces of ids joined by spaces (`--raw` output).
    public func decodeSegmented(_ ids: [Int32]) -> String {
        ids.compactMap { specials.contains($0) || Int($0) >= vocabulary.count ? nil : vocabulary.pieces[Int($0)] }
            .joined(separator: " ")
    }
}
