import Foundation
import MTModel

/// Every option of a training run, flat, with fairseq-like names (snake_case in YAML, kebab-case
/// as `mt-train` flags). Defaults < YAML file < flags. The resolved config is printed at start
/// and stored with every checkpoint. `validate()` lists every problem with its values.
public struct TrainConfig: Codable, Equatable, Sendable {
    // Data: raw parallel text (plain or .gz), BPE codes and vocabularies prepared beforehand.
    /// Training source text (one sentence per line; plain or .gz).
    public var trainSource: String = ""
    /// Training target text, line-aligned with train_source.
    public var trainTarget: String = ""
    /// Validation source text (optional; enables validation loss and BLEU).
    public var validSource: String = ""
    /// Validation target text (raw, detokenised: BLEU references).
    public var validTarget: String = ""
    /// Language codes, e.g. "en", "de", "zh": pick the BLEU tokenizer like sacreBLEU's -l.
    public var sourceLang: String = "src"
    /// Target language code (zh selects the zh BLEU tokenizer, as sacreBLEU -l does).
    public var targetLang: String = "tgt"
    /// BPE codes file (subword-nmt format, from mt-bpe learn-bpe); empty: no BPE.
    public var bpeCodes: String = ""
    /// Source vocabulary file (one token per line, specials first).
    public var sourceVocab: String = ""
    /// Target vocabulary file (the same file for a joint vocabulary).
    public var targetVocab: String = ""
    /// Pretokenizer segmentation per side: none, words (ICU word break for Han/Kana/Thai), characters.
    public var sourceSegmentation: String = "words"
    /// Target-side segmentation: none, words, characters.
    public var targetSegmentation: String = "words"
    /// Where the binarised corpus cache goes (default: <save_dir>/cache).
    public var cacheDir: String = ""
    /// Pairs with more subword tokens on a side, or a longer length ratio, are dropped (reported).
    public var maxLength: Int = 250
    /// Longest allowed length ratio between the sides of a training pair.
    public var maxRatio: Double = 3

    // Model.
    /// Model preset: tiny, small (D 256, 3+3), base (D 512, 6+6), big (D 1024, 6+6).
    public var arch: String = "small"
    /// Decoder attention: softmax or t2r.
    public var decoder: String = "softmax"
    /// T2R feature size of causal self-attention (k_c).
    public var featureSizeSelf: Int = 32
    /// T2R feature size of cross-attention (k_x).
    public var featureSizeCross: Int = 32
    /// Feature map φ of a T2R decoder's attentions: t2r (learned φ(u) = ReLU(Wu + b)), elu (elu(u) + 1), rfa (random Fourier features).
    public var featureMap: String = "t2r"
    /// FFN activation: relu.
    public var ffnActivation: String = "relu"
    /// A learned bias on the output logits (decoder.output_projection.bias; zero at init).
    public var outputBias: Bool = false
    /// LayerNorm before each sublayer (default: after, as fairseq).
    public var preNorm: Bool = false
    /// none, decoder-input-output, all (all needs one joint vocabulary).
    public var tying: String = "decoder-input-output"
    /// Dropout on embeddings and sublayer outputs.
    public var dropout: Float = 0.1
    /// Dropout on attention weights.
    public var attentionDropout: Float = 0
    /// Dropout after the FFN ReLU.
    public var activationDropout: Float = 0

