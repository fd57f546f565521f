/// The seam between text and ids: whatever turns one line into token ids is injected here.
///
/// `MTData` does not call the normaliser, pretokenizer, BPE or vocabulary itself; the caller wraps
/// them (from `MTText`) in a `SentenceEncoder`, so this module depends only on ids. An encoder
/// returns the ids of the sentence alone, with no specials: batching adds `</s>` to the source,
/// `<s>` to the target input and `</s>` to the target output.
public protocol SentenceEncoder: Sendable {
    /// Token ids of one line (no `<s>`/`</s>`); no id is reserved in `specials` (`<unk>` allowed).
    func encode(_ line: String) throws -> [Int32]
    /// The special ids of the vocabulary the ids index (`.standard` unless imported).
    var specials: SpecialIds { get }
    /// Identifies everything that changes the ids (e.g. hashes of the BPE codes and vocabulary,
    /// normaliser options). It is part of the cache key: change it and the cache is rebuilt.
    var fingerprint: String { get }
}

extension SentenceEncoder {
    /// The toolkit's own vocabularies.
    public var specials: SpecialIds { .standard }
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
    public let specials: SpecialIds
    private let body: @Sendable (String) throws -> [Int32]

    public init(fingerprint: String, specials: SpecialIds = .standard, _ body: @escaping @Sendable (String) throws -> [Int32]) {
        self.fingerprint = fingerprint
        self.specials = specials
        self.body = body
    }

    public func encode(_ line: String) throws -> [Int32] { try body(line) }
}

/// The special ids batching writes and encoders never return. `.standard` is the toolkit's own
/// (the first four lines of every vocabulary file); an imported model keeps its own (Marian:
/// `</s>` 0, `<unk>` 1, `<pad>` last, decoder start = `<pad>`).
public struct SpecialIds: Sendable, Equatable, Hashable {
    /// `<pad>`: fills batches past each sentence's end.
    public var pad: Int32
    /// `<s>`: first token of every target input row (the decoder start).
    public var bos: Int32
    /// `</s>`: last token of every source row and target output row.
    public var eos: Int32
    /// `<unk>`: unknown token; an encoder may return it.
    public var unk: Int32

    public init(pad: Int32, bos: Int32, eos: Int32, unk: Int32) {
        self.pad = pad; self.bos = bos; self.eos = eos; self.unk = unk
    }

    /// `<pad>` 0, `<s>` 1, `</s>` 2, `<unk>` 3.
    public static let standard = SpecialIds(pad: 0, bos: 1, eos: 2, unk: 3)

    /// True for ids an encoder must not return: negative ones, `<pad>`, `<s>` and `</s>`.
    public func isReserved(_ id: Int32) -> Bool { id < 0 || id == pad || id == bos || id == eos }
}
