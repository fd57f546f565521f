import MTModel
import MTOps

/// The scoring half of one beam step: log-softmax normalisers, then the best 2K of the K·V
/// extensions of each sentence (fairseq's `cand_size = 2·beam`), as (value, row, token).
///
/// value = rowScore + logit − lse(row): the cumulative log-probability of the extension. Tokens
/// that may never be produced (<pad>, <s>) are skipped, </s> is skipped before the minimum
/// length, and at a sentence's maximum length </s> is the only extension. At step 0 all beams
/// of a sentence are the same hypothesis, so only its first row is expanded. Ties keep the
/// lower row·V + token index first (greedy search's argmax agrees).
struct CandidateBuffers {
    /// Candidates per sentence (2K).
    let width: Int
    var value: [Float]   // [B, 2K]
    var row: [Int32]     // [B, 2K] global row of the parent
    var token: [Int32]   // [B, 2K]
    var lse: [Float]     // [N]

    init(sentences: Int, beam: Int) {
        width = 2 * beam
        value = [Float](repeating: -.infinity, count: sentences * width)
        row = [Int32](repeating: -1, count: sentences * width)
        token = [Int32](repeating: -1, count: sentences * width)
        lse = [Float](repeating: 0, count: sentences * beam)
    }
}

/// Per-sentence limits the step needs.
struct StepLimits {
    let step: Int
    let minLength: Int
    /// maxLength[i] of active sentence i (in row order).
    let maxLength: [Int]
    /// The model's special ids (never produced: pad, bos; eos ends).
    let ids: ModelConfig.SpecialIDs
    /// A forced </s> has log p = 0 (Hugging Face), not the model's.
    var forcedEOSIsFree = false
}

enum BeamStep {
    /// Fills `buf` for `sentences` active sentences of `beam` rows from logits [N, V].
    static func selectCandidates(logits: Tensor, rowScores: [Float], beam: Int, sentences: Int,
                                 limits: StepLimits, into buf: inout CandidateBuffers) {
        let v = logits.shape[1], width = buf.width
        buf.lse.withUnsafeMutableBufferPointer { Kernels.logSumExpRows(logits, into: $0.baseAddress!) }
        let lse = buf.lse, scores = rowScores, lim = limits
        buf.value.withUnsafeMutableBufferPointer { vb in
            buf.row.withUnsafeMutableBufferPointer { rb in
                buf.token.withUnsafeMutableBufferPointer { tb in
                    let vp = SendablePointer(vb.baseAddress!), rp = SendablePointer(rb.baseAddress!)
                    let tp = SendablePointer(tb.baseAddress!)
                    Parallel.forRanges(sentences, work: sentences * beam * v) { range in
                        for i in range {
                            var top = TopK(values: vp.p + i * width, rows: rp.p + i * width, tokens: tp.p + i * width,
                                           capacity: width)
                            let rows = limits.step == 0 ? 1 : beam
                            for k in 0..<rows {
                                let r = i * beam + k
                                if lim.forcedEOSIsFree && lim.step >= lim.maxLength[i] {
                                    top.offer(scores[r], row: r, token: Int(lim.ids.eos))
                                    continue
                                }
                                scanRow(logits.pointer + r * v, vocab: v, offset: scores[r] - lse[r], row: r,
                                        forceEOS: lim.step >= lim.maxLength[i], allowEOS: lim.step >= lim.minLength,
                                        ids: lim.ids, into: &top)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Offers logit[t] + offset for every allowed token t of one row.
    @inline(__always)
    static func scanRow(_ logit: UnsafePointer<Float>, vocab v: Int, offset: Float, row: Int, forceEOS: Bool,
                        allowEOS: Bool, ids: ModelConfig.SpecialIDs, into top: inout TopK) {
        if offset == -.infinity { return }  // a dead row (no finite hypothesis)
        let eos = Int(ids.eos), pad = Int(ids.pad), bos = Int(ids.bos)
        if forceEOS {
            top.offer(logit[eos] + offset, row: row, token: eos)
            return
        }
        for t in 0..<v {
            let x = logit[t] + offset
            if x > top.threshold {
                if t == pad || t == bos || (t == eos && !allowEOS) { continue }
                top.offer(x, row: row, token: t)
            }
        }
    }
}

/// The best `capacity` offers seen so far, sorted by value (descending; ties by arrival order).
struct TopK {
    let values: UnsafeMutablePointer<Float>
    let rows: UnsafeMutablePointer<Int32>
    let tokens: UnsafeMutablePointer<Int32>
    let capacity: Int
    var count = 0
    /// An offer must exceed this to enter (−∞ until full, then the worst kept value).
    var threshold: Float = -.infinity

    init(values: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Int32>, tokens: UnsafeMutablePointer<Int32>,
         capacity: Int) {
        self.values = values
        self.rows = rows
        self.tokens = tokens
        self.capacity = capacity
        values.update(repeating: -.infinity, count: capacity)
        rows.update(repeating: -1, count: capacity)
        tokens.update(repeating: -1, count: capacity)
    }

    @inline(__always)
    mutating func offer(_ x: Float, row: Int, token: Int) {
        guard x > threshold, x > -.infinity else { return }
        var p = Swift.min(count, capacity - 1)  // slot to fill: the end, or the last (evicted)
        while p > 0 && values[p - 1] < x {
            values[p] = values[p - 1]; rows[p] = rows[p - 1]; tokens[p] = tokens[p - 1]
            p -= 1
        }
        values[p] = x; rows[p] = Int32(row); tokens[p] = Int32(token)
        if count < capacity { count += 1 }
        if count == capacity { threshold = values[capacity - 1] }
    }
}