    // Optimisation.
    /// Seed for initialisation, batching and dropout.
    public var seed: UInt64 = 1
    /// Threads for OpenBLAS and the toolkit.
    public var threads: Int = 2
    /// Target+source token budget per batch (padded B·max(S, T)).
    public var maxTokens: Int = 4096
    /// Batches per update (gradient accumulation).
    public var updateFreq: Int = 1
    /// Peak learning rate (Adam).
    public var lr: Float = 5e-4
    /// inverse_sqrt (fairseq's default for Transformers) or polynomial_decay (to `end_lr` at
    /// `total_num_update`; fairseq's finetuning schedule).
    public var lrScheduler: String = "inverse_sqrt"
    /// Linear warmup updates before the decay.
    public var warmupUpdates: Int = 4000
    /// Learning rate at update 0 of the warmup.
    public var warmupInitLr: Float = 1e-7
    /// polynomial_decay: the update at which the rate reaches `end_lr` (0: `max_updates`).
    public var totalNumUpdate: Int = 0
    /// polynomial_decay: the final learning rate.
    public var endLr: Float = 0
    /// polynomial_decay: the exponent (1: linear).
    public var power: Float = 1
    /// Stop after this many updates (0: no limit).
    public var maxUpdates: Int = 0
    /// Stop after this many epochs (0: no limit).
    public var maxEpochs: Int = 0
    /// Wall-clock limit in minutes (0: none), the final validation included: the run saves and stops once less time is left than its last validation took.
    public var maxMinutes: Double = 0
    /// Clip the gradient norm to this (0: no clipping).
    public var clipNorm: Float = 0
    /// Label smoothing ε (fairseq label_smoothed_cross_entropy).
    public var labelSmoothing: Float = 0.1
    /// Decoupled weight decay.
    public var weightDecay: Float = 0
    /// Adam β1.
    public var adamBeta1: Float = 0.9
    /// Adam β2.
    public var adamBeta2: Float = 0.98
    /// Adam ε.
    public var adamEps: Float = 1e-8
    /// A softmax (or T2R) checkpoint to start from; with decoder t2r this is swap-then-finetune:
    /// every tensor copied, fresh φ, fresh optimiser and schedule. `mt-train` also accepts a model
    /// directory here (resolved to its checkpoint; an imported Marian directory brings its text side).
    public var initFrom: String = ""

    // Checkpoints and validation.
    /// Checkpoints, state, config.yaml and metrics.jsonl go here; a run resumes from it.
    public var saveDir: String = "checkpoints"
    /// Save (and validate) every N updates; 0: at epoch ends only.
    public var saveInterval: Int = 0
    /// Numbered checkpoints to keep.
    public var keepLast: Int = 5
    /// Stop after this many validations without improvement (0: never).
    public var patience: Int = 0
    /// bleu or loss.
    public var bestMetric: String = "bleu"
    /// Validation BLEU decodes at most this many sentences (0: all).
    public var validBleuSentences: Int = 0
    /// Beam size for validation BLEU (1: greedy).
    public var validBeam: Int = 1
    /// Length penalty for validation BLEU.
    public var validLenpen: Float = 1
    /// Consecutive non-finite losses tolerated (each skips its update) before the run stops.
    public var maxNonFinite: Int = 10

    // Logging.
    /// Progress line every N updates.
    public var logInterval: Int = 50

    public init() {}

