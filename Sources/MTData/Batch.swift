/// One training batch: padded id matrices for the encoder and decoder, and the lengths.
///
/// For pair b with source ids x and target ids y (no specials in the corpus):
/// ```
/// source[b]    = x₁ … xₛ </s> <pad> …   S = max over the batch of s + 1 (fairseq appends </s>)
/// targetIn[b]  = <s> y₁ … yₜ <pad> …    T = max over the batch of t + 1 (decoder input)
/// targetOut[b] = y₁ … yₜ </s> <pad> …                                   (what the loss predicts)
/// ```
/// The specials are the vocabulary's (`SpecialIds`: `<pad>` 0, `<s>` 1, `</s>` 2 unless imported;
/// Marian starts the decoder with its `<pad>`). Matrices are row-major. This type holds data only; which pairs go
/// together is decided by `Batcher`.
public struct Batch: Sendable, Equatable {
    /// Corpus index of each row: [B]. Use it to put decoded output back in input order.
    public let indices: [Int]
    /// B: sentences in the batch.
    public let size: Int
    /// S: padded source length (longest source + 1).
    public let sourceLength: Int
    /// T: padded target length (longest target + 1).
    public let targetLength: Int
    /// Source ids ending in `</s>`, padded with 0: [B, S].
    public let source: [Int32]
    /// Decoder input ids starting with `<s>`, padded with 0: [B, T].
    public let targetIn: [Int32]
    /// Decoder output ids ending in `</s>`, padded with 0: [B, T].
    public let targetOut: [Int32]
    /// Real source positions per row, `</s>` included: [B].
    public let sourceLengths: [Int]
    /// Real target positions per row (`targetOut` tokens that are not padding): [B].
    public let targetLengths: [Int]
    /// Σ sourceLengths.
    public let sourceTokens: Int
    /// Σ targetLengths: the number of positions the loss is averaged over.
    public let targetTokens: Int
    /// The ids written around and after each sentence.
    public let specials: SpecialIds

    /// B · max(S, T): the quantity the token budget bounds.
    public var paddedSize: Int { size * max(sourceLength, targetLength) }

    /// Builds the batch of the pairs `indices` of `corpus`, rows in that order.
    public init(corpus: EncodedCorpus, indices: [Int], specials: SpecialIds = .standard) {
        precondition(!indices.isEmpty, "a batch needs at least one pair")
        let b = indices.count
        let s = indices.lazy.map { corpus.sourceLength($0) + 1 }.max()!
        let t = indices.lazy.map { corpus.targetLength($0) + 1 }.max()!
        var src = [Int32](repeating: specials.pad, count: b * s)  // [B, S]
        var tin = [Int32](repeating: specials.pad, count: b * t)  // [B, T]
        var tout = [Int32](repeating: specials.pad, count: b * t)  // [B, T]
        var srcLengths = [Int](repeating: 0, count: b)  // [B]
        var tgtLengths = [Int](repeating: 0, count: b)  // [B]
        for (row, i) in indices.enumerated() {
            let x = corpus.source(i)
            let y = corpus.target(i)
            var k = row * s
            for id in x {
                src[k] = id
                k += 1
            }
            src[k] = specials.eos
            k = row * t
            tin[k] = specials.bos
            for id in y {
                tin[k + 1] = id
                tout[k] = id
                k += 1
            }
            tout[k] = specials.eos
            srcLengths[row] = x.count + 1
            tgtLengths[row] = y.count + 1
        }
        self.indices = indices
        size = b
        sourceLength = s
        targetLength = t
        source = src
        targetIn = tin
        targetOut = tout
        sourceLengths = srcLengths
        targetLengths = tgtLengths
        sourceTokens = srcLengths.reduce(0, +)
        targetTokens = tgtLengths.reduce(0, +)
        self.specials = specials
    }

    /// True where `source` holds padding: [B, S] (the encoder's key padding mask).
    public var sourcePadding: [Bool] { source.map { $0 == specials.pad } }

    /// True where `targetOut` holds padding: [B, T] (positions the loss ignores).
    public var targetPadding: [Bool] { targetOut.map { $0 == specials.pad } }
}
