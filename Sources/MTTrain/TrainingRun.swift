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

    /// The text side of a model directory that brings its own (an `mt-import marian` directory:
    /// SentencePiece models and vocab.json instead of vocabulary and BPE files). `mt-train` builds
    /// it from the directory; a run given one encodes its corpora with these pipelines, takes the
    /// architecture and special ids from the init_from checkpoint, and copies `files` into save_dir.
    public struct DirectoryText: Sendable {
        public let source: TextPipeline
        public let target: TextPipeline
        /// Entries of the source and target vocabularies (checked against the checkpoint).
        public let vocabularySizes: (source: Int, target: Int)
        /// Files the save_dir needs to translate on its own (absolute paths; copied under their names).
        public let files: [String]
        /// `PipelineFiles.hash(files:)` of the files that decide the ids.
        public let hash: String
        public init(source: TextPipeline, target: TextPipeline, vocabularySizes: (source: Int, target: Int),
                    files: [String], hash: String) {
            self.source = source; self.target = target; self.vocabularySizes = vocabularySizes
            self.files = files; self.hash = hash
        }
    }

    /// - Parameters:
    ///   - directoryText: the init_from directory's own text side (nil: the config's vocabularies and BPE).
    ///   - translate: decoding for validation BLEU (nil: loss only).
    public init(config: TrainConfig, directoryText: DirectoryText? = nil, translate: Validator.Translate?,
                log: TrainLog) throws {
        try config.validate()
        self.config = config
        for (name, path) in [("train_source", config.trainSource), ("train_target", config.trainTarget),
                             ("source_vocab", config.sourceVocab), ("target_vocab", config.targetVocab),
                             ("valid_source", config.validSource), ("valid_target", config.validTarget),
                             ("bpe_codes", config.bpeCodes), ("init_from", config.initFrom)]
        where !path.isEmpty && !FileManager.default.isReadableFile(atPath: path) {
            throw TrainError.setup("\(name): cannot read \(path)")
        }
        // The checkpoint to start from, read first: an imported one decides the architecture and ids.
        var start: (entries: [SafeTensors.Entry], meta: [String: String], config: ModelConfig)?
        if !config.initFrom.isEmpty {
            let (entries, meta) = try SafeTensors.read(config.initFrom)
            guard let tc = try Checkpoint.config(in: meta, path: config.initFrom) else {
                throw TrainError.setup("\(config.initFrom): no t2r-mt model config in its metadata")
            }
            start = (entries, meta, tc)
        }

        let encoderSpecials: SpecialIds
        let fingerprints: (source: String, target: String)
        var vocabSizes = (source: 0, target: 0)
        if let d = directoryText {
            let given = [("source_vocab", config.sourceVocab), ("target_vocab", config.targetVocab), ("bpe_codes", config.bpeCodes)]
                .filter { !$0.1.isEmpty }.map(\.0)
            guard given.isEmpty else {
                throw TrainError.setup("init_from \(config.initFrom) brings its own SentencePiece models and vocabulary; leave \(given.joined(separator: ", ")) empty")
            }
            if let tc = start?.config, d.vocabularySizes != (tc.sourceVocabSize, tc.targetVocabSize) {
                throw TrainError.setup("init_from \(config.initFrom): the directory's vocabularies have \(d.vocabularySizes.source)/\(d.vocabularySizes.target) entries, the model \(tc.sourceVocabSize)/\(tc.targetVocabSize)")
            }
            source = d.source
            target = d.target
            metadata = [PipelineFiles.textHashKey: d.hash]
            encoderSpecials = start.map { SpecialIds($0.config.specialIDs) } ?? .standard
            let ids = encoderSpecials
            fingerprints = ("text=\(d.hash) side=source specials=\(ids.pad),\(ids.bos),\(ids.eos)",
                            "text=\(d.hash) side=target specials=\(ids.pad),\(ids.bos),\(ids.eos)")
        } else {
            for (name, v) in [("source_vocab", config.sourceVocab), ("target_vocab", config.targetVocab)] where v.isEmpty {
                throw TrainError.setup("\(name) is required (init_from is not a model directory with its own text files)")
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
            metadata = [PipelineFiles.bpeHashKey: bpeHash, PipelineFiles.sourceVocabHashKey: srcHash,
                        PipelineFiles.targetVocabHashKey: tgtHash,
                        PipelineFiles.sourceSegmentationKey: config.sourceSegmentation,
                        PipelineFiles.targetSegmentationKey: config.targetSegmentation]
            encoderSpecials = .standard
            fingerprints = ("bpe=\(bpeHash) vocab=\(srcHash) seg=\(config.sourceSegmentation)",
                            "bpe=\(bpeHash) vocab=\(tgtHash) seg=\(config.targetSegmentation)")
            vocabSizes = (srcVocab.count, tgtVocab.count)
        }
        let src = source, tgt = target
        let srcEncoder = ClosureEncoder(fingerprint: fingerprints.source, specials: encoderSpecials) { src.encode($0) }
        let tgtEncoder = ClosureEncoder(fingerprint: fingerprints.target, specials: encoderSpecials) { tgt.encode($0) }

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

        let modelConfig: ModelConfig
        if directoryText != nil, let tc = start?.config {
            modelConfig = try config.modelConfig(adapting: tc)
            let m = modelConfig
            log.info("architecture from \(config.initFrom): d_model \(m.modelDim), ffn \(m.ffnDim) \(m.ffnActivation.rawValue), heads \(m.heads), layers \(m.encoderLayers)+\(m.decoderLayers), vocabulary \(m.sourceVocabSize)/\(m.targetVocabSize), tying \(m.tying.rawValue), ids <pad> \(m.specialIDs.pad) </s> \(m.specialIDs.eos) start \(m.specialIDs.bos) (the config's arch, ffn_activation, tying, pre_norm and output_bias are not used)")
        } else {
            modelConfig = try config.modelConfig(sourceVocabSize: vocabSizes.source, targetVocabSize: vocabSizes.target)
        }
        model = try Seq2Seq(config: modelConfig)
        store = ParameterStore(layout: model.layout, training: true)
        model.initialize(store, seed: config.seed)
        guard let start else {
            initReport = nil
            teacher = nil
            return
        }
        let tc = start.config
        for (key, ours) in metadata where key.hasSuffix("_hash") {
            if let theirs = start.meta[key], theirs != ours {
                throw TrainError.setup("\(config.initFrom) was trained with other text files (vocabulary, BPE or SentencePiece: \(key) \(theirs), this run \(ours))")
            }
        }
        let tm = try Seq2Seq(config: tc)
        let ts = ParameterStore(layout: tm.layout, training: false)
        try Checkpoint.copy(start.entries, into: ts, path: config.initFrom)
        teacher = (tm, ts)
        if tc.decoderAttention == .softmax && modelConfig.decoderAttention == .t2r {
            guard try config.modelConfig(adapting: tc) == modelConfig else {
                throw TrainError.setup("init_from \(config.initFrom) has architecture \(tc); this run asks for \(modelConfig)")
            }
            var rng = RNG(seed: config.seed, stream: 0x5A)
            let r = try Swap.copy(from: ts, into: store, featureMaps: model.featureMapParameters,
                                  headDim: modelConfig.headDim, rng: &rng)
            initReport = "swapped softmax → T2R: copied \(r.copiedTensors) tensors (\(r.copiedParameters) parameters), fresh φ: \(r.freshTensors) tensors (\(r.freshParameters) parameters)"
        } else {
            try Checkpoint.copy(start.entries, into: store, path: config.initFrom)
            initReport = "initialised from \(config.initFrom) (same architecture)"
        }
    }

    /// The trainer over this run (resuming from `save_dir` when it holds a state).
    public func trainer(resume: Bool, log: TrainLog, group: ProcessGroup = .single) throws -> Trainer {
        try Trainer(config: config, model: model, store: store, train: train.corpus, validator: validator,
                    metadata: metadata, resume: resume, log: log, group: group)
    }
}
