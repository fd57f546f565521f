import Foundation
import MTData
import MTModel
import MTOps
import MTTensor

/// The training loop: batch → forward → loss → backward → clip → Adam step → log → (validate,
/// save) — resumable exactly from its last checkpoint.
public final class Trainer {
    public let config: TrainConfig
    public let model: Seq2Seq
    public let store: ParameterStore
    public let files: CheckpointFiles
    public private(set) var state: TrainingState
    /// Extra metadata stored in every checkpoint (vocabulary/BPE hashes, text settings).
    public let metadata: [String: String]
    let validator: Validator?
    let schedule: LRSchedule
    var adam: Adam
    var iterator: BatchIterator
    var rng: RNG
    let arena = Arena(capacity: 0)
    let log: TrainLog
    var nonFiniteInARow = 0
    let startUpdate: Int
    /// The update last saved (a resumed run starts saved), so a limit reached right after a
    /// save point does not save and validate twice.
    var lastSaved: Int?
    /// When this invocation of `run()` started, and the training time of earlier invocations.
    var runStart = Date()
    var secondsBefore = 0.0
    /// How long the last validation took (max_minutes keeps that much for the final one).
    var lastValidationSeconds = 0.0
    /// Warnings about the resumed run (e.g. a learning-rate schedule that differs from the saved one).
    public private(set) var resumeWarnings: [String] = []
    /// The processes training this model (one, or the ranks of an mpirun job) and what they
    /// agreed on at the last update (Trainer+DataParallel.swift).
    public let group: ProcessGroup
    var agreed = Agreement()
    /// Running sum of this rank's per-batch gradients when it does more than one batch per update.
    var accumulator: TensorStorage?

    /// - Parameters:
    ///   - resume: continue from `files.last`/`files.lastState` when they exist.
    public init(config: TrainConfig, model: Seq2Seq, store: ParameterStore, train: EncodedCorpus,
                validator: Validator?, metadata: [String: String], resume: Bool, log: TrainLog,
                group: ProcessGroup = .single) throws {
        self.config = config
        self.model = model
        self.store = store
        self.validator = validator
        self.metadata = metadata
        self.log = log
        self.group = group
        files = CheckpointFiles(dir: config.saveDir)
        schedule = config.schedule
        adam = Adam(beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEps, weightDecay: config.weightDecay)
        let batching = BatchingConfig(maxTokens: config.maxTokens, seed: config.seed, accumulate: config.updateFreq * group.size)
        var st = TrainingState()
        st.rngState = RNG(seed: config.seed, stream: 0xD0).state
        iterator = try BatchIterator(corpus: train, config: batching, specials: SpecialIds(model.config.specialIDs))
        if resume && FileManager.default.fileExists(atPath: files.lastState) {
            let (entries, meta) = try SafeTensors.read(files.last)
            if let saved = try Checkpoint.config(in: meta, path: files.last), saved != model.config {
                throw ModelError.checkpointMismatch(path: files.last, problems: [
                    "it was trained with model config \(saved), but this run asks for \(model.config); use another save_dir or the same settings"])
            }
            try Checkpoint.copy(entries, into: store, path: files.last)
            st = try TrainingState.load(files.lastState, into: store)
            try Self.checkSplit(saved: st, updateFreq: config.updateFreq, ranks: group.size, path: files.lastState, log: log)
            let position = BatchPosition(epoch: st.epoch, batch: st.batch, fingerprint: st.dataFingerprint)
            iterator = try BatchIterator(corpus: train, config: batching, position: position,
                                         specials: SpecialIds(model.config.specialIDs))
            adam = Adam(beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEps,
                        weightDecay: config.weightDecay, step: st.adamStep)
            log.info("resumed from \(files.last): update \(st.update), \(position)")
            if let json = meta["t2r_mt.train_config"],
               let saved = try? TrainConfig().merging(yaml: json, source: files.last).schedule, saved != schedule {
                resumeWarnings.append("the learning-rate schedule differs from the saved run's (\(saved.summary) before, \(schedule.summary) now): from update \(st.update + 1) the rate follows the new one")
            }
            resumeWarnings.forEach(log.warn)
        }
        st.ranks = group.size
        st.batchesPerUpdate = config.updateFreq * group.size
        state = st
        rng = RNG(state: st.rngState)
        startUpdate = st.update
        lastSaved = st.update > 0 ? st.update : nil
        try verifyRanksAgree(corpus: train)
    }

    public enum StopReason: String, Sendable {
        case maxUpdates = "max_updates reached", maxEpochs = "max_epochs reached", maxMinutes = "max_minutes reached"
        case earlyStop = "no improvement for `patience` validations", signal = "stopped by signal"
    }

