import Foundation
import MTData
import MTIO
import MTModel
import MTTensor

/// Data-parallel training over the ranks of an mpirun job (`ProcessGroup`).
///
/// Every rank runs the same deterministic batch plan with ranks × update_freq batches per
/// update; rank r trains on batches r·k ..< (r+1)·k of each update (k = update_freq), so no data
/// is exchanged and the loss is normalised by the whole update's target tokens, which every rank
/// knows. Each batch has its own dropout stream (seed, epoch, batch) and its own gradient slab
/// added to the running sum, so 2 ranks × update_freq 1 compute bit for bit what 1 process ×
/// update_freq 2 computes (fl(g₀ + g₁) either way); with more ranks only the order of the sum
/// of slabs differs. After the all-reduce of the slab and of the statistics, clipping and Adam
/// run alike on every rank. Rank 0 validates and saves; all ranks agree on stopping.
extension Trainer {
    /// What the ranks agreed on at the last all-reduce.
    struct Agreement {
        /// Some rank received SIGINT/SIGTERM.
        var stop = false
        /// Rank 0's training time (for max_minutes); nil before the first update.
        var elapsed: Double?
    }

    /// Indices into `u.batches` this rank trains on.
    func share(of u: BatchIterator.Update) -> Range<Int> {
        let k = config.updateFreq
        let lo = min(group.rank * k, u.batches.count)
        return lo..<min(lo + k, u.batches.count)
    }

    /// The dropout generator of batch `batch` (from 0) of epoch `epoch`: independent of how
    /// batches are grouped into updates or split among ranks.
    static func dropoutRNG(seed: UInt64, epoch: Int, batch: Int) -> RNG {
        RNG(seed: seed, stream: 0xD0_0000_0000_0000 ^ (UInt64(epoch) << 32) ^ UInt64(batch))
    }

    /// Moves the running gradient sum aside and zeroes the slab for the next batch.
    func stashGradients() {
        guard let g = store.grads else { return }
        if accumulator == nil { accumulator = TensorStorage(count: g.count) }
        accumulator!.base.update(from: g.base, count: g.count)
        store.zeroGrads()
    }

    /// slab ← this batch's gradient + the stashed running sum.
    func addStashedGradients() {
        guard let g = store.grads, let a = accumulator else { return }
        let sg = SendablePointer(g.base), sa = SendablePointer(UnsafeMutablePointer(mutating: a.base))
        Parallel.forRanges(g.count, work: g.count) { range in
            let g = sg.p, a = sa.p
            for i in range { g[i] += a[i] }
        }
    }

    /// Σ of the gradient slab and of (loss, nll, tokens) over the ranks; agrees on a stop signal
    /// and on rank 0's clock.
    func allReduce(_ s: inout StepStats) throws {
        try group.sum(store.grads!.base, count: store.totalCount)
        let v = try group.sum([s.loss, s.nll, Double(s.tokens), StopSignal.isRequested ? 1 : 0,
                               group.isLeader ? elapsed() : 0])
        s.loss = v[0]; s.nll = v[1]; s.tokens = Int(v[2])
        agreed.stop = v[3] > 0
        agreed.elapsed = v[4]
    }

    /// A stop signal this update: this process's own, or any rank's in a data-parallel run.
    var stopRequested: Bool { group.size > 1 ? agreed.stop : StopSignal.isRequested }

    /// Training time for max_minutes: rank 0's in a data-parallel run (so all stop together).
    func agreedElapsed() -> Double {
        guard group.size > 1 else { return elapsed() }
        return agreed.elapsed ?? secondsBefore
    }

    /// Rank 0 validates and saves; every rank first checks that the weights are still the same
    /// everywhere, then learns rank 0's early-stopping answer.
    func agreeOnSaveAndValidate(epochEnd: Bool, validate: Bool) throws -> Bool {
        try group.verifySame([("weights after update \(state.update)",
                               ProcessGroup.slabHash(store.weights.base, count: store.totalCount))])
        let stop = isLeader ? try leaderSaveAndValidate(epochEnd: epochEnd, validate: validate) : false
        lastSaved = state.update  // on every rank: the loop's "saved already?" test must agree
        return try group.sum([stop ? 1 : 0])[0] > 0
    }

    /// Start-up check: the same binary, config, data, vocabularies, weights and training state
    /// on every rank.
    func verifyRanksAgree(corpus: EncodedCorpus) throws {
        guard group.size > 1 else { return }
        let meta = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // key order is per-process otherwise
        let stateJSON = (try? encoder.encode(state)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        try group.verifySame([
            ("mt-train binary", ProcessGroup.fileHash("/proc/self/exe")),
            ("training config", FNV1a.hash(config.json())),
            ("training data", iterator.position.fingerprint),
            ("vocabularies/BPE", FNV1a.hash(meta)),
            ("initial weights", ProcessGroup.slabHash(store.weights.base, count: store.totalCount)),
            ("training state (resumed checkpoint)", FNV1a.hash(stateJSON)),
        ])
        log.info("data-parallel: \(group.size) ranks × update_freq \(config.updateFreq) = \(config.updateFreq * group.size) batches per update; binary, config, data, vocabularies and weights agree")
    }

    /// Refuses to resume a state saved with another number of batches per update (ranks ×
    /// update_freq): its updates would hold other batches. The same number with other ranks
    /// re-splits the same batches.
    static func checkSplit(saved st: TrainingState, updateFreq: Int, ranks: Int, path: String, log: TrainLog) throws {
        guard let savedBatches = st.batchesPerUpdate else { return }
        let savedRanks = st.ranks ?? 1
        let now = updateFreq * ranks
        guard savedBatches == now else {
            throw TrainError.distributed(rank: 0, "\(path) was saved by \(savedRanks) rank(s) with \(savedBatches) batches per update (ranks × update_freq); this run has \(ranks) rank(s) × update_freq \(updateFreq) = \(now). Resume with ranks × update_freq = \(savedBatches) (e.g. mpirun -np \(savedRanks) with update_freq \(savedBatches / max(savedRanks, 1))), or use another save_dir")
        }
        if savedRanks != ranks {
            log.info("resuming a \(savedRanks)-rank state on \(ranks) rank(s): the same \(now) batches per update, re-split (the gradient sum may round differently)")
        }
    }
}
