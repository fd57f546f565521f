import MTOps

/// The architecture of an encoder–decoder Transformer, with presets and validation.
///
/// Stored as JSON in every checkpoint's metadata (`Checkpoint`), so a model directory is
/// self-describing. `validate()` reports every problem at once, each with its numbers.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The attention used in the decoder's self- and cross-attention. The encoder is always softmax.
    public enum DecoderAttention: String, Codable, Sendable, CaseIterable {
        case softmax
        /// Linear attention with a learned feature map φ(u) = ReLU(Wu + b) (T2R.md §2–§4).
        case t2r
    }

    /// Which embedding matrices are one tensor.
    public enum Tying: String, Codable, Sendable, CaseIterable {
        case none
        /// Decoder input embedding and output projection share one matrix.
        case decoderInputOutput = "decoder-input-output"
        /// Encoder and decoder embeddings and the output projection: one matrix (joint vocabulary).
        case all
    }

    /// The feature map φ of a linear-attention (T2R) decoder.
    public enum FeatureMapKind: String, Codable, Sendable, CaseIterable {
        /// Learned φ(u) = ReLU(Wu + b) per head (T2R.md §2).
        case t2r
        /// φ(u) = elu(u) + 1, feature size Dh, no parameters (the paper's ELU baseline, T2R.md §1).
        case elu
        /// Random Fourier features 0.01·[sin Ωû, cos Ωû], feature size 2k, Ω from a fixed seeded
        /// bank, redrawn every update in training (the paper's RFA baseline, T2R.md §1).
        case rfa
    }

    /// The activation between the two FFN projections.
    public enum Activation: String, Codable, Sendable, CaseIterable {
        case relu
        /// x·σ(x) (SiLU): Marian / OPUS-MT.
        case swish
        /// Exact (erf) GELU.
        case gelu
    }

    /// Token embeddings and positions.
    public enum EmbeddingLayout: String, Codable, Sendable, CaseIterable {
        /// fairseq: sinusoids from paddingIdx + 1, pads zero (`Embedding`).
        case fairseq
        /// Hugging Face Marian: sinusoids from 0 with Marian's frequencies, pads embedded too.
        case marian
    }

    /// Ids of the special tokens. Our vocabularies put them first (`Vocab`); imported models keep
    /// the checkpoint's (Marian: </s> 0, <unk> 1, <pad> last, decoder start = <pad>).
    public struct SpecialIDs: Codable, Equatable, Sendable {
        public var pad: Int32
        /// The token the decoder starts from (<s>; Marian: <pad>).
        public var bos: Int32
        public var eos: Int32
        public var unk: Int32
        public init(pad: Int32, bos: Int32, eos: Int32, unk: Int32) {
            self.pad = pad; self.bos = bos; self.eos = eos; self.unk = unk
        }
        public static let standard = SpecialIDs(pad: 0, bos: 1, eos: 2, unk: 3)
    }

    public var sourceVocabSize: Int
    public var targetVocabSize: Int
    /// D: model width.
    public var modelDim: Int
    /// F: feed-forward width.
    public var ffnDim: Int
    /// H: attention heads (D must be divisible by H).
    public var heads: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    public var decoderAttention: DecoderAttention
    /// R for T2R causal self-attention (k_c in T2R.md).
    public var featureSizeSelf: Int
    /// R for T2R cross-attention (k_x in T2R.md).
    public var featureSizeCross: Int
    /// Pre-norm (LayerNorm before each sublayer) instead of fairseq's default post-norm.
    public var preNorm: Bool
    public var tying: Tying
    public var dropout: Float
    public var attentionDropout: Float
    public var activationDropout: Float
    /// Longest sequence the sinusoidal table is built for (grows on demand; never truncates).
    public var maxPositions: Int
    /// φ of the T2R decoder's attentions (unused by a softmax decoder).
    public var featureMap: FeatureMapKind
    /// FFN activation in every encoder and decoder layer.
    public var ffnActivation: Activation
    /// A learned bias added to the logits (`decoder.output_projection.bias` [V]; zero at init).
    public var outputBias: Bool
    /// Positions and pad handling of the embeddings (fairseq unless imported from Marian).
    public var embeddingLayout: EmbeddingLayout = .fairseq
    /// Multiply token embeddings by √D (fairseq always; Marian's `scale_embedding`).
    public var scaleEmbedding: Bool = true
    public var specialIDs: SpecialIDs = .standard

    public init(sourceVocabSize: Int, targetVocabSize: Int, modelDim: Int, ffnDim: Int, heads: Int,
                encoderLayers: Int, decoderLayers: Int, decoderAttention: DecoderAttention = .softmax,
                featureSizeSelf: Int = 32, featureSizeCross: Int = 32, preNorm: Bool = false,
                tying: Tying = .decoderInputOutput, dropout: Float = 0.1, attentionDropout: Float = 0,
                activationDropout: Float = 0, maxPositions: Int = 1024, featureMap: FeatureMapKind = .t2r,
                ffnActivation: Activation = .relu, outputBias: Bool = false) {
        self.sourceVocabSize = sourceVocabSize
        self.targetVocabSize = targetVocabSize
        self.modelDim = modelDim
        self.ffnDim = ffnDim
        self.heads = heads
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        self.decoderAttention = decoderAttention
        self.featureSizeSelf = featureSizeSelf
        self.featureSizeCross = featureSizeCross
        self.preNorm = preNorm
        self.tying = tying
        self.dropout = dropout
        self.attentionDropout = attentionDropout
        self.activationDropout = activationDropout
        self.maxPositions = maxPositions
        self.featureMap = featureMap
        self.ffnActivation = ffnActivation
        self.outputBias = outputBias
    }

    /// Decodes a stored config; the fields added after the first release (feature map, FFN
    /// activation, output bias) default to what those checkpoints were trained with.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sourceVocabSize: try c.decode(Int.self, forKey: .sourceVocabSize),
                  targetVocabSize: try c.decode(Int.self, forKey: .targetVocabSize),
                  modelDim: try c.decode(Int.self, forKey: .modelDim), ffnDim: try c.decode(Int.self, forKey: .ffnDim),
                  heads: try c.decode(Int.self, forKey: .heads), encoderLayers: try c.decode(Int.self, forKey: .encoderLayers),
                  decoderLayers: try c.decode(Int.self, forKey: .decoderLayers),
                  decoderAttention: try c.decode(DecoderAttention.self, forKey: .decoderAttention),
                  featureSizeSelf: try c.decode(Int.self, forKey: .featureSizeSelf),
                  featureSizeCross: try c.decode(Int.self, forKey: .featureSizeCross),
                  preNorm: try c.decode(Bool.self, forKey: .preNorm), tying: try c.decode(Tying.self, forKey: .tying),
                  dropout: try c.decode(Float.self, forKey: .dropout),
                  attentionDropout: try c.decode(Float.self, forKey: .attentionDropout),
                  activationDropout: try c.decode(Float.self, forKey: .activationDropout),
                  maxPositions: try c.decode(Int.self, forKey: .maxPositions),
                  featureMap: try c.decodeIfPresent(FeatureMapKind.self, forKey: .featureMap) ?? .t2r,
                  ffnActivation: try c.decodeIfPresent(Activation.self, forKey: .ffnActivation) ?? .relu,
                  outputBias: try c.decodeIfPresent(Bool.self, forKey: .outputBias) ?? false)
        embeddingLayout = try c.decodeIfPresent(EmbeddingLayout.self, forKey: .embeddingLayout) ?? .fairseq
        scaleEmbedding = try c.decodeIfPresent(Bool.self, forKey: .scaleEmbedding) ?? true
        specialIDs = try c.decodeIfPresent(SpecialIDs.self, forKey: .specialIDs) ?? .standard
    }

    /// Dh: width of one head.
    public var headDim: Int { heads > 0 ? modelDim / heads : 0 }

    public enum Preset: String, CaseIterable, Sendable {
        case tiny, small, base, big
    }

    /// Named architectures: `tiny` for tests, `small` (D 256, F 1024, H 4, 3+3), `base`
    /// (D 512, F 2048, H 8, 6+6), `big` (D 1024, F 4096, H 16, 6+6).
    public static func preset(_ p: Preset, sourceVocabSize: Int, targetVocabSize: Int,
                              decoderAttention: DecoderAttention = .softmax) -> ModelConfig {
        let (d, f, h, e, l): (Int, Int, Int, Int, Int)
        switch p {
        case .tiny: (d, f, h, e, l) = (16, 32, 2, 1, 1)
        case .small: (d, f, h, e, l) = (256, 1024, 4, 3, 3)
        case .base: (d, f, h, e, l) = (512, 2048, 8, 6, 6)
        case .big: (d, f, h, e, l) = (1024, 4096, 16, 6, 6)
        }
        return ModelConfig(sourceVocabSize: sourceVocabSize, targetVocabSize: targetVocabSize,
                           modelDim: d, ffnDim: f, heads: h, encoderLayers: e, decoderLayers: l,
                           decoderAttention: decoderAttention,
                           featureSizeSelf: p == .tiny ? 4 : 32, featureSizeCross: p == .tiny ? 4 : 32,
                           dropout: p == .big ? 0.3 : 0.1)
    }

    /// Throws `ModelError.invalidConfig` listing every problem found.
    public func validate() throws {
        var p: [String] = []
        if sourceVocabSize < 5 { p.append("sourceVocabSize \(sourceVocabSize) < 5 (4 special tokens + 1)") }
        if targetVocabSize < 5 { p.append("targetVocabSize \(targetVocabSize) < 5 (4 special tokens + 1)") }
        if tying == .all && sourceVocabSize != targetVocabSize {
            p.append("tying 'all' needs one joint vocabulary, but source has \(sourceVocabSize) and target \(targetVocabSize) entries")
        }
        if modelDim < 1 { p.append("modelDim \(modelDim) < 1") }
        if modelDim % 2 != 0 { p.append("modelDim \(modelDim) must be even (sinusoidal positions)") }
        if ffnDim < 1 { p.append("ffnDim \(ffnDim) < 1") }
        if heads < 1 { p.append("heads \(heads) < 1") } else if modelDim % heads != 0 {
            p.append("modelDim \(modelDim) is not divisible by heads \(heads)")
        }
        if encoderLayers < 1 { p.append("encoderLayers \(encoderLayers) < 1") }
        if decoderLayers < 1 { p.append("decoderLayers \(decoderLayers) < 1") }
        if featureSizeSelf < 1 { p.append("featureSizeSelf \(featureSizeSelf) < 1") }
        if featureSizeCross < 1 { p.append("featureSizeCross \(featureSizeCross) < 1") }
        for (name, v) in [("dropout", dropout), ("attentionDropout", attentionDropout), ("activationDropout", activationDropout)]
        where !(v >= 0 && v < 1) { p.append("\(name) \(v) not in [0, 1)") }
        if maxPositions < 1 { p.append("maxPositions \(maxPositions) < 1") }
        if decoderAttention == .t2r && featureMap == .rfa && decoderLayers * heads > 400 {
            p.append("feature_map rfa draws decoderLayers × heads = \(decoderLayers * heads) distinct matrices per update from a bank of 400")
        }
        let ids = specialIDs
        for (name, v) in [("pad", ids.pad), ("bos", ids.bos), ("eos", ids.eos), ("unk", ids.unk)]
        where v < 0 || Int(v) >= min(sourceVocabSize, targetVocabSize) {
            p.append("special id \(name) \(v) outside the vocabularies (\(sourceVocabSize), \(targetVocabSize))")
        }
        if ids.eos == ids.pad || ids.eos == ids.bos { p.append("eos \(ids.eos) must differ from pad \(ids.pad) and bos \(ids.bos)") }
        if !p.isEmpty { throw ModelError.invalidConfig(problems: p) }
    }
}

extension ModelConfig.Activation {
    /// The op that computes it.
    public var function: ActivationFunction {
        switch self {
        case .relu: .relu
        case .swish: .swish
        case .gelu: .gelu
        }
    }
}
