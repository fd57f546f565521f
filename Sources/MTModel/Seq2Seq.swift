import MTOps

/// Token ids of one training batch. Rows are sentences, padded with `<pad>` = 0.
public struct TokenBatch: Sendable {
    public let batch: Int            // B
    public let sourceLength: Int     // S
    public let targetLength: Int     // T
    public let source: [Int32]       // [B, S]
    public let targetIn: [Int32]     // [B, T] starts with <s>
    public let targetOut: [Int32]    // [B, T] ends with </s>

    public init(batch: Int, sourceLength: Int, targetLength: Int, source: [Int32], targetIn: [Int32], targetOut: [Int32]) {
        precondition(source.count == batch * sourceLength, "TokenBatch: \(source.count) source ids for [\(batch), \(sourceLength)]")
        precondition(targetIn.count == batch * targetLength && targetOut.count == batch * targetLength,
                     "TokenBatch: \(targetIn.count)/\(targetOut.count) target ids for [\(batch), \(targetLength)]")
        self.batch = batch; self.sourceLength = sourceLength; self.targetLength = targetLength
        self.source = source; self.targetIn = targetIn; self.targetOut = targetOut
    }

    /// Real (non-`pad`) target tokens: the loss's denominator.
    public func targetTokens(pad: Int32) -> Int { targetOut.reduce(0) { $0 + ($1 == pad ? 0 : 1) } }
}

/// Fixed ids of the special tokens (ARCHITECTURE.md: vocabulary files list them first). A model's
/// own ids are `config.specialIDs` (the same unless imported).
public enum Vocab {
    public static let pad: Int32 = 0, bos: Int32 = 1, eos: Int32 = 2, unk: Int32 = 3
}