    /// Problems with the values themselves (files are checked when the run opens them).
    public func validate() throws {
        var p: [String] = []
        for (name, v) in [("train_source", trainSource), ("train_target", trainTarget)] where v.isEmpty {
            p.append("\(name) is required")
        }
        // A model directory given as init_from may bring its own text files (checked when opened).
        for (name, v) in [("source_vocab", sourceVocab), ("target_vocab", targetVocab)] where v.isEmpty && initFrom.isEmpty {
            p.append("\(name) is required (or init_from a model directory)")
        }
        if (validSource.isEmpty) != (validTarget.isEmpty) { p.append("valid_source and valid_target go together") }
        if ModelConfig.Preset(rawValue: arch) == nil { p.append("arch '\(arch)' is not one of tiny, small, base, big") }
        if ModelConfig.DecoderAttention(rawValue: decoder) == nil { p.append("decoder '\(decoder)' is not softmax or t2r") }
        if ModelConfig.FeatureMapKind(rawValue: featureMap) == nil {
            p.append("feature_map '\(featureMap)' is not one of \(ModelConfig.FeatureMapKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if ModelConfig.Activation(rawValue: ffnActivation) == nil {
            p.append("ffn_activation '\(ffnActivation)' is not one of \(ModelConfig.Activation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if ModelConfig.Tying(rawValue: tying) == nil { p.append("tying '\(tying)' is not none, decoder-input-output or all") }
        for (name, v) in [("source_segmentation", sourceSegmentation), ("target_segmentation", targetSegmentation)]
        where !["none", "words", "characters"].contains(v) { p.append("\(name) '\(v)' is not none, words or characters") }
        if maxTokens < 16 { p.append("max_tokens \(maxTokens) < 16") }
        if updateFreq < 1 { p.append("update_freq \(updateFreq) < 1") }
        if !(lr > 0) { p.append("lr \(lr) must be > 0") }
        if warmupUpdates < 0 { p.append("warmup_updates \(warmupUpdates) < 0") }
        if let kind = LRSchedule.Kind(rawValue: lrScheduler) {
            if kind == .polynomialDecay {
                let total = scheduleTotalUpdates
                if total <= warmupUpdates {
                    p.append("polynomial_decay needs total_num_update (or max_updates) > warmup_updates; got \(total) and \(warmupUpdates)")
                }
                if !(endLr >= 0 && endLr <= lr) { p.append("end_lr \(endLr) not in [0, lr \(lr)]") }
                if !(power > 0) { p.append("power \(power) must be > 0") }
            }
        } else {
            p.append("lr_scheduler '\(lrScheduler)' is not one of \(LRSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if maxUpdates <= 0 && maxEpochs <= 0 && maxMinutes <= 0 { p.append("set max_updates, max_epochs or max_minutes") }
        if threads < 1 { p.append("threads \(threads) < 1") }
        if !(labelSmoothing >= 0 && labelSmoothing < 1) { p.append("label_smoothing \(labelSmoothing) not in [0, 1)") }
        if keepLast < 1 { p.append("keep_last \(keepLast) < 1") }
        if !["bleu", "loss"].contains(bestMetric) { p.append("best_metric '\(bestMetric)' is not bleu or loss") }
        if bestMetric == "bleu" && validSource.isEmpty && patience > 0 { p.append("patience on BLEU needs valid_source/valid_target") }
        if validBeam < 1 { p.append("valid_beam \(validBeam) < 1") }
        if maxLength < 1 { p.append("max_length \(maxLength) < 1") }
        if !(maxRatio >= 1) { p.append("max_ratio \(maxRatio) < 1") }
        if !p.isEmpty { throw TrainError.invalidConfig(problems: p) }
    }

    /// polynomial_decay's end update: total_num_update, or max_updates when that is 0.
    public var scheduleTotalUpdates: Int { totalNumUpdate > 0 ? totalNumUpdate : maxUpdates }

    /// The learning-rate schedule this config asks for (call after `validate()`).
    public var schedule: LRSchedule {
        LRSchedule(peak: lr, warmupUpdates: warmupUpdates, warmupInitLR: warmupInitLr,
                   kind: LRSchedule.Kind(rawValue: lrScheduler) ?? .inverseSqrt,
                   totalUpdates: scheduleTotalUpdates, end: endLr, power: power)
    }

    /// The model architecture this config asks for, given vocabulary sizes.
    public func modelConfig(sourceVocabSize: Int, targetVocabSize: Int) throws -> ModelConfig {
        guard let preset = ModelConfig.Preset(rawValue: arch), let dec = ModelConfig.DecoderAttention(rawValue: decoder),
              let tie = ModelConfig.Tying(rawValue: tying),
              let activation = ModelConfig.Activation(rawValue: ffnActivation) else { try validate(); fatalError("unreachable") }
        var c = ModelConfig.preset(preset, sourceVocabSize: sourceVocabSize, targetVocabSize: targetVocabSize, decoderAttention: dec)
        c.ffnActivation = activation
        c.outputBias = outputBias
        c.preNorm = preNorm
        c.tying = tie
        return try withRunSettings(c)
    }

    /// An init_from checkpoint's architecture (an imported model's dimensions, activation,
    /// positions and special ids) with this run's decoder, feature map, feature sizes and dropout.
    public func modelConfig(adapting start: ModelConfig) throws -> ModelConfig { try withRunSettings(start) }

    /// `c` with what every run decides for itself: decoder, feature map and sizes, dropout.
    func withRunSettings(_ start: ModelConfig) throws -> ModelConfig {
        guard let dec = ModelConfig.DecoderAttention(rawValue: decoder),
              let phi = ModelConfig.FeatureMapKind(rawValue: featureMap) else { try validate(); fatalError("unreachable") }
        var c = start
        c.decoderAttention = dec
        c.featureMap = phi
        c.featureSizeSelf = featureSizeSelf
        c.featureSizeCross = featureSizeCross
        c.dropout = dropout
        c.attentionDropout = attentionDropout
        c.activationDropout = activationDropout
        try c.validate()
        return c
    }
}
