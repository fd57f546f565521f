/// The seam between text and ids: whatever turns one line into token ids is injected here.
///
/// `MTData` does not call the normaliser, pretokenizer, BPE or vocabulary itself; the caller wraps
/// them (from `MTText`) in a `SentenceEncoder`, so this module depends only on ids. An encoder
/// returns the ids of the sentence alone, with no specials: batching adds `</s>` to the source,
/// `<s>` to the target input and `</s>` to the target output.
public protocol SentenceEncoder: Sendable {
    /// Token ids of one line (no `<s>`/`</s>`); ids are ≥ 3 (`<unk>` = 3 allowed).
    func encode(_ line: String) throws -> [Int32]
    /// Identifies everything that changes the ids (e.g. hashes of the BPE codes and vocabulary,
    /// normaliser options). It is part of the cache key: change it and the cache is rebuilt.
    var fingerprint: String { get }
}

/// A `SentenceEncoder` made of a closure and a fingerprint.
///
/// ```swift
/// let enc = ClosureEncoder(fingerprint: "bpe=\(codesHash) vocab=\(vocabHash)") { line in
///     vocabulary.ids(bpe.apply(pretokenizer.split(normalizer(line))))
/// }
/// ```
public struct ClosureEncoder: SentenceEncoder {
    public let fingerprint: String
    private let body: @Sendable (String) throws -> [Int32]

    public init(fingerprint: String, _ body: @escaping @Sendable (String) throws -> [Int32]) {
        self.fingerprint = fingerprint
        self.body = body
    }

    public func encode(_ line: String) throws -> [Int32] { try body(line) }
}

/// Special ids fixed by the architecture (the first four lines of every vocabulary file).
public enum SpecialIds {
    /// `<pad>`: fills batches past each sentence's end.
    public static let pad: Int32 = 0
    /// `<s>`: first token of every target input row.
    public static let bos: Int32 = 1
    /// `</s>`: last token of every source row and target output row.
    public static let eos: Int32 = 2
    /// `<unk>`: unknown token; the smallest id an encoder may return.
    public static let unk: Int32 = 3
}