/// The encoder–decoder Transformer: parameters (one `ParameterStore` layout with fairseq names),
/// a forward pass that is a straight list of op calls, and a backward pass that is the same list
/// reversed. The decoder is softmax or T2R (`config.decoderAttention`).
public struct Seq2Seq: Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let sourceEmbedding: Embedding
    public let targetEmbedding: Embedding
    public let encoderLayers: [EncoderLayer]
    public let decoderLayers: [DecoderLayer]
    /// Final LayerNorms, pre-norm only (`encoder.layer_norm`, `decoder.layer_norm`).
    public let encoderNorm: LayerNorm?
    public let decoderNorm: LayerNorm?
    /// logits = h Eᵀ: `decoder.output_projection.weight` [V, D], or the tied embedding.
    public let outputProjection: Linear
    public let dropout: Dropout

    public init(config c: ModelConfig) throws {
        try c.validate()
        config = c
        var layout = ParameterLayout()
        let dPositions = c.maxPositions
        let pad = c.specialIDs.pad, marian = c.embeddingLayout == .marian
        let srcEmb = Embedding.declare(&layout, prefix: "encoder.embed_tokens", vocab: c.sourceVocabSize, dim: c.modelDim,
                                       padID: pad, maxPositions: dPositions, marian: marian, scaled: c.scaleEmbedding)
        sourceEmbedding = srcEmb
        if c.tying == .all {
            targetEmbedding = Embedding(vocab: c.targetVocabSize, dim: c.modelDim, weightID: srcEmb.weightID,
                                        padID: pad, maxPositions: dPositions, marian: marian, scaled: c.scaleEmbedding)
        } else {
            targetEmbedding = Embedding.declare(&layout, prefix: "decoder.embed_tokens", vocab: c.targetVocabSize,
                                                dim: c.modelDim, padID: pad, maxPositions: dPositions, marian: marian,
                                                scaled: c.scaleEmbedding)
        }
        encoderLayers = (0..<c.encoderLayers).map { EncoderLayer.declare(&layout, prefix: "encoder.layers.\($0)", config: c) }
        decoderLayers = (0..<c.decoderLayers).map { DecoderLayer.declare(&layout, prefix: "decoder.layers.\($0)", config: c) }
        encoderNorm = c.preNorm ? LayerNorm.declare(&layout, prefix: "encoder.layer_norm", dim: c.modelDim) : nil
        decoderNorm = c.preNorm ? LayerNorm.declare(&layout, prefix: "decoder.layer_norm", dim: c.modelDim) : nil
        let projection = c.tying == .none
            ? layout.declare("decoder.output_projection.weight", [c.targetVocabSize, c.modelDim]) : targetEmbedding.weightID
        // Declared last, so models without it keep the layout (and checkpoints) of earlier releases.
        let outputBias = c.outputBias ? layout.declare("decoder.output_projection.bias", [c.targetVocabSize]) : nil
        outputProjection = Linear(inFeatures: c.modelDim, outFeatures: c.targetVocabSize, weightID: projection, biasID: outputBias)
        dropout = Dropout(c.dropout)
        self.layout = layout
    }

    /// Fresh weights as fairseq initialises a Transformer (each op documents its scheme).
    public func initialize(_ params: ParameterStore, seed: UInt64) {
        var rng = RNG(seed: seed, stream: 0x1417)
        sourceEmbedding.initialize(params, rng: &rng)
        if config.tying != .all { targetEmbedding.initialize(params, rng: &rng) }
        for l in encoderLayers { l.initialize(params, rng: &rng) }
        for l in decoderLayers { l.initialize(params, rng: &rng) }
        encoderNorm?.initialize(params)
        decoderNorm?.initialize(params)
        if config.tying == .none {
            Init.uniform(params.weight(outputProjection.weightID), bound: 1 / Float(config.modelDim).squareRoot(), rng: &rng)
        }
        if let b = outputProjection.biasID { params.weight(b).fill(0) }
    }

    // MARK: encoder

    public struct EncoderCache: Sendable {
        let embedding: Embedding.Cache
        let drop: Dropout.Cache
        let layers: [EncoderLayer.Cache]
        let norm: LayerNorm.Cache?
        public let padding: PaddingMask
        public let output: Tensor  // [B, S, D]
    }

    /// source [B, S] → encoder output [B, S, D].
    public func encode(source: [Int32], batch: Int, length: Int, training: Bool, rng: inout RNG,
                       params: ParameterStore, arena: Arena) -> EncoderCache {
        let padding = PaddingMask(tokens: source, batch: batch, length: length, padID: config.specialIDs.pad)
        let emb = sourceEmbedding.forward(tokens: source, batch: batch, length: length, params: params, arena: arena)
        let drop = dropout.forward(emb.y, training: training, rng: &rng, arena: arena)
        var h = drop.y
        var caches: [EncoderLayer.Cache] = []
        caches.reserveCapacity(encoderLayers.count)
        for l in encoderLayers {
            let c = l.forward(h, padding: padding, training: training, rng: &rng, params: params, arena: arena)
            caches.append(c)
            h = c.y
        }
        let norm = encoderNorm?.forward(h, params: params, arena: arena)
        return EncoderCache(embedding: emb, drop: drop, layers: caches, norm: norm, padding: padding, output: norm?.y ?? h)
    }

    /// Adds into the encoder's parameter gradients from dOutput [B, S, D].
    func encoderBackward(_ c: EncoderCache, dOutput: Tensor, params: ParameterStore, arena: Arena) {
        var g = dOutput
        if let n = encoderNorm, let nc = c.norm {
            let d = arena.tensor(g.shape, zeroed: true)
            n.backward(nc, dy: g, dx: d, params: params, arena: arena)
            g = d
        }
        for (l, lc) in zip(encoderLayers, c.layers).reversed() {
            let d = arena.tensor(g.shape, zeroed: true)
            l.backward(lc, dy: g, dx: d, params: params, arena: arena)
            g = d
        }
        let de = arena.tensor(g.shape, zeroed: true)
        dropout.backward(c.drop, dy: g, dx: de)
        sourceEmbedding.backward(c.embedding, dy: de, params: params)
    }
}