    /// Trains until a limit, early stopping or a stop signal; saves on the way out.
    @discardableResult
    public func run() throws -> StopReason {
        try FileManager.default.createDirectory(atPath: config.saveDir, withIntermediateDirectories: true)
        var window = TrainLog.Window()
        runStart = Date()
        secondsBefore = state.trainSeconds
        while true {
            if let reason = limitReached(elapsed: agreedElapsed()) {
                if lastSaved != state.update { try saveAndValidate(epochEnd: false) }
                return stopped(reason)
            }
            let t0 = Date()
            let u = iterator.nextUpdate()
            let stats = try step(u)
            state.trainSeconds = elapsed()
            window.add(stats, seconds: Date().timeIntervalSince(t0))
            if state.update % config.logInterval == 0 || u.endsEpoch {
                log.progress(epoch: u.epoch, update: state.update, window: window, lr: schedule.rate(at: state.update),
                             eta: eta(window))
                window = TrainLog.Window()
            }
            if stopRequested {
                log.info("\(StopSignal.name): saving and exiting")
                try saveAndValidate(epochEnd: false, validate: false)
                return stopped(.signal)
            }
            let due = (config.saveInterval > 0 && state.update % config.saveInterval == 0) || u.endsEpoch
            if due, try saveAndValidate(epochEnd: u.endsEpoch) { return stopped(.earlyStop) }
        }
    }

    /// Logs why training stopped, with the total training time over every resumed run as the
    /// last save recorded it, to the console and as a `"kind": "done"` line of metrics.jsonl
    /// (recipes read it from there).
    func stopped(_ reason: StopReason) -> StopReason {
        log.info("done: \(reason.rawValue) at update \(state.update) after \(TrainLog.duration(state.trainSeconds)) of training")
        log.metrics(["kind": "done", "update": state.update, "epoch": state.epoch, "reason": reason.rawValue,
                     "train_seconds": state.trainSeconds])
        return reason
    }

    struct StepStats {
        var loss = 0.0, nll = 0.0, tokens = 0, gnorm = 0.0, skipped = false
    }

    /// One update, in three parts with a seam between each: this process's gradients, the
    /// reduction point (where data-parallel training sums gradients and statistics over
    /// processes), and the optimiser step every process takes alike.
    func step(_ u: BatchIterator.Update) throws -> StepStats {
        var s = accumulateGradients(u)
        try reduceGradients(&s)
        try applyUpdate(&s)
        return s
    }

    /// Forward and backward over this rank's share of the update's batches into the gradient
    /// slab (zeroed first), the loss normalised by the whole update's target tokens. Each batch
    /// has its own dropout stream and, after the first, its own gradient slab added to the
    /// running sum, so the sum does not depend on how the batches are split among ranks
    /// (Trainer+DataParallel.swift).
    func accumulateGradients(_ u: BatchIterator.Update) -> StepStats {
        store.zeroGrads()
        // RFA: this update's Ω, a function of (seed, update) only, so resuming reproduces it.
        model.drawRandomFeatures(update: state.update + 1, seed: config.seed)
        var s = StepStats()
        let scale = 1 / Float(max(u.targetTokens, 1))
        let smoothing = config.labelSmoothing
        for (j, i) in share(of: u).enumerated() {
            if j > 0 { stashGradients() }
            arena.reset()
            rng = Self.dropoutRNG(seed: config.seed, epoch: u.epoch, batch: u.firstBatch + i)
            let c = model.forward(TokenBatch(u.batches[i]), smoothing: smoothing, training: true, rng: &rng, params: store, arena: arena,
                                  lossGradientScale: scale)
            model.backward(c, scale: scale, smoothing: smoothing, params: store, arena: arena)
            if j > 0 { addStashedGradients() }
            s.loss += c.result.loss; s.nll += c.result.nll; s.tokens += c.result.tokens
        }
        state.epoch = iterator.position.epoch
        state.batch = iterator.position.batch
        state.dataFingerprint = iterator.position.fingerprint
        return s
    }

    /// The gradient reduction point. One process holds the whole update already; ranks of a
    /// data-parallel run sum the gradient slab and the loss and token statistics here (and
    /// agree on stopping), so that clipping and Adam see the global gradient on every rank.
    func reduceGradients(_ s: inout StepStats) throws {
        guard group.size > 1 else { return }
        try allReduce(&s)
    }

    /// Clipping, the non-finite check and the Adam step on the (reduced) gradient. Throws
    /// `TrainError.nonFinite` after `max_non_finite` skipped updates in a row.
    func applyUpdate(_ s: inout StepStats) throws {
        let (gnorm, clipScale) = GradClip.factor(store, maxNorm: config.clipNorm)
        s.gnorm = gnorm
        if !s.loss.isFinite || !s.gnorm.isFinite {
            nonFiniteInARow += 1
            s.skipped = true
            log.warn("non-finite loss or gradient at update \(state.update + 1) (loss \(s.loss), gnorm \(s.gnorm)): update skipped (\(nonFiniteInARow) in a row, limit \(config.maxNonFinite))")
            state.rngState = rng.state
            if nonFiniteInARow >= config.maxNonFinite {
                throw TrainError.nonFinite(count: nonFiniteInARow, update: state.update + 1)
            }
            return
        }
        nonFiniteInARow = 0
        state.update += 1
        adam.update(store, learningRate: schedule.rate(at: state.update), gradScale: clipScale)
        state.adamStep = adam.step
        state.rngState = rng.state
        state.targetTokensSeen += s.tokens
    }

