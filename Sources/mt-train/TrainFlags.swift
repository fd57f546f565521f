import ArgumentParser
import MTTrain

/// One optional flag per `TrainConfig` option (generated from TrainConfig.swift by
/// tools/gen_train_flags.py); a flag given on the command line overrides the YAML file.
struct TrainFlags: ParsableArguments {
    @Option(name: .customLong("train-source"), help: "Training source text (one sentence per line; plain or .gz).")
    var trainSource: String?

    @Option(name: .customLong("train-target"), help: "Training target text, line-aligned with train_source.")
    var trainTarget: String?

    @Option(name: .customLong("valid-source"), help: "Validation source text (optional; enables validation loss and BLEU).")
    var validSource: String?

    @Option(name: .customLong("valid-target"), help: "Validation target text (raw, detokenised: BLEU references).")
    var validTarget: String?

    @Option(name: .customLong("source-lang"), help: "Language codes, e.g. \"en\", \"de\", \"zh\": pick the BLEU tokenizer like sacreBLEU's -l.")
    var sourceLang: String?

    @Option(name: .customLong("target-lang"), help: "Target language code (zh selects the zh BLEU tokenizer, as sacreBLEU -l does).")
    var targetLang: String?

    @Option(name: .customLong("bpe-codes"), help: "BPE codes file (subword-nmt format, from mt-bpe learn-bpe); empty: no BPE.")
    var bpeCodes: String?

    @Option(name: .customLong("source-vocab"), help: "Source vocabulary file (one token per line, specials first).")
    var sourceVocab: String?

    @Option(name: .customLong("target-vocab"), help: "Target vocabulary file (the same file for a joint vocabulary).")
    var targetVocab: String?

    @Option(name: .customLong("source-segmentation"), help: "Pretokenizer segmentation per side: none, words (ICU word break for Han/Kana/Thai), characters.")
    var sourceSegmentation: String?

    @Option(name: .customLong("target-segmentation"), help: "Target-side segmentation: none, words, characters.")
    var targetSegmentation: String?

    @Option(name: .customLong("cache-dir"), help: "Where the binarised corpus cache goes (default: <save_dir>/cache).")
    var cacheDir: String?

    @Option(name: .customLong("max-length"), help: "Pairs with more subword tokens on a side, or a longer length ratio, are dropped (reported).")
    var maxLength: Int?

    @Option(name: .customLong("max-ratio"), help: "Longest allowed length ratio between the sides of a training pair.")
    var maxRatio: Double?

    @Option(name: .customLong("arch"), help: "Model preset: tiny, small (D 256, 3+3), base (D 512, 6+6), big (D 1024, 6+6).")
    var arch: String?

    @Option(name: .customLong("decoder"), help: "Decoder attention: softmax or t2r.")
    var decoder: String?

    @Option(name: .customLong("feature-size-self"), help: "T2R feature size of causal self-attention (k_c).")
    var featureSizeSelf: Int?

    @Option(name: .customLong("feature-size-cross"), help: "T2R feature size of cross-attention (k_x).")
    var featureSizeCross: Int?

    @Option(name: .customLong("feature-map"), help: "Feature map φ of a T2R decoder's attentions: t2r (learned φ(u) = ReLU(Wu + b)), elu (elu(u) + 1), rfa (random Fourier features).")
    var featureMap: String?

    @Option(name: .customLong("ffn-activation"), help: "FFN activation: relu.")
    var ffnActivation: String?

    @Option(name: .customLong("output-bias"), help: "A learned bias on the output logits (decoder.output_projection.bias; zero at init). (true/false)")
    var outputBias: Bool?

    @Option(name: .customLong("pre-norm"), help: "LayerNorm before each sublayer (default: after, as fairseq). (true/false)")
    var preNorm: Bool?

    @Option(name: .customLong("tying"), help: "none, decoder-input-output, all (all needs one joint vocabulary).")
    var tying: String?

