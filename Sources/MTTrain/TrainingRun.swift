import Foundation
import MTData
import MTModel
import MTTensor
import MTText

/// Everything a run opens before its first update: the text pipelines (pretokenizer, BPE,
/// vocabularies), the binarised corpora, the model (fresh, continued, or swapped from a softmax
/// checkpoint) and the validator. `mt-train` and the tests build runs through here.
public struct TrainingRun {
    public let config: TrainConfig
    public let source: TextPipeline
    public let target: TextPipeline
    public let model: Seq2Seq
    public let store: ParameterStore
    public let train: ParallelCorpus
    public let validator: Validator?
    public let metadata: [String: String]
    /// Set when the run started from `init_from`: what was loaded and how.
    public let initReport: String?
    /// The model loaded from `init_from` (for the before/after table of swap-then-finetune).
    public let teacher: (model: Seq2Seq, store: ParameterStore)?

    static func segmentation(_ s: String) -> SegmentationMode { SegmentationMode(rawValue: s) ?? .words }

    /// - Parameter translate: decoding for validation BLEU (nil: loss only).
    public init(config: TrainConfig, translate: Validator.Translate?, log: TrainLog) throws {
        try config.validate()
        self.config = config
        for (name, path) in [("train_source", config.trainSource), ("train_target", config.trainTarget),
                             ("source_vocab", config.sourceVocab), ("target_vocab", config.targetVocab),
                             ("valid_source", config.validSource), ("valid_target", config.validTarget),
                             ("bpe_codes", config.bpeCodes), ("init_from", config.initFrom)]
        where !path.isEmpty && !FileManager.default.isReadableFile(atPath: path) {
            throw TrainError.setup("\(name): cannot read \(path)")
        }
        let bpe = try config.bpeCodes.isEmpty ? nil : BPEApplier(codes: BPECodes(path: config.bpeCodes))
        let srcVocab = try Vocabulary(path: config.sourceVocab)
        let tgtVocab = config.targetVocab == config.sourceVocab ? srcVocab : try Vocabulary(path: config.targetVocab)
        let srcOptions = PretokenizerOptions(segmentation: Self.segmentation(config.sourceSegmentation))
        let tgtOptions = PretokenizerOptions(segmentation: Self.segmentation(config.targetSegmentation))
        source = TextPipeline(pretokenizer: srcOptions, bpe: bpe, vocabulary: srcVocab)
        target = TextPipeline(pretokenizer: tgtOptions, bpe: bpe, vocabulary: tgtVocab)

        let (bpeHash, srcHash, tgtHash) = try PipelineFiles.hashes(bpeCodes: config.bpeCodes, sourceVocab: srcVocab,
                                                                         targetVocab: tgtVocab)
        let src = source, tgt = target
        let srcEncoder = ClosureEncoder(fingerprint: "bpe=\(bpeHash) vocab=\(srcHash) seg=\(config.sourceSegmentation)") { src.encode($0) }
        let tgtEncoder = ClosureEncoder(fingerprint: "bpe=\(bpeHash) vocab=\(tgtHash) seg=\(config.targetSegmentation)") { tgt.encode($0) }
        metadata = [PipelineFiles.bpeHashKey: bpeHash, PipelineFiles.sourceVocabHashKey: srcHash,
                    PipelineFiles.targetVocabHashKey: tgtHash,
                    PipelineFiles.sourceSegmentationKey: config.sourceSegmentation,
                    PipelineFiles.targetSegmentationKey: config.targetSegmentation]

        let cacheDir = config.cacheDir.isEmpty ? config.saveDir + "/cache" : config.cacheDir
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let filter = CorpusFilter(maxTokens: config.maxLength, maxRatio: config.maxRatio)
        let t0 = Date()
        let (trainCorpus, outcome) = try CorpusCache.loadOrBuild(
            cachePath: cacheDir + "/train.ids", sourcePath: config.trainSource, targetPath: config.trainTarget,
            sourceEncoder: srcEncoder, targetEncoder: tgtEncoder, filter: filter, threads: config.threads)
        train = trainCorpus
        log.info("train data: \(trainCorpus.summary) (\(outcome), \(String(format: "%.1f", Date().timeIntervalSince(t0))) s)")

        if !config.validSource.isEmpty {
            let (validCorpus, _) = try CorpusCache.loadOrBuild(
                cachePath: cacheDir + "/valid.ids", sourcePath: config.validSource, targetPath: config.validTarget,
                sourceEncoder: srcEncoder, targetEncoder: tgtEncoder, filter: .keepAll, threads: config.threads)
            let reader = try TextLineReader(path: config.validTarget)
            var refs: [String] = []
            while let l = try reader.nextLine() { refs.append(l) }
            let tgtPipe = target
            validator = Validator(corpus: validCorpus.corpus, references: refs, targetLang: config.targetLang,
                                  maxTokens: config.maxTokens, bleuSentences: config.validBleuSentences,
                                  detokenize: { tgtPipe.decode($0) }, translate: translate)
        } else {
            validator = nil
        }

        let modelConfig = try config.modelConfig(sourceVocabSize: srcVocab.count, targetVocabSize: tgtVocab.count)
        model = try Seq2Seq(config: modelConfig)
        store = ParameterStore(layout: model.layout, training: true)
        model.initialize(store, seed: config.seed)
        if config.initFrom.isEmpty {
            initReport = nil
            teacher = nil
        } else {
            let (entries, meta) = try SafeTensors.read(config.initFrom)
            guard let tc = try Checkpoint.config(in: meta, path: config.initFrom) else {
                throw TrainError.setup("\(config.initFrom): no t2r-mt model config in its metadata")
            }
            for (key, ours) in metadata where key.hasSuffix("_hash") {
                if let theirs = meta[key], theirs != ours {
                    throw TrainError.setup("\(config.initFrom) was trained with another vocabulary or BPE (\(key) \(theirs), this run \(ours))")
                }
            }
            let tm = try Seq2Seq(config: tc)
            let ts = ParameterStore(layout: tm.layout, training: false)
            try Checkpoint.copy(entries, into: ts, path: config.initFrom)
            teacher = (tm, ts)
            if tc.decoderAttention == .softmax && modelConfig.decoderAttention == .t2r {
                var sameShape = tc
                sameShape.decoderAttention = .t2r
                sameShape.featureMap = modelConfig.featureMap
                sameShape.featureSizeSelf = modelConfig.featureSizeSelf
                sameShape.featureSizeCross = modelConfig.featureSizeCross
                sameShape.dropout = modelConfig.dropout
                sameShape.attentionDropout = modelConfig.attentionDropout
                sameShape.activationDropout = modelConfig.activationDropout
                guard sameShape == modelConfig else {
                    throw TrainError.setup("init_from \(config.initFrom) has architecture \(tc); this run asks for \(modelConfig)")
                }
                var rng = RNG(seed: config.seed, stream: 0x5A)
                let r = try Swap.copy(from: ts, into: store, featureMaps: model.featureMapParameters,
                                      headDim: modelConfig.headDim, rng: &rng)
                initReport = "swapped softmax → T2R: copied \(r.copiedTensors) tensors (\(r.copiedParameters) parameters), fresh φ: \(r.freshTensors) tensors (\(r.freshParameters) parameters)"
            } else {
                try Checkpoint.copy(entries, into: store, path: config.initFrom)
                initReport = "initialised from \(config.initFrom) (same architecture)"
            }
        }
    }

    /// The trainer over this run (resuming from `save_dir` when it holds a state).
    public func trainer(resume: Bool, log: TrainLog, group: ProcessGroup = .single) throws -> Trainer {
        try Trainer(config: config, model: model, store: store, train: train.corpus, validator: validator,
                    metadata: metadata, resume: resume, log: log, group: group)
    }
}