    /// Training time over every invocation, validations and saving included.
    func elapsed() -> Double { secondsBefore + Date().timeIntervalSince(runStart) }

    /// max_minutes counts the final validation: the run stops once the time left is less than
    /// its last validation took (`lastValidationSeconds`; 0 before the first one).
    func limitReached(elapsed: Double) -> StopReason? {
        if config.maxUpdates > 0 && state.update >= config.maxUpdates { return .maxUpdates }
        if config.maxEpochs > 0 && state.epoch > config.maxEpochs { return .maxEpochs }
        if config.maxMinutes > 0 && elapsed + lastValidationSeconds >= config.maxMinutes * 60 { return .maxMinutes }
        return nil
    }

    func eta(_ w: TrainLog.Window) -> Double? {
        guard w.updates > 0 else { return nil }
        let perUpdate = w.seconds / Double(w.updates)
        var left: [Double] = []
        if config.maxUpdates > 0 { left.append(Double(config.maxUpdates - state.update) * perUpdate) }
        if config.maxEpochs > 0 {
            let perEpoch = Double(iterator.updatesInEpoch)
            let done = Double(state.epoch - 1) * perEpoch + Double(state.batch) / Double(max(config.updateFreq, 1))
            left.append((Double(config.maxEpochs) * perEpoch - done) * perUpdate)
        }
        if config.maxMinutes > 0 { left.append(config.maxMinutes * 60 - state.trainSeconds) }
        return left.min().map { max($0, 0) }
    }

    /// Whether this process does the leader-only work (validation, saving, pruning, logging
    /// results): always, for one process; rank 0 of a data-parallel run.
    var isLeader: Bool { group.isLeader }

    /// Validates (when asked and there is a validator) and saves; keeps the best; prunes.
    /// Returns true when early stopping says to stop. Only the leader works here; every
    /// process must reach the same answer (one process: its own).
    @discardableResult
    func saveAndValidate(epochEnd: Bool, validate: Bool = true) throws -> Bool {
        guard group.size == 1 else { return try agreeOnSaveAndValidate(epochEnd: epochEnd, validate: validate) }
        return try leaderSaveAndValidate(epochEnd: epochEnd, validate: validate)
    }

    func leaderSaveAndValidate(epochEnd: Bool, validate: Bool) throws -> Bool {
        let result = validate ? try self.validate() : nil
        state.trainSeconds = elapsed()  // the validation counts as training time
        try save(best: result?.improved ?? false)
        prune()
        if let r = result?.result {
            log.metrics(["kind": "valid", "update": state.update, "loss": r.loss, "ppl": r.perplexity,
                         "bleu": r.bleu?.score ?? -1, "train_seconds": state.trainSeconds])
        }
        return config.patience > 0 && state.badValidations >= config.patience
    }

    /// Validation loss (and BLEU) of the current weights; updates the best score and the count
    /// of validations without improvement. Nil without a validator.
    func validate() throws -> (result: Validator.Result, improved: Bool)? {
        guard let v = validator else { return nil }
        let t0 = Date()
        defer { lastValidationSeconds = Date().timeIntervalSince(t0) }
        let r = try v.run(model: model, params: store, smoothing: config.labelSmoothing)
        let score = config.bestMetric == "bleu" ? (r.bleu?.score ?? -r.loss) : -r.loss
        let improved = state.best.map { score > $0 } ?? true
        if improved { state.best = score; state.badValidations = 0 } else { state.badValidations += 1 }
        log.validation(update: state.update, result: r, best: state.best, metric: config.bestMetric)
        return (r, improved)
    }

    /// Saves the numbered checkpoint, checkpoint_last with its training state, and (when `best`)
    /// checkpoint_best. Order matters for crash safety: the numbered copy first, then last +
    /// state, each written atomically.
    func save(best: Bool) throws {
        var meta = metadata
        meta["t2r_mt.train_config"] = config.json()
        meta["t2r_mt.update"] = String(state.update)
        try Checkpoint.save(store, config: model.config, extra: meta, to: files.numbered(state.update))
        try Checkpoint.save(store, config: model.config, extra: meta, to: files.last)
        try state.save(moments: store, extra: meta, to: files.lastState)
        if best { try CheckpointFiles.copy(files.last, to: files.best) }
        lastSaved = state.update
        log.info("saved \(files.numbered(state.update))\(best ? " (best)" : "")")
    }

    /// Removes numbered checkpoints beyond `keep_last`.
    func prune() { files.prune(keep: config.keepLast) }
}