    @Option(name: .customLong("dropout"), help: "Dropout on embeddings and sublayer outputs.")
    var dropout: Float?

    @Option(name: .customLong("attention-dropout"), help: "Dropout on attention weights.")
    var attentionDropout: Float?

    @Option(name: .customLong("activation-dropout"), help: "Dropout after the FFN ReLU.")
    var activationDropout: Float?

    @Option(name: .customLong("seed"), help: "Seed for initialisation, batching and dropout.")
    var seed: UInt64?

    @Option(name: .customLong("threads"), help: "Threads for OpenBLAS and the toolkit.")
    var threads: Int?

    @Option(name: .customLong("max-tokens"), help: "Target+source token budget per batch (padded B·max(S, T)).")
    var maxTokens: Int?

    @Option(name: .customLong("update-freq"), help: "Batches per update (gradient accumulation).")
    var updateFreq: Int?

    @Option(name: .customLong("lr"), help: "Peak learning rate (Adam).")
    var lr: Float?

    @Option(name: .customLong("lr-scheduler"), help: "inverse_sqrt (fairseq's default for Transformers) or polynomial_decay (to `end_lr` at `total_num_update`; fairseq's finetuning schedule).")
    var lrScheduler: String?

    @Option(name: .customLong("warmup-updates"), help: "Linear warmup updates before the decay.")
    var warmupUpdates: Int?

    @Option(name: .customLong("warmup-init-lr"), help: "Learning rate at update 0 of the warmup.")
    var warmupInitLr: Float?

    @Option(name: .customLong("total-num-update"), help: "polynomial_decay: the update at which the rate reaches `end_lr` (0: `max_updates`).")
    var totalNumUpdate: Int?

    @Option(name: .customLong("end-lr"), help: "polynomial_decay: the final learning rate.")
    var endLr: Float?

    @Option(name: .customLong("power"), help: "polynomial_decay: the exponent (1: linear).")
    var power: Float?

    @Option(name: .customLong("max-updates"), help: "Stop after this many updates (0: no limit).")
    var maxUpdates: Int?

    @Option(name: .customLong("max-epochs"), help: "Stop after this many epochs (0: no limit).")
    var maxEpochs: Int?

    @Option(name: .customLong("max-minutes"), help: "Wall-clock limit in minutes (0: none), the final validation included: the run saves and stops once less time is left than its last validation took.")
    var maxMinutes: Double?

    @Option(name: .customLong("clip-norm"), help: "Clip the gradient norm to this (0: no clipping).")
    var clipNorm: Float?

    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε (fairseq label_smoothed_cross_entropy).")
    var labelSmoothing: Float?

    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay.")
    var weightDecay: Float?

    @Option(name: .customLong("adam-beta1"), help: "Adam β1.")
    var adamBeta1: Float?

    @Option(name: .customLong("adam-beta2"), help: "Adam β2.")
    var adamBeta2: Float?

    @Option(name: .customLong("adam-eps"), help: "Adam ε.")
    var adamEps: Float?

    @Option(name: .customLong("init-from"), help: "A checkpoint or model directory to start from (a directory: its best, else last checkpoint, and its vocabularies and BPE codes when not given). An mt-import marian directory brings its SentencePiece models, vocabulary and architecture. With decoder t2r this is swap-then-finetune: every tensor copied, fresh φ, fresh optimiser and schedule.")
    var initFrom: String?

    @Option(name: .customLong("save-dir"), help: "Checkpoints, state, config.yaml and metrics.jsonl go here; a run resumes from it.")
    var saveDir: String?

    @Option(name: .customLong("save-interval"), help: "Save (and validate) every N updates; 0: at epoch ends only.")
    var saveInterval: Int?

    @Option(name: .customLong("keep-last"), help: "Numbered checkpoints to keep.")
    var keepLast: Int?

    @Option(name: .customLong("patience"), help: "Stop after this many validations without improvement (0: never).")
    var patience: Int?

    @Option(name: .customLong("best-metric"), help: "bleu or loss.")
    var bestMetric: String?

