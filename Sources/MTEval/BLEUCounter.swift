/// Per-segment BLEU statistics: preprocess the hypothesis and its references, give their
/// tokens dense ids, and count clipped n-gram matches.
///
/// This is sacreBLEU's `_extract_reference_info` + `_compute_segment_statistics`: the
/// reference count of an n-gram is the maximum over references, matches are
/// `min(hyp count, that max)`, and the reference length is the one closest to the hypothesis
/// length (ties → shorter). A `BLEUCounter` owns all its scratch buffers, so one counter
/// per thread scores any number of segments without allocating per segment.
/// Corpus summation and threading live in `CorpusScorer.swift`.
struct BLEUCounter {
    let options: BLEUOptions
    private var work = TokenizerWorkspace()
    private var hypLine = TokenizedLine()
    private var refLine = TokenizedLine()
    private var interner = TokenInterner()
    private var seqs = NGramSequences()
    private var table = NGramMatchTable()

    init(options: BLEUOptions) { self.options = options }

    /// Closest reference length to `hypLen`; ties go to the shorter reference.
    static func closestRefLength(_ hypLen: Int, _ refLens: [Int]) -> Int {
        var closestDiff = -1, closestLen = -1
        for r in refLens {
            let diff = abs(hypLen - r)
            if closestDiff == -1 || diff < closestDiff {
                closestDiff = diff
                closestLen = r
            } else if diff == closestDiff && r < closestLen {
                closestLen = r
            }
        }
        return closestLen
    }

    /// Appends the ids of `line`'s tokens as a new sequence.
    private mutating func addSequence(_ line: TokenizedLine) {
        seqs.beginSequence()
        let p = line.bytes.buffer
        for k in 0..<line.tokens.count {
            seqs.ids.append(interner.id(p, line.tokens.starts[k], line.tokens.ends[k]))
        }
        seqs.endSequence()
    }

    /// Statistics of hypothesis `hyp` (line `hypIndex`) against the references (line
    /// `index` of each `TextLines` in `refs`).
    mutating func statistics(hyp: TextLines, index: Int, refs: [TextLines]) -> BLEUStatistics {
        interner.reset()
        seqs.reset()
        hyp.bytes.withUnsafeBufferPointer { p in
            options.tokenizer.process(
                p, start: hyp.starts[index], end: hyp.ends[index], lowercase: options.lowercase,
                into: &hypLine, work: &work)
        }
        addSequence(hypLine)
        var refLens: [Int] = []
        refLens.reserveCapacity(refs.count)
        for r in refs {
            r.bytes.withUnsafeBufferPointer { p in
                options.tokenizer.process(
                    p, start: r.starts[index], end: r.ends[index], lowercase: options.lowercase,
                    into: &refLine, work: &work)
            }
            refLens.append(refLine.tokens.count)
            addSequence(refLine)
        }
        return count(refLens: refLens)
    }

    /// Counts matches for the sequences in `seqs` (0 = hypothesis, 1... = references).
    private mutating func count(refLens: [Int]) -> BLEUStatistics {
        var st = BLEUStatistics()
        let hypLen = seqs.lengths[0]
        st.hypLength = hypLen
        st.refLength = Self.closestRefLength(hypLen, refLens)
        guard hypLen > 0 else { return st }
        let nRefs = refLens.count
        seqs.begin(distinct: interner.count)
        for n in 1...BLEUOptions.maxOrder {
            if n > 1 { seqs.advance() }
            let total = seqs.ngramCount(0)
            if total == 0 { break }
            st.totals[n - 1] = total
            seqs.withKeys(0) { table.loadHypothesis($0) }
            var m = 0
            for r in 0..<nRefs { m = seqs.withKeys(r + 1) { table.matchReference($0) } }
            st.matches[n - 1] = nRefs == 1 ? m : table.clippedByMaximum()
        }
        return st
    }
}
