/// Which sentence pairs are kept: empty pairs and length or ratio outliers are dropped, and
/// every drop is counted by reason in a `FilterSummary`.
///
/// Lengths are counted in encoder tokens, without the specials batching adds. This file decides
/// and counts; it does not read files (`ParallelCorpusReader`) or batch (`Batcher`).
public struct CorpusFilter: Codable, Sendable, Equatable {
    /// Longest sentence kept, in tokens, on either side.
    public var maxTokens: Int
    /// Largest length ratio kept: max(src, tgt) / min(src, tgt) ≤ maxRatio
    /// (as Moses' clean-corpus-n). `.infinity` turns the check off.
    public var maxRatio: Double
    /// Shortest sentence kept, in tokens, on either side. 0 keeps pairs with an empty side
    /// (validation and test sets, where every line must stay aligned with its reference).
    public var minTokens: Int

    public init(maxTokens: Int = 250, maxRatio: Double = 3.0, minTokens: Int = 1) {
        self.maxTokens = maxTokens
        self.maxRatio = maxRatio
        self.minTokens = minTokens
    }

    /// Decodes with the defaults above for missing keys, so a YAML config may set only some.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CorpusFilter()
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        maxRatio = try c.decodeIfPresent(Double.self, forKey: .maxRatio) ?? d.maxRatio
        minTokens = try c.decodeIfPresent(Int.self, forKey: .minTokens) ?? d.minTokens
    }

    /// No length or ratio limits; only pairs with an empty side are dropped.
    public static let emptyOnly = CorpusFilter(maxTokens: Int(Int32.max), maxRatio: .infinity)

    /// Keeps every line, empty or not (for validation/test sets).
    public static let keepAll = CorpusFilter(
        maxTokens: Int(Int32.max), maxRatio: .infinity, minTokens: 0)

    /// Reports every problem at once.
    public func validate() throws {
        var problems: [String] = []
        if minTokens < 0 { problems.append("minTokens is \(minTokens); it must be ≥ 0") }
        if maxTokens < minTokens {
            problems.append("maxTokens is \(maxTokens); it must be ≥ minTokens (\(minTokens))")
        }
        if maxRatio.isNaN || maxRatio < 1 {
            problems.append("maxRatio is \(maxRatio); it must be ≥ 1 (or infinity to disable)")
        }
        if !problems.isEmpty {
            throw DataError.invalidConfig(name: "CorpusFilter", problems: problems)
        }
    }

    /// Why a pair is dropped.
    public enum DropReason: String, Codable, Sendable, CaseIterable {
        /// A side is empty (blank line, or no tokens after encoding) and minTokens > 0.
        case empty
        /// A side has fewer than `minTokens` tokens (but is not empty).
        case tooShort
        /// A side has more than `maxTokens` tokens.
        case tooLong
        /// The length ratio exceeds `maxRatio`.
        case ratio
    }

    /// Nil if a pair with these token counts is kept, else the first reason it is dropped,
    /// checked in the order empty, tooShort, tooLong, ratio. The ratio is checked only when both
    /// sides have tokens (an empty side is the `empty` rule's business).
    public func dropReason(sourceTokens s: Int, targetTokens t: Int) -> DropReason? {
        if (s == 0 || t == 0) && minTokens > 0 { return .empty }
        if s < minTokens || t < minTokens { return .tooShort }
        if s > maxTokens || t > maxTokens { return .tooLong }
        if s > 0 && t > 0 && Double(max(s, t)) > maxRatio * Double(min(s, t)) { return .ratio }
        return nil
    }
}

/// What reading a parallel corpus did: pairs read, kept, and dropped by reason.
public struct FilterSummary: Codable, Sendable, Equatable, CustomStringConvertible {
    public var sourcePath: String
    public var targetPath: String
    /// Lines read from each side.
    public var pairsRead = 0
    /// Pairs kept.
    public var pairsKept = 0
    /// Dropped because a side is empty (blank, or encodes to no tokens).
    public var droppedEmpty = 0
    /// Dropped because a side is shorter than `minTokens`.
    public var droppedTooShort = 0
    /// Dropped because a side is longer than `maxTokens`.
    public var droppedTooLong = 0
    /// Dropped because the length ratio exceeds `maxRatio`.
    public var droppedRatio = 0
    /// Tokens kept on each side (without specials).
    public var sourceTokens = 0
    public var targetTokens = 0
    /// The filter that was applied.
    public var filter: CorpusFilter

    public init(sourcePath: String, targetPath: String, filter: CorpusFilter) {
        self.sourcePath = sourcePath
        self.targetPath = targetPath
        self.filter = filter
    }

    /// All drops.
    public var dropped: Int { droppedEmpty + droppedTooShort + droppedTooLong + droppedRatio }

    /// Drops for one reason.
    public func count(_ reason: CorpusFilter.DropReason) -> Int {
        switch reason {
        case .empty: return droppedEmpty
        case .tooShort: return droppedTooShort
        case .tooLong: return droppedTooLong
        case .ratio: return droppedRatio
        }
    }

    /// Counts one drop.
    public mutating func record(_ reason: CorpusFilter.DropReason) {
        switch reason {
        case .empty: droppedEmpty += 1
        case .tooShort: droppedTooShort += 1
        case .tooLong: droppedTooLong += 1
        case .ratio: droppedRatio += 1
        }
    }

    /// One `[data]` line with fixed fields, e.g.
    /// `[data] train.en|train.de read 29000 kept 28990 drop empty 3 short 0 long 5 ratio 2
    /// (min 1 max 250 tok, ratio 3.0) tok 360000|370000` (on one line).
    public var description: String {
        let ratio = filter.maxRatio.isFinite ? String(filter.maxRatio) : "off"
        return "[data] \(sourcePath)|\(targetPath) read \(pairsRead) kept \(pairsKept)"
            + " drop empty \(droppedEmpty) short \(droppedTooShort) long \(droppedTooLong)"
            + " ratio \(droppedRatio) (min \(filter.minTokens) max \(filter.maxTokens) tok,"
            + " ratio \(ratio)) tok \(sourceTokens)|\(targetTokens)"
    }
}
