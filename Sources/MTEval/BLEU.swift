/// BLEU as sacreBLEU 2.x computes it: per-segment sufficient statistics, summed over the
/// corpus, then one score with brevity penalty and smoothing.
///
/// Per segment (`BLEUStatistics`): hypothesis length, the *closest* reference length (ties go
/// to the shorter; an empty reference counts, with length 0), and for n = 1...4 the clipped
/// matches (hypothesis count clipped by the **maximum** count over references) and the
/// number of hypothesis n-grams. `BLEUOptions.score(_:)` is `BLEU.compute_bleu` operation
/// for operation (percent precisions, `math.log`, divide by the order, `exp`, times BP), so
/// the double matches sacreBLEU's bit for bit. This file does not tokenize or read files.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

public struct BLEUStatistics: Sendable, Equatable {
    /// Hypothesis length in tokens.
    public var hypLength = 0
    /// Effective (closest) reference length in tokens.
    public var refLength = 0
    /// Clipped n-gram matches for n = 1...4 (index n-1).
    public var matches = SIMD4<Int>(repeating: 0)
    /// Hypothesis n-gram counts for n = 1...4 (index n-1).
    public var totals = SIMD4<Int>(repeating: 0)

    /// Zero statistics.
    public init() {}

    /// Statistics with the given values.
    public init(hypLength: Int, refLength: Int, matches: SIMD4<Int>, totals: SIMD4<Int>) {
        self.hypLength = hypLength
        self.refLength = refLength
        self.matches = matches
        self.totals = totals
    }

    /// Adds another segment's statistics (corpus BLEU sums them).
    public static func += (a: inout BLEUStatistics, b: BLEUStatistics) {
        a.hypLength += b.hypLength
        a.refLength += b.refLength
        a.matches &+= b.matches
        a.totals &+= b.totals
    }
}

/// Smoothing methods of sacreBLEU (Chen & Cherry 2014).
public enum BLEUSmoothing: String, CaseIterable, Sendable {
    /// No smoothing: a zero precision makes the score 0.
    case none
    /// Method 1: a zero-match order gets precision ε/total (ε default 0.1).
    case floor
    /// Method 2: add k (default 1) to matches *and* totals for n ≥ 2.
    case addK = "add-k"
    /// Method 3 (mteval-v13a, default): the i-th zero-match order gets 1/(2^i·total).
    case exp

    /// The default smoothing value, or `nil` when the method takes none.
    public var defaultValue: Double? {
        switch self {
        case .floor: return 0.1
        case .addK: return 1
        case .none, .exp: return nil
        }
    }
}

/// Everything that changes a BLEU score, with sacreBLEU's defaults.
public struct BLEUOptions: Sendable, Equatable {
    /// Tokenizer (default 13a).
    public var tokenizer: BLEUTokenizer = .thirteenA
    /// Python `lower()` before tokenizing (`-lc`).
    public var lowercase = false
    /// Smoothing method (default exp).
    public var smoothing: BLEUSmoothing = .exp
    /// Smoothing value; `nil` means the method's default.
    public var smoothValue: Double? = nil
    /// Use only the orders the hypothesis has (sentence BLEU; `eff:yes`).
    public var effectiveOrder = false

    /// sacreBLEU's maximum n-gram order.
    public static let maxOrder = 4

    /// Options with sacreBLEU's corpus defaults.
    public init() {}

    /// Options with the given settings.
    public init(
        tokenizer: BLEUTokenizer = .thirteenA, lowercase: Bool = false,
        smoothing: BLEUSmoothing = .exp, smoothValue: Double? = nil, effectiveOrder: Bool = false
    ) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.smoothing = smoothing
        self.smoothValue = smoothValue
        self.effectiveOrder = effectiveOrder
    }

    /// sacreBLEU's `my_log`: `log`, except log(0) is -9999999999.
    static func pyLog(_ x: Double) -> Double { x == 0 ? -9_999_999_999 : log(x) }

    /// `BLEU.compute_bleu`: the score from (summed) statistics, with BP and smoothing.
    public func score(_ stats: BLEUStatistics) -> BLEUScore {
        let n = Self.maxOrder
        let sysLen = stats.hypLength, refLen = stats.refLength
        var bp = 1.0
        if sysLen < refLen {
            bp = sysLen > 0 ? exp(1 - Double(refLen) / Double(sysLen)) : 0
        }
        var correct = (0..<n).map { Double(stats.matches[$0]) }
        var total = (0..<n).map { Double(stats.totals[$0]) }
        var precisions = [Double](repeating: 0, count: n)
        let result = { (score: Double) in
            BLEUScore(
                score: score, counts: correct, totals: total, precisions: precisions, bp: bp,
                sysLen: sysLen, refLen: refLen)
        }
        if correct.allSatisfy({ $0 == 0 }) { return result(0) }
        let value = smoothValue ?? smoothing.defaultValue ?? 0
        var smoothMteval = 1.0
        var effOrder = n
        for i in 0..<n {
            if smoothing == .addK && i > 0 {
                correct[i] += value
                total[i] += value
            }
            if total[i] == 0 { break }
            if effectiveOrder { effOrder = i + 1 }
            if correct[i] == 0 {
                if smoothing == .exp {
                    smoothMteval *= 2
                    precisions[i] = 100 / (smoothMteval * total[i])
                } else if smoothing == .floor {
                    precisions[i] = 100 * value / total[i]
                }
            } else {
                precisions[i] = 100 * correct[i] / total[i]
            }
        }
        var logSum = 0.0
        for i in 0..<effOrder { logSum += Self.pyLog(precisions[i]) }
        return result(bp * exp(logSum / Double(effOrder)))
    }
}

/// A BLEU result with everything sacreBLEU reports.
public struct BLEUScore: Sendable, Equatable {
    /// The score in [0, 100] (sentence BLEU of a perfect 1-token match is 100.00000000000004).
    public var score: Double
    /// Matches per order (after add-k smoothing, like sacreBLEU).
    public var counts: [Double]
    /// Hypothesis n-grams per order (after add-k smoothing, like sacreBLEU).
    public var totals: [Double]
    /// Precisions in percent per order.
    public var precisions: [Double]
    /// Brevity penalty.
    public var bp: Double
    /// Hypothesis length.
    public var sysLen: Int
    /// Effective reference length.
    public var refLen: Int

    /// hyp_len / ref_len, or 0 when ref_len is 0.
    public var ratio: Double { refLen != 0 ? Double(sysLen) / Double(refLen) : 0 }

    /// sacreBLEU's verbose part: `66.7/41.2/27.3/18.8 (BP = 1.000 ratio = 1.025 hyp_len = 1369
    /// ref_len = 1336)`.
    public var verbose: String {
        let prec = precisions.map { PyFormat.fixed($0, 1) }.joined(separator: "/")
        return "\(prec) (BP = \(PyFormat.fixed(bp, 3)) ratio = \(PyFormat.fixed(ratio, 3)) "
            + "hyp_len = \(sysLen) ref_len = \(refLen))"
    }
}
