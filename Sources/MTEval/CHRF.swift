/// chrF and chrF++ as sacreBLEU 2.x computes them: options, statistics and the F-score.
///
/// Statistics are one `[hyp, ref, match]` triple per order: character orders 1...`charOrder`
/// then word orders 1...`wordOrder` (chrF++ is word order 2). A segment keeps the triples of
/// its best reference (highest sentence-level F, first on ties); the corpus sums triples and
/// computes one F. With the default effective-order averaging (`eff:yes`), precision and
/// recall are averaged over the orders where both the hypothesis and the reference have
/// n-grams, and one F_β is computed from the averages. With `epsSmoothing` (`eff:no`) the
/// per-order F-scores (ε = 1e-16 for empty orders) are averaged. The arithmetic follows
/// `CHRF._compute_f_score` operation for operation. Counting lives in `CHRFCounter.swift`.
public struct CHRFOptions: Sendable, Equatable {
    /// Character n-gram order (default 6).
    public var charOrder = 6
    /// Word n-gram order (0 = chrF, 2 = chrF++).
    public var wordOrder = 0
    /// β: recall is β times as important as precision (default 2).
    public var beta = 2
    /// Python `lower()` first (`--chrf-lowercase`; BLEU's `-lc` does not affect chrF).
    public var lowercase = false
    /// Keep whitespace inside character n-grams (`--chrf-whitespace`).
    public var whitespace = false
    /// ε-smoothing as in chrF++.py/NLTK/Moses instead of effective order (`--chrf-eps-smoothing`).
    public var epsSmoothing = false

    /// Options with sacreBLEU's defaults (chrF2).
    public init() {}

    /// Options with the given settings.
    public init(
        charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
        whitespace: Bool = false, epsSmoothing: Bool = false
    ) {
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    /// Total number of orders (character plus word).
    public var order: Int { charOrder + wordOrder }

    /// The metric's name: `chrF2`, `chrF2++`, ...
    public var name: String { "chrF\(beta)" + String(repeating: "+", count: max(0, wordOrder)) }

    /// `_compute_f_score`: the F-score in [0, 100] from `[hyp, ref, match]` triples.
    public func fScore(_ stats: [Int]) -> Double {
        let eps = 1e-16
        var score = 0.0
        var effectiveOrder = 0
        let factor = Double(beta * beta)
        var avgPrec = 0.0, avgRec = 0.0
        for i in 0..<order {
            let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
            let prec = nHyp > 0 ? Double(nMatch) / Double(nHyp) : eps
            let rec = nRef > 0 ? Double(nMatch) / Double(nRef) : eps
            let denom = factor * prec + rec
            score += denom > 0 ? ((1 + factor) * prec * rec / denom) : eps
            if nHyp > 0 && nRef > 0 {
                avgPrec += prec
                avgRec += rec
                effectiveOrder += 1
            }
        }
        if epsSmoothing { return 100 * score / Double(order) }
        if effectiveOrder == 0 {
            avgPrec = 0
            avgRec = 0
        } else {
            avgPrec /= Double(effectiveOrder)
            avgRec /= Double(effectiveOrder)
        }
        if avgPrec + avgRec != 0 {
            var s = (1 + factor) * avgPrec * avgRec
            s /= (factor * avgPrec) + avgRec
            return 100 * s
        }
        return 0
    }

    /// The score for summed statistics.
    public func score(_ stats: [Int]) -> CHRFScore {
        CHRFScore(name: name, score: fScore(stats), statistics: stats)
    }
}

/// A chrF result.
public struct CHRFScore: Sendable, Equatable {
    /// `chrF2` or `chrF2++` (β and one `+` per word order).
    public var name: String
    /// The score in [0, 100].
    public var score: Double
    /// The summed `[hyp, ref, match]` triples, one per order.
    public var statistics: [Int]
}

/// chrF statistics of one segment: `[hyp, ref, match]` per order, for its best reference.
public struct CHRFStatistics: Sendable, Equatable {
    /// The flattened triples (3 × order values).
    public var values: [Int]

    /// Zero statistics for `order` orders.
    public init(order: Int) { values = [Int](repeating: 0, count: 3 * order) }

    /// Statistics with the given triples.
    public init(values: [Int]) { self.values = values }

    /// Adds another segment's triples.
    public static func += (a: inout CHRFStatistics, b: CHRFStatistics) {
        for i in 0..<a.values.count { a.values[i] += b.values[i] }
    }
}