    @Option(name: .customLong("valid-bleu-sentences"), help: "Validation BLEU decodes at most this many sentences (0: all).")
    var validBleuSentences: Int?

    @Option(name: .customLong("valid-beam"), help: "Beam size for validation BLEU (1: greedy).")
    var validBeam: Int?

    @Option(name: .customLong("valid-lenpen"), help: "Length penalty for validation BLEU.")
    var validLenpen: Float?

    @Option(name: .customLong("max-non-finite"), help: "Consecutive non-finite losses tolerated (each skips its update) before the run stops.")
    var maxNonFinite: Int?

    @Option(name: .customLong("log-interval"), help: "Progress line every N updates.")
    var logInterval: Int?

    /// Applies the flags that were given on top of `c`.
    func apply(to c: inout TrainConfig) {
        if let v = trainSource { c.trainSource = v }
        if let v = trainTarget { c.trainTarget = v }
        if let v = validSource { c.validSource = v }
        if let v = validTarget { c.validTarget = v }
        if let v = sourceLang { c.sourceLang = v }
        if let v = targetLang { c.targetLang = v }
        if let v = bpeCodes { c.bpeCodes = v }
        if let v = sourceVocab { c.sourceVocab = v }
        if let v = targetVocab { c.targetVocab = v }
        if let v = sourceSegmentation { c.sourceSegmentation = v }
        if let v = targetSegmentation { c.targetSegmentation = v }
        if let v = cacheDir { c.cacheDir = v }
        if let v = maxLength { c.maxLength = v }
        if let v = maxRatio { c.maxRatio = v }
        if let v = arch { c.arch = v }
        if let v = decoder { c.decoder = v }
        if let v = featureSizeSelf { c.featureSizeSelf = v }
        if let v = featureSizeCross { c.featureSizeCross = v }
        if let v = featureMap { c.featureMap = v }
        if let v = ffnActivation { c.ffnActivation = v }
        if let v = outputBias { c.outputBias = v }
        if let v = preNorm { c.preNorm = v }
        if let v = tying { c.tying = v }
        if let v = dropout { c.dropout = v }
        if let v = attentionDropout { c.attentionDropout = v }
        if let v = activationDropout { c.activationDropout = v }
        if let v = seed { c.seed = v }
        if let v = threads { c.threads = v }
        if let v = maxTokens { c.maxTokens = v }
        if let v = updateFreq { c.updateFreq = v }
        if let v = lr { c.lr = v }
        if let v = lrScheduler { c.lrScheduler = v }
        if let v = warmupUpdates { c.warmupUpdates = v }
        if let v = warmupInitLr { c.warmupInitLr = v }
        if let v = totalNumUpdate { c.totalNumUpdate = v }
        if let v = endLr { c.endLr = v }
        if let v = power { c.power = v }
        if let v = maxUpdates { c.maxUpdates = v }
        if let v = maxEpochs { c.maxEpochs = v }
        if let v = maxMinutes { c.maxMinutes = v }
        if let v = clipNorm { c.clipNorm = v }
        if let v = labelSmoothing { c.labelSmoothing = v }
        if let v = weightDecay { c.weightDecay = v }
        if let v = adamBeta1 { c.adamBeta1 = v }
        if let v = adamBeta2 { c.adamBeta2 = v }
        if let v = adamEps { c.adamEps = v }
        if let v = initFrom { c.initFrom = v }
        if let v = saveDir { c.saveDir = v }
        if let v = saveInterval { c.saveInterval = v }
        if let v = keepLast { c.keepLast = v }
        if let v = patience { c.patience = v }
        if let v = bestMetric { c.bestMetric = v }
        if let v = validBleuSentences { c.validBleuSentences = v }
        if let v = validBeam { c.validBeam = v }
        if let v = validLenpen { c.validLenpen = v }
        if let v = maxNonFinite { c.maxNonFinite = v }
        if let v = logInterval { c.logInterval = v }
    }
}
