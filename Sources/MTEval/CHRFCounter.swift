/// Per-segment chrF/chrF++ statistics: character n-grams over code points (whitespace
/// removed unless asked), word n-grams over punctuation-split words, best reference.
///
/// sacreBLEU's `extract_all_char_ngrams` runs on `''.join(line.split())`, so character
/// n-grams cross word boundaries. chrF++'s words come from `_remove_punctuation`: split on
/// whitespace; a word of one code point stays; otherwise one ASCII punctuation character
/// (`string.punctuation`) is split off the end, or else off the start (`(hi)` → `(hi`, `)`).
/// For each order the triple is `[hyp count, ref count, matches]`, with the hypothesis count
/// set to 0 when the reference has no n-gram of that order. The reference with the highest
/// sentence F (first on ties) supplies the segment's triples.
struct CHRFCounter {
    let options: CHRFOptions
    private var lower: [UInt8] = []
    private var words = TokenRanges()
    private var charIds = CodePointInterner()
    private var wordIds = TokenInterner()
    private var chars = NGramSequences()
    private var wordSeqs = NGramSequences()
    private var table = NGramMatchTable()
    private var perRef: [[Int]] = []

    init(options: CHRFOptions) { self.options = options }

    /// Statistics of line `index` of `hyp` against line `index` of each reference.
    mutating func statistics(hyp: TextLines, index: Int, refs: [TextLines]) -> CHRFStatistics {
        charIds.reset()
        wordIds.reset()
        chars.reset()
        wordSeqs.reset()
        addSegment(hyp, index)
        for r in refs { addSegment(r, index) }
        let order = options.order
        if perRef.count != refs.count || perRef.first?.count != 3 * order {
            perRef = [[Int]](repeating: [Int](repeating: 0, count: 3 * order), count: refs.count)
        }
        var seqs = NGramSequences()
        swap(&seqs, &chars)
        countOrders(&seqs, orders: options.charOrder, distinct: charIds.count, offset: 0)
        swap(&seqs, &chars)
        if options.wordOrder > 0 {
            swap(&seqs, &wordSeqs)
            countOrders(
                &seqs, orders: options.wordOrder, distinct: wordIds.count,
                offset: options.charOrder)
            swap(&seqs, &wordSeqs)
        }
        var best = 0
        var bestF = -1.0
        for r in 0..<refs.count {
            let f = options.fScore(perRef[r])
            if f > bestF {
                bestF = f
                best = r
            }
        }
        return CHRFStatistics(values: perRef[best])
    }

    /// Fills the triples of orders `offset+1 ... offset+orders` for every reference.
    private mutating func countOrders(
        _ seqs: inout NGramSequences, orders: Int, distinct: Int, offset: Int
    ) {
        guard orders > 0 else { return }
        seqs.begin(distinct: distinct)
        for n in 1...orders {
            if n > 1 { seqs.advance() }
            let hypCount = seqs.ngramCount(0)
            seqs.withKeys(0) { table.loadHypothesis($0) }
            for r in 0..<(seqs.lengths.count - 1) {
                let refCount = seqs.ngramCount(r + 1)
                let base = 3 * (offset + n - 1)
                perRef[r][base] = refCount > 0 ? hypCount : 0
                perRef[r][base + 1] = refCount
                perRef[r][base + 2] = seqs.withKeys(r + 1) { table.matchReference($0) }
            }
        }
    }

    /// Adds line `index` of `lines` (lowercased if asked) as one character sequence and, for
    /// chrF++, one word sequence.
    private mutating func addSegment(_ lines: TextLines, _ index: Int) {
        if options.lowercase {
            lower.removeAll(keepingCapacity: true)
            lines.bytes.withUnsafeBufferPointer { p in
                PythonLowercase.lowercase(
                    p, start: lines.starts[index], end: lines.ends[index], into: &lower)
            }
            let buffer = lower
            buffer.withUnsafeBufferPointer { p in addSegment(p, start: 0, end: p.count) }
        } else {
            lines.bytes.withUnsafeBufferPointer { p in
                addSegment(p, start: lines.starts[index], end: lines.ends[index])
            }
        }
    }

    private mutating func addSegment(_ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int) {
        chars.beginSequence()
        var i = start
        while i < end {
            let w = options.whitespace ? 0 : PythonText.whitespaceLength(p, at: i)
            if w > 0 { i += w; continue }
            let (c, n) = PythonText.decode(p, at: i)
            chars.ids.append(charIds.id(c))
            i += n
        }
        chars.endSequence()
        guard options.wordOrder > 0 else { return }
        wordSeqs.beginSequence()
        words.removeAll()
        PythonText.split(p, start: start, end: end, into: &words)
        for k in 0..<words.count {
            let ws = words.starts[k], we = words.ends[k]
            if PythonText.sequenceLength(p[ws]) == we - ws {  // one code point
                wordSeqs.ids.append(wordIds.id(p, ws, we))
            } else if PythonText.isASCIIPunctuation(UInt32(p[we - 1])) {
                wordSeqs.ids.append(wordIds.id(p, ws, we - 1))
                wordSeqs.ids.append(wordIds.id(p, we - 1, we))
            } else if PythonText.isASCIIPunctuation(UInt32(p[ws])) {
                wordSeqs.ids.append(wordIds.id(p, ws, ws + 1))
                wordSeqs.ids.append(wordIds.id(p, ws + 1, we))
            } else {
                wordSeqs.ids.append(wordIds.id(p, ws, we))
            }
        }
        wordSeqs.endSequence()
    }
}
